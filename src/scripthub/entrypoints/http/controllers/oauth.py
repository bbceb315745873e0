"""Sign in with Discord, Google or GitHub (/api/auth/{provider}), and the providers linked to
one's own account (/api/users/me/providers).

A flow is bound to the browser that started it: the start answers with an `HttpOnly`,
`SameSite=Lax` cookie scoped to the callback's path, named after the flow's state, whose
value the callback must bring back (login CSRF). The callback never carries tokens: it
sends the browser to the frontend with a one-time code, which the frontend exchanges; the
callback hands the same secret on in a cookie scoped to the exchange's path, named after the
code, so that only that browser can exchange it (an attacker's own code, planted in a
victim's frontend, would sign the victim in to the attacker's account).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
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
from scripthub.application.ports.oauth import EXCHANGE_CODE_LIFETIME, FLOW_LIFETIME
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


EXCHANGE_PATH = "/api/auth/oauth/exchange"


def _cookie_name(key: str, kind: str = "") -> str:
    """Per flow (`key` its state) or per code, so that two flows in one browser do not undo
    each other."""
    return f"scripthub_oauth_{kind}" + hashlib.sha256(key.encode()).hexdigest()[:16]


def _code_cookie_name(code: str) -> str:
    return _cookie_name(code, "code_")


def _secret_cookie(
    frontend: Frontend, name: str, browser_secret: str, path: str, lifetime: timedelta
) -> Cookie:
    return Cookie(
        key=name,
        value=browser_secret,
        path=path,
        max_age=int(lifetime.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=frontend.secure_cookies,
    )


def _flow_cookie(frontend: Frontend, provider: str, flow: StartedFlow) -> Cookie:
    name, path = _cookie_name(flow.state), f"/api/auth/{provider}/callback"
    return _secret_cookie(frontend, name, flow.browser_secret, path, FLOW_LIFETIME)


def _exchange_cookie(frontend: Frontend, code: str, browser_secret: str) -> Cookie:
    name = _code_cookie_name(code)
    return _secret_cookie(frontend, name, browser_secret, EXCHANGE_PATH, EXCHANGE_CODE_LIFETIME)


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
        browser_secret = request.cookies.get(cookie) if cookie else None
        command = OAuthCallbackCommand(provider, flow_state, code, error, browser_secret, context)
        cookies = []
        try:
            outcome = await finish_oauth_callback.execute(command)
        except DomainError as failed:
            if failed.code == "not_found":
                raise
            reason = failed.code if failed.code in CALLBACK_ERRORS else "oauth_error"
            landing = _to_frontend(frontend, error=reason)
        else:
            landing = _landing(frontend, outcome)
            if outcome.exchange_code is not None and browser_secret is not None:
                cookies.append(_exchange_cookie(frontend, outcome.exchange_code, browser_secret))
        if cookie is not None:  # the flow is over, won or lost
            cookies.append(Cookie(key=cookie, path=f"/api/auth/{provider}/callback", max_age=0))
        return Redirect(landing, status_code=HTTP_302_FOUND, cookies=cookies)

    @post(
        "/oauth/exchange",
        status_code=HTTP_200_OK,
        summary="Exchange the callback's one-time code for a token pair, in the browser that "
        "started the flow",
        opt=CREDENTIALS,
    )
    async def exchange_oauth_code(
        self,
        request: AnyRequest,
        data: JSONBody[ExchangeBody],
        exchange_oauth_code: NamedDependency[ExchangeOAuthCode],
        context: NamedDependency[RequestContext],
    ) -> Response[TokenPairOut]:
        cookie = _code_cookie_name(data.code)
        command = ExchangeOAuthCodeCommand(data.code, request.cookies.get(cookie), context)
        pair = await exchange_oauth_code.execute(command)
        return Response(
            token_pair_out(pair), cookies=[Cookie(key=cookie, path=EXCHANGE_PATH, max_age=0)]
        )


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
