"""The SourceFetcher's SSRF rules, against real sockets: a local HTTPS server whose certificate
names made-up hosts (`files.test`), and a resolver that maps those names to the addresses each
test needs. A fetch that succeeds proves the connection went to the resolved address (no
system lookup knows `files.test`) and that the certificate was verified for the host name (it
names no IP address)."""

from __future__ import annotations

import asyncio
import gzip
import socket
import time
import tracemalloc
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path

import pytest

from scripthub.adapters.fetch.addresses import Resolver
from scripthub.adapters.fetch.safe_fetcher import DEADLINE_SECONDS, MAX_BYTES, HttpxSourceFetcher
from scripthub.application.ports.source_fetcher import (
    FetchedFile,
    FetchValidators,
    NotModified,
    SourceUnreachableError,
)
from tests.file_server import FileServer, ReceivedRequest, Reply
from tests.smtp_sink import TlsCertificate

HOST = "files.test"
CODE = b"// ==UserScript==\n// @name x\n// @version 1\n// ==/UserScript==\n"


class FakeDns:
    """Answers from a table, and counts each question."""

    def __init__(self, answers: dict[str, Sequence[str]]) -> None:
        self.answers = answers
        self.questions: list[str] = []

    async def __call__(self, host: str, port: int) -> Sequence[str]:
        self.questions.append(host)
        if host not in self.answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return self.answers[host]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> TlsCertificate:
    directory: Path = tmp_path_factory.mktemp("fetch-tls")
    return TlsCertificate.generate(directory, dns_names=(HOST, "mirror.test"), addresses=())


@pytest.fixture
async def server(certificate: TlsCertificate) -> AsyncIterator[FileServer]:
    served = FileServer(tls=certificate.server_context())
    await served.start()
    yield served
    await served.stop()


@pytest.fixture
def dns() -> FakeDns:
    return FakeDns({HOST: ["127.0.0.1"], "mirror.test": ["127.0.0.1"], "other.test": ["::1"]})


MakeFetcher = Callable[..., HttpxSourceFetcher]


@pytest.fixture
def make_fetcher(certificate: TlsCertificate, dns: FakeDns) -> MakeFetcher:
    """A fetcher trusting the test certificate, asking `dns` unless told another resolver."""

    def make(
        resolver: Resolver | None = None,
        *,
        allow_loopback: bool = True,
        allow_http: bool = False,
        deadline: float = DEADLINE_SECONDS,
    ) -> HttpxSourceFetcher:
        return HttpxSourceFetcher(
            allow_loopback=allow_loopback,
            allow_http=allow_http,
            resolver=resolver or dns,
            ssl_context=certificate.client_context(),
            deadline=deadline,
        )

    return make


@pytest.fixture
def fetcher(make_fetcher: MakeFetcher) -> HttpxSourceFetcher:
    return make_fetcher()


async def refused(fetcher: HttpxSourceFetcher, url: str) -> str:
    with pytest.raises(SourceUnreachableError) as caught:
        await fetcher.fetch(url)
    return str(caught.value)


async def test_the_connection_goes_to_the_resolved_address_and_tls_verifies_the_host_name(
    server: FileServer, fetcher: HttpxSourceFetcher, dns: FakeDns
) -> None:
    server.routes["/a.user.js"] = Reply(
        body=CODE, headers={"ETag": '"v1"', "Last-Modified": "Mon, 07 Dec 2026 10:00:00 GMT"}
    )

    fetched = await fetcher.fetch(server.url(HOST, "/a.user.js"))

    assert fetched == FetchedFile(
        body=CODE,
        validators=FetchValidators(etag='"v1"', last_modified="Mon, 07 Dec 2026 10:00:00 GMT"),
    )
    [request] = server.received
    assert request.server_name == HOST
    assert request.headers["host"] == f"{HOST}:{server.port}"
    assert "ScriptHub" in request.headers["user-agent"]
    assert request.headers["accept-encoding"] == "identity"
    assert dns.questions == [HOST]


async def test_a_certificate_for_another_name_is_refused(
    server: FileServer, make_fetcher: MakeFetcher
) -> None:
    server.routes["/a.user.js"] = Reply(body=CODE)
    fetcher = make_fetcher(FakeDns({"other.test": ["127.0.0.1"]}))

    message = await refused(fetcher, server.url("other.test", "/a.user.js"))

    assert "TLS certificate was not accepted" in message
    assert server.received == []


async def test_every_address_is_tried_in_turn_when_one_does_not_connect(
    server: FileServer, make_fetcher: MakeFetcher
) -> None:
    server.routes["/a.user.js"] = Reply(body=CODE)
    with socket.socket() as closed:
        closed.bind(("127.0.0.2", 0))  # bound, never listening: the connection is refused
        fetcher = make_fetcher(FakeDns({HOST: ["127.0.0.2", "127.0.0.1"]}))
        assert isinstance(await fetcher.fetch(server.url(HOST, "/a.user.js")), FetchedFile)


async def test_a_closed_port_is_unreachable_without_naming_the_address(
    fetcher: HttpxSourceFetcher,
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        message = await refused(fetcher, f"https://{HOST}:{port}/a.user.js")

    assert message == f"https://{HOST}:{port}/a.user.js could not be reached."


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://files.test/a.user.js", "is not an https URL"),
        ("ftp://files.test/a.user.js", "is not an https URL"),
        ("file:///etc/passwd", "is not an https URL"),
        ("https://user:hunter2@files.test/a.user.js", "carries a user name or password"),
        ("https://:hunter2@files.test/a.user.js", "carries a user name or password"),
        ("https:///a.user.js", "has no host"),
        ("https://files.test:0/a.user.js", "has no valid port"),
        ("https://files.test:65536/a.user.js", "has no valid port"),
        ("https://nowhere.test/a.user.js", "could not be resolved"),
        ("https://[::1", "not a valid URL"),
        ("https://xn--/a.user.js", "not a valid URL"),
        ("https://xn--a/a.user.js", "not a valid URL"),
    ],
)
async def test_urls_refused_before_any_connection(
    fetcher: HttpxSourceFetcher, url: str, expected: str
) -> None:
    message = await refused(fetcher, url)

    assert expected in message
    assert "hunter2" not in message


@pytest.mark.parametrize(
    "answer",
    [
        ["127.0.0.1"],
        ["::1"],
        ["10.0.0.5"],
        ["169.254.169.254"],
        ["100.64.0.1"],
        ["::ffff:127.0.0.1"],
        ["93.184.216.34", "10.0.0.5"],
        ["2606:2800:220:1:248:1893:25c8:1946", "fd00::1"],
    ],
)
async def test_a_host_with_any_non_public_address_is_refused(
    server: FileServer, make_fetcher: MakeFetcher, answer: list[str]
) -> None:
    fetcher = make_fetcher(FakeDns({HOST: answer}), allow_loopback=False)

    message = await refused(fetcher, server.url(HOST, "/a.user.js"))

    assert message.endswith("its host resolves to an address that is not public.")
    assert all(address not in message for address in answer)
    assert server.received == []


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://127.0.0.1/", "loopback"),
        ("https://169.254.169.254/latest/meta-data/", "link-local"),
        ("https://[::ffff:10.0.0.1]/", "private"),
        ("https://[64:ff9b::a9fe:a9fe]/", "link-local"),
        ("https://[fe80::1]/", "link-local"),
        ("https://0.0.0.0/", "unspecified"),
    ],
)
async def test_an_address_in_the_url_is_checked_too(url: str, kind: str) -> None:
    dns = FakeDns({})
    fetcher = HttpxSourceFetcher(resolver=dns)

    assert f"is not a public address ({kind})" in await refused(fetcher, url)
    assert dns.questions == []


async def test_loopback_is_allowed_only_by_its_switch_and_nothing_else_is(
    server: FileServer, make_fetcher: MakeFetcher
) -> None:
    server.routes["/a.user.js"] = Reply(body=CODE)
    fetcher = make_fetcher(FakeDns({HOST: ["127.0.0.1", "192.168.1.1"]}))

    assert "not public" in await refused(fetcher, server.url(HOST, "/a.user.js"))


async def test_redirects_are_followed_three_times_relative_ones_included(
    server: FileServer, fetcher: HttpxSourceFetcher, dns: FakeDns
) -> None:
    server.routes["/1"] = Reply(301, headers={"Location": "/2"})
    server.routes["/2"] = Reply(302, headers={"Location": server.url("mirror.test", "/3")})
    server.routes["/3"] = Reply(307, headers={"Location": "sub/../4#fragment"})
    server.routes["/4"] = Reply(body=CODE)

    fetched = await fetcher.fetch(server.url(HOST, "/1"))

    assert isinstance(fetched, FetchedFile)
    assert fetched.body == CODE
    assert [(r.path, r.server_name) for r in server.received] == [
        ("/1", HOST),
        ("/2", HOST),
        ("/3", "mirror.test"),
        ("/4", "mirror.test"),
    ]
    assert dns.questions == [HOST, "mirror.test"]  # each host once per fetch


async def test_a_fourth_redirect_is_refused(
    server: FileServer, fetcher: HttpxSourceFetcher
) -> None:
    for step in range(1, 5):
        server.routes[f"/{step}"] = Reply(308, headers={"Location": f"/{step + 1}"})
    server.routes["/5"] = Reply(body=CODE)

    message = await refused(fetcher, server.url(HOST, "/1"))

    assert message == f"{server.url(HOST, '/1')} redirected more than 3 times."
    assert len(server.received) == 4


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ("https://internal.test/x", "its host resolves to an address that is not public"),
        ("https://metadata.test/latest", "its host resolves to an address that is not public"),
        ("https://169.254.169.254/latest/meta-data/", "is not a public address (link-local)"),
        ("https://[fd12::1]/x", "is not a public address (private)"),
        ("http://files.test/a.user.js", "is not an https URL"),
        ("gopher://files.test/x", "is not an http(s) URL"),
        ("https://user:pw@files.test/x", "carries a user name or password"),
        ("https://files.test:99999/x", "has no valid port"),
    ],
)
async def test_each_redirect_is_checked_like_the_first_url(
    server: FileServer, make_fetcher: MakeFetcher, location: str, expected: str
) -> None:
    server.routes["/a.user.js"] = Reply(302, headers={"Location": location})
    dns = FakeDns(
        {HOST: ["127.0.0.1"], "internal.test": ["10.1.2.3"], "metadata.test": ["169.254.169.254"]}
    )
    fetcher = make_fetcher(dns, allow_http=True)

    message = await refused(fetcher, server.url(HOST, "/a.user.js"))

    assert expected in message
    assert message.endswith(f"(redirected from {server.url(HOST, '/a.user.js')}).")
    assert "10.1.2.3" not in message
    assert len(server.received) == 1


async def test_a_redirect_to_an_invalid_url_is_refused(
    server: FileServer, fetcher: HttpxSourceFetcher
) -> None:
    server.routes["/a.user.js"] = Reply(302, headers={"Location": "https://[::1"})

    message = await refused(fetcher, server.url(HOST, "/a.user.js"))

    # httpx reads the Location (to build its own next request) before the fetcher does.
    assert (
        message
        == f"{server.url(HOST, '/a.user.js')} did not answer properly (RemoteProtocolError)."
    )


async def test_a_host_is_resolved_once_so_a_changed_answer_is_never_used(
    server: FileServer, make_fetcher: MakeFetcher
) -> None:
    server.routes["/1"] = Reply(302, headers={"Location": "/2"})
    server.routes["/2"] = Reply(body=CODE)
    answers = [["127.0.0.1"], ["10.0.0.1"]]
    questions: list[str] = []

    async def rebinding(host: str, port: int) -> Sequence[str]:
        questions.append(host)
        return answers[len(questions) - 1]

    fetcher = make_fetcher(rebinding)

    assert isinstance(await fetcher.fetch(server.url(HOST, "/1")), FetchedFile)
    assert questions == [HOST]


async def test_plain_http_only_when_allowed() -> None:
    plain = FileServer()
    await plain.start()
    try:
        plain.routes["/a.user.js"] = Reply(body=CODE)
        dns = FakeDns({HOST: ["127.0.0.1"]})
        strict = HttpxSourceFetcher(allow_loopback=True, resolver=dns)
        lenient = HttpxSourceFetcher(allow_loopback=True, allow_http=True, resolver=dns)

        assert "is not an https URL" in await refused(strict, plain.url(HOST, "/a.user.js"))
        fetched = await lenient.fetch(plain.url(HOST, "/a.user.js"))
    finally:
        await plain.stop()

    assert isinstance(fetched, FetchedFile)
    assert fetched.body == CODE


async def test_validators_are_sent_and_304_is_not_modified(
    server: FileServer, fetcher: HttpxSourceFetcher
) -> None:
    def conditional(request: ReceivedRequest) -> Reply:
        if request.headers.get("if-none-match") == '"v1"':
            return Reply(304)
        return Reply(body=CODE, headers={"ETag": '"v1"'})

    server.routes["/a.user.js"] = conditional
    url = server.url(HOST, "/a.user.js")
    since = "Mon, 07 Dec 2026 10:00:00 GMT"

    first = await fetcher.fetch(url)
    assert isinstance(first, FetchedFile)
    again = await fetcher.fetch(url, FetchValidators(etag='"v1"', last_modified=since))

    assert again == NotModified()
    assert first.validators == FetchValidators(etag='"v1"', last_modified=None)
    assert "if-none-match" not in server.received[0].headers
    assert server.received[1].headers["if-modified-since"] == since


async def test_validators_that_cannot_be_sent_back_make_an_unconditional_fetch(
    server: FileServer, fetcher: HttpxSourceFetcher
) -> None:
    server.routes["/a.user.js"] = Reply(body=CODE, headers={"ETag": '"caf\xe9"'})
    url = server.url(HOST, "/a.user.js")

    first = await fetcher.fetch(url)
    assert isinstance(first, FetchedFile)
    again = await fetcher.fetch(url, first.validators)

    assert again == first
    assert "if-none-match" not in server.received[1].headers


async def test_a_304_to_an_unconditional_request_is_an_error(
    server: FileServer, fetcher: HttpxSourceFetcher
) -> None:
    server.routes["/a.user.js"] = Reply(304)

    assert (await refused(fetcher, server.url(HOST, "/a.user.js"))).endswith("answered 304.")


@pytest.mark.parametrize("status", [404, 500, 403, 302])
async def test_an_error_status_is_named_and_its_body_never_echoed(
    server: FileServer, fetcher: HttpxSourceFetcher, status: int
) -> None:
    server.routes["/a.user.js"] = Reply(status, b"SECRET-BODY internal details")

    message = await refused(fetcher, server.url(HOST, "/a.user.js"))

    assert message == f"{server.url(HOST, '/a.user.js')} answered {status}."


async def test_a_body_of_exactly_the_cap_is_taken(
    server: FileServer, fetcher: HttpxSourceFetcher
) -> None:
    server.routes["/big"] = Reply(body=b"x" * MAX_BYTES, length=False)

    fetched = await fetcher.fetch(server.url(HOST, "/big"))

    assert isinstance(fetched, FetchedFile)
    assert len(fetched.body) == MAX_BYTES


def chunked(body: bytes) -> Reply:
    """`body` in chunks of 64 KiB, with no Content-Length."""
    size = 64 * 1024
    chunks = [body[start : start + size] for start in range(0, len(body), size)]
    encoded = b"".join(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n" for chunk in chunks)
    return Reply(
        body=encoded + b"0\r\n\r\n", headers={"Transfer-Encoding": "chunked"}, length=False
    )


@pytest.mark.parametrize(
    "reply",
    [
        Reply(body=b"x" * (MAX_BYTES + 1)),
        Reply(body=b"x" * (MAX_BYTES + 1), length=False),
        chunked(b"x" * (MAX_BYTES + 1)),
    ],
    ids=["content-length", "until-close", "chunked"],
)
async def test_a_body_over_the_cap_is_refused(
    server: FileServer, fetcher: HttpxSourceFetcher, reply: Reply
) -> None:
    server.routes["/big"] = reply

    message = await refused(fetcher, server.url(HOST, "/big"))

    assert message == f"{server.url(HOST, '/big')} is larger than 2 MiB."


async def test_a_declared_length_over_the_cap_is_refused_before_the_body(
    server: FileServer, make_fetcher: MakeFetcher
) -> None:
    # 3 MiB promised, 10 bytes sent, then silence: reading would wait until the deadline.
    server.routes["/big"] = Reply(body=b"x" * 10, declared_length=3 * 1024 * 1024, trickle=60)
    fetcher = make_fetcher(deadline=5)
    started = time.monotonic()

    message = await refused(fetcher, server.url(HOST, "/big"))

    assert message.endswith("is larger than 2 MiB.")
    assert time.monotonic() - started < 2


async def test_a_gzip_bomb_stops_at_the_cap(
    server: FileServer, fetcher: HttpxSourceFetcher
) -> None:
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)
    assert len(bomb) < 100_000
    server.routes["/bomb"] = Reply(body=bomb, headers={"Content-Encoding": "gzip"})
    server.routes["/warm"] = Reply(body=CODE)
    await fetcher.fetch(server.url(HOST, "/warm"))  # httpx imported before memory is traced
    tracemalloc.start()
    try:
        message = await refused(fetcher, server.url(HOST, "/bomb"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert message.endswith("is larger than 2 MiB.")
    assert peak < 3 * MAX_BYTES  # never the whole 64 MiB, nor a chunk's inflation of it


async def test_a_gzip_body_sent_unasked_is_decoded(
    server: FileServer, fetcher: HttpxSourceFetcher
) -> None:
    server.routes["/a.user.js"] = Reply(
        body=gzip.compress(CODE), headers={"Content-Encoding": "gzip"}
    )

    fetched = await fetcher.fetch(server.url(HOST, "/a.user.js"))

    assert isinstance(fetched, FetchedFile)
    assert fetched.body == CODE


async def test_an_unknown_encoding_is_refused(
    server: FileServer, fetcher: HttpxSourceFetcher
) -> None:
    server.routes["/a.user.js"] = Reply(body=b"....", headers={"Content-Encoding": "br"})

    message = await refused(fetcher, server.url(HOST, "/a.user.js"))

    assert "answered in an encoding it was not asked for (br)" in message


async def test_a_trickling_server_hits_the_deadline(
    server: FileServer, make_fetcher: MakeFetcher
) -> None:
    server.routes["/slow"] = Reply(body=b"x" * 1000, trickle=0.02)
    fetcher = make_fetcher(deadline=0.4)
    started = time.monotonic()

    message = await refused(fetcher, server.url(HOST, "/slow"))

    assert message == f"{server.url(HOST, '/slow')} was not fetched within 0.4 s."
    assert time.monotonic() - started < 1.5


async def test_the_deadline_covers_the_lookup() -> None:
    async def slow_dns(host: str, port: int) -> Sequence[str]:
        await asyncio.sleep(5)
        return ["127.0.0.1"]

    fetcher = HttpxSourceFetcher(allow_loopback=True, resolver=slow_dns, deadline=0.2)

    assert "was not fetched within 0.2 s" in await refused(fetcher, "https://files.test/x")


async def test_the_system_resolver_is_asked_by_default(tmp_path: Path) -> None:
    """`localhost` through getaddrinfo: refused, unless loopback is allowed (then fetched,
    over a certificate for `localhost`; an answer of ::1 first fails over to 127.0.0.1)."""
    localhost = TlsCertificate.generate(tmp_path)
    served = FileServer(tls=localhost.server_context())
    await served.start()
    try:
        served.routes["/a.user.js"] = Reply(body=CODE)
        url = served.url("localhost", "/a.user.js")
        strict = HttpxSourceFetcher(ssl_context=localhost.client_context())
        lenient = HttpxSourceFetcher(allow_loopback=True, ssl_context=localhost.client_context())

        message = await refused(strict, url)
        fetched = await lenient.fetch(url)
    finally:
        await served.stop()

    assert message.endswith("its host resolves to an address that is not public.")
    assert fetched == FetchedFile(body=CODE, validators=FetchValidators())
