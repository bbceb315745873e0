"""Popularity tiers of the PostgreSQL search index: the candidates of a search by relevance
(its most installed matches) found without reading every match.

A GIN index keeps no order: for a word in a few percent of the scripts, finding its 200 most
installed matches cost either every match (47k at 1M scripts, each joined to `scripts`) or a
walk down `install_count` testing each script's document (~4,300 at 1M), 125 ms either way.
So each `script_search` row keeps its script's tier, the number of `TIER_FLOORS` at or below
its `install_count` (0 for none, 1 for 1, 2 for 2-3, 3 for 4-7, ...: each tier a few times
fewer scripts than the one under it, installs being spread as they are), and `tiered`, its
words each behind the tier's two digits, with a GIN index of its own: a word's matches in one
tier are the index's entries for that tier's prefix of it, read without the other tiers'. (A
GIN index on (`tier`, `document`) would not do: a prefix query collects every match of the
word before it intersects them with a tier, 30 ms for 47k.)

A search without client filters reads its candidates in two steps (`tiered_candidates`):

1. walks the most installed scripts (`WALKED` per candidate wanted), testing the words on
   each: a word in most scripts finds its candidates there, however the installs are spread;
2. if they hold fewer than wanted, reads the matches below them tier by tier, highest first
   (each tier's matches that pass the filters, at most the number wanted, most installed
   first), until enough are found. Every match of a higher tier is more installed than those
   of a lower one, so the ones found are the most installed; they are then sorted exactly.

A rarer word reads its matches of a few tiers, the last one's whole: with installs spread as
they are (a few times fewer scripts in each tier than in the one under it), a few hundred. A
catalogue whose scripts mostly share one tier (most without an install, say) reads that
tier's matches whole, as reading every match would.

The tier is kept in step with `install_count` by every writer of the count in the same
transaction (`SearchIndex.follow`; a search row written afresh takes its script's), as are
the row's copies of the count, of whether the script is listed and of its owner
(`SEARCH_COPIES`), which a tier's matches are filtered and sorted by: no `scripts` row is
read per match (477 for two CJK words at 1M scripts: a third of the search's server CPU);
a reindex of `script_search` must keep them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Uuid,
    cast,
    func,
    literal,
    literal_column,
    select,
    true,
    tuple_,
    union_all,
)

from scripthub.adapters.sqlalchemy.scripts_search import SEARCH_LISTED, postgresql_search, tier_of
from scripthub.adapters.sqlalchemy.scripts_table import owner_active, scripts

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy import CTE, ColumnElement

    from scripthub.adapters.sqlalchemy.scripts_search import SearchMatch

WALKED = 1.25
"""Scripts walked down `install_count` before the tiers are read, per candidate wanted: a
word in four scripts of five finds its candidates among them, whatever the spread of the
installs (each script walked costs a test of its document: more would cost a rarer word more
than reading its tiers)."""
POPULARITY = (scripts.c.install_count.desc(), scripts.c.id.desc())
_SEARCH = postgresql_search.c
# An order no index gives (`+ 0`): a tier's matches are read from the text index and sorted,
# never found by walking `install_count` down through the tiers above it.
_TIER_ORDER = (
    (_SEARCH.install_count + literal(0, literal_execute=True)).desc(),
    _SEARCH.script_id.desc(),
)
# The public catalogue (`LISTED`, of an active owner), as the search rows copy it: a tier's
# matches are filtered and sorted without reading their `scripts` rows.
_TIER_LISTED = (SEARCH_LISTED, owner_active(_SEARCH.owner_id))


def tiered_candidates(
    match: SearchMatch,
    in_tier: Callable[[ColumnElement[int]], ColumnElement[bool]],
    filters: list[ColumnElement[bool]],
    wanted: int,
) -> CTE:
    """`script_relevance`'s candidates (`id`, `install_count`, `place`) of a search on
    PostgreSQL: the `wanted` most installed scripts that `match` and pass `filters`, walked
    then read tier by tier (`in_tier`, the match's `SearchMatch.in_tier`). `filters` must
    select the public catalogue and nothing more (`LISTED`, of an active owner): the tiers
    test the search rows' copies of that (`SEARCH_COPIES`), not `filters`."""
    walked_count = round(wanted * WALKED)
    count, count_walked = _written(wanted), _written(walked_count)
    # The most installed scripts that pass the filters, read in the order's index; then
    # each tested on its own (a subplan per script: joined, the planner may rather read all
    # of a word's matches, a hash join of 9k of them at 10k scripts for a common word).
    walked = (
        select(scripts.c.id, scripts.c.install_count)
        .where(*filters)
        .order_by(*POPULARITY)
        .limit(count_walked)
        .cte("walked")
    )
    matches = (
        select(match.condition).where(match.table.c.script_id == walked.c.id).scalar_subquery()
    )
    walk = (
        select(walked.c.id, walked.c.install_count)
        .where(matches)
        .order_by(walked.c.install_count.desc(), walked.c.id.desc())
        .limit(count)
        .cte("walk")
    )
    # The last script walked; none when the walk took every script: no tier is then read.
    boundary = (
        select(walked.c.install_count, walked.c.id)
        .where(select(func.count()).select_from(walked).scalar_subquery() == count_walked)
        .order_by(walked.c.install_count, walked.c.id)
        .limit(_written(1))
        .cte("boundary")
    )
    last_walked = tuple_(
        select(boundary.c.install_count).scalar_subquery(),
        select(boundary.c.id).scalar_subquery(),
    )
    first_tier = select(tier_of(boundary.c.install_count)).scalar_subquery()
    start = select(
        func.coalesce(first_tier, _written(-1)).label("tier"),
        select(func.count()).select_from(walk).scalar_subquery().label("found"),
        _empty(Uuid()).label("ids"),
        _empty(BigInteger()).label("counts"),
    ).cte("tiers", recursive=True)
    previous = start.alias("previous")
    tier_rows = (
        select(_SEARCH.script_id.label("id"), _SEARCH.install_count)
        .where(
            *_TIER_LISTED,
            in_tier(previous.c.tier),
            tuple_(_SEARCH.install_count, _SEARCH.script_id) < last_walked,
        )
        .order_by(*_TIER_ORDER)
        .limit(count)
        .correlate(previous)
        .subquery("tier_rows")
    )
    # One row per tier, even an empty one: a recursive query stops at the first step that
    # yields no row.
    found = select(
        func.count().label("found"),
        func.coalesce(func.array_agg(tier_rows.c.id), _empty(Uuid())).label("ids"),
        func.coalesce(func.array_agg(tier_rows.c.install_count), _empty(BigInteger())).label(
            "counts"
        ),
    ).lateral("found")
    tiers = start.union_all(
        select(
            previous.c.tier - _written(1),
            previous.c.found + found.c.found,
            found.c.ids,
            found.c.counts,
        )
        .select_from(previous.join(found, true()))
        .where(previous.c.found < count, previous.c.tier >= _written(0))
    )
    unnested = (
        func.unnest(tiers.c.ids, tiers.c.counts)
        .table_valued("id", "install_count")
        .render_derived("unnested")
    )
    chosen = union_all(
        select(walk.c.id, walk.c.install_count),
        select(unnested.c.id, unnested.c.install_count).select_from(tiers.join(unnested, true())),
    ).subquery("chosen")
    order = (chosen.c.install_count.desc(), chosen.c.id.desc())
    return (
        select(
            chosen.c.id,
            chosen.c.install_count,
            func.row_number().over(order_by=order).label("place"),
        )
        .order_by(*order)
        .limit(count)
        .cte("candidates")
    )


def _empty(item: Any) -> ColumnElement[Any]:
    return cast(literal_column("'{}'"), ARRAY(item))


def _written(value: int) -> ColumnElement[int]:
    """A constant written into the statement, as every other value of it is
    (`script_relevance.inlined`)."""
    return literal(value, literal_execute=True)
