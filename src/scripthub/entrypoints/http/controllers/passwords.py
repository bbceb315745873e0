"""/api/auth: verifying email addresses and recovering or changing passwords."""

from __future__ import annotations

import logging
from collections.abc import Awaitable

from litestar import Controller, Response, post
from litestar.background_tasks import BackgroundTask
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED

from scripthub.application.accounts import Principal
from scripthub.application.auth.change_password import ChangePassword, ChangePasswordCommand
from scripthub.application.auth.request_password_reset import (
    RequestPasswordReset,
    RequestPasswordResetCommand,
)
from scripthub.application.auth.resend_verification_email import (
    ResendVerificationEmail,
    ResendVerificationEmailCommand,
)
from scripthub.application.auth.reset_password import ResetPassword, ResetPasswordCommand
from scripthub.application.auth.verify_email import VerifyEmail, VerifyEmailCommand
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import DomainError
from scripthub.entrypoints.http.auth import BEARER_SECURITY
from scripthub.entrypoints.http.rate_limits import CREDENTIALS
from scripthub.entrypoints.http.schemas.auth import (
    ChangePasswordBody,
    ForgotPasswordBody,
    Notice,
    ResetPasswordBody,
    TokenPairOut,
    VerifyEmailBody,
    token_pair_out,
)
from scripthub.entrypoints.http.schemas.users import UserOut, user_out

logger = logging.getLogger("scripthub.http")
MAIL_ON_ITS_WAY = Notice("If a mail is due, it is on its way.")


async def _in_background(work: Awaitable[None]) -> None:
    """After the response: nothing about the account leaks through timing or errors."""
    try:
        await work
    except DomainError as error:
        logger.warning("background mail request failed: %s", error.detail)


class PasswordsController(Controller):
    path = "/api/auth"
    tags = ("auth",)

    @post("/verify-email", status_code=HTTP_200_OK, summary="Verify an email address")
    async def verify_email(
        self,
        data: JSONBody[VerifyEmailBody],
        verify_email: NamedDependency[VerifyEmail],
        context: NamedDependency[RequestContext],
    ) -> UserOut:
        return user_out(await verify_email.execute(VerifyEmailCommand(data.token, context)))

    @post(
        "/verify-email/resend",
        status_code=HTTP_202_ACCEPTED,
        summary="Mail a new verification link",
        security=BEARER_SECURITY,
        opt=CREDENTIALS,
    )
    async def resend_verification(
        self,
        principal: NamedDependency[Principal],
        resend_verification_email: NamedDependency[ResendVerificationEmail],
    ) -> Notice:
        await resend_verification_email.execute(ResendVerificationEmailCommand(principal))
        return MAIL_ON_ITS_WAY

    @post(
        "/password/forgot",
        status_code=HTTP_202_ACCEPTED,
        summary="Mail a reset link",
        opt=CREDENTIALS,
    )
    async def forgot_password(
        self,
        data: JSONBody[ForgotPasswordBody],
        request_password_reset: NamedDependency[RequestPasswordReset],
    ) -> Response[Notice]:
        work = request_password_reset.execute(RequestPasswordResetCommand(data.email))
        return Response(
            MAIL_ON_ITS_WAY,
            status_code=HTTP_202_ACCEPTED,
            background=BackgroundTask(_in_background, work),
        )

    @post(
        "/password/reset",
        status_code=HTTP_200_OK,
        summary="Set a new password with a link",
        opt=CREDENTIALS,
    )
    async def reset_password(
        self,
        data: JSONBody[ResetPasswordBody],
        reset_password: NamedDependency[ResetPassword],
        context: NamedDependency[RequestContext],
    ) -> Notice:
        command = ResetPasswordCommand(data.token, data.new_password, context)
        await reset_password.execute(command)
        return Notice("Your password is changed and every session has ended: sign in again.")

    @post(
        "/password/change",
        status_code=HTTP_200_OK,
        summary="Change your password",
        security=BEARER_SECURITY,
        opt=CREDENTIALS,
    )
    async def change_password(
        self,
        data: JSONBody[ChangePasswordBody],
        principal: NamedDependency[Principal],
        change_password: NamedDependency[ChangePassword],
        context: NamedDependency[RequestContext],
    ) -> TokenPairOut:
        command = ChangePasswordCommand(
            principal, data.current_password, data.new_password, context
        )
        return token_pair_out(await change_password.execute(command))
