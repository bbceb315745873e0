"""Scripts, their versions and ratings, in the relational store. Repositories never commit:
the unit of work does."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal, Protocol

from scripthub.application.ports.keyset import Keyset
from scripthub.domain.scripts import (
    Language,
    LocalizedText,
    Rating,
    RatingTotals,
    Script,
    ScriptName,
    ScriptVersion,
    VersionCode,
    Visibility,
)
from scripthub.domain.sites import SiteTargets
from scripthub.domain.takedowns import Takedown


class ScriptSort(enum.StrEnum):
    """List orders. Each is descending by its key then by id, except `name` (ascending by the
    case-folded name, then by id); `relevance` needs a search text."""

    RELEVANCE = "relevance"
    NEWEST = "newest"
    UPDATED = "updated"
    INSTALLS = "installs"
    RATING = "rating"
    NAME = "name"


SortKey = datetime | int | float | str
SORT_KEY_TYPES: Final[dict[ScriptSort, type]] = {
    ScriptSort.RELEVANCE: float,
    ScriptSort.NEWEST: datetime,
    ScriptSort.UPDATED: datetime,
    ScriptSort.INSTALLS: int,
    ScriptSort.RATING: float,
    ScriptSort.NAME: str,
}
"""The type of each sort's key in a `ScriptKeyset`: `created_at`, `updated_at`,
`install_count`, the unrounded mean score (0.0 while unrated), the case-folded name, and for
`relevance` the backend's score of a ranked match (never negative), or `unranked_key` of a
match listed after the ranked ones."""

RANKED_MATCHES: Final = 200
"""How many matches of a search `relevance` ranks: the most installed ones (see
`ScriptQuery.ranked_matches`)."""
UNRANKED_BASE: Final = 2.0**53
"""Below every score: `unranked_key` is an install count less this (exact as a float for any
count under 2⁵³)."""


def unranked_key(install_count: int) -> float:
    """The `relevance` key of a match listed after the ranked ones: negative, and higher the
    more installed the script is, so that the whole order is by key, then id, descending."""
    return install_count - UNRANKED_BASE


def unranked_installs(key: float) -> int:
    """The install count of an unranked match from its `relevance` key."""
    return int(key + UNRANKED_BASE)


@dataclass(frozen=True)
class ScriptKeyset:
    """Where a page of scripts ended: the sort key and id of its last script. The next page
    holds the scripts strictly after it in the order of `sort`."""

    sort: ScriptSort
    key: SortKey
    id: uuid.UUID


@dataclass(frozen=True)
class ScriptQuery:
    text: str | None = None
    """Full-text search over name, description and tags (localized names and descriptions
    too, `domain.scripts.searched_texts`): every word of it must start a word
    of the script (case and accents ignored; see `domain.scripts.search_terms`)."""
    tag: str | None = None
    owner_id: uuid.UUID | None = None
    language: Language | None = None
    featured: bool | None = None
    without_antifeatures: bool = False
    site: str | None = None
    """A folded host (`domain.sites.browsed_site`): the scripts that run on it, by a pattern
    naming it or a domain above it."""
    all_sites: bool = False
    """With `site`, the scripts that run everywhere too."""
    visibilities: frozenset[Visibility] = frozenset({Visibility.PUBLIC})
    """The catalogue lists public scripts only; one's own scripts are listed in every
    visibility. Deleted scripts are never listed."""
    sort: ScriptSort = ScriptSort.NEWEST
    """`relevance` without `text` orders as `newest`."""
    after: ScriptKeyset | None = None
    limit: int = 20
    ranked_matches: int = RANKED_MATCHES
    """`relevance` ranks the `ranked_matches` most installed matches (then by id, highest
    first) that pass the filters, best first (name, then tags, then description), and lists
    the other matches after them, most installed first (then by id): with no more matches
    than that, every match is ranked; with more, ranking costs the same however many
    there are."""


@dataclass(frozen=True)
class ScriptPage:
    scripts: list[Script]
    next: ScriptKeyset | None
    """Where the next page starts, or None if this is the last."""


@dataclass(frozen=True)
class SiteCount:
    """A host and how many listed scripts run on it."""

    host: str
    scripts: int


class _Unchanged(enum.Enum):
    UNCHANGED = "unchanged"


UNCHANGED: Final = _Unchanged.UNCHANGED
Keep = Literal[_Unchanged.UNCHANGED]


@dataclass(frozen=True)
class ScriptChanges:
    """The fields an edit sets (already checked and normalized); `UNCHANGED` leaves one as
    it is (`license=None` clears the license)."""

    name: str | Keep = UNCHANGED
    slug: str | Keep = UNCHANGED
    description: str | Keep = UNCHANGED
    language: Language | Keep = UNCHANGED
    license: str | Keep | None = UNCHANGED
    visibility: Visibility | Keep = UNCHANGED
    tags: list[str] | Keep = UNCHANGED
    localized: dict[str, LocalizedText] | Keep = UNCHANGED


class ScriptRepository(Protocol):
    """Scripts (soft-deleted by `deleted_at`), their immutable versions and their ratings.

    "Live" means not deleted: reads other than `list_versions` and the code reads see live
    scripts only, and every write names the state it expects in its statement (live, the
    latest version it checked a new one against), checking it after waiting for any
    concurrent write to the same script (a row lock and READ COMMITTED on PostgreSQL, the
    database lock on SQLite): a write that reports success really happened, and stays once
    the unit of work commits. Counters (`install_count`, the rating totals) are computed
    in SQL from what is committed, never from a value read earlier, so concurrent writers
    never lose each other's updates.
    """

    async def add(self, script: Script) -> None:
        """Stage a new script with its tags (its counters and latest version are ignored:
        a new script has none). Raises SlugTakenError if a live script holds the slug."""

    async def get(self, script_id: uuid.UUID) -> Script | None:
        """The live script with this id, with its owner's username; one query."""

    async def get_by_slug(self, slug: str) -> Script | None:
        """The live script with this slug, with its owner's username; one query."""

    async def slug_in_use(self, slug: str, *, excluding: uuid.UUID | None = None) -> bool:
        """Whether a live script other than `excluding` holds the slug."""

    async def edit(
        self, script_id: uuid.UUID, changes: ScriptChanges, now: datetime
    ) -> Script | None:
        """Set the fields `changes` names, and `updated_at`, on a live script, leaving every
        other field as it is; the script as it now is, or None (changing nothing) if no live
        script has this id. Raises SlugTakenError if another live script holds the slug."""

    async def set_featured(self, script_id: uuid.UUID, *, featured: bool) -> Script | None:
        """Feature a live script or stop featuring it (not an edit: `updated_at` stays);
        the script as it now is, or None if there is no live script with this id."""

    async def delete(
        self, script_id: uuid.UUID, now: datetime, *, owner_id: uuid.UUID | None = None
    ) -> bool:
        """Soft-delete a live script (its slug is free again); False if there was none, or
        (`owner_id` given) if it is no longer that user's (it changed owner meanwhile)."""

    async def take_down(self, script_id: uuid.UUID, takedown: Takedown, now: datetime) -> bool:
        """Delete a live script as `delete` does, recording how moderation took it down; False
        if there was no live script with this id."""

    async def get_taken_down(self, script_id: uuid.UUID) -> Script | None:
        """The script with this id if moderation took it down (its `takedown` set), with its
        owner's username; one query."""

    async def version_names(self, script_id: uuid.UUID) -> list[str]:
        """The version strings of every version of the script; one query."""

    async def names_owned_by(self, owner_id: uuid.UUID) -> list[ScriptName]:
        """The names of every live script of this owner; one query."""

    async def delete_owned_by(self, owner_id: uuid.UUID, now: datetime) -> list[ScriptName]:
        """Soft-delete every live script of this owner (as `delete` does one) in one
        statement; the names of those it deleted."""

    async def add_version(
        self,
        version: ScriptVersion,
        code: str,
        *,
        antifeatures: list[str],
        sites: SiteTargets,
        replacing: str | None,
    ) -> bool:
        """Stage a new version of a live script whose latest version is still `replacing`
        (None: it has none yet), and make it the latest: the script's latest version
        summary, `antifeatures`, `sites` and `updated_at` (the version's `created_at`)
        change with it.

        False, adding nothing, if there is no live script with this id. Raises
        ConflictError if the script already has this version, or if its latest version is
        no longer `replacing` (another one was published meanwhile): of two concurrent
        publications on the same latest version, one succeeds.
        """

    async def list_versions(
        self,
        script_id: uuid.UUID,
        *,
        after: Keyset | None = None,
        limit: int = 20,
        published_only: bool = True,
    ) -> list[ScriptVersion]:
        """At most `limit` versions of the script, newest first by (`created_at`, `id`),
        after `after`; one query. `published_only=False`: the versions held for review and
        rejected too (the owner's and the moderators' view)."""

    async def get_version(self, script_id: uuid.UUID, version: str) -> ScriptVersion | None:
        """One version of the script, by its version string."""

    async def version_code(self, script_id: uuid.UUID, version: str) -> VersionCode | None:
        """One version of the script, with its code; one query."""

    async def latest_code(self, script_id: uuid.UUID) -> VersionCode | None:
        """The latest version of a live script, or of one taken down with a kill switch (whose
        latest version it is), with its code; one query."""

    async def rate(self, rating: Rating) -> RatingTotals | None:
        """Record the user's score for a live script, replacing any earlier one (keeping its
        `created_at`), and return the script's totals with it; None, changing nothing, if
        there is no live script with this id."""

    async def unrate(self, script_id: uuid.UUID, user_id: uuid.UUID) -> RatingTotals | None:
        """Remove the user's score (if any) from a live script and return its totals; None
        if there is no live script with this id."""

    async def score_of(self, script_id: uuid.UUID, user_id: uuid.UUID) -> int | None:
        """The user's score for the script, if they rated it."""

    async def add_install_counts(self, counts: Mapping[uuid.UUID, int]) -> None:
        """Add each count to its script's `install_count` (deleted scripts included, unknown
        ids ignored), in one statement per batch, without reading the counts first."""

    async def top_sites(self, limit: int) -> list[SiteCount]:
        """The `limit` hosts that most public, live scripts of active owners name in their
        latest version's patterns (exactly or with subdomains; not the scripts that run
        everywhere), most first, then by host."""

    async def search(self, query: ScriptQuery) -> ScriptPage:
        """At most `query.limit` scripts matching every filter of `query`, in its order,
        after `query.after`, each with its owner's username and tags; a fixed number of
        queries whatever the limit. Raises BadRequestError if `query.after` belongs to
        another sort."""
