"""One's own account: reading, changing, deleting; public profiles; roles by email."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from scripthub.application.ports.oauth import ProviderIdentity
from scripthub.application.users.change_roles import ChangeUserRoleCommand
from scripthub.application.users.delete_own_account import DeleteOwnAccountCommand
from scripthub.application.users.get_own_user import GetOwnUserQuery
from scripthub.application.users.get_public_user import GetPublicUserQuery
from scripthub.application.users.update_own_user import UpdateOwnUserCommand
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import (
    InvalidCredentialsError,
    NotFoundError,
    SessionRevokedError,
    UsernameTakenError,
    ValidationError,
)
from scripthub.domain.providers import Provider
from scripthub.domain.users import USERNAME_HELD_FOR
from tests.unit.world import OPERATOR, PASSWORD, World


async def test_profile_changes_apply_only_to_sent_fields_and_null_clears(world: World) -> None:
    pair = await world.register()
    principal = await world.principal(pair)
    update = world.update_own_user()
    await update.execute(
        UpdateOwnUserCommand(
            principal, profile_changes={"bio": "Hi\nthere", "date_of_birth": date(1990, 5, 1)}
        ),
    )

    own = await world.update_own_user().execute(
        UpdateOwnUserCommand(principal, username="ada2", profile_changes={"bio": None})
    )

    assert own.user.username == "ada2"
    assert own.user.profile.bio is None
    assert own.user.profile.date_of_birth == date(1990, 5, 1)
    assert (await world.get_own_user().execute(GetOwnUserQuery(principal))).user.username == "ada2"
    assert ("user.updated", "success") in world.audit_actions()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"website": "javascript:alert(1)"}, "profile.website"),
        ({"phone": "call me"}, "profile.phone"),
        ({"date_of_birth": date(2999, 1, 1)}, "profile.date_of_birth"),
        ({"full_name": "x" * 256}, "profile.full_name"),
        ({"location": "tab\x07bell"}, "profile.location"),
        ({"password_hash": "x"}, "profile.password_hash"),
    ],
)
async def test_invalid_profile_values_are_rejected_and_nothing_changes(
    world: World, changes: dict[str, object], field: str
) -> None:
    pair = await world.register()
    principal = await world.principal(pair)

    with pytest.raises(ValidationError) as caught:
        await world.update_own_user().execute(
            UpdateOwnUserCommand(principal, username="renamed", profile_changes=changes)
        )

    assert caught.value.problems[0].field == field
    assert (await world.get_own_user().execute(GetOwnUserQuery(principal))).user.username == "ada"


async def test_a_taken_username_cannot_be_chosen(world: World) -> None:
    await world.register(email="bob@example.com", username="bob")
    principal = await world.principal(await world.register())

    with pytest.raises(UsernameTakenError):
        await world.update_own_user().execute(UpdateOwnUserCommand(principal, username="BOB"))


async def test_deleting_the_account_needs_the_password_and_frees_the_email(
    world: World,
) -> None:
    pair = await world.register()
    principal = await world.principal(pair)
    delete = world.delete_own_account()

    with pytest.raises(ValidationError):
        await delete.execute(DeleteOwnAccountCommand(principal, None, RequestContext()))
    with pytest.raises(InvalidCredentialsError):
        await world.delete_own_account().execute(
            DeleteOwnAccountCommand(principal, "wrong password!", RequestContext())
        )

    await world.delete_own_account().execute(
        DeleteOwnAccountCommand(principal, PASSWORD, RequestContext())
    )

    with pytest.raises(SessionRevokedError):
        await world.principal(pair)
    with pytest.raises(InvalidCredentialsError):
        await world.login()
    with pytest.raises(NotFoundError):
        await world.get_public_user().execute(GetPublicUserQuery("ada"))
    again = await world.register(username="ada2")
    assert again.user.user.id != pair.user.user.id
    assert ("user.deleted", "success") in world.audit_actions()


async def test_a_deleted_accounts_username_is_taken_for_30_days(world: World) -> None:
    pair = await world.register()
    await world.delete_own_account().execute(
        DeleteOwnAccountCommand(await world.principal(pair), PASSWORD, RequestContext())
    )
    bob = await world.principal(await world.register("bob@example.com", "bob"))
    rename = UpdateOwnUserCommand(bob, username="ADA")
    github = ProviderIdentity(Provider.GITHUB, "1", "octo@example.com", True, "ada", None, None)

    with pytest.raises(UsernameTakenError):
        await world.register("ada2@example.com", "ada")
    with pytest.raises(UsernameTakenError):
        await world.update_own_user().execute(rename)
    derived = await world.identity_accounts().sign_in_account(github, RequestContext())
    assert derived.username.startswith("ada-")

    world.clock.advance(USERNAME_HELD_FOR - timedelta(seconds=1))
    with pytest.raises(UsernameTakenError):
        await world.register("ada2@example.com", "ada")
    world.clock.advance(timedelta(seconds=1))
    assert (await world.update_own_user().execute(rename)).user.username == "ada"


async def test_public_profiles_are_found_by_id_or_username(world: World) -> None:
    pair = await world.register()

    by_name = await world.get_public_user().execute(GetPublicUserQuery("ADA"))
    by_id = await world.get_public_user().execute(GetPublicUserQuery(str(pair.user.user.id)))

    assert by_name.id == by_id.id == pair.user.user.id
    with pytest.raises(NotFoundError):
        await world.get_public_user().execute(GetPublicUserQuery("nobody"))


async def test_grants_follow_granted_and_revoked_roles_on_the_next_request(
    world: World,
) -> None:
    pair = await world.register()
    grants = (await world.principal(pair)).grants
    assert grants.roles == {"user"}
    assert grants.allows("scripts.create")
    assert not grants.allows("roles.manage")
    await world.admin()

    roles = await world.grant("ada@example.com", "admin")
    assert roles == ["admin", "user"]
    assert (await world.principal(pair)).grants.allows("roles.manage")

    await world.change_user_role().execute(
        ChangeUserRoleCommand(OPERATOR, "ada@example.com", "admin", grant=False)
    )
    assert not (await world.principal(pair)).grants.allows("roles.manage")
    assert ("role.assigned", "success") in world.audit_actions()
    assert ("role.revoked", "success") in world.audit_actions()


async def test_role_changes_need_a_known_user_and_role(world: World) -> None:
    await world.register()

    with pytest.raises(NotFoundError):
        await world.change_user_role().execute(
            ChangeUserRoleCommand(OPERATOR, "ada@example.com", "wizard", grant=True)
        )
    with pytest.raises(NotFoundError):
        await world.change_user_role().execute(
            ChangeUserRoleCommand(OPERATOR, "no@example.com", "admin", grant=True)
        )
