"""Which filters of a list in a key's order SQLite tests on each script as it walks the
order's index (`Probes`), rather than starting from the scripts they select.

SQLite's planner cannot tell a common tag from a rare one (its statistics, without STAT4,
are averages): it starts from any tag, site or search words, so a tag of 40k scripts of
100k reads and sorts all of them (0.2-0.6 s) where walking the order's index finds a page
in the first hundred. Starting from the filter is right for a rare one only (134 scripts:
walking would test all 100k). So, before the page, one statement counts what each of them
selects, up to `COMMON` (a fraction of a millisecond, but for a prefix that starts many
words), and the common ones become tests of the script at hand: `EXISTS` on their table's
primary key, or, for words, a test of the script's own search row, past a bounded walk the
script's search row id among those of the matches (`script_walk`). A language is a test in
every order but `newest`, which has an index by language: the rarest is still 1 %.

A tag of the public catalogue in a key's order needs no count: its page is a walk of the
tag's own index of that order (`script_listing.walks_tag`), on both backends. A search by
relevance is probed as the order its candidates are found in, `installs`
(`script_relevance`), on SQLite. PostgreSQL plans each statement knowing its values and
probes nothing, but reads a search's candidates by popularity tier (`script_tiers`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import case, func, select

from scripthub.adapters.sqlalchemy.script_listing import (
    CATALOGUE,
    NO_PROBES,
    Probes,
    running_on,
    sort_of,
    walks_tag,
)
from scripthub.adapters.sqlalchemy.scripts_search import (
    fts5_expression,
    sqlite_matching,
    sqlite_search,
)
from scripthub.adapters.sqlalchemy.scripts_table import script_tags
from scripthub.application.ports.scripts import ScriptSort
from scripthub.domain.scripts import search_terms

if TYPE_CHECKING:
    from typing import Any

    from sqlalchemy import ColumnElement, Select
    from sqlalchemy.ext.asyncio import AsyncConnection

    from scripthub.application.ports.scripts import ScriptQuery


COMMON = 1000
"""Scripts a filter selects from which SQLite walks the order's index and tests it on each
script: ~2,100 scripts walked for a page of 20 at 100k scripts, if they are spread evenly
(below, it starts from at most 1,000 and sorts them; bench/README.md)."""


async def sqlite_probes(connection: AsyncConnection, query: ScriptQuery) -> Probes:
    """The `Probes` of `query` on SQLite: one statement, when it has a tag, a site or
    words to count."""
    sort = sort_of(query)
    if sort is ScriptSort.RELEVANCE:
        sort = ScriptSort.INSTALLS
    counts: dict[str, ColumnElement[int]] = {}
    if query.tag is not None and not walks_tag(query):
        counts["tag"] = _capped(select(1).where(script_tags.c.tag == query.tag))
    if query.site is not None:
        counts["site"] = _capped(select(1).where(running_on(query.site, all_sites=query.all_sites)))
    terms = search_terms(query.text or "")
    if terms:
        # A word's own matches count lazily; all the words it starts need a merge of their
        # lists (10 ms for a word of 90k scripts), only needed when it has fewer.
        counts["text"] = case(
            (_matches(terms, prefixes=False) >= COMMON, COMMON),
            else_=_matches(terms, prefixes=True),
        )
    common: dict[str, bool] = {}
    if counts:
        row = (await connection.execute(select(*(c.label(n) for n, c in counts.items())))).one()
        common = {name: count >= COMMON for name, count in row._mapping.items()}
    return Probes(
        language=query.language is not None and sort is not ScriptSort.NEWEST,
        tag=common.get("tag", False),
        site=common.get("site", False),
        text=common.get("text", False),
    )


def postgres_probes(query: ScriptQuery) -> Probes:
    """The `Probes` of `query` on PostgreSQL, with no statement: tiers for a search by
    relevance in the whole catalogue."""
    if sort_of(query) is ScriptSort.RELEVANCE:
        return Probes(tiers=not _narrowed(query))
    return NO_PROBES


def _narrowed(query: ScriptQuery) -> bool:
    """Whether a client filter narrows the search (PostgreSQL may then start from the
    filter's scripts, which the tiers cannot), or it lists more than the public catalogue
    (the tiers walk that first: `script_tiers`)."""
    return (
        query.visibilities != CATALOGUE
        or query.owner_id is not None
        or query.language is not None
        or query.tag is not None
        or query.site is not None
        or query.featured is not None
        or query.without_antifeatures
    )


def _capped(rows: Select[Any]) -> ColumnElement[int]:
    return select(func.count()).select_from(rows.limit(COMMON).subquery()).scalar_subquery()


def _matches(terms: list[str], *, prefixes: bool) -> ColumnElement[int]:
    matching = sqlite_matching(fts5_expression(terms, prefixes=prefixes))
    return _capped(select(1).select_from(sqlite_search).where(matching))
