"""/api/auth: sign-up, sign-in, token refresh, sign-out and sessions."""

from __future__ import annotations

from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT

from scripthub.application.accounts import Principal
from scripthub.application.auth.end_session import EndSession, EndSessionCommand
from scripthub.application.auth.list_sessions import ListSessions, ListSessionsQuery
from scripthub.application.auth.log_in import LogIn, LogInCommand
from scripthub.application.auth.log_out import LogOut, LogOutCommand
from scripthub.application.auth.refresh_session import RefreshSession, RefreshSessionCommand
from scripthub.application.auth.register_user import RegisterUser, RegisterUserCommand
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import LoginThrottledError
from scripthub.entrypoints.http.auth import BEARER_SECURITY
from scripthub.entrypoints.http.metrics import LOGIN_THROTTLED
from scripthub.entrypoints.http.paths import SessionId, id_or_404
from scripthub.entrypoints.http.rate_limits import CREDENTIALS
from scripthub.entrypoints.http.schemas.auth import (
    LoginBody,
    RefreshBody,
    RegisterBody,
    SessionList,
    TokenPairOut,
    session_out,
    token_pair_out,
)


class AuthController(Controller):
    path = "/api/auth"
    tags = ("auth",)

    @post("/register", summary="Create an account with email and password", opt=CREDENTIALS)
    async def register(
        self,
        data: JSONBody[RegisterBody],
        register_user: NamedDependency[RegisterUser],
        context: NamedDependency[RequestContext],
    ) -> TokenPairOut:
        command = RegisterUserCommand(
            data.email, data.password, data.username, data.full_name, context
        )
        return token_pair_out(await register_user.execute(command))

    @post(
        "/login",
        status_code=HTTP_200_OK,
        summary="Sign in with a username or email, and a password",
        opt=CREDENTIALS,
    )
    async def login(
        self,
        data: JSONBody[LoginBody],
        log_in: NamedDependency[LogIn],
        context: NamedDependency[RequestContext],
    ) -> TokenPairOut:
        try:
            pair = await log_in.execute(LogInCommand(data.identifier(), data.password, context))
        except LoginThrottledError:
            LOGIN_THROTTLED.inc()
            raise
        return token_pair_out(pair)

    @post("/refresh", status_code=HTTP_200_OK, summary="Rotate a refresh token")
    async def refresh(
        self,
        data: JSONBody[RefreshBody],
        refresh_session: NamedDependency[RefreshSession],
        context: NamedDependency[RequestContext],
    ) -> TokenPairOut:
        pair = await refresh_session.execute(RefreshSessionCommand(data.refresh_token, context))
        return token_pair_out(pair)

    @post(
        "/logout",
        status_code=HTTP_204_NO_CONTENT,
        summary="End the current session",
        security=BEARER_SECURITY,
    )
    async def logout(
        self,
        principal: NamedDependency[Principal],
        log_out: NamedDependency[LogOut],
        context: NamedDependency[RequestContext],
    ) -> None:
        await log_out.execute(LogOutCommand(principal, context=context))

    @post(
        "/logout-all",
        status_code=HTTP_204_NO_CONTENT,
        summary="End every session",
        security=BEARER_SECURITY,
    )
    async def logout_all(
        self,
        principal: NamedDependency[Principal],
        log_out: NamedDependency[LogOut],
        context: NamedDependency[RequestContext],
    ) -> None:
        await log_out.execute(LogOutCommand(principal, everywhere=True, context=context))

    @get("/sessions", summary="List your live sessions", security=BEARER_SECURITY)
    async def list_sessions(
        self, principal: NamedDependency[Principal], list_sessions: NamedDependency[ListSessions]
    ) -> SessionList:
        views = await list_sessions.execute(ListSessionsQuery(principal))
        return SessionList([session_out(v) for v in views])

    @delete(
        "/sessions/{session_id:str}", summary="End one of your sessions", security=BEARER_SECURITY
    )
    async def end_session(
        self,
        session_id: SessionId,
        principal: NamedDependency[Principal],
        end_session: NamedDependency[EndSession],
        context: NamedDependency[RequestContext],
    ) -> None:
        command = EndSessionCommand(principal, id_or_404(session_id, "Session"), context)
        await end_session.execute(command)
