"""Sign-up, sign-in and session bodies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from scripthub.application.auth.list_sessions import SessionView
from scripthub.application.auth.session_starter import TokenPair
from scripthub.domain.errors import ValidationError
from scripthub.entrypoints.http.schemas.fields import (
    AccountEmail,
    Email,
    FullName,
    LoginName,
    NewPassword,
    Password,
    Username,
)
from scripthub.entrypoints.http.schemas.users import UserOut, user_out


class RegisterBody(msgspec.Struct, forbid_unknown_fields=True):
    email: Email
    password: NewPassword
    username: Username
    full_name: FullName | None = None


class LoginBody(msgspec.Struct, forbid_unknown_fields=True):
    password: Password
    login: LoginName | None = None
    email: AccountEmail | None = None

    def identifier(self) -> str:
        """The one name sent: `login`, or `email`, its older name, read the same way."""
        if self.email is None and self.login is not None:
            return self.login
        if self.login is None and self.email is not None:
            return self.email
        raise ValidationError.single("login", "send exactly one of login and email")


class RefreshBody(msgspec.Struct, forbid_unknown_fields=True):
    refresh_token: Annotated[str, msgspec.Meta(max_length=1024)]


class TokenPairOut(msgspec.Struct):
    access_token: str
    refresh_token: str
    expires_in: int
    user: UserOut
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - a scheme name, not a secret


class SessionOut(msgspec.Struct):
    id: uuid.UUID
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    user_agent: str | None
    ip_address: str | None
    provider: str
    current: bool


class SessionList(msgspec.Struct):
    items: list[SessionOut]


def token_pair_out(pair: TokenPair) -> TokenPairOut:
    return TokenPairOut(
        access_token=pair.access_token,
        refresh_token=pair.refresh_token,
        expires_in=pair.expires_in,
        user=user_out(pair.user),
    )


def session_out(view: SessionView) -> SessionOut:
    session = view.session
    return SessionOut(
        id=session.id,
        created_at=session.created_at,
        last_used_at=session.last_used_at,
        expires_at=session.expires_at,
        user_agent=session.user_agent,
        ip_address=session.ip_address,
        provider=session.provider,
        current=view.current,
    )


Token = Annotated[str, msgspec.Meta(max_length=1024)]


class VerifyEmailBody(msgspec.Struct, forbid_unknown_fields=True):
    token: Token


class ForgotPasswordBody(msgspec.Struct, forbid_unknown_fields=True):
    email: AccountEmail


class ResetPasswordBody(msgspec.Struct, forbid_unknown_fields=True):
    token: Token
    new_password: NewPassword


class ChangeEmailBody(msgspec.Struct, forbid_unknown_fields=True):
    email: Email
    current_password: Password


class ConfirmEmailChangeBody(msgspec.Struct, forbid_unknown_fields=True):
    token: Token


class ChangePasswordBody(msgspec.Struct, forbid_unknown_fields=True):
    current_password: Password
    new_password: NewPassword


class Notice(msgspec.Struct):
    """A body for answers that carry no resource."""

    detail: str
