"""Review of risky updates: which new versions wait for a moderator before anyone gets them."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from scripthub.domain.require_policy import RequireAllowlist


class ReviewPolicy(enum.StrEnum):
    """`SCRIPTHUB_REVIEW_POLICY`: hold no version, the versions that widen what the script
    may do, or every version after the first."""

    OFF = "off"
    WIDENING = "widening"
    ALL = "all"


class VersionStatus(enum.StrEnum):
    """A version is served only once `published`; `rejected` is for good (its version
    string stays taken)."""

    PUBLISHED = "published"
    HELD_FOR_REVIEW = "held_for_review"
    REJECTED = "rejected"


class ReviewDecision(enum.StrEnum):
    APPROVE = "approve"
    REJECT = "reject"

    @property
    def status(self) -> VersionStatus:
        """What the held version becomes."""
        if self is ReviewDecision.APPROVE:
            return VersionStatus.PUBLISHED
        return VersionStatus.REJECTED


@dataclass(frozen=True)
class VersionReview:
    """A moderator's decision on a held version."""

    reviewer_id: uuid.UUID | None
    """None once the moderator's account is gone."""
    at: datetime
    note: str | None


RISKY_GRANTS: Final = frozenset(
    {"GM_xmlhttpRequest", "GM.xmlHttpRequest", "GM_download", "GM_cookie", "unsafeWindow"}
)
"""Grants that reach other sites, the disk, cookies or the page's own objects."""

_NOT_A_HOST = "self"
"""`@connect self` reaches only the page's own host: nothing new."""

Widened = Mapping[str, Sequence[str]]
WideningClause = Callable[[Widened], bool]


def _new_connection(widened: Widened) -> bool:
    """A `@connect` of `*` or of a host the previous version did not name."""
    return any(entry != _NOT_A_HOST for entry in widened.get("connect", ()))


def _risky_grant(widened: Widened) -> bool:
    return any(entry in RISKY_GRANTS for entry in widened.get("grant", ()))


def _antifeature(widened: Widened) -> bool:
    return bool(widened.get("antifeature", ()))


WIDENING_CLAUSES: Final[tuple[WideningClause, ...]] = (
    _new_connection,
    _risky_grant,
    _antifeature,
)
"""Each says whether a version's `widened` asks for more than review lets through; one that
does is held under the `widening` policy; with `require_outside(allowlist)`, which needs the
list of the moment (`stage_under_review` adds it)."""


def require_outside(allowlist: RequireAllowlist) -> WideningClause:
    """The clause of a new `@require` the allow-list does not list (one pinned by an
    integrity hash is published, but waits for review under `widening`)."""

    def clause(widened: Widened) -> bool:
        return any(not allowlist.allows(url) for url in widened.get("require", ()))

    return clause


def held_for_review(
    policy: ReviewPolicy,
    widened: Widened | None,
    clauses: Sequence[WideningClause] = WIDENING_CLAUSES,
) -> bool:
    """Whether a new version waits for review. `widened` is None for a script's first version,
    which is never held (there is nothing installed to update silently)."""
    if widened is None or policy is ReviewPolicy.OFF:
        return False
    if policy is ReviewPolicy.ALL:
        return True
    return any(clause(widened) for clause in clauses)
