"""Email verification, password reset and change, and the outbox dispatcher, in process."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from scripthub.application.auth.change_password import ChangePasswordCommand
from scripthub.application.auth.request_password_reset import RequestPasswordResetCommand
from scripthub.application.auth.resend_verification_email import ResendVerificationEmailCommand
from scripthub.application.auth.reset_password import ResetPasswordCommand
from scripthub.application.auth.verify_email import VerifyEmailCommand
from scripthub.application.mail.deliver_mail import DeliverMail, RetryPolicy
from scripthub.application.ports.mail import MailDeliveryError
from scripthub.application.users.get_own_user import GetOwnUserQuery
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import (
    EmailTokenInvalidError,
    InvalidCredentialsError,
    SessionRevokedError,
    ValidationError,
    WrongCurrentPasswordError,
)
from scripthub.domain.mail import DeliveryStatus, Email, OutboxMessage
from tests.fakes.mailer import InMemoryMailer
from tests.unit.world import PASSWORD, World

NEW_PASSWORD = "a brand new passphrase"


def token_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["token"][0]


async def test_registration_queues_a_verification_link_that_works_once(world: World) -> None:
    pair = await world.register()

    [link] = await world.delivered_links()
    own = await world.verify_email().execute(VerifyEmailCommand(token_of(link), RequestContext()))

    assert link.startswith("https://scripthub.test/verify-email?token=")
    assert world.mailer.inbox[0].to == "ada@example.com"
    assert "ada" in world.mailer.inbox[0].html
    assert own.user.email_verified
    assert (
        await world.get_own_user().execute(GetOwnUserQuery(await world.principal(pair)))
    ).user.email_verified
    assert ("auth.email_verified", "success") in world.audit_actions()
    with pytest.raises(EmailTokenInvalidError):
        await world.verify_email().execute(VerifyEmailCommand(token_of(link), RequestContext()))


@pytest.mark.parametrize("token", ["", "garbage", "x" * 500])
async def test_unknown_verification_tokens_are_refused(world: World, token: str) -> None:
    with pytest.raises(EmailTokenInvalidError):
        await world.verify_email().execute(VerifyEmailCommand(token, RequestContext()))


async def test_verification_links_expire_after_a_day(world: World) -> None:
    await world.register()
    [link] = await world.delivered_links()
    world.clock.advance(timedelta(hours=24, seconds=1))

    with pytest.raises(EmailTokenInvalidError):
        await world.verify_email().execute(VerifyEmailCommand(token_of(link), RequestContext()))


async def test_resending_is_throttled_and_skipped_once_verified(world: World) -> None:
    principal = await world.principal(await world.register())
    resend = world.resend_verification_email

    await resend().execute(ResendVerificationEmailCommand(principal))
    assert len(await world.delivered_links()) == 1

    world.clock.advance(timedelta(seconds=61))
    await resend().execute(ResendVerificationEmailCommand(principal))
    links = await world.delivered_links()
    assert len(links) == 2

    await world.verify_email().execute(VerifyEmailCommand(token_of(links[-1]), RequestContext()))
    world.clock.advance(timedelta(seconds=61))
    await resend().execute(ResendVerificationEmailCommand(principal))
    assert len(await world.delivered_links()) == 2


async def test_forgot_password_mails_only_known_active_accounts_once_a_minute(
    world: World,
) -> None:
    await world.register()
    await world.delivered_links()  # the verification mail
    request = world.request_password_reset

    await request().execute(RequestPasswordResetCommand("nobody@example.com"))
    await request().execute(RequestPasswordResetCommand("not an email"))
    await request().execute(RequestPasswordResetCommand(" ADA@example.com "))
    await request().execute(RequestPasswordResetCommand("ada@example.com"))

    links = await world.delivered_links("reset-password")
    assert len(links) == 1
    assert links[0].startswith("https://scripthub.test/reset-password?token=")


async def reset_link(world: World) -> str:
    await world.request_password_reset().execute(RequestPasswordResetCommand("ada@example.com"))
    return (await world.delivered_links("reset-password"))[-1]


async def test_a_reset_sets_the_password_and_ends_every_session(world: World) -> None:
    pair = await world.register()
    link = await reset_link(world)

    await world.reset_password().execute(ResetPasswordCommand(token_of(link), NEW_PASSWORD))

    with pytest.raises(SessionRevokedError):
        await world.principal(pair)
    with pytest.raises(InvalidCredentialsError):
        await world.login()
    assert await world.login(password=NEW_PASSWORD)
    assert ("auth.password_reset", "success") in world.audit_actions()
    with pytest.raises(EmailTokenInvalidError):
        await world.reset_password().execute(
            ResetPasswordCommand(token_of(link), "yet another one!")
        )


async def test_reset_links_expire_after_an_hour_and_need_a_good_password(world: World) -> None:
    await world.register()
    link = await reset_link(world)

    with pytest.raises(ValidationError) as weak:
        await world.reset_password().execute(ResetPasswordCommand(token_of(link), "short"))
    assert weak.value.problems[0].field == "new_password"

    world.clock.advance(timedelta(hours=1, seconds=1))
    with pytest.raises(EmailTokenInvalidError):
        await world.reset_password().execute(ResetPasswordCommand(token_of(link), NEW_PASSWORD))


async def test_changing_the_password_kills_reset_links_and_the_other_sessions(
    world: World,
) -> None:
    pair = await world.register()
    other = await world.login()
    link = await reset_link(world)
    principal = await world.principal(pair)

    fresh = await world.change_password().execute(
        ChangePasswordCommand(principal, PASSWORD, NEW_PASSWORD)
    )

    renewed = await world.principal(fresh)
    assert (renewed.user_id, renewed.session_id) == (principal.user_id, principal.session_id)
    assert (await world.principal(pair)).session_id == principal.session_id
    with pytest.raises(SessionRevokedError):
        await world.principal(other)
    with pytest.raises(EmailTokenInvalidError):
        await world.reset_password().execute(
            ResetPasswordCommand(token_of(link), "other passphrase")
        )
    assert await world.login(password=NEW_PASSWORD)
    assert ("auth.password_changed", "success") in world.audit_actions()


async def test_changing_the_password_needs_the_current_one_and_a_new_one(world: World) -> None:
    principal = await world.principal(await world.register())

    with pytest.raises(WrongCurrentPasswordError):
        await world.change_password().execute(
            ChangePasswordCommand(principal, "wrong password!", NEW_PASSWORD)
        )
    with pytest.raises(ValidationError):
        await world.change_password().execute(ChangePasswordCommand(principal, PASSWORD, PASSWORD))
    with pytest.raises(ValidationError):
        await world.change_password().execute(ChangePasswordCommand(principal, PASSWORD, "tiny"))


async def test_a_mail_refused_for_now_is_retried_with_backoff(world: World) -> None:
    await world.register()
    world.mailer.refusal = MailDeliveryError("421 try later")

    first = await world.deliver_mail().run_once()

    assert (first.sent, first.retrying) == (0, 1)
    [pending] = await world.outbox.list_by_status(DeliveryStatus.PENDING, 10)
    assert pending.attempts == 1
    assert pending.last_error == "421 try later"
    assert pending.next_attempt_at == world.clock.now() + timedelta(seconds=2)
    assert (await world.deliver_mail().run_once()).retrying == 0  # not due yet

    world.mailer.refusal = None
    world.clock.advance(timedelta(seconds=2))
    assert (await world.deliver_mail().run_once()).sent == 1
    assert len(world.mailer.inbox) == 1
    counts = await world.outbox.count_by_status()
    assert counts[DeliveryStatus.SENT] == 1
    assert counts[DeliveryStatus.PENDING] == 0


async def test_a_mail_is_kept_as_failed_after_the_last_retry_or_a_permanent_refusal(
    world: World,
) -> None:
    policy = RetryPolicy(max_attempts=3)
    await world.register()
    world.mailer.refusal = MailDeliveryError("421 busy")
    for _ in range(3):
        await world.deliver_mail(policy).run_once()
        world.clock.advance(timedelta(minutes=1))

    [failed] = await world.outbox.list_by_status(DeliveryStatus.FAILED, 10)
    assert failed.attempts == 3

    await world.register(email="bob@example.com", username="bob")
    world.mailer.refusal = MailDeliveryError("550 no such user", permanent=True)
    report = await world.deliver_mail(policy).run_once()
    assert report.failed == 1
    assert len(await world.outbox.list_by_status(DeliveryStatus.FAILED, 10)) == 2

    world.mailer.refusal = None
    assert await world.outbox.requeue(failed.id, world.clock.now())
    assert (await world.deliver_mail(policy).run_once()).sent == 1


class StuckMailer:
    """A mail server that accepts the connection, then never answers."""

    def __init__(self) -> None:
        self.sending = asyncio.Event()

    async def send(self, email: Email) -> None:
        self.sending.set()
        await asyncio.Event().wait()


async def test_mail_of_a_killed_dispatcher_goes_out_within_15_seconds(world: World) -> None:
    await world.register()
    mailer = StuckMailer()
    killed = asyncio.create_task(DeliverMail(world.outbox, mailer, world.clock).run_once())
    await mailer.sending.wait()
    killed.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await killed

    world.clock.advance(timedelta(seconds=15))

    assert (await world.deliver_mail().run_once()).sent == 1
    assert [email.to for email in world.mailer.inbox] == ["ada@example.com"]


async def test_a_dispatcher_that_overran_its_lease_leaves_the_rest_of_its_batch(
    world: World,
) -> None:
    await world.register()
    await world.register(email="bob@example.com", username="bob")
    lease = RetryPolicy().lease
    taken_over: list[OutboxMessage] = []

    class StallingMailer(InMemoryMailer):
        async def send(self, email: Email) -> None:
            await super().send(email)
            if not taken_over:
                # The dispatcher stalls mid-send past its lease; another one claims the batch.
                world.clock.advance(lease)
                taken_over.extend(await world.outbox.claim_due(world.clock.now(), 10, lease))

    mailer = StallingMailer()
    report = await DeliverMail(world.outbox, mailer, world.clock).run_once()

    # The mail in flight when the lease ran out cannot be called back (renewing the lease
    # is what keeps that from happening); the rest is the other dispatcher's now.
    assert report.sent == 1
    assert len(mailer.inbox) == 1
    assert {message.email.to for message in taken_over} == {"ada@example.com", "bob@example.com"}


def test_backoff_doubles_up_to_its_cap() -> None:
    policy = RetryPolicy()

    delays = [policy.delay_after(n).total_seconds() for n in range(1, 7)]

    assert delays == [2, 4, 8, 16, 30, 30]


async def test_racing_reset_requests_send_one_mail(world: World) -> None:
    await world.register()
    await world.delivered_links()

    await asyncio.gather(
        *(
            world.request_password_reset().execute(RequestPasswordResetCommand("ada@example.com"))
            for _ in range(8)
        )
    )

    assert len(await world.delivered_links("reset-password")) == 1
