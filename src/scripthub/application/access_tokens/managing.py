"""What the use cases that manage tokens share: only a session may, and the audit entry."""

from __future__ import annotations

from scripthub.application.accounts import Principal
from scripthub.application.audit.recording import audit_entry
from scripthub.application.ports.system import Clock
from scripthub.domain.access_tokens import AccessToken
from scripthub.domain.audit import AuditEntry, RequestContext
from scripthub.domain.errors import TokenScopeError


def require_session(principal: Principal) -> None:
    """A token never manages tokens (nor, through them, outlives its own revocation)."""
    if principal.token is not None:
        raise TokenScopeError("Tokens are managed with a session, not with a token.")


def token_entry(
    clock: Clock, action: str, context: RequestContext, principal: Principal, token: AccessToken
) -> AuditEntry:
    return audit_entry(
        clock,
        action,
        context,
        actor_id=principal.user_id,
        resource_type="access_token",
        resource_id=token.id,
        metadata={"token_id": str(token.id), "name": token.name, "scopes": list(token.scopes)},
    )
