"""Search and page through the catalogue."""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass

from scripthub.application.pagination import Page, reject_control_characters
from scripthub.application.ports.scripts import ScriptQuery, ScriptSort
from scripthub.application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from scripthub.application.scripts.cursors import decode_script_cursor, script_page
from scripthub.domain.errors import BadRequestError
from scripthub.domain.scripts import Language, Script
from scripthub.domain.sites import browsed_site
from scripthub.domain.users import USERNAME_PATTERN

MAX_SEARCH_LENGTH = 200


@dataclass(frozen=True)
class ListScriptsQuery:
    """Filters left None (or blank) do not filter."""

    text: str | None = None
    """Full-text search over name, description and tags."""
    tag: str | None = None
    author: str | None = None
    """The owner's username (any case)."""
    language: Language | None = None
    featured: bool | None = None
    without_antifeatures: bool = False
    site: str | None = None
    """A host: the scripts that run on it (`domain.sites`)."""
    all_sites: bool = False
    """With `site`, the scripts that run on every site too."""
    sort: ScriptSort | None = None
    """None: `relevance` when `text` is given, else `newest`."""
    cursor: str | None = None
    limit: int = 20


class ListScripts:
    """A page of the public catalogue; one query, two with `author`.

    An author that names no account, like a tag no script has, lists nothing. Search text,
    tags and authors with control characters, search text past 200 characters, a site that
    is not a host name and cursors this API did not issue (or issued for another order) are a
    BadRequestError.
    """

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def execute(self, query: ListScriptsQuery) -> Page[Script]:
        reject_control_characters(q=query.text, tag=query.tag, author=query.author, site=query.site)
        if query.text is not None and len(query.text) > MAX_SEARCH_LENGTH:
            raise BadRequestError(f"q must be at most {MAX_SEARCH_LENGTH} characters.")
        text = _given(query.text)
        tag = _given(query.tag)
        site = _given(query.site)
        search = ScriptQuery(
            text=text,
            tag=None if tag is None else tag.lower(),
            language=query.language,
            featured=query.featured,
            without_antifeatures=query.without_antifeatures,
            site=None if site is None else browsed_site(site),
            all_sites=query.all_sites,
            sort=query.sort or (ScriptSort.RELEVANCE if text else ScriptSort.NEWEST),
            after=decode_script_cursor(query.cursor),
            limit=query.limit,
        )
        author = _given(query.author)
        async with self._uow_factory() as uow:
            if author is not None:
                owner_id = await _account_id(uow, author.lower())
                if owner_id is None:
                    return Page([], None)
                search = dataclasses.replace(search, owner_id=owner_id)
            return script_page(await uow.scripts.search(search))


def _given(value: str | None) -> str | None:
    """The value trimmed; None if it is missing or blank."""
    return (value.strip() or None) if value is not None else None


async def _account_id(uow: UnitOfWork, username: str) -> uuid.UUID | None:
    if not USERNAME_PATTERN.fullmatch(username):
        return None
    user = await uow.users.get_by_username(username)
    return None if user is None else user.id
