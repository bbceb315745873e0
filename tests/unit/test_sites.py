"""Reading the sites of `@match` and `@include` patterns, and the host browsed by."""

from __future__ import annotations

import time

import pytest

from scripthub.domain.errors import BadRequestError
from scripthub.domain.sites import (
    MAX_PATTERNS,
    SiteTargets,
    browsed_site,
    host_and_parents,
    pattern_sites,
)


def sites(*patterns: str) -> SiteTargets:
    return pattern_sites(patterns)


@pytest.mark.parametrize(
    ("pattern", "hosts", "domains"),
    [
        ("https://www.youtube.com/*", {"youtube.com"}, set()),
        ("*://youtube.com/watch*", {"youtube.com"}, set()),
        ("http*://m.YouTube.com/*", {"m.youtube.com"}, set()),
        ("*://*.youtube.com/*", set(), {"youtube.com"}),
        ("https://*.github.io/", set(), {"github.io"}),
        ("*youtube.com*", set(), {"youtube.com"}),
        ("https://user:pw@example.org:8443/path?q#f", {"example.org"}, set()),
        ("https://example.org", {"example.org"}, set()),
        ("https://example.org*", {"example.org"}, set()),
        ("https://bücher.de/*", {"xn--bcher-kva.de"}, set()),
        ("http://localhost:3000/*", {"localhost"}, set()),
        ("https://www.google.*/*", set(), set()),
        ("https://www.google.tld/*", {"google.tld"}, set()),
        ("/^https?:\\/\\/(www\\.)?youtube\\.com/", set(), set()),
        ("file:///home/*", set(), set()),
        ("ftp://example.org/*", set(), set()),
        ("youtube.com/*", set(), set()),
        ("https://exa*mple.org/*", set(), set()),
        ("https://[::1]/*", set(), set()),
        ("https://a..b/*", set(), set()),
        ("", set(), set()),
    ],
)
def test_a_pattern_names_a_host_or_a_domain_and_its_subdomains(
    pattern: str, hosts: set[str], domains: set[str]
) -> None:
    assert sites(pattern) == SiteTargets(frozenset(hosts), frozenset(domains))


@pytest.mark.parametrize(
    "pattern", ["<all_urls>", "*", "*://*/*", "http://*/*", "https://*", "http*://*", "**"]
)
def test_some_patterns_run_everywhere(pattern: str) -> None:
    assert sites(pattern).everywhere


def test_a_domain_covers_the_same_host_named_exactly() -> None:
    targets = sites("https://youtube.com/*", "*://*.youtube.com/*", "https://a.org/*")
    assert targets == SiteTargets(frozenset({"a.org"}), frozenset({"youtube.com"}))


def test_only_the_first_patterns_are_read() -> None:
    patterns = [f"https://site{n}.org/*" for n in range(MAX_PATTERNS + 5)]
    assert len(sites(*patterns).hosts) == MAX_PATTERNS


def test_hostile_patterns_take_linear_time() -> None:
    hostile = ["*" * 2048, "http*://" + "*." * 1000, "https://" + "a." * 1020 + "/", "x" * 10**6]
    started = time.perf_counter()
    assert sites(*hostile * 25) == SiteTargets(everywhere=True)
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize(
    ("text", "host"),
    [
        ("youtube.com", "youtube.com"),
        (" WWW.YouTube.com. ", "youtube.com"),
        ("m.youtube.com", "m.youtube.com"),
        ("bücher.de", "xn--bcher-kva.de"),
        ("localhost", "localhost"),
    ],
)
def test_a_browsed_site_is_a_folded_host(text: str, host: str) -> None:
    assert browsed_site(text) == host


@pytest.mark.parametrize(
    "text", ["", "*.youtube.com", "https://youtube.com/", "a b", "x" * 254, "a..b", "you:80"]
)
def test_a_browsed_site_must_be_a_host_name(text: str) -> None:
    with pytest.raises(BadRequestError):
        browsed_site(text)


def test_a_host_and_the_domains_above_it() -> None:
    assert host_and_parents("m.youtube.com") == ["m.youtube.com", "youtube.com", "com"]
