"""/api/users/me/email: moving one's account to a new email address."""

from __future__ import annotations

from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED

from scripthub.application.accounts import Principal
from scripthub.application.users.confirm_email_change import (
    ConfirmEmailChange,
    ConfirmEmailChangeCommand,
)
from scripthub.application.users.request_email_change import (
    RequestEmailChange,
    RequestEmailChangeCommand,
)
from scripthub.domain.audit import RequestContext
from scripthub.entrypoints.http.auth import BEARER_SECURITY
from scripthub.entrypoints.http.controllers.passwords import MAIL_ON_ITS_WAY
from scripthub.entrypoints.http.rate_limits import CREDENTIALS
from scripthub.entrypoints.http.schemas.auth import ChangeEmailBody, ConfirmEmailChangeBody, Notice
from scripthub.entrypoints.http.schemas.users import UserOut, user_out


class EmailChangeController(Controller):
    path = "/api/users/me/email"
    tags = ("users",)

    @post(
        "/",
        status_code=HTTP_202_ACCEPTED,
        summary="Mail a link that moves your account to a new email address",
        security=BEARER_SECURITY,
        opt=CREDENTIALS,
    )
    async def request_change(
        self,
        data: JSONBody[ChangeEmailBody],
        principal: NamedDependency[Principal],
        request_email_change: NamedDependency[RequestEmailChange],
    ) -> Notice:
        command = RequestEmailChangeCommand(principal, data.email, data.current_password)
        await request_email_change.execute(command)
        return MAIL_ON_ITS_WAY

    @post(
        "/confirm",
        status_code=HTTP_200_OK,
        summary="Move your account to the new email address with the mailed link",
        security=BEARER_SECURITY,
        opt=CREDENTIALS,
    )
    async def confirm_change(
        self,
        data: JSONBody[ConfirmEmailChangeBody],
        principal: NamedDependency[Principal],
        confirm_email_change: NamedDependency[ConfirmEmailChange],
        context: NamedDependency[RequestContext],
    ) -> UserOut:
        command = ConfirmEmailChangeCommand(principal, data.token, context)
        return user_out(await confirm_email_change.execute(command))
