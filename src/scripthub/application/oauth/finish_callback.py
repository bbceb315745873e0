"""Finish a flow at the provider's callback: sign in (a one-time code for the frontend), or
link the identity to the account that started the flow."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from scripthub.application.oauth.flows import FlowStarter, configured_provider, is_bound_browser
from scripthub.application.oauth.identity_accounts import IdentityAccounts
from scripthub.application.ports.oauth import (
    ExchangeGrant,
    OAuthFlow,
    OAuthFlowStore,
    OAuthGateway,
)
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import AccessDeniedError, OAuthError
from scripthub.domain.providers import Provider


@dataclass(frozen=True)
class OAuthCallbackCommand:
    provider: str
    state: str | None
    code: str | None
    error: str | None
    """What the provider says went wrong (`access_denied` when the person declined)."""
    browser_secret: str | None
    """What the browser brought back from the start of the flow (its cookie)."""
    context: RequestContext = RequestContext()


@dataclass(frozen=True)
class CallbackOutcome:
    exchange_code: str | None = None
    """A sign-in: the one-time code the frontend exchanges for a token pair."""
    redirect_to: str | None = None
    linked: Provider | None = None
    """A link flow: the provider now linked."""


class FinishOAuthCallback:
    """The flow of `state` is taken (once: a replay, an expired state or one another browser
    started is OAuthError), then the provider's answer: the person declined (AccessDeniedError),
    an error or a code with it (OAuthError), or a code, exchanged for the identity, which
    signs in (`IdentityAccounts.sign_in_account`) or is linked (`IdentityAccounts.link`).
    A sign-in ends with a one-time code worth a session, issued for `EXCHANGE_CODE_LIFETIME`
    and bound to the browser that started the flow: tokens never travel in a URL."""

    def __init__(
        self,
        gateway: OAuthGateway,
        flows: OAuthFlowStore,
        starter: FlowStarter,
        accounts: IdentityAccounts,
    ) -> None:
        self._gateway = gateway
        self._flows = flows
        self._starter = starter
        self._accounts = accounts

    async def execute(self, command: OAuthCallbackCommand) -> CallbackOutcome:
        provider = configured_provider(self._gateway, command.provider)
        flow = await self._take_flow(provider, command)
        if command.error is not None:
            if command.error == "access_denied" and command.code is None:
                raise AccessDeniedError("The sign-in was declined at the provider.")
            raise OAuthError(f"The provider answered {command.error[:64]!r}.")
        if not command.code:
            raise OAuthError("The provider's answer has no code.")
        identity = await self._gateway.identity(
            provider,
            command.code,
            flow.code_verifier,
            flow.nonce,
            self._starter.redirect_uri(provider),
        )
        if flow.linking_user_id is not None:
            await self._accounts.link(flow.linking_user_id, identity, command.context)
            return CallbackOutcome(linked=provider)
        user = await self._accounts.sign_in_account(identity, command.context)
        code = secrets.token_urlsafe(32)
        await self._flows.issue(code, ExchangeGrant(user.id, provider, flow.browser_binding))
        return CallbackOutcome(exchange_code=code, redirect_to=flow.redirect_to)

    async def _take_flow(self, provider: Provider, command: OAuthCallbackCommand) -> OAuthFlow:
        flow = await self._flows.take_flow(command.state) if command.state else None
        if flow is None or flow.provider is not provider:
            raise OAuthError("Unknown, used or expired sign-in state; start again.")
        if not is_bound_browser(command.browser_secret, flow.browser_binding):
            raise OAuthError("This sign-in was started in another browser; start again.")
        return flow
