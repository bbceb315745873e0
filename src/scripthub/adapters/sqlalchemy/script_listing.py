"""The one query behind a page of scripts: filters, search, order and keyset."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Text, Uuid, and_, cast, exists, literal_column, or_, select, tuple_

from scripthub.adapters.sqlalchemy.script_relevance import inlined, ranked, written
from scripthub.adapters.sqlalchemy.script_walk import walked_matches
from scripthub.adapters.sqlalchemy.scripts_search import unindexed
from scripthub.adapters.sqlalchemy.scripts_table import (
    EVERYWHERE,
    LIVE,
    OWNER_ACTIVE,
    PUBLIC,
    TAG_LISTED,
    WITH_OWNER,
    featured_is,
    script_from_row,
    script_sites,
    script_tags,
    scripts,
)
from scripthub.application.ports.scripts import (
    SORT_KEY_TYPES,
    ScriptKeyset,
    ScriptPage,
    ScriptSort,
)
from scripthub.domain.errors import BadRequestError
from scripthub.domain.scripts import Visibility, searched_terms
from scripthub.domain.sites import host_and_parents

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from sqlalchemy import Column, ColumnElement, RowMapping, Select

    from scripthub.adapters.sqlalchemy.scripts_search import SearchIndex, SearchMatch
    from scripthub.application.ports.scripts import ScriptQuery

_KEYS: dict[ScriptSort, Column[Any]] = {
    ScriptSort.NEWEST: scripts.c.created_at,
    ScriptSort.UPDATED: scripts.c.updated_at,
    ScriptSort.INSTALLS: scripts.c.install_count,
    ScriptSort.RATING: scripts.c.rating_avg,
    ScriptSort.NAME: scripts.c.name_key,
}
# The same keys as `script_tags` copies them.
_TAG_KEYS = {sort: script_tags.c[key.name] for sort, key in _KEYS.items()}
_EVERY_VISIBILITY = frozenset(Visibility)
CATALOGUE = frozenset({Visibility.PUBLIC})
"""What a list of the public catalogue shows."""
# Written as JSON by both backends' drivers, and by PostgreSQL's jsonb output, as '[]'.
_NO_ANTIFEATURES = cast(scripts.c.antifeatures, Text) == literal_column("'[]'")


@dataclass(frozen=True)
class Probes:
    """The filters of a list in a key's order that SQLite tests on each script as it walks
    the order's index, rather than starting from the scripts they select (`script_probes`);
    PostgreSQL, which plans each value, probes none, but is told to read a search's
    candidates by popularity tier (`tiers`)."""

    language: bool = False
    tag: bool = False
    site: bool = False
    text: bool = False
    tiers: bool = False


NO_PROBES = Probes()


def listing(
    query: ScriptQuery, search: SearchIndex, probes: Probes = NO_PROBES
) -> tuple[Select[Any] | None, Callable[[Sequence[RowMapping]], ScriptPage]]:
    """The statement for `query` (None when it cannot match anything), fetching one script
    past the page to tell whether a next page exists, and how to turn its rows into the
    page; `probes` shape a list in a key's order, never its result."""
    sort = sort_of(query)
    match = None
    if sort is ScriptSort.RELEVANCE or query.text is not None:
        terms = searched_terms(query.text or "")
        if not terms:
            return None, _pager(query.limit)
        match = search.match(terms)
    after = None if query.after is None else _checked(query.after, sort)
    if sort is ScriptSort.RELEVANCE and match is not None:
        statement = _by_relevance(query, match, after, probes)
    else:
        statement = _by_key(query, sort, match, after, probes)
    return statement, _pager(query.limit, sort)


def _by_relevance(
    query: ScriptQuery, match: SearchMatch, after: ScriptKeyset | None, probes: Probes
) -> Select[Any]:
    filters = [*_listed(query), *_narrowing(query, probes)]
    rows = query.limit + 1
    page = ranked(
        match,
        filters,
        after,
        rows,
        query.ranked_matches,
        probed=probes.text,
        tiered=probes.tiers,
    )
    return (
        WITH_OWNER.join(page, page.c.id == scripts.c.id)
        .add_columns(page.c.sort_key)
        .order_by(page.c.sort_key.desc(), scripts.c.id.desc())
        .limit(inlined(rows))
    )


def _by_key(
    query: ScriptQuery,
    sort: ScriptSort,
    match: SearchMatch | None,
    after: ScriptKeyset | None,
    probes: Probes,
) -> Select[Any]:
    key, id_ = _KEYS[sort], scripts.c.id
    statement = WITH_OWNER
    by_tag = walks_tag(query)
    if by_tag:
        # The page is a walk of the tag's index of the order (the keys `script_tags` copies).
        key, id_ = _TAG_KEYS[sort], script_tags.c.script_id
        statement = statement.join(script_tags, script_tags.c.script_id == scripts.c.id).where(
            script_tags.c.tag == written(query.tag, Text()), TAG_LISTED
        )
    ascending = sort is ScriptSort.NAME
    if match is not None and probes.text:
        # The page's matches, found by walking the order and testing each script on its own
        # (`script_walk`); the page then walks the same scripts again, testing each against
        # those few.
        walked = [*_listed(query), *_narrowing(query, probes)]
        if after is not None:
            walked.append(_past(_KEYS[sort], scripts.c.id, after, ascending=ascending))
        found = walked_matches(match, walked, query.limit + 1, _KEYS[sort], ascending=ascending)
        statement = statement.where(scripts.c.id.in_(select(found.c.id)))
    elif match is not None:
        statement = statement.join(match.table, match.table.c.script_id == scripts.c.id).where(
            match.condition
        )
    statement = statement.where(*_listed(query), *_narrowing(query, probes, tag=not by_tag))
    if after is not None:
        statement = statement.where(_past(key, id_, after, ascending=ascending))
    if ascending:
        statement = statement.order_by(key.asc(), id_.asc())
    else:
        statement = statement.order_by(key.desc(), id_.desc())
    return statement.add_columns(key.label("sort_key")).limit(query.limit + 1)


def _past(
    key: ColumnElement[Any], id_: ColumnElement[Any], after: ScriptKeyset, *, ascending: bool
) -> ColumnElement[bool]:
    """The scripts after the cursor `after` in (`key`, `id_`) order."""
    position, boundary = tuple_(key, id_), (after.key, after.id)
    return position > boundary if ascending else position < boundary


def walks_tag(query: ScriptQuery) -> bool:
    """Whether the list is a tag's scripts of the public catalogue in a key's order: read
    from the tag's index of that order, however many scripts the tag has."""
    return (
        query.tag is not None
        and query.visibilities == CATALOGUE
        and sort_of(query) is not ScriptSort.RELEVANCE
    )


def sort_of(query: ScriptQuery) -> ScriptSort:
    """The order a query lists in: `relevance` needs words to search for."""
    if query.sort is ScriptSort.RELEVANCE and query.text is None:
        return ScriptSort.NEWEST
    return query.sort


def _listed(query: ScriptQuery) -> list[ColumnElement[bool]]:
    """The scripts the list may show at all: live, of an active owner, in one of the
    visibilities asked for."""
    conditions: list[ColumnElement[bool]] = [LIVE, OWNER_ACTIVE]
    if query.visibilities == {Visibility.PUBLIC}:
        conditions.append(PUBLIC)
    elif query.visibilities != _EVERY_VISIBILITY:
        conditions.append(scripts.c.visibility.in_([v.value for v in query.visibilities]))
    return conditions


def _narrowing(
    query: ScriptQuery, probes: Probes = NO_PROBES, *, tag: bool = True
) -> list[ColumnElement[bool]]:
    """The filters the client asked for (but the tag, unless `tag`); the selective ones
    (author, language, tag, site) written into the statement (`written`)."""
    conditions: list[ColumnElement[bool]] = []
    if query.owner_id is not None:
        conditions.append(scripts.c.owner_id == written(query.owner_id, Uuid()))
    if query.language is not None:
        language: ColumnElement[str] = scripts.c.language
        if probes.language:
            language = unindexed(language)
        conditions.append(language == written(query.language.value, Text()))
    if query.featured is not None:
        conditions.append(featured_is(value=query.featured))
    if query.without_antifeatures:
        conditions.append(_NO_ANTIFEATURES)
    if query.tag is not None and tag:
        tagged = script_tags.c.tag == written(query.tag, Text())
        if probes.tag:
            conditions.append(exists().where(script_tags.c.script_id == scripts.c.id, tagged))
        else:
            conditions.append(scripts.c.id.in_(select(script_tags.c.script_id).where(tagged)))
    if query.site is not None:
        running = running_on(query.site, all_sites=query.all_sites)
        if probes.site:
            conditions.append(exists().where(script_sites.c.script_id == scripts.c.id, running))
        else:
            conditions.append(scripts.c.id.in_(select(script_sites.c.script_id).where(running)))
    return conditions


def running_on(site: str, *, all_sites: bool) -> ColumnElement[bool]:
    """The `script_sites` rows of the scripts whose patterns name `site`, or a domain above
    it with its subdomains (or every site, when `all_sites`)."""
    host, *above = host_and_parents(site)
    named = [host, EVERYWHERE] if all_sites else [host]
    return or_(
        script_sites.c.host.in_(written(named, Text())),
        and_(
            script_sites.c.host.in_(written(above, Text())),
            script_sites.c.subdomains.is_(True),
        ),
    )


def _checked(after: ScriptKeyset, sort: ScriptSort) -> ScriptKeyset:
    if after.sort is not sort or not isinstance(after.key, SORT_KEY_TYPES[sort]):
        msg = "The cursor belongs to another order of this list."
        raise BadRequestError(msg)
    return after


def _pager(
    limit: int, sort: ScriptSort = ScriptSort.NEWEST
) -> Callable[[Sequence[RowMapping]], ScriptPage]:
    def page(rows: Sequence[RowMapping]) -> ScriptPage:
        if len(rows) <= limit:
            return ScriptPage([script_from_row(row) for row in rows], None)
        last = rows[limit - 1]
        return ScriptPage(
            [script_from_row(row) for row in rows[:limit]],
            ScriptKeyset(sort, last["sort_key"], last["id"]),
        )

    return page
