"""Serve a script's latest code, or its metadata block, to browsers and script managers; and
count an install when the code is downloaded."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from scripthub.application.accounts import Principal
from scripthub.application.ports.install_counter import InstallLog, install_client
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.application.scripts.access import load_visible_script
from scripthub.application.scripts.served_code import (
    NOTHING_HELD,
    CodeForm,
    Held,
    ServedCode,
    UpdateUrls,
)
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import NotFoundError
from scripthub.domain.scripts import Script
from scripthub.domain.userscript_serving import meta_block, rewrite_update_urls


@dataclass(frozen=True)
class ReadScriptCodeQuery:
    id_or_slug: str
    viewer: Principal | None
    """The signed-in caller, or None for an anonymous one (script managers are)."""
    context: RequestContext
    form: CodeForm = CodeForm.CODE
    held: Held = NOTHING_HELD
    download: bool = True
    """False when the client asks for the headers alone (HEAD): never an install."""


class ReadScriptCode:
    """The latest version's code or metadata block, with update URLs pointing at us.

    One query answers a client whose copy is current (the latest version's digest and date
    are on the script's row); the code, up to 2 MiB, is read only to be sent. A download of
    the whole code is an install, counted once a day per script and client (the user, else
    the IP address) through the install log, which never fails the download.
    """

    def __init__(
        self, uow_factory: UnitOfWorkFactory, installs: InstallLog, clock: Clock, public_url: str
    ) -> None:
        self._uow_factory = uow_factory
        self._installs = installs
        self._clock = clock
        self._public_url = public_url

    async def execute(self, query: ReadScriptCodeQuery) -> ServedCode:
        async with self._uow_factory() as uow:
            script = await load_visible_script(uow, query.id_or_slug, query.viewer)
            if script.latest_version is None:
                raise NotFoundError("This script has no published version.")
            answer = ServedCode.of(script, script.latest_version, query.form)
            if query.held.is_current(answer.tag, answer.last_modified):
                return answer
            latest = await uow.scripts.latest_code(script.id)
        if latest is None:  # deleted meanwhile
            raise NotFoundError("Script not found.")
        body = self._body(script, latest.code, query.form)
        if query.form is CodeForm.CODE and query.download:
            await self._count_install(script, query)
        # From the version read, which may be newer than the row read a moment before.
        answer = ServedCode.of(script, latest.version.summary, query.form)
        return dataclasses.replace(answer, body=body)

    def _body(self, script: Script, code: str, form: CodeForm) -> str:
        urls = UpdateUrls.of(self._public_url, script, code)
        if form is not CodeForm.CODE:
            meta = meta_block(code, urls.update, urls.download)
            if meta is not None:
                return meta
            if form is CodeForm.META:
                raise NotFoundError("This script has no metadata block.")
        return rewrite_update_urls(code, urls.update, urls.download)

    async def _count_install(self, script: Script, query: ReadScriptCodeQuery) -> None:
        user_id = query.viewer.user_id if query.viewer is not None else None
        if user_id is None and query.context.ip_address is None:
            return  # nobody to count it for (no peer address: not a network client)
        client = install_client(user_id, query.context.ip_address or "")
        await self._installs.record(script.id, client, self._clock.now())
