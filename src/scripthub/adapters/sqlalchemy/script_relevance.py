"""Which scripts a page of a search by relevance lists: the (`id`, `sort_key`) of its rows,
best first, so that the listing joins `scripts` and `users` to the page only.

`relevance` ranks a bounded set (`ScriptQuery.ranked_matches`): the K most installed matches
that pass the filters, the candidates, ranked best first; the other matches follow them,
most installed first, keyed by `unranked_key` (negative, so below every rank). Ranking every
match costs as many `ts_rank`s as there are matches (332 ms at 500k scripts for a word in
most of them); the candidates are K whatever the catalogue's size, found by walking
`install_count` down for a common word (K / its share of the scripts) or read from the text
index for a rarer one, whichever the planner finds cheaper: the words are written into the
statement, so it knows how many scripts they match. SQLite's planner cannot tell: the
repository counts the matches first (`script_probes`), and words of many scripts are tested
one script at a time down `install_count` (`script_walk`); each candidate is then ranked
from its own search row (`sqlite_relevance`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Float, Integer, bindparam, case, cast, func, literal, select, tuple_

from scripthub.adapters.sqlalchemy.script_tiers import POPULARITY, tiered_candidates
from scripthub.adapters.sqlalchemy.script_walk import walked_matches
from scripthub.adapters.sqlalchemy.scripts_table import scripts
from scripthub.application.ports.scripts import UNRANKED_BASE, unranked_installs

if TYPE_CHECKING:
    from sqlalchemy import CTE, BindParameter, ColumnElement, Select, Subquery
    from sqlalchemy.types import TypeEngine

    from scripthub.adapters.sqlalchemy.scripts_search import SearchMatch
    from scripthub.application.ports.scripts import ScriptKeyset

T = TypeVar("T")


def ranked(
    match: SearchMatch,
    filters: list[ColumnElement[bool]],
    after: ScriptKeyset | None,
    rows: int,
    candidates: int,
    *,
    probed: bool = False,
    tiered: bool = False,
) -> Subquery:
    """The `rows` first (`id`, `sort_key`) of the scripts that `match` and pass `filters`,
    after the cursor `after`, by relevance among the `candidates` most installed; `probed`
    (SQLite, for words of many scripts): found by walking `install_count` down and testing
    each script on its own (`script_walk`), rather than read from the matches and sorted;
    `tiered` (PostgreSQL, without client filters): the candidates walked, then read from the
    index tier by tier (`script_tiers`)."""
    rows_wanted = inlined(rows)
    if after is not None and isinstance(after.key, float) and after.key < 0:
        past = tuple_(scripts.c.install_count, scripts.c.id) < (
            unranked_installs(after.key),
            after.id,
        )
        if probed:
            return _unranked_of(walked_matches(match, [*filters, past], rows), rows_wanted)
        return _unranked(_matching(match), filters, past, rows_wanted).subquery("ranked")
    # The first unranked scripts a page can reach come from the same pass as the ranked
    # ones: a page ending in the ranked part needs no other read of the matches.
    if tiered and match.in_tier is not None:
        most_installed = tiered_candidates(match, match.in_tier, filters, candidates + rows)
    elif probed:
        most_installed = _placed(
            walked_matches(match, filters, candidates + rows), candidates + rows
        )
    else:
        most_installed = _most_installed(_matching(match), filters, candidates + rows)
    # Ranked with the candidates' places (no join back to them), once on SQLite, which
    # would otherwise compute each rank again where the key is used (with FTS5's bm25 it ran
    # the full-text query once per candidate).
    scored = (
        match.ranks_of(most_installed).cte("scored").prefix_with("MATERIALIZED", dialect="sqlite")
    )
    key = case(
        (scored.c.place <= inlined(candidates), scored.c.relevance),
        else_=_unranked_key(scored.c.install_count),
    )
    page = select(scored.c.id, key.label("sort_key"))
    if after is not None:
        page = page.where(tuple_(key, scored.c.id) < (after.key, after.id))
    return page.order_by(key.desc(), scored.c.id.desc()).limit(rows_wanted).subquery("ranked")


def _matching(match: SearchMatch) -> Select[Any]:
    """`scripts` restricted to those that `match`, joined to the matches."""
    return (
        select(scripts)
        .join(match.table, match.table.c.script_id == scripts.c.id)
        .where(match.condition)
    )


def _most_installed(matching: Select[Any], filters: list[ColumnElement[bool]], count: int) -> CTE:
    """The `count` most installed scripts of `matching` that pass `filters`, with their
    `place` in that order (from 1)."""
    return (
        matching.with_only_columns(
            scripts.c.id,
            scripts.c.install_count,
            func.row_number().over(order_by=POPULARITY).label("place"),
        )
        .where(*filters)
        .order_by(*POPULARITY)
        .limit(inlined(count))
        .cte("candidates")
    )


def _placed(matches: Subquery, count: int) -> CTE:
    """The `count` most installed scripts of `matches` (`id`, `key`: the install count) with
    their `place` in that order (from 1)."""
    order = (matches.c.key.desc(), matches.c.id.desc())
    return (
        select(
            matches.c.id,
            matches.c.key.label("install_count"),
            func.row_number().over(order_by=order).label("place"),
        )
        .order_by(*order)
        .limit(inlined(count))
        .cte("candidates")
    )


def _unranked_of(matches: Subquery, rows: BindParameter[int]) -> Subquery:
    """The `rows` most installed scripts of `matches`, keyed by `unranked_key`."""
    return (
        select(matches.c.id, _unranked_key(matches.c.key).label("sort_key"))
        .order_by(matches.c.key.desc(), matches.c.id.desc())
        .limit(rows)
        .subquery("ranked")
    )


def _unranked_key(install_count: ColumnElement[int]) -> ColumnElement[float]:
    """`unranked_key` in SQL."""
    return cast(install_count, Float) - literal(UNRANKED_BASE, Float)


def _unranked(
    matching: Select[Any],
    filters: list[ColumnElement[bool]],
    past: ColumnElement[bool],
    rows: BindParameter[int],
) -> Select[Any]:
    """The scripts of `matching` past `past`, most installed first, keyed by `unranked_key`."""
    return (
        matching.with_only_columns(
            scripts.c.id, _unranked_key(scripts.c.install_count).label("sort_key")
        )
        .where(*filters, past)
        .order_by(*POPULARITY)
        .limit(rows)
    )


def inlined(count: int) -> BindParameter[int]:
    """`count` written into the statement, not bound: PostgreSQL plans a bound LIMIT for a
    tenth of the rows, a generic plan so much dearer than the custom ones that it would plan
    every search anew; written, a search with nothing bound keeps its one plan."""
    return written(count, Integer())


def written(value: T, type_: TypeEngine[Any]) -> BindParameter[T]:
    """`value` written into the statement, not bound: each value its own statement, planned
    knowing how many rows it selects (a bound tag or author is planned once for all, after
    five runs: for a rare tag PostgreSQL then walked the whole catalogue in date order,
    probing `script_tags` ~29,000 times for 21 rows at 500k scripts)."""
    return bindparam(None, value, type_, literal_execute=True, expanding=isinstance(value, list))
