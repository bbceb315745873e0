"""Which scripts a page of a search by relevance lists: the (`id`, `relevance`) of its rows,
best first, so that the listing joins `scripts` and `users` to the page only.

Ranking is the cost of a search for a word most scripts have (`ts_rank` of 90k documents
at 100k scripts): each match is ranked once, and only narrow rows are sorted, keeping the
best few (a top-N heapsort), never the documents nor every match joined to `scripts`.

The page is exact whatever the filters: when they are only the catalogue's own (visibility,
not deleted), the best matches are taken from the search table alone, several per row
wanted, and then filtered; only if too few of them pass the filters (and there were more
matches than that) is every match joined and ranked again. Narrower filters (a tag, an
author, a language...) keep few of a common word's matches: their page ranks only what
the filters keep.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Integer, bindparam, func, select, tuple_, union_all

from scripthub.adapters.sqlalchemy.scripts_table import scripts

if TYPE_CHECKING:
    from sqlalchemy import BindParameter, ColumnElement, Select, Subquery

    from scripthub.adapters.sqlalchemy.scripts_search import SearchMatch
    from scripthub.application.ports.scripts import ScriptKeyset

CANDIDATES_PER_ROW = 4
"""How many of the best matches to take from the search table per row of the page, for
the private and deleted scripts among them (when the filters are the catalogue's own)."""


def ranked(
    match: SearchMatch,
    filters: list[ColumnElement[bool]],
    after: ScriptKeyset | None,
    rows: int,
    *,
    narrowed: bool,
) -> Subquery:
    """The `rows` best (`id`, `relevance`) of the scripts that `match` and pass `filters`,
    after the cursor `after`; `narrowed` when `filters` are more than visibility and
    liveness."""
    rows_wanted = _inlined(rows)
    best = _best_matches(match, filters, after, rows_wanted)
    if narrowed:
        return best.subquery("ranked")
    search_id = match.table.c.script_id
    wanted = _inlined(rows * CANDIDATES_PER_ROW)
    candidates = (
        select(search_id.label("id"), match.rank.label("relevance"))
        .where(match.condition, *_past(after, match, search_id))
        .order_by(match.rank.desc(), search_id.desc())
        .limit(wanted)
        .cte("candidates")
    )
    listed = (
        select(candidates.c.id, candidates.c.relevance)
        .join(scripts, scripts.c.id == candidates.c.id)
        .where(*filters)
        .order_by(candidates.c.relevance.desc(), candidates.c.id.desc())
        .limit(rows_wanted)
        .cte("listed")
    )
    every_match = best.subquery("every_match")
    # On nothing but the two counts: PostgreSQL tests it once, before reading `every_match`
    # (a one-time filter), which it then reads only when the candidates fell short.
    too_few = (select(func.count()).select_from(listed).scalar_subquery() < rows_wanted) & (
        select(func.count()).select_from(candidates).scalar_subquery() == wanted
    )
    return union_all(
        select(listed.c.id, listed.c.relevance),
        select(every_match.c.id, every_match.c.relevance).where(too_few),
    ).subquery("ranked")


def _inlined(count: int) -> BindParameter[int]:
    """`count` written into the statement, not bound: PostgreSQL plans a bound LIMIT for a
    tenth of the rows, a generic plan so much dearer than the custom ones that it would plan
    every search anew; written, a search with nothing bound keeps its one plan."""
    return bindparam(None, count, Integer, literal_execute=True)


def _best_matches(
    match: SearchMatch,
    filters: list[ColumnElement[bool]],
    after: ScriptKeyset | None,
    rows: BindParameter[int],
) -> Select[Any]:
    return (
        select(scripts.c.id, match.rank.label("relevance"))
        .join(match.table, match.table.c.script_id == scripts.c.id)
        .where(match.condition, *filters, *_past(after, match, scripts.c.id))
        .order_by(match.rank.desc(), scripts.c.id.desc())
        .limit(rows)
    )


def _past(
    after: ScriptKeyset | None, match: SearchMatch, id_: ColumnElement[Any]
) -> list[ColumnElement[bool]]:
    """The condition for the matches after the cursor `after` (best first)."""
    return [] if after is None else [tuple_(match.rank, id_) < (after.key, after.id)]
