"""/api/scripts.atom and /api/scripts/{id}/versions.atom: Atom feeds of new scripts and of a
script's versions, for feed readers, which poll them with `If-None-Match` or
`If-Modified-Since`."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from litestar import Controller, Request, Response, route
from litestar.di import NamedDependency
from litestar.enums import HttpMethod
from litestar.status_codes import HTTP_200_OK, HTTP_304_NOT_MODIFIED

from scripthub.application.accounts import Principal
from scripthub.application.scripts.read_new_scripts_feed import (
    NewScriptsFeedQuery,
    ReadNewScriptsFeed,
)
from scripthub.application.scripts.read_version_feed import ReadVersionFeed, ReadVersionFeedQuery
from scripthub.domain.access_tokens import TokenScope
from scripthub.entrypoints.http.code_responses import CacheRule, held_copy
from scripthub.entrypoints.http.paths import ScriptIdOrSlug
from scripthub.entrypoints.http.schemas.feeds import (
    ATOM_MEDIA_TYPE,
    new_scripts_feed_atom,
    new_scripts_feed_updated,
    version_feed_atom,
    version_feed_updated,
)
from scripthub.entrypoints.http.security_headers import OWN_CACHE_RULES
from scripthub.entrypoints.http.token_routes import token_usable

AnyRequest = Request[Any, Any, Any]
GET_AND_HEAD = [HttpMethod.GET, HttpMethod.HEAD]
# Feeds are written off the event loop: 50 entries of 5,000 characters of changelog take about
# 10 ms of CPU.
ATOM_CONTENT_TYPE = f"{ATOM_MEDIA_TYPE}; charset=utf-8"
FEED_CACHE = CacheRule("public, max-age=60", "private, max-age=60")
"""Feeds change with each new version or script: shared caches may keep one a minute (a
private script's only its reader's own cache)."""


def feed_response(
    request: AnyRequest, body: bytes, updated: datetime, *, shared: bool
) -> Response[bytes]:
    """The feed with a strong entity tag (the digest of its bytes: they are all it is made
    of) and `Last-Modified` (its newest entry's time); 304 when the client's copy is
    current; HEAD gets a GET's headers without the body."""
    tag = hashlib.blake2b(body, digest_size=16).hexdigest()
    headers = {
        "etag": f'"{tag}"',
        "last-modified": format_datetime(updated.astimezone(UTC), usegmt=True),
        "cache-control": FEED_CACHE.shared if shared else FEED_CACHE.private,
        # As on the code routes: a shared cache must not hand a page (CORS) an answer kept
        # for a feed reader, which lacks `Access-Control-Allow-Origin`.
        "vary": "Origin",
    }
    if held_copy(request.headers).is_current(tag, updated):
        return Response(b"", status_code=HTTP_304_NOT_MODIFIED, headers=headers)
    headers |= {"content-type": ATOM_CONTENT_TYPE, "content-length": str(len(body))}
    sent = b"" if request.method == HttpMethod.HEAD else body
    return Response(sent, status_code=HTTP_200_OK, headers=headers)


class FeedsController(Controller):
    path = "/api"
    tags = ("scripts",)
    opt = OWN_CACHE_RULES

    @route(
        "/scripts.atom",
        http_method=GET_AND_HEAD,
        summary="An Atom feed of the catalogue's newest scripts",
        description="The 50 newest public, listed scripts, newest first.",
        media_type=ATOM_CONTENT_TYPE,
    )
    async def new_scripts_feed(
        self, request: AnyRequest, read_new_scripts_feed: NamedDependency[ReadNewScriptsFeed]
    ) -> Response[bytes]:
        feed = await read_new_scripts_feed.execute(NewScriptsFeedQuery())
        body = await asyncio.to_thread(new_scripts_feed_atom, feed)
        return feed_response(request, body, new_scripts_feed_updated(feed), shared=True)

    @route(
        "/scripts/{id_or_slug:str}/versions.atom",
        http_method=GET_AND_HEAD,
        summary="An Atom feed of a script's versions",
        description=(
            "The script's 50 newest published versions, newest first, with their changelogs; "
            "readable by whoever may read its versions' raw code."
        ),
        media_type=ATOM_CONTENT_TYPE,
        opt=token_usable(TokenScope.SCRIPTS_READ),
    )
    async def versions_feed(
        self,
        request: AnyRequest,
        id_or_slug: ScriptIdOrSlug,
        viewer: NamedDependency[Principal | None],
        read_version_feed: NamedDependency[ReadVersionFeed],
    ) -> Response[bytes]:
        feed = await read_version_feed.execute(ReadVersionFeedQuery(id_or_slug, viewer))
        body = await asyncio.to_thread(version_feed_atom, feed)
        return feed_response(request, body, version_feed_updated(feed), shared=feed.shared)
