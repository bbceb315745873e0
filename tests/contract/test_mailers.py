"""The mailers against a real SMTP server (aiosmtpd, see tests/smtp_sink.py)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest

from scripthub.adapters.mail import (
    ConsoleMailer,
    SmtpEndpoint,
    SmtpMailer,
    StartTls,
    mailer_from_url,
)
from scripthub.application.ports.mail import MailDeliveryError
from scripthub.domain.mail import Email
from tests.smtp_sink import (
    SmtpSink,
    SmtpSinkFactory,
    TlsCertificate,
)

SENDER = "ScriptHub <no-reply@scripthub.test>"
MAIL = Email(
    to="zoe@example.org",
    subject="Welcome, Zoë 🚀",
    text="Hello Zoë 🚀\nConfirm: https://scripthub.test/verify?t=abc\n",
    html="<p>Hello Zoë 🚀</p><p><a href='https://scripthub.test/verify?t=abc'>Confirm</a></p>\n",
)
TIMEOUT = 2.0


def smtp_mailer(url: str, tls: TlsCertificate | None = None) -> SmtpMailer:
    context = tls.client_context() if tls else None
    return SmtpMailer(url, SENDER, timeout=TIMEOUT, tls_context=context)


async def send_and_receive(sink: SmtpSink, mailer: SmtpMailer) -> None:
    expected = len(sink.received) + 1
    await mailer.send(MAIL)
    await sink.wait_for_messages(expected, within=TIMEOUT)


async def test_a_sent_mail_arrives_intact(smtp_sink: SmtpSink) -> None:
    await smtp_mailer(smtp_sink.url()).send(MAIL)

    [message] = await smtp_sink.wait_for_messages(1)
    assert message["From"] == SENDER
    assert message["To"] == MAIL.to
    assert message["Subject"] == MAIL.subject
    assert message["Date"].datetime.tzinfo is not None
    assert message["Message-ID"].endswith("@scripthub.test>")
    assert message.get_content_type() == "multipart/alternative"
    text, html = message.iter_parts()
    assert (text.get_content_type(), text.get_content()) == ("text/plain", MAIL.text)
    assert (html.get_content_type(), html.get_content()) == ("text/html", MAIL.html)
    [received] = smtp_sink.received
    assert (received.mail_from, received.rcpt_tos) == ("no-reply@scripthub.test", (MAIL.to,))


async def test_each_mail_gets_its_own_message_id(smtp_sink: SmtpSink) -> None:
    mailer = smtp_mailer(smtp_sink.url())
    await mailer.send(MAIL)
    await mailer.send(MAIL)

    first, second = await smtp_sink.wait_for_messages(2)
    assert first["Message-ID"] != second["Message-ID"]


async def test_logs_in_with_the_credentials_from_the_url(
    smtp_sink_factory: SmtpSinkFactory,
) -> None:
    credentials = ("mailer@scripthub.test", "p@ss:w/rd%?#")
    sink = smtp_sink_factory(credentials=credentials)

    await send_and_receive(sink, smtp_mailer(sink.url()))

    assert sink.received[0].login == credentials[0]


async def test_a_wrong_password_is_permanent(smtp_sink_factory: SmtpSinkFactory) -> None:
    sink = smtp_sink_factory(credentials=("mailer", "right"))
    mailer = smtp_mailer(sink.url(credentials=("mailer", "wrong")))

    with pytest.raises(MailDeliveryError, match="535") as caught:
        await mailer.send(MAIL)

    assert caught.value.permanent
    assert "wrong" not in str(caught.value)
    assert sink.received == []


async def test_a_stopped_server_is_transient_and_a_restarted_one_works_again(
    smtp_sink: SmtpSink,
) -> None:
    mailer = smtp_mailer(smtp_sink.url())
    await send_and_receive(smtp_sink, mailer)

    smtp_sink.stop()
    with pytest.raises(MailDeliveryError) as caught:
        await mailer.send(MAIL)
    assert not caught.value.permanent

    smtp_sink.start()
    await send_and_receive(smtp_sink, mailer)
    assert len(smtp_sink.received) == 2


@pytest.fixture
async def silent_server() -> AsyncIterator[int]:
    """Accepts connections and never greets: the client must time out."""

    async def stay_silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()
        writer.close()

    server = await asyncio.start_server(stay_silent, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()


async def test_a_server_that_does_not_answer_times_out_transiently(silent_server: int) -> None:
    mailer = SmtpMailer(f"smtp://127.0.0.1:{silent_server}", SENDER, timeout=0.2)

    with pytest.raises(MailDeliveryError, match=r"(?i)timed out") as caught:
        await mailer.send(MAIL)

    assert not caught.value.permanent


async def test_a_server_that_stalls_mid_send_times_out_transiently(smtp_sink: SmtpSink) -> None:
    smtp_sink.data_delay = 2.0
    mailer = SmtpMailer(smtp_sink.url(), SENDER, timeout=0.2)

    with pytest.raises(MailDeliveryError, match=r"(?i)timed out") as caught:
        await mailer.send(MAIL)

    assert not caught.value.permanent


async def test_a_server_that_goes_away_mid_send_is_transient(smtp_sink: SmtpSink) -> None:
    smtp_sink.data_delay = 2.0
    sending = asyncio.create_task(smtp_mailer(smtp_sink.url()).send(MAIL))
    await asyncio.sleep(0.2)  # Whatever step the client is at, losing the server is transient.

    smtp_sink.stop()

    with pytest.raises(MailDeliveryError) as caught:
        await sending
    assert not caught.value.permanent


@pytest.mark.parametrize("stage", ["rcpt", "data"])
@pytest.mark.parametrize(
    ("reply", "permanent"),
    [
        ("550 5.1.1 No such user here", True),
        ("554 5.7.1 Message rejected", True),
        ("451 4.3.0 Try again later", False),
        ("452 4.2.2 Mailbox full", False),
    ],
)
async def test_replies_decide_whether_a_rejection_is_permanent(
    smtp_sink: SmtpSink, stage: str, reply: str, permanent: bool
) -> None:
    setattr(smtp_sink, f"{stage}_reply", reply)

    with pytest.raises(MailDeliveryError) as caught:
        await smtp_mailer(smtp_sink.url()).send(MAIL)

    assert caught.value.permanent is permanent
    assert reply[:3] in str(caught.value)
    assert smtp_sink.received == []


@pytest.mark.parametrize(
    "broken",
    [
        Email(to=MAIL.to, subject="two\nlines", text="", html=""),
        Email(to="", subject="", text="", html=""),
        Email(to="@", subject="", text="", html=""),
    ],
)
async def test_a_mail_that_cannot_be_sent_as_is_is_permanent(
    smtp_sink: SmtpSink, broken: Email
) -> None:
    with pytest.raises(MailDeliveryError) as caught:
        await smtp_mailer(smtp_sink.url()).send(broken)

    assert caught.value.permanent
    assert smtp_sink.received == []


class TestTls:
    async def test_starttls_is_used_when_offered(
        self, smtp_sink_factory: SmtpSinkFactory, smtp_tls_certificate: TlsCertificate
    ) -> None:
        sink = smtp_sink_factory(tls=smtp_tls_certificate)

        await send_and_receive(sink, smtp_mailer(sink.url(), smtp_tls_certificate))

        assert sink.received[0].tls

    async def test_starttls_never_stays_plain(
        self, smtp_sink_factory: SmtpSinkFactory, smtp_tls_certificate: TlsCertificate
    ) -> None:
        sink = smtp_sink_factory(tls=smtp_tls_certificate)

        await send_and_receive(sink, smtp_mailer(sink.url(starttls="never")))

        assert not sink.received[0].tls

    async def test_starttls_required_fails_transiently_without_it(
        self, smtp_sink: SmtpSink
    ) -> None:
        with pytest.raises(MailDeliveryError, match="STARTTLS") as caught:
            await smtp_mailer(smtp_sink.url(starttls="required")).send(MAIL)

        assert not caught.value.permanent
        assert smtp_sink.received == []

    async def test_an_untrusted_certificate_fails_transiently(
        self, smtp_sink_factory: SmtpSinkFactory, smtp_tls_certificate: TlsCertificate
    ) -> None:
        sink = smtp_sink_factory(tls=smtp_tls_certificate)

        with pytest.raises(MailDeliveryError, match="CERTIFICATE_VERIFY_FAILED") as caught:
            await smtp_mailer(sink.url()).send(MAIL)

        assert not caught.value.permanent
        assert sink.received == []

    async def test_logs_in_after_starttls(
        self, smtp_sink_factory: SmtpSinkFactory, smtp_tls_certificate: TlsCertificate
    ) -> None:
        sink = smtp_sink_factory(credentials=("mailer", "secret"), tls=smtp_tls_certificate)
        mailer = smtp_mailer(sink.url(starttls="required"), smtp_tls_certificate)

        await send_and_receive(sink, mailer)

        assert (sink.received[0].tls, sink.received[0].login) == (True, "mailer")

    async def test_smtps_speaks_tls_from_the_start(
        self, smtp_sink_factory: SmtpSinkFactory, smtp_tls_certificate: TlsCertificate
    ) -> None:
        sink = smtp_sink_factory(
            credentials=("mailer", "secret"), tls=smtp_tls_certificate, implicit_tls=True
        )

        await send_and_receive(sink, smtp_mailer(sink.url(), smtp_tls_certificate))

        assert (sink.received[0].tls, sink.received[0].login) == (True, "mailer")


async def test_the_console_mailer_logs_the_mail(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="scripthub.mail"):
        await ConsoleMailer(SENDER).send(MAIL)

    [record] = caplog.records
    assert (record.name, record.levelno) == ("scripthub.mail", logging.INFO)
    for part in (SENDER, MAIL.to, MAIL.subject, MAIL.text):
        assert part in record.getMessage()


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("console", ConsoleMailer),
        (" Console ", ConsoleMailer),
        ("smtp://mail.example.org", SmtpMailer),
        ("smtps://user:pass@mail.example.org", SmtpMailer),
    ],
)
def test_mailer_from_url_picks_the_adapter(url: str, kind: type[object]) -> None:
    assert isinstance(mailer_from_url(url, SENDER), kind)


@pytest.mark.parametrize("url", ["", "http://mail.example.org", "mail.example.org:25"])
def test_mailer_from_url_refuses_other_urls(url: str) -> None:
    with pytest.raises(ValueError, match="console"):
        mailer_from_url(url, SENDER)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.org", SmtpEndpoint("mail.example.org", 587, implicit_tls=False)),
        ("smtps://mail.example.org", SmtpEndpoint("mail.example.org", 465, implicit_tls=True)),
        (
            "SMTP://a%40b.org:p%3Ass%2F@Mail.Example.org:2525?starttls=required",
            SmtpEndpoint("mail.example.org", 2525, False, StartTls.REQUIRED, "a@b.org", "p:ss/"),
        ),
        (
            "smtp://user@[::1]:25?starttls=never",
            SmtpEndpoint("::1", 25, False, StartTls.NEVER, "user", None),
        ),
    ],
)
def test_smtp_urls_are_parsed(url: str, expected: SmtpEndpoint) -> None:
    assert SmtpEndpoint.from_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "smtp://user:hunter2@",
        "smtp://user:hunter2@host:notaport",
        "smtp://user:hunter2@host/path",
        "smtp://user:hunter2@host?starttls=sometimes",
        "smtp://user:hunter2@host?tls=yes",
        "smtps://user:hunter2@host?starttls=required",
        "ftp://user:hunter2@host",
    ],
)
def test_invalid_smtp_urls_are_refused_without_echoing_the_password(url: str) -> None:
    with pytest.raises(ValueError, match=r"SMTP|starttls") as caught:
        SmtpMailer(url, SENDER)

    assert "hunter2" not in str(caught.value)


def test_the_password_stays_out_of_the_endpoints_text() -> None:
    endpoint = SmtpEndpoint.from_url("smtp://user:hunter2@mail.example.org")

    assert str(endpoint) == "smtp://user@mail.example.org:587?starttls=opportunistic"
    assert "hunter2" not in repr(endpoint)


def test_the_sender_needs_an_address() -> None:
    with pytest.raises(ValueError, match="sender"):
        SmtpMailer("smtp://mail.example.org", "ScriptHub")
