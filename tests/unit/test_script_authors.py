"""The pure rules of co-authors: who may publish to a script, and when an invitation may
still be accepted."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta

from scripthub.domain.script_authors import (
    INVITATION_LIFETIME,
    InvitationKind,
    InvitationStatus,
    ScriptAuthor,
    new_invitation,
)
from scripthub.domain.scripts import Language, Script

T0 = datetime(2026, 12, 1, tzinfo=UTC)


def _script(owner: uuid.UUID, *authors: uuid.UUID) -> Script:
    return Script(
        id=uuid.uuid4(),
        owner_id=owner,
        slug="dark",
        name="Dark",
        language=Language.JAVASCRIPT,
        created_at=T0,
        updated_at=T0,
        authors=tuple(ScriptAuthor(author, f"u{n}") for n, author in enumerate(authors)),
    )


def test_the_owner_and_the_co_authors_publish_nobody_else() -> None:
    owner, author, stranger = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    script = _script(owner, author)

    assert script.may_publish(owner)
    assert script.may_publish(author)
    assert not script.may_publish(stranger)
    assert not script.may_publish(None)
    assert script.co_authored_by(author)
    assert not script.co_authored_by(owner)


def test_an_invitation_is_open_while_pending_and_for_seven_days() -> None:
    invitation = new_invitation(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), InvitationKind.AUTHOR, T0)
    last = T0 + INVITATION_LIFETIME - timedelta(microseconds=1)

    assert timedelta(days=7) == INVITATION_LIFETIME
    assert invitation.expires_at == T0 + INVITATION_LIFETIME
    assert invitation.open(T0)
    assert invitation.open(last)
    assert not invitation.open(T0 + INVITATION_LIFETIME)
    for status in (InvitationStatus.ACCEPTED, InvitationStatus.REVOKED):
        assert not dataclasses.replace(invitation, status=status).open(T0)
