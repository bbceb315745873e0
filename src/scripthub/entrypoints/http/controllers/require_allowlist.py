"""/api/moderation/require-allowlist: the hosts and URL prefixes `@require` and `@resource`
may name without an integrity hash."""

from __future__ import annotations

from litestar import Controller, get, put
from litestar.di import NamedDependency
from litestar.params import JSONBody

from scripthub.application.accounts import Principal
from scripthub.application.require_allowlist.get_allowlist import (
    GetRequireAllowlist,
    GetRequireAllowlistCommand,
)
from scripthub.application.require_allowlist.replace_allowlist import (
    ReplaceRequireAllowlist,
    ReplaceRequireAllowlistCommand,
)
from scripthub.domain.audit import RequestContext
from scripthub.domain.roles import SCRIPTS_MODERATE
from scripthub.entrypoints.http.auth import BEARER_SECURITY, requires
from scripthub.entrypoints.http.schemas.require_allowlist import (
    RequireAllowlistBody,
    RequireAllowlistOut,
)


class RequireAllowlistController(Controller):
    path = "/api/moderation/require-allowlist"
    tags = ("moderation",)
    security = BEARER_SECURITY

    @get(guards=[requires(SCRIPTS_MODERATE)], summary="The @require/@resource allow-list")
    async def get_allowlist(
        self,
        principal: NamedDependency[Principal],
        get_require_allowlist: NamedDependency[GetRequireAllowlist],
        context: NamedDependency[RequestContext],
    ) -> RequireAllowlistOut:
        command = GetRequireAllowlistCommand(principal, context)
        return RequireAllowlistOut(list(await get_require_allowlist.execute(command)))

    @put(
        guards=[requires(SCRIPTS_MODERATE)],
        summary="Replace the whole @require/@resource allow-list",
    )
    async def replace_allowlist(
        self,
        data: JSONBody[RequireAllowlistBody],
        principal: NamedDependency[Principal],
        replace_require_allowlist: NamedDependency[ReplaceRequireAllowlist],
        context: NamedDependency[RequestContext],
    ) -> RequireAllowlistOut:
        command = ReplaceRequireAllowlistCommand(principal, data.patterns, context)
        return RequireAllowlistOut(list(await replace_require_allowlist.execute(command)))
