"""Serve a script's latest code, or its metadata block, to browsers and script managers; and
count an install when the code is downloaded."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from dataclasses import dataclass

from scripthub.application.accounts import Principal
from scripthub.application.ports.install_counter import InstallLog, install_client
from scripthub.application.ports.latest_code import CodeValidators, LatestCodeCache
from scripthub.application.ports.prepared_code import PreparedCode, PreparedCodeCache
from scripthub.application.ports.system import (
    Clock,
    RateBudgetSpentError,
    RateCharge,
    RateLimitState,
)
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.application.scripts.access import cache_name
from scripthub.application.scripts.served_code import (
    NOTHING_HELD,
    CodeForm,
    Held,
    ServedCode,
    prepare_code,
    served_as,
    served_body,
)
from scripthub.application.scripts.taken_down import load_served_script
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import NotFoundError
from scripthub.domain.scripts import Script, VersionSummary, Visibility


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
    rate_charges: tuple[RateCharge, ...] = ()
    """The budgets the request is counted against here (in the cache's round trip), if any."""
    file_name: str = "raw"
    """The file the route names (`raw`, `meta`, `{slug}.user.js`...): where a script taken
    down with a redirect sends it, in the other script's files."""


@dataclass(frozen=True)
class ScriptCodeRead:
    served: ServedCode
    rate: RateLimitState | None
    """The tightest budget after counting the query's `rate_charges`; None when it had none,
    or when the cache could not count them."""


class ReadScriptCode:
    """The latest version's code or metadata block, with update URLs pointing at us.

    The latest-code cache, read in the round trip that counts the request against its rate
    budget, answers most requests of a public or unlisted script without SQL: an update check
    by a client whose copy is current (a 304, what script managers send most), and a download
    of a version whose served forms this process prepared already (`PreparedCodeCache`: the
    code is read and parsed once per version, public URL and slug). Otherwise one query reads
    the script's row (which carries the latest version's digest and date) and fills the
    cache; the code, up to 2 MiB, is read only to be prepared. A download of the whole code is
    an install, counted once a day per script and client (the user, else the IP address)
    through the install log, which never fails the download.

    A script moderation took down answers as `load_served_script` says: its kill switch, a
    410 or a redirect; never from the cache but for the kill switch.

    Raises RateBudgetSpentError, before any other work, for a request over any of its budgets.
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        latest_code: LatestCodeCache,
        prepared_code: PreparedCodeCache,
        installs: InstallLog,
        clock: Clock,
        public_url: str,
    ) -> None:
        self._uow_factory = uow_factory
        self._latest_code = latest_code
        self._prepared_code = prepared_code
        self._installs = installs
        self._clock = clock
        self._public_url = public_url

    async def execute(self, query: ReadScriptCodeQuery) -> ScriptCodeRead:
        name = cache_name(query.id_or_slug)
        cached = await self._latest_code.read(name, query.rate_charges)
        if cached.rate is not None and not cached.rate.allowed:
            raise RateBudgetSpentError(cached.rate)
        validators = cached.latest
        if (
            validators is not None
            and validators.visibility is not Visibility.PRIVATE
            and not _by_token_of_chosen_scripts(query.viewer)
        ):
            answer = ServedCode.of(validators, query.form)
            if query.held.is_current(answer.tag, answer.last_modified):
                return ScriptCodeRead(answer, cached.rate)
            prepared = self._prepared_code.get(validators.tag)
            if prepared is not None:
                served = await self._send(validators, prepared, query, reached=True)
                return ScriptCodeRead(served, cached.rate)
        served = await self._from_database(name, query, reached=cached.reached)
        return ScriptCodeRead(served, cached.rate)

    async def _from_database(
        self, name: str, query: ReadScriptCodeQuery, *, reached: bool
    ) -> ServedCode:
        """`reached`: whether the cache's store answered the request's read. One that did not
        is not waited for again (the install log is on the same store): a frozen store costs a
        request one deadline, not one per step."""
        async with self._uow_factory() as uow:
            script = await load_served_script(
                uow, query.id_or_slug, query.viewer, query.file_name, self._public_url
            )
            if script.latest_version is None:
                raise NotFoundError("This script has no published version.")
            validators = self._validators(script, script.latest_version)
            answer = ServedCode.of(validators, query.form)
            current = query.held.is_current(answer.tag, answer.last_modified)
            prepared = None if current else self._prepared_code.get(validators.tag)
            latest = None
            if not current and prepared is None:
                latest = await uow.scripts.latest_code(script.id)
        # After the transaction: no pooled database connection waits on the cache.
        reached = reached and await self._latest_code.fill(name, validators)
        if current:
            return answer
        if prepared is None:
            if latest is None:  # deleted meanwhile
                raise NotFoundError("Script not found.")
            # From the version read, which may be newer than the row read a moment before.
            validators = self._validators(script, latest.version.summary)
            prepared = await self._prepared(script, latest.code, validators.tag)
        return await self._send(validators, prepared, query, reached=reached)

    def _validators(self, script: Script, version: VersionSummary) -> CodeValidators:
        return CodeValidators.of(script, version, served_as(self._public_url, script))

    async def _prepared(self, script: Script, code: str, tag: str) -> PreparedCode:
        """The code prepared (in a worker thread: up to 2 MiB to parse) and kept."""
        prepared = await asyncio.to_thread(prepare_code, self._public_url, script, code)
        self._prepared_code.put(tag, prepared)
        return prepared

    async def _send(
        self,
        validators: CodeValidators,
        prepared: PreparedCode,
        query: ReadScriptCodeQuery,
        *,
        reached: bool,
    ) -> ServedCode:
        body = served_body(prepared, query.form)
        if query.form is CodeForm.CODE and query.download and reached:
            await self._count_install(validators.script_id, query)
        return dataclasses.replace(ServedCode.of(validators, query.form), body=body)

    async def _count_install(self, script_id: uuid.UUID, query: ReadScriptCodeQuery) -> None:
        user_id = query.viewer.user_id if query.viewer is not None else None
        if user_id is None and query.context.ip_address is None:
            return  # nobody to count it for (no peer address: not a network client)
        client = install_client(user_id, query.context.ip_address or "")
        await self._installs.record(script_id, client, self._clock.now())


def _by_token_of_chosen_scripts(viewer: Principal | None) -> bool:
    """Whether a token of chosen scripts asks: the script's row says whether it covers it."""
    return viewer is not None and viewer.token is not None and viewer.token.chosen_scripts
