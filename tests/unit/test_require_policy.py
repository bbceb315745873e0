"""The `@require`/`@resource` allow-list's rules: patterns, matching (hostile URLs among
them), integrity fragments, and what a version may name."""

from __future__ import annotations

import base64
import hashlib
import time
from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scripthub.domain.errors import ValidationError
from scripthub.domain.require_policy import (
    MAX_PATTERN_LENGTH,
    MAX_PATTERNS,
    MAX_REPORTED,
    PATTERN_RULE,
    SEEDED_PATTERNS,
    RequireAllowlist,
    check_patterns,
    check_required_urls,
    is_pinned,
    normalize_pattern,
    required_urls,
)
from scripthub.domain.userscript_metadata import read_metadata

SEEDED = RequireAllowlist(SEEDED_PATTERNS)
LIST = RequireAllowlist(
    ["cdn.jsdelivr.net", "*.example.org", "https://raw.githubusercontent.com/trusted/lib/"]
)
DIGEST = hashlib.sha256(b"lib").digest()
HEX_256 = DIGEST.hex()
B64_256 = base64.b64encode(DIGEST).decode()
B64_384 = base64.b64encode(hashlib.sha384(b"lib").digest()).decode()
HEX_512 = hashlib.sha512(b"lib").hexdigest()


@pytest.mark.parametrize(
    "url",
    [
        "https://cdn.jsdelivr.net/npm/jquery@3.7.1/dist/jquery.min.js",
        "https://cdn.jsdelivr.net",
        "https://cdn.jsdelivr.net?x=1",
        "HTTPS://CDN.JSDELIVR.NET/npm/x.js",
        "https://cdn.jsdelivr.net:443/npm/x.js",
        "https://cdn.jsdelivr.net/npm/x.js#anything",
        "https://a.example.org/x.js",
        "https://deep.a.example.org/x.js",
        "https://raw.githubusercontent.com/trusted/lib/v1/lib.js",
        "https://raw.githubusercontent.com/trusted/lib/v1/lib.js?raw=1#x",
        "https://raw.githubusercontent.com/trusted/lib/a%20b.js",
    ],
)
def test_urls_on_the_list(url: str) -> None:
    assert LIST.allows(url)
    assert LIST.admits(url)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://cdn.jsdelivr.net/npm/x.js", "plain http"),
        ("//cdn.jsdelivr.net/npm/x.js", "no scheme"),
        ("ftp://cdn.jsdelivr.net/x.js", "another scheme"),
        ("https://evil.example/cdn.jsdelivr.net/x.js", "the host in the path"),
        ("https://cdn.jsdelivr.net.evil.example/x.js", "the host as a subdomain"),
        ("https://evilcdn.jsdelivr.net/x.js", "a longer host"),
        ("https://sub.cdn.jsdelivr.net/x.js", "a subdomain of an exact host"),
        ("https://jsdelivr.net/x.js", "the parent of an exact host"),
        ("https://example.org/x.js", "the domain of a *. pattern itself"),
        ("https://cdn.jsdelivr.net@evil.example/x.js", "userinfo"),
        ("https://user:pw@cdn.jsdelivr.net/x.js", "userinfo before the host"),
        ("https://cdn.jsdelivr.net:@evil.example/x.js", "userinfo with an empty password"),
        ("https://cdn.jsdelivr.net\\@evil.example/x.js", "a backslash"),
        ("https://evil.example\\cdn.jsdelivr.net/x.js", "a backslash before"),
        ("https://evil.example#@cdn.jsdelivr.net/x.js", "the host in the fragment"),
        ("https://evil.example?@cdn.jsdelivr.net/x.js", "the host in the query"),
        ("https://cdn.jsdelivr.net./x.js", "a trailing dot"),
        ("https://cdn.jsdelivr.net:8443/x.js", "another port"),
        ("https://cdn.jsdelivr.net:0443/x.js", "a port spelt another way"),
        ("https://cdn%2ejsdelivr.net/x.js", "percent-encoding in the host"),
        ("https://cdn.jsdelivr%2enet/x.js", "percent-encoding in the host"),
        ("https://cdn\uff0ejsdelivr.net/x.js", "a full-width dot"),
        ("https://cdn.jsdelivr.net\u3002/x.js", "an ideographic dot"),
        ("https://cdn.jsdеlivr.net/x.js", "a Cyrillic e"),  # noqa: RUF001
        ("https://cdn.jsdelivr.net /x.js", "a space"),
        ("https://cdn.jsdelivr.net\t/x.js", "a tab"),
        ("https://cdn.jsdelivr.net\n/x.js", "a newline"),
        (" https://cdn.jsdelivr.net/x.js", "a leading space"),
        ("https://127.0.0.1/x.js", "an IPv4 address"),
        ("https://0x7f.1/x.js", "an IPv4 address spelt in hex"),
        ("https://[::1]/x.js", "an IPv6 address"),
        ("https:///x.js", "no host"),
        ("https://", "nothing"),
        ("", "empty"),
        ("https://raw.githubusercontent.com/trusted/lib-evil/x.js", "a sibling of a prefix"),
        ("https://raw.githubusercontent.com/trusted/lib", "the prefix without its slash"),
        ("https://raw.githubusercontent.com/trusted/lib/../../evil/x.js", "dot-dot segments"),
        ("https://raw.githubusercontent.com/trusted/lib/./../evil.js", "a dot segment"),
        ("https://raw.githubusercontent.com/trusted/lib/%2e%2e/evil/x.js", "encoded dots"),
        ("https://raw.githubusercontent.com/trusted/lib/%2E./evil/x.js", "an encoded dot"),
        ("https://raw.githubusercontent.com/trusted/lib/..%2fevil/x.js", "an encoded slash"),
        ("https://raw.githubusercontent.com/trusted/lib/..%5Cevil/x.js", "an encoded backslash"),
        ("https://raw.githubusercontent.com/TRUSTED/lib/x.js", "the path in another case"),
        ("https://raw.githubusercontent.com/x.js?/trusted/lib/", "the prefix in the query"),
        ("https://other.githubusercontent.com/trusted/lib/x.js", "another host"),
    ],
)
def test_urls_off_the_list(url: str, why: str) -> None:
    assert not LIST.allows(url), why
    assert not LIST.admits(url), why


def test_a_host_pattern_is_not_a_prefix_of_the_host_s_other_paths_only() -> None:
    """A host pattern takes every path of the host; a prefix pattern only its own."""
    assert SEEDED.allows("https://unpkg.com/anything/at/all.js")
    assert not RequireAllowlist([]).allows("https://unpkg.com/x.js")


@pytest.mark.parametrize(
    "fragment",
    [
        f"sha256={HEX_256}",
        f"sha256={HEX_256.upper()}",
        f"sha256-{HEX_256}",
        f"sha256={B64_256}",
        f"sha256-{B64_256}",
        f"sha384-{B64_384}",
        f"sha512={HEX_512}",
        f"sha256={HEX_256},sha512={HEX_512}",
    ],
)
def test_integrity_fragments_pin_https_urls(fragment: str) -> None:
    url = f"https://evil.example/lib.js#{fragment}"

    assert is_pinned(url)
    assert not SEEDED.allows(url)
    assert SEEDED.admits(url)


@pytest.mark.parametrize(
    "fragment",
    [
        "",
        "sha256=",
        f"sha256={HEX_256[:-1]}",
        f"sha256={HEX_256}0",
        f"sha256={B64_256.rstrip('=')}",
        f"sha256={B64_384}",
        f"sha256:{HEX_256}",
        f"SHA256={HEX_256}",
        f"sha-256={HEX_256}",
        f"md5={hashlib.md5(b'lib').hexdigest()}",  # noqa: S324 - a weak hash, refused
        f"sha1={hashlib.sha1(b'lib').hexdigest()}",  # noqa: S324 - a weak hash, refused
        f"sha256={HEX_256},md5={hashlib.md5(b'lib').hexdigest()}",  # noqa: S324
        f"sha256={HEX_256},",
        f"sha256={'g' * 64}",
        f"sha256={'!' * 43}=",
        f"x=1&sha256={HEX_256}",
    ],
)
def test_what_does_not_pin(fragment: str) -> None:
    assert not is_pinned(f"https://evil.example/lib.js#{fragment}")


def test_a_pin_needs_https() -> None:
    assert not SEEDED.admits(f"http://evil.example/lib.js#sha256={HEX_256}")
    assert not SEEDED.admits(f"javascript:alert(1)//#sha256={HEX_256}")


def test_data_urls_are_admitted() -> None:
    assert SEEDED.admits("data:text/javascript;base64,YWxlcnQoMSk=")
    assert SEEDED.admits("DATA:image/svg+xml,<svg/>")
    assert not SEEDED.allows("data:text/javascript,1")


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("cdn.jsdelivr.net", "cdn.jsdelivr.net"),
        ("  CDN.JSDelivr.NET ", "cdn.jsdelivr.net"),
        ("*.Example.org", "*.example.org"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),
        ("https://cdn.jsdelivr.net/", "https://cdn.jsdelivr.net/"),
        (
            "HTTPS://Raw.GitHubUserContent.com/Trusted/Lib/",
            "https://raw.githubusercontent.com/Trusted/Lib/",
        ),
        (
            "https://cdn.jsdelivr.net/npm/@scope/pkg@1.2.3/",
            "https://cdn.jsdelivr.net/npm/@scope/pkg@1.2.3/",
        ),
    ],
)
def test_patterns_are_stored_normalized(raw: str, stored: str) -> None:
    assert normalize_pattern(raw) == stored


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "*",
        "*.com",
        "com",
        "*.*.example.org",
        "a.*.example.org",
        "cdn.jsdelivr.net.",
        ".cdn.jsdelivr.net",
        "cdn..jsdelivr.net",
        "-cdn.jsdelivr.net",
        "cdn-.jsdelivr.net",
        "cdn.jsdelivr.net:443",
        "cdn.jsdelivr.net/",
        "cdn.jsdelivr.net/npm/",
        "user@cdn.jsdelivr.net",
        "cdn_x.jsdelivr.net",
        "bücher.example",
        "127.0.0.1",
        "1.2.3.4.5",
        "[::1]",
        f"{'a' * 64}.example",
        ".".join(["a" * 60] * 5),
        "http://cdn.jsdelivr.net/",
        "https://cdn.jsdelivr.net",
        "https://cdn.jsdelivr.net/npm",
        "https://cdn.jsdelivr.net:443/",
        "https://u@cdn.jsdelivr.net/",
        "https://*.jsdelivr.net/",
        "https://cdn.jsdelivr.net/npm/?x=1/",
        "https://cdn.jsdelivr.net/npm/#/",
        "https://cdn.jsdelivr.net/npm/%2e%2e/",
        "https://cdn.jsdelivr.net/npm/a%20b/",
        "https://cdn.jsdelivr.net/npm/../",
        "https://cdn.jsdelivr.net/npm/./",
        "https://cdn.jsdelivr.net//npm/",
        "https://cdn.jsdelivr.net/npm\\x/",
        "https://cdn.jsdelivr.net/n pm/",
        "https://cdn.jsdelivr.net/\u00e9/",
        "data:text/javascript,",
    ],
)
def test_what_is_not_a_pattern(raw: str) -> None:
    assert normalize_pattern(raw) is None
    with pytest.raises(ValidationError) as refused:
        check_patterns(["unpkg.com", raw])
    assert [p.field for p in refused.value.problems] == ["patterns[1]"]


def test_every_bad_pattern_is_named_at_once() -> None:
    long = "https://cdn.example.com/" + "a" * MAX_PATTERN_LENGTH + "/"
    with pytest.raises(ValidationError) as refused:
        check_patterns(["unpkg.com", "*", "UNPKG.com", long, "cdn.example.com"])

    assert [(p.field, p.message) for p in refused.value.problems] == [
        ("patterns[1]", PATTERN_RULE),
        ("patterns[2]", "repeats 'unpkg.com'"),
        ("patterns[3]", f"must be at most {MAX_PATTERN_LENGTH} characters"),
    ]


def test_the_number_of_patterns_is_bounded() -> None:
    hosts = [f"h{n}.example.com" for n in range(MAX_PATTERNS)]

    assert len(check_patterns(hosts)) == MAX_PATTERNS
    assert check_patterns([]) == ()
    with pytest.raises(ValidationError) as refused:
        check_patterns([*hosts, "one-more.example.com"])
    assert [p.field for p in refused.value.problems] == ["patterns"]


def test_a_pattern_at_its_length_limit_is_taken() -> None:
    at_limit = "https://cdn.example.com/" + "a" * (MAX_PATTERN_LENGTH - 25) + "/"

    assert len(at_limit) == MAX_PATTERN_LENGTH
    assert check_patterns([at_limit]) == (at_limit,)


def _code(*entries: str) -> str:
    lines = "".join(f"// @{entry}\n" for entry in entries)
    return f"// ==UserScript==\n// @name x\n// @version 1\n{lines}// ==/UserScript==\nrun();\n"


def test_require_and_resource_urls_are_read_from_the_block() -> None:
    metadata = read_metadata(
        _code(
            "require https://cdn.jsdelivr.net/a.js",
            "resource css https://unpkg.com/a.css",
            "resource   logo   data:image/png;base64,AAAA",
            "resource lonely",
        )
    )

    assert required_urls(metadata) == [
        ("require", "https://cdn.jsdelivr.net/a.js"),
        ("resource", "https://unpkg.com/a.css"),
        ("resource", "data:image/png;base64,AAAA"),
        ("resource", ""),
    ]


def test_a_version_names_only_admitted_urls() -> None:
    admitted = _code(
        "require https://cdn.jsdelivr.net/npm/a@1/a.js",
        f"require https://evil.example/pinned.js#sha256={HEX_256}",
        "resource css https://code.jquery.com/ui.css",
        "resource icon data:image/png;base64,AAAA",
    )
    check_required_urls(read_metadata(admitted), SEEDED)
    check_required_urls(read_metadata("no block at all"), SEEDED)

    refused = _code(
        "require https://evil.example/a.js",
        "require https://cdn.jsdelivr.net/ok.js",
        "resource css http://cdn.jsdelivr.net/a.css",
        "resource lonely",
        "require https://evil.example/a.js",
    )
    with pytest.raises(ValidationError) as error:
        check_required_urls(read_metadata(refused), SEEDED)
    problems = error.value.problems
    assert [p.field for p in problems] == ["code"] * 3
    assert "@require https://evil.example/a.js " in problems[0].message
    assert "@resource http://cdn.jsdelivr.net/a.css " in problems[1].message
    assert problems[2].message == "@resource names no URL"


def test_a_refusal_names_at_most_a_few_urls_then_counts_the_rest() -> None:
    many = _code(*(f"require https://evil{n}.example/a.js" for n in range(MAX_REPORTED + 5)))

    with pytest.raises(ValidationError) as error:
        check_required_urls(read_metadata(many), SEEDED)

    messages = [p.message for p in error.value.problems]
    assert len(messages) == MAX_REPORTED + 1
    assert messages[-1] == "and 5 more URLs"


@pytest.mark.parametrize(
    "url",
    [
        "https://cdn.jsdelivr.net/" + "a/" * 1_000_000,
        "https://" + "a." * 1_000_000 + "com/",
        "https://cdn.jsdelivr.net/" + "%2" * 1_000_000,
        "https://raw.githubusercontent.com/trusted/lib/" + "../" * 1_000_000,
        "https://x.example/#" + "sha256=" * 1_000_000,
        "https://x.example/#" + ("sha256=" + HEX_256 + ",") * 5_000,
        "https://" + "@" * 1_000_000,
        "https://" + "a" * 2_000_000,
    ],
)
def test_long_hostile_urls_are_judged_in_linear_time(url: str) -> None:
    started = time.perf_counter()
    LIST.admits(url)
    SEEDED.admits(url)
    assert time.perf_counter() - started < 1.0


def test_many_prefixes_of_one_host_stay_fast() -> None:
    prefixes = [f"https://cdn.example.com/{'p' * 250}{n}/" for n in range(MAX_PATTERNS)]
    listed = RequireAllowlist(check_patterns(prefixes))
    url = "https://cdn.example.com/" + "p" * 1_000_000

    started = time.perf_counter()
    for _ in range(100):
        assert not listed.allows(url)
    assert time.perf_counter() - started < 1.0


@given(st.text(max_size=300))
def test_any_text_is_judged_without_error(text: str) -> None:
    for url in (
        text,
        f"https://{text}",
        f"https://cdn.jsdelivr.net/{text}",
        f"https://x.y/#{text}",
    ):
        assert isinstance(LIST.admits(url), bool)
    assert normalize_pattern(text) is None or check_patterns([text])


@given(st.text(alphabet="abc.-/@:%\\?#2e5fcAB", max_size=80))
def test_whatever_matches_is_a_listed_host_over_https(tail: str) -> None:
    """A match always points at a listed host as a browser's URL parser reads it."""
    url = f"https://{tail}"
    if LIST.allows(url):
        host = urlsplit(url).hostname or ""
        assert (
            host == "cdn.jsdelivr.net"
            or host.endswith(".example.org")
            or (host == "raw.githubusercontent.com")
        )
