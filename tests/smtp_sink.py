"""A real SMTP server for tests: aiosmtpd in a thread, on a fixed local port.

Fixtures `smtp_sink`, `smtp_sink_factory` and `smtp_tls_certificate`: register them with
`pytest_plugins = ["tests.smtp_sink"]` in the root conftest, or by importing their functions
(`from tests.smtp_sink import smtp_sink_fixture  # noqa: F401`, likewise
`smtp_sink_factory_fixture`, `smtp_tls_certificate_fixture`) into a conftest or test module;
the functions carry the fixture names, so test arguments do not shadow the imports.

    async def test_x(smtp_sink: SmtpSink) -> None:
        mailer = SmtpMailer(smtp_sink.url(), "ScriptHub <no-reply@scripthub.test>")
        ...
        [message] = await smtp_sink.wait_for_messages(1)

    def test_y(smtp_sink_factory: SmtpSinkFactory, smtp_tls_certificate: TlsCertificate):
        sink = smtp_sink_factory(credentials=("user", "pass"), tls=smtp_tls_certificate)

A sink keeps its port across `stop()` / `start()` / `restart()`, so a test can take the
server away and bring it back where the client expects it (`stop()` also cuts open
connections). `rcpt_reply` / `data_reply` make it answer RCPT TO / DATA with a given reply
(e.g. "550 5.1.1 No such user"); `data_delay` stalls before answering DATA. With
`credentials`, it offers AUTH (PLAIN, LOGIN) and refuses MAIL FROM until the client has
logged in. With `tls`, it offers STARTTLS (and then AUTH only over TLS); with
`implicit_tls=True` as well, it speaks TLS from the first byte (smtps). `received` has the
envelope, TLS and login of each mail besides the parsed message.

The factory fixture is async: on teardown it awaits `wait_idle()` on the test's loop, so a
client's TLS close can finish before the loop ends (else: ResourceWarning, an error here).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import ssl
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

__all__ = [
    "ReceivedMail",
    "SmtpSink",
    "SmtpSinkFactory",
    "TlsCertificate",
    "smtp_sink_factory_fixture",
    "smtp_sink_fixture",
    "smtp_tls_certificate_fixture",
]

HOST = "127.0.0.1"


@dataclass(frozen=True)
class ReceivedMail:
    """One accepted mail, with what the envelope and the session said about it."""

    message: EmailMessage
    mail_from: str
    rcpt_tos: tuple[str, ...]
    tls: bool
    login: str | None


@dataclass(frozen=True)
class TlsCertificate:
    """A self-signed certificate (for `localhost` and 127.0.0.1 unless told other names),
    with contexts for both ends."""

    cert_path: Path
    key_path: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_path, self.key_path)
        return context

    def client_context(self) -> ssl.SSLContext:
        """Trusts this certificate only."""
        return ssl.create_default_context(cafile=self.cert_path)

    @classmethod
    def generate(
        cls,
        directory: Path,
        dns_names: tuple[str, ...] = ("localhost",),
        addresses: tuple[str, ...] = (HOST,),
    ) -> TlsCertificate:
        """Needs the `cryptography` package (skip the test when it is missing)."""
        from cryptography import x509  # noqa: PLC0415 - optional; see smtp_tls_certificate
        from cryptography.hazmat.primitives import hashes, serialization  # noqa: PLC0415
        from cryptography.hazmat.primitives.asymmetric import ec  # noqa: PLC0415
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID  # noqa: PLC0415

        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ScriptHub SMTP sink")])
        now = datetime.now(UTC)
        names: list[x509.GeneralName] = [x509.DNSName(name) for name in dns_names]
        names += [x509.IPAddress(ipaddress.ip_address(address)) for address in addresses]
        usage = x509.KeyUsage(
            digital_signature=True,
            key_cert_sign=True,
            content_commitment=False,
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            crl_sign=False,
            encipher_only=False,
            decipher_only=False,
        )
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(usage, critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
            .sign(key, hashes.SHA256())
        )
        cert_path, key_path = directory / "sink.crt", directory / "sink.key"
        cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        return cls(cert_path, key_path)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


class SmtpSink:
    """An aiosmtpd server that collects what it accepts; see the module docstring."""

    host = HOST

    def __init__(
        self,
        *,
        port: int | None = None,
        credentials: tuple[str, str] | None = None,
        tls: TlsCertificate | None = None,
        implicit_tls: bool = False,
    ) -> None:
        if implicit_tls and tls is None:
            raise ValueError("implicit_tls needs a certificate")
        self.port = port or free_port()
        self.credentials = credentials
        self.tls = tls
        self.implicit_tls = implicit_tls
        self.rcpt_reply: str | None = None
        self.data_reply: str | None = None
        self.data_delay = 0.0
        self._received: list[ReceivedMail] = []
        self._connections: set[SMTP] = set()
        self._lock = threading.Lock()
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []
        self._controller: _Controller | None = None

    # Life cycle

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> None:
        if self._controller is not None:
            raise RuntimeError("the SMTP sink is already running")
        context = self.tls.server_context() if self.tls else None
        controller = _Controller(
            self,
            hostname=self.host,
            port=self.port,
            server_hostname="sink.scripthub.test",
            ssl_context=context if self.implicit_tls else None,
            tls_context=None if self.implicit_tls else context,
            # AUTH only over STARTTLS when it is offered; aiosmtpd cannot tell that an
            # implicit-TLS connection is encrypted, so it must not demand TLS there.
            auth_require_tls=context is not None and not self.implicit_tls,
            authenticator=self._authenticate if self.credentials else None,
        )
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        """Close the port (clients now get "connection refused") and cut open connections,
        like a crash. Idempotent. To let clients finish first, await `wait_idle()`."""
        controller, self._controller = self._controller, None
        if controller is not None:
            # Aborted, not closed: a TLS close would wait for the client, and the
            # server's loop ends now; its unfinished sockets would leak (ResourceWarning).
            controller.loop.call_soon_threadsafe(self._abort_connections)
            controller.stop()

    def restart(self) -> None:
        self.stop()
        self.start()

    # What arrived

    @property
    def received(self) -> list[ReceivedMail]:
        with self._lock:
            return list(self._received)

    @property
    def messages(self) -> list[EmailMessage]:
        return [mail.message for mail in self.received]

    def clear(self) -> None:
        with self._lock:
            self._received.clear()

    async def wait_for_messages(self, count: int, within: float = 5.0) -> list[EmailMessage]:
        """The messages once at least `count` arrived; TimeoutError after `within` seconds."""
        if not await self._wait_until(lambda: len(self._received) >= count, within):
            arrived = len(self.received)
            raise TimeoutError(f"{arrived} of {count} mails arrived in {within}s")
        return self.messages

    async def wait_idle(self, within: float = 2.0) -> None:
        """Wait until every client has closed its connection; TimeoutError after `within`.

        A client's close (a TLS one above all) needs its event loop to run on for a while:
        await this before the loop ends, or the client's socket leaks (ResourceWarning).
        The fixtures do it on teardown.
        """
        if not await self._wait_until(lambda: not self._connections, within):
            raise TimeoutError(f"{len(self._connections)} SMTP connections still open")

    async def wait_busy(self, within: float = 5.0) -> None:
        """Wait until a client is connected; TimeoutError after `within` seconds."""
        if not await self._wait_until(lambda: bool(self._connections), within):
            raise TimeoutError(f"no SMTP client connected within {within}s")

    async def _wait_until(self, condition: Callable[[], bool], within: float) -> bool:
        """Whether `condition` (checked under the lock) held within `within` seconds."""
        waiter = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._waiters.append(waiter)
        try:
            async with asyncio.timeout(within):
                while True:
                    with self._lock:
                        if condition():
                            return True
                    await waiter[1].wait()
                    waiter[1].clear()
        except TimeoutError:
            return False
        finally:
            with self._lock:
                self._waiters.remove(waiter)

    def url(
        self,
        *,
        credentials: tuple[str, str] | None = None,
        anonymous: bool = False,
        **options: str,
    ) -> str:
        """This sink's URL: with the sink's credentials unless `credentials` or `anonymous`
        says otherwise (percent-encoded), and `options` as the query (`starttls="never"`)."""
        login = None if anonymous else credentials or self.credentials
        user = ""
        if login is not None:
            user = f"{quote(login[0], safe='')}:{quote(login[1], safe='')}@"
        query = "&".join(f"{key}={value}" for key, value in options.items())
        scheme = "smtps" if self.implicit_tls else "smtp"
        return f"{scheme}://{user}{self.host}:{self.port}" + (f"?{query}" if query else "")

    # Called on the server's thread

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        if isinstance(data, LoginPassword) and self.credentials == (
            data.login.decode(),
            data.password.decode(),
        ):
            return AuthResult(success=True, auth_data=data)
        return AuthResult(success=False, handled=False)

    def _record(self, mail: ReceivedMail) -> None:
        with self._lock:
            self._received.append(mail)
            self._notify()

    def _opened(self, connection: SMTP) -> None:
        with self._lock:
            self._connections.add(connection)
            self._notify()

    def _closed(self, connection: SMTP) -> None:
        with self._lock:
            self._connections.discard(connection)
            self._notify()

    def _notify(self) -> None:
        """Wake the waiters; the caller holds the lock."""
        for loop, changed in self._waiters:
            loop.call_soon_threadsafe(changed.set)

    def _abort_connections(self) -> None:
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            if isinstance(connection.transport, asyncio.Transport):
                connection.transport.abort()


class _Connection(SMTP):
    """aiosmtpd's protocol, telling the sink which connections are open."""

    def __init__(self, sink: SmtpSink, handler: _Handler, **options: Any) -> None:
        super().__init__(handler, **options)
        self._sink = sink

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # Called again after STARTTLS, for the same connection: the sink keeps a set.
        super().connection_made(transport)
        self._sink._opened(self)

    def connection_lost(self, error: Exception | None) -> None:
        super().connection_lost(error)
        self._sink._closed(self)


class _Controller(Controller):
    def __init__(self, sink: SmtpSink, **options: Any) -> None:
        super().__init__(_Handler(sink), **options)
        self._sink = sink

    def factory(self) -> SMTP:
        return _Connection(self._sink, self.handler, **self.SMTP_kwargs)


class _Handler:
    """aiosmtpd's hooks; each returns the SMTP reply."""

    def __init__(self, sink: SmtpSink) -> None:
        self._sink = sink

    async def handle_MAIL(  # noqa: N802 - aiosmtpd's hook names
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        # Not aiosmtpd's auth_required: without TLS it emits a UserWarning (an error under
        # our filterwarnings) on the server thread.
        if self._sink.credentials and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self._sink.rcpt_reply:
            return self._sink.rcpt_reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 OK"

    async def handle_DATA(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        if self._sink.data_delay:
            await asyncio.sleep(self._sink.data_delay)
        if self._sink.data_reply:
            return self._sink.data_reply
        assert envelope.original_content is not None
        assert envelope.mail_from is not None
        # SMTP ends lines with CRLF; the parser would keep the CR in decoded bodies.
        content = envelope.original_content.replace(b"\r\n", b"\n")
        message = message_from_bytes(content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        auth = session.auth_data
        login = auth.login.decode() if isinstance(auth, LoginPassword) else None
        transport = server.transport
        self._sink._record(
            ReceivedMail(
                message=message,
                mail_from=envelope.mail_from,
                rcpt_tos=tuple(envelope.rcpt_tos),
                tls=transport is not None and transport.get_extra_info("ssl_object") is not None,
                login=login,
            )
        )
        return "250 OK"


class SmtpSinkFactory(Protocol):
    def __call__(
        self,
        *,
        credentials: tuple[str, str] | None = None,
        tls: TlsCertificate | None = None,
        implicit_tls: bool = False,
    ) -> SmtpSink: ...


@pytest.fixture(name="smtp_sink_factory")
async def smtp_sink_factory_fixture() -> AsyncIterator[SmtpSinkFactory]:
    """Makes started sinks; after the test, each waits for its clients to close (on the
    test's event loop, while it still runs), then stops."""
    sinks: list[SmtpSink] = []

    def make(
        *,
        credentials: tuple[str, str] | None = None,
        tls: TlsCertificate | None = None,
        implicit_tls: bool = False,
    ) -> SmtpSink:
        sink = SmtpSink(credentials=credentials, tls=tls, implicit_tls=implicit_tls)
        sinks.append(sink)
        sink.start()
        return sink

    yield make
    for sink in sinks:
        if sink.running:
            with contextlib.suppress(TimeoutError):
                await sink.wait_idle()
        sink.stop()


@pytest.fixture(name="smtp_sink")
def smtp_sink_fixture(smtp_sink_factory: SmtpSinkFactory) -> SmtpSink:
    """A started plain sink: no TLS, no AUTH."""
    return smtp_sink_factory()


@pytest.fixture(name="smtp_tls_certificate", scope="session")
def smtp_tls_certificate_fixture(tmp_path_factory: pytest.TempPathFactory) -> TlsCertificate:
    """Skips the test when `cryptography` is not installed (it is not a direct dependency)."""
    pytest.importorskip("cryptography", reason="TLS tests generate a certificate with it")
    return TlsCertificate.generate(tmp_path_factory.mktemp("smtp-tls"))
