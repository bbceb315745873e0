"""Pages of scripts from an `InMemoryDatabase`: the filters, search and orders of
`ScriptRepository.search`, in Python."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scripthub.application.ports.scripts import (
    SORT_KEY_TYPES,
    ScriptKeyset,
    ScriptPage,
    ScriptQuery,
    ScriptSort,
    unranked_key,
)
from scripthub.domain.errors import BadRequestError
from scripthub.domain.scripts import Script, search_terms, searched_texts
from scripthub.domain.sites import NO_SITES, host_and_parents

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.fakes.database import InMemoryDatabase

# How much a word found in each field counts, as in the SQL backends' ranking.
FIELD_WEIGHTS = (("name", 1.0), ("tags", 0.4), ("description", 0.2))


def listed_page(database: InMemoryDatabase, query: ScriptQuery) -> ScriptPage:
    sort = query.sort
    if sort is ScriptSort.RELEVANCE and query.text is None:
        sort = ScriptSort.NEWEST
    terms = None if query.text is None else search_terms(query.text)
    if terms == []:
        return ScriptPage([], None)
    keyed: list[tuple[Any, Script]] = []
    for script in database.scripts.values():
        owner = database.users.get(script.owner_id)
        if owner is not None and not owner.is_active:
            continue
        if not _matches(database, script, query):
            continue
        rank = 0.0
        if terms is not None:
            rank = _rank(script, terms)
            if not rank:
                continue
        keyed.append((rank if sort is ScriptSort.RELEVANCE else _KEYS[sort](script), script))
    if sort is ScriptSort.RELEVANCE:
        keyed = _ranked_among_most_installed(keyed, query.ranked_matches)
    ascending = sort is ScriptSort.NAME
    keyed.sort(key=lambda pair: (pair[0], pair[1].id), reverse=not ascending)
    if query.after is not None:
        after = query.after
        if after.sort is not sort or not isinstance(after.key, SORT_KEY_TYPES[sort]):
            msg = "The cursor belongs to another order of this list."
            raise BadRequestError(msg)
        boundary = (after.key, after.id)
        keyed = [
            pair
            for pair in keyed
            if ((pair[0], pair[1].id) > boundary if ascending else (pair[0], pair[1].id) < boundary)
        ]
    page = keyed[: query.limit]
    following = None
    if len(keyed) > query.limit:
        key, last = page[-1]
        following = ScriptKeyset(sort, key, last.id)
    return ScriptPage([script for _, script in page], following)


_KEYS: dict[ScriptSort, Callable[[Script], Any]] = {
    ScriptSort.NEWEST: lambda script: script.created_at,
    ScriptSort.UPDATED: lambda script: script.updated_at,
    ScriptSort.INSTALLS: lambda script: script.install_count,
    ScriptSort.RATING: lambda script: (
        script.rating_sum / script.rating_count if script.rating_count else 0.0
    ),
    ScriptSort.NAME: lambda script: script.name.casefold(),
}


def _ranked_among_most_installed(
    ranked: list[tuple[Any, Script]], candidates: int
) -> list[tuple[Any, Script]]:
    """The matches keyed as `relevance` lists them: the `candidates` most installed by their
    rank, the others by `unranked_key`."""
    by_installs = sorted(ranked, key=lambda pair: (pair[1].install_count, pair[1].id), reverse=True)
    return by_installs[:candidates] + [
        (unranked_key(script.install_count), script) for _, script in by_installs[candidates:]
    ]


def _matches(database: InMemoryDatabase, script: Script, query: ScriptQuery) -> bool:
    return not (
        script.deleted
        or script.visibility not in query.visibilities
        or query.owner_id not in (None, script.owner_id)
        or query.language not in (None, script.language)
        or query.featured not in (None, script.featured)
        or (query.without_antifeatures and script.antifeatures)
        or query.tag not in (None, *script.tags)
        or (query.site is not None and not _runs_on(database, script, query))
    )


def _runs_on(database: InMemoryDatabase, script: Script, query: ScriptQuery) -> bool:
    sites = database.script_sites.get(script.id, NO_SITES)
    host, *above = host_and_parents(query.site or "")
    return (
        host in sites.hosts | sites.domains
        or not sites.domains.isdisjoint(above)
        or (query.all_sites and sites.everywhere)
    )


def _rank(script: Script, terms: list[str]) -> float:
    """The weight of the fields where each term starts a word; 0 unless every term does."""
    words = {name: search_terms(text) for name, text in searched_texts(script).items()}
    rank = 0.0
    for term in terms:
        found = [weight for name, weight in FIELD_WEIGHTS if _starts_a_word(term, words[name])]
        if not found:
            return 0.0
        rank += sum(found)
    return rank


def _starts_a_word(term: str, words: list[str]) -> bool:
    return any(word.startswith(term) for word in words)
