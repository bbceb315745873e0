"""Serve a script's latest code, or its metadata block, to browsers and script managers; and
count an install when the code is downloaded."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from scripthub.application.accounts import Principal
from scripthub.application.ports.install_counter import InstallLog, install_client
from scripthub.application.ports.latest_code import CodeValidators, LatestCodeCache
from scripthub.application.ports.system import (
    Clock,
    RateBudgetSpentError,
    RateCharge,
    RateLimitState,
)
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.application.scripts.access import cache_name, load_visible_script
from scripthub.application.scripts.served_code import (
    NOTHING_HELD,
    CodeForm,
    Held,
    ServedCode,
    UpdateUrls,
)
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import NotFoundError
from scripthub.domain.scripts import Script, Visibility
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
    rate_charge: RateCharge | None = None
    """The request's rate budget, when it is counted here (in the cache's round trip)."""


@dataclass(frozen=True)
class ScriptCodeRead:
    served: ServedCode
    rate: RateLimitState | None
    """The budget after counting the query's `rate_charge`; None when it had none, or when
    the cache could not count it."""


class ReadScriptCode:
    """The latest version's code or metadata block, with update URLs pointing at us.

    An update check by a client whose copy is current (a 304, what script managers send
    most) is answered from the latest-code cache, read in the round trip that counts the
    request against its rate budget: no SQL. Otherwise one query answers it (the latest
    version's digest and date are on the script's row) and fills the cache; the code, up to
    2 MiB, is read only to be sent. A download of the whole code is an install, counted once a
    day per script and client (the user, else the IP address) through the install log, which
    never fails the download.

    Raises RateBudgetSpentError, before any other work, for a request over its budget.
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        latest_code: LatestCodeCache,
        installs: InstallLog,
        clock: Clock,
        public_url: str,
    ) -> None:
        self._uow_factory = uow_factory
        self._latest_code = latest_code
        self._installs = installs
        self._clock = clock
        self._public_url = public_url

    async def execute(self, query: ReadScriptCodeQuery) -> ScriptCodeRead:
        name = cache_name(query.id_or_slug)
        cached = await self._latest_code.read(name, query.rate_charge)
        if cached.rate is not None and not cached.rate.allowed:
            raise RateBudgetSpentError(cached.rate)
        validators = cached.latest
        if validators is not None and validators.visibility is not Visibility.PRIVATE:
            answer = ServedCode.of(validators, query.form)
            if query.held.is_current(answer.tag, answer.last_modified):
                return ScriptCodeRead(answer, cached.rate)
        served = await self._from_database(name, query, reached=cached.reached)
        return ScriptCodeRead(served, cached.rate)

    async def _from_database(
        self, name: str, query: ReadScriptCodeQuery, *, reached: bool
    ) -> ServedCode:
        """`reached`: whether the cache's store answered the request's read. One that did not
        is not waited for again (the install log is on the same store): a frozen store costs a
        request one deadline, not one per step."""
        async with self._uow_factory() as uow:
            script = await load_visible_script(uow, query.id_or_slug, query.viewer)
            validators = CodeValidators.of_latest(script)
            if validators is None:
                raise NotFoundError("This script has no published version.")
            answer = ServedCode.of(validators, query.form)
            current = query.held.is_current(answer.tag, answer.last_modified)
            latest = None if current else await uow.scripts.latest_code(script.id)
        # After the transaction: no pooled database connection waits on the cache.
        reached = reached and await self._latest_code.fill(name, validators)
        if current:
            return answer
        if latest is None:  # deleted meanwhile
            raise NotFoundError("Script not found.")
        body = self._body(script, latest.code, query.form)
        if query.form is CodeForm.CODE and query.download and reached:
            await self._count_install(script, query)
        # From the version read, which may be newer than the row read a moment before.
        answer = ServedCode.of(CodeValidators.of(script, latest.version.summary), query.form)
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
