"""Sign in with Discord, Google or GitHub (/api/auth/{provider}), and the providers linked to
one's own account (/api/users/me/providers).

A flow is bound to the browser that started it: the start answers with an `HttpOnly`,
`SameSite=Lax` cookie scoped to the callback's path, named after the flow's state, whose
value the callback must bring back (login CSRF). The callback never carries tokens: it
sends the browser to the frontend with a one-time code, which the frontend exchanges.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

import msgspec
from litestar import Controller, Request, Response, delete, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.response import Redirect
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT, HTTP_302_FOUND

from scripthub.application.accounts import Principal
from scripthub.application.oauth.exchange_code import ExchangeOAuthCode, ExchangeOAuthCodeCommand
from scripthub.application.oauth.finish_callback import (
    CallbackOutcome,
    FinishOAuthCallback,
    OAuthCallbackCommand,
)
from scripthub.application.oauth.flows import StartedFlow
from scripthub.application.oauth.list_providers import ListOwnProviders, ListOwnProvidersQuery
from scripthub.application.oauth.start_link import StartProviderLink, StartProviderLinkCommand
from scripthub.application.oauth.start_sign_in import StartOAuthSignIn, StartOAuthSignInCommand
from scripthub.application.oauth.unlink_provider import UnlinkProvider, UnlinkProviderCommand
from scripthub.application.ports.oauth import FLOW_LIFETIME
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import DomainError
from scripthub.domain.providers import ProviderLink
from scripthub.entrypoints.http.auth import BEARER_SECURITY
from scripthub.entrypoints.http.dependencies import Frontend
from scripthub.entrypoints.http.rate_limits import CREDENTIALS
from scripthub.entrypoints.http.schemas.auth import TokenPairOut, token_pair_out

AnyRequest = Request[Any, Any, Any]
CALLBACK_ERRORS = frozenset(
    {"access_denied", "oauth_error", "email_taken", "provider_already_linked", "account_suspended"}
)
"""The error codes the callback hands the frontend; any other failure is `oauth_error`."""


class ExchangeBody(msgspec.Struct, forbid_unknown_fields=True):
    code: Annotated[str, msgspec.Meta(max_length=256)]


class AuthorizeUrlOut(msgspec.Struct):
    authorize_url: str


class ProviderOut(msgspec.Struct):
    provider: str
    provider_user_id: str
    email: str | None
    linked_at: datetime


class ProvidersOut(msgspec.Struct):
    items: list[ProviderOut]


def _cookie_name(state: str) -> str:
    """Per flow, so that two flows started in one browser do not undo each other."""
    return "scripthub_oauth_" + hashlib.sha256(state.encode()).hexdigest()[:16]


def _flow_cookie(frontend: Frontend, provider: str, flow: StartedFlow) -> Cookie:
    return Cookie(
        key=_cookie_name(flow.state),
        value=flow.browser_secret,
        path=f"/api/auth/{provider}/callback",
        max_age=int(FLOW_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=frontend.secure_cookies,
    )


def _to_frontend(frontend: Frontend, **parameters: str | None) -> str:
    query = urlencode({name: value for name, value in parameters.items() if value is not None})
    return f"{frontend.url}/auth/callback?{query}"


def _landing(frontend: Frontend, outcome: CallbackOutcome) -> str:
    if outcome.linked is not None:
        return _to_frontend(frontend, linked=str(outcome.linked))
    return _to_frontend(frontend, code=outcome.exchange_code, redirect_to=outcome.redirect_to)


class OAuthController(Controller):
    path = "/api/auth"
    tags = ("oauth",)

    @get(
        "/{provider:str}",
        summary="Start signing in with a provider (302 to its consent page)",
        status_code=HTTP_302_FOUND,
        opt=CREDENTIALS,
    )
    async def start_oauth(
        self,
        provider: FromPath[str],
        start_oauth_sign_in: NamedDependency[StartOAuthSignIn],
        frontend: NamedDependency[Frontend],
        redirect_to: FromQuery[str | None] = None,
    ) -> Redirect:
        flow = await start_oauth_sign_in.execute(StartOAuthSignInCommand(provider, redirect_to))
        return Redirect(
            flow.authorize_url,
            status_code=HTTP_302_FOUND,
            cookies=[_flow_cookie(frontend, provider, flow)],
        )

    @get(
        "/{provider:str}/callback",
        summary="Where the provider sends the browser back (302 to the frontend)",
        status_code=HTTP_302_FOUND,
        opt=CREDENTIALS,
    )
    async def oauth_callback(
        self,
        request: AnyRequest,
        provider: FromPath[str],
        finish_oauth_callback: NamedDependency[FinishOAuthCallback],
        frontend: NamedDependency[Frontend],
        context: NamedDependency[RequestContext],
        flow_state: Annotated[str | None, QueryParameter(name="state")] = None,
        code: FromQuery[str | None] = None,
        error: FromQuery[str | None] = None,
    ) -> Redirect:
        cookie = _cookie_name(flow_state) if flow_state else None
        command = OAuthCallbackCommand(
            provider,
            flow_state,
            code,
            error,
            request.cookies.get(cookie) if cookie else None,
            context,
        )
        try:
            landing = _landing(frontend, await finish_oauth_callback.execute(command))
        except DomainError as failed:
            if failed.code == "not_found":
                raise
            reason = failed.code if failed.code in CALLBACK_ERRORS else "oauth_error"
            landing = _to_frontend(frontend, error=reason)
        spent = []
        if cookie is not None:  # the flow is over, won or lost
            spent.append(Cookie(key=cookie, path=f"/api/auth/{provider}/callback", max_age=0))
        return Redirect(landing, status_code=HTTP_302_FOUND, cookies=spent)

    @post(
        "/oauth/exchange",
        status_code=HTTP_200_OK,
        summary="Exchange the callback's one-time code for a token pair",
        opt=CREDENTIALS,
    )
    async def exchange_oauth_code(
        self,
        data: JSONBody[ExchangeBody],
        exchange_oauth_code: NamedDependency[ExchangeOAuthCode],
        context: NamedDependency[RequestContext],
    ) -> TokenPairOut:
        pair = await exchange_oauth_code.execute(ExchangeOAuthCodeCommand(data.code, context))
        return token_pair_out(pair)


class OwnProvidersController(Controller):
    path = "/api/users/me/providers"
    tags = ("oauth",)
    security = BEARER_SECURITY

    @get(summary="The provider identities linked to one's account")
    async def list_providers(
        self,
        principal: NamedDependency[Principal],
        list_own_providers: NamedDependency[ListOwnProviders],
    ) -> ProvidersOut:
        links = await list_own_providers.execute(ListOwnProvidersQuery(principal))
        return ProvidersOut([_provider_out(link) for link in links])

    @post(
        "/{provider:str}",
        status_code=HTTP_200_OK,
        summary="Start linking a provider to one's account",
    )
    async def link_provider(
        self,
        provider: FromPath[str],
        principal: NamedDependency[Principal],
        start_provider_link: NamedDependency[StartProviderLink],
        frontend: NamedDependency[Frontend],
    ) -> Response[AuthorizeUrlOut]:
        flow = await start_provider_link.execute(StartProviderLinkCommand(principal, provider))
        return Response(
            AuthorizeUrlOut(flow.authorize_url),
            cookies=[_flow_cookie(frontend, provider, flow)],
        )

    @delete("/{provider:str}", status_code=HTTP_204_NO_CONTENT, summary="Unlink a provider")
    async def unlink_provider(
        self,
        provider: FromPath[str],
        principal: NamedDependency[Principal],
        unlink_provider: NamedDependency[UnlinkProvider],
        context: NamedDependency[RequestContext],
    ) -> None:
        await unlink_provider.execute(UnlinkProviderCommand(principal, provider, context))


def _provider_out(link: ProviderLink) -> ProviderOut:
    return ProviderOut(str(link.provider), link.provider_user_id, link.email, link.linked_at)
