"""Who asks for a change to roles or permissions, and from where."""

from __future__ import annotations

from dataclasses import dataclass

from scripthub.application.accounts import Principal
from scripthub.domain.audit import RequestContext


@dataclass(frozen=True)
class RoleCommand:
    principal: Principal
    context: RequestContext
