"""The first matches of words of many scripts in a list's order on SQLite (a page in a
key's order; a search by relevance's candidates, its most installed matches, and the matches
it lists after them), found by walking the order's index and testing each script on its own
search row, rather than reading every match.

FTS5 tells whether one script matches only by running the full-text query, which for a
prefix merges the lists of every word it starts, each time (20 ms a script); and reading
every match once, to test the scripts walked by their row ids (`scripts_search.sqlite_probe`),
costs as many matches as the words have: 17 ms for a word of 90k scripts at 100k, growing
with the catalogue. A script's own search row, read by its row id, holds its words, from
which a few microseconds tell whether it matches (`SearchMatch.of_script`). So
(`walked_matches`), for words that `script_probes` found in `COMMON` scripts or more:

1. the first `WALKED` times as many scripts as matches wanted, of those that pass the
   filters, are walked, each tested on its own row, until as many matches as wanted are
   found: words in a third of the scripts or more find them there, whatever the size of the
   catalogue;
2. if they hold fewer, the matches past the last script walked are read as before, by their
   row ids: the words are then in fewer than a third of the scripts (at most ~33k matches
   at 100k).

Either way they are the first matches in the order, the same as reading every match finds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import case, func, literal, select, tuple_, union_all

from scripthub.adapters.sqlalchemy.scripts_search import sqlite_probe
from scripthub.adapters.sqlalchemy.scripts_table import scripts

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement, Subquery

    from scripthub.adapters.sqlalchemy.scripts_search import SearchMatch

WALKED = 3
"""Scripts walked per match wanted before the other matches are read: each walked costs a
read of its search row by row id and a test of its words (~4 µs), reading the matches
~0.2 µs each; three per match wanted bounds both to a few milliseconds at 100k scripts (663
walked for a search's first page of 20 with 200 ranked, 63 for a page of 20 in a key's
order; bench/README.md)."""


def walked_matches(
    match: SearchMatch,
    filters: list[ColumnElement[bool]],
    wanted: int,
    key: ColumnElement[Any] = scripts.c.install_count,
    *,
    ascending: bool = False,
) -> Subquery:
    """The `id`s (and `key`s) of the first `wanted` scripts in (`key`, `id`) order (highest
    first unless `ascending`) that `match` (which tests one script at a time:
    `SearchMatch.of_script`) and pass `filters`, in no order."""
    if match.of_script is None:
        msg = "Only a match tested one script at a time (SQLite's) can be walked."
        raise ValueError(msg)
    count = _written(wanted)
    position = tuple_(key, scripts.c.id)
    order = (key.asc(), scripts.c.id.asc()) if ascending else (key.desc(), scripts.c.id.desc())
    walked_count = max(wanted, round(wanted * WALKED))
    walked = (
        select(scripts.c.id, key.label("key"))
        .where(*filters)
        .order_by(*order)
        .limit(_written(walked_count))
        .subquery("walked")
    )
    # The scripts walked are tested in the order SQLite reads them from `walked` (a
    # co-routine, in its order): it stops at the last match wanted. Sorted again, they
    # would all be read and tested first.
    walk = (
        select(walked.c.id, walked.c.key)
        .where(match.of_script(walked.c.id))
        .limit(count)
        .cte("walk")
        .prefix_with("MATERIALIZED", dialect="sqlite")
    )
    # The last script walked, when the walk found too few: none when fewer scripts pass the
    # filters (every one was walked).
    last = (
        select(key, scripts.c.id)
        .where(*filters)
        .order_by(*order)
        .offset(_written(walked_count - 1))
        .limit(_written(1))
        .correlate(None)
        .scalar_subquery()
    )
    # Read only when the walk found too few: a LIMIT of 0 ends a statement before it reads
    # a row (a condition of the WHERE clause would be tested on each, after the matches'
    # row ids were read).
    found = select(func.count()).select_from(walk).scalar_subquery()
    below = (
        select(scripts.c.id, key.label("key"))
        .where(position > last if ascending else position < last, *filters, sqlite_probe(match))
        .order_by(*order)
        .limit(case((found < count, count), else_=_written(0)))
        .subquery("below")
    )
    return union_all(select(walk.c.id, walk.c.key), select(below.c.id, below.c.key)).subquery(
        "walked_matches"
    )


def _written(value: int) -> ColumnElement[int]:
    """A constant written into the statement, as every other value of it is
    (`script_relevance.inlined`)."""
    return literal(value, literal_execute=True)
