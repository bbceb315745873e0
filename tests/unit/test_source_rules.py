"""The pure rules of sources: which URLs a source may have and what they name; the webhook's
secrets and signatures."""

from __future__ import annotations

import hashlib
import hmac
import uuid

import pytest

from scripthub.domain.errors import ValidationError
from scripthub.domain.sources import (
    SourceKind,
    SyncMode,
    parse_source_url,
    raw_file_url,
    release_api_url,
)
from scripthub.domain.webhooks import secret_hint, signature_matches, webhook_secret

KEY = b"k" * 32
USER = uuid.UUID(int=7)


@pytest.mark.parametrize(
    ("url", "repository", "ref", "path"),
    [
        (
            "https://github.com/Octo/Tools/blob/main/src/a.user.js",
            "Octo/Tools",
            "main",
            "src/a.user.js",
        ),
        (
            "https://raw.githubusercontent.com/octo/tools/v1.2/a.user.js",
            "octo/tools",
            "v1.2",
            "a.user.js",
        ),
        (
            "https://github.com/octo/tools/blob/main/a%20b.user.js",
            "octo/tools",
            "main",
            "a b.user.js",
        ),
        (  # GitHub's Raw button
            "https://raw.githubusercontent.com/octo/tools/refs/heads/main/src/a.user.js",
            "octo/tools",
            "main",
            "src/a.user.js",
        ),
        (
            "https://raw.githubusercontent.com/octo/tools/refs/tags/v2/a.user.js",
            "octo/tools",
            "v2",
            "a.user.js",
        ),
    ],
)
def test_github_files_name_their_repository_ref_and_path(
    url: str, repository: str, ref: str, path: str
) -> None:
    location = parse_source_url(url, SyncMode.WEBHOOK)

    assert (location.kind, location.repository, location.ref, location.path) == (
        SourceKind.GITHUB_FILE,
        repository,
        ref,
        path,
    )
    assert location.repository_key == repository.lower()
    assert raw_file_url(location, "https://raw.example/") == (
        f"https://raw.example/{repository}/{ref}/{path.replace(' ', '%20')}"
    )


def test_a_releases_url_names_its_asset() -> None:
    location = parse_source_url(
        "https://github.com/octo/tools/releases?asset=dark.user.js", SyncMode.SCHEDULE
    )

    assert (location.kind, location.asset, location.ref) == (
        SourceKind.GITHUB_RELEASE,
        "dark.user.js",
        None,
    )
    assert release_api_url(location, "https://api.example", None) == (
        "https://api.example/repos/octo/tools/releases/latest"
    )
    assert release_api_url(location, "https://api.example", "v 1") == (
        "https://api.example/repos/octo/tools/releases/tags/v%201"
    )


def test_any_https_url_is_a_file_source_but_not_for_webhooks() -> None:
    url = "https://example.com/scripts/a.user.js?raw=1"

    assert parse_source_url(url, SyncMode.MANUAL).kind is SourceKind.URL
    assert parse_source_url("https://github.com/octo", SyncMode.MANUAL).kind is SourceKind.URL
    with pytest.raises(ValidationError, match="webhook"):
        parse_source_url(url, SyncMode.WEBHOOK)


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/a.user.js",
        "https://user:pass@example.com/a.user.js",
        "https://example.com/a b.js",
        "https://example.com/a.js#top",
        "https://[::1/a.js",
        "javascript:alert(1)",
        "https://github.com/octo/tools/releases",
        "https://github.com/octo/tools/releases?asset=a&asset=b",
        "https://github.com/../tools/blob/main/a.js",
        "https://github.com/octo/tools/blob/main/../a.js",
        "https://raw.githubusercontent.com/octo/tools/main",
        "https://github.com/octo/tools/blob/main/a%2F..%2F..%2F..%2Fevil%2Frepo%2Fmain%2Fx.js",
        "https://raw.githubusercontent.com/octo/tools/main/a%5C..%5Cx.js",
        "https://example.com/" + "a" * 2048,
    ],
)
def test_other_urls_are_refused_naming_the_field(url: str) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_source_url(url, SyncMode.MANUAL)

    assert [problem.field for problem in refused.value.problems] == ["url"]


def test_http_is_taken_only_where_allowed() -> None:
    url = "http://127.0.0.1:8000/a.user.js"

    assert parse_source_url(url, SyncMode.MANUAL, allow_http=True).kind is SourceKind.URL
    # Never GitHub's: its URLs are https.
    github = "http://github.com/octo/tools/blob/main/a.js"
    assert parse_source_url(github, SyncMode.MANUAL, allow_http=True).kind is SourceKind.URL


def test_a_signature_matches_only_the_accounts_secret_over_the_exact_body() -> None:
    secret = webhook_secret(KEY, USER, "nonce")
    body = b'{"zen": "hi"}'
    good = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()

    assert secret.startswith("whs_")
    assert len(secret) == 47
    assert secret_hint(secret) == "…" + secret[-4:]
    assert webhook_secret(KEY, USER, "other") != secret
    assert webhook_secret(KEY, uuid.UUID(int=8), "nonce") != secret
    assert signature_matches(KEY, USER, "nonce", body, good)
    assert not signature_matches(KEY, USER, "nonce", body + b" ", good)
    assert not signature_matches(KEY, USER, "other", body, good)
    assert not signature_matches(KEY, USER, None, body, good)
    assert not signature_matches(KEY, USER, "nonce", body, None)
    assert not signature_matches(KEY, USER, "nonce", body, good.upper())
    assert not signature_matches(KEY, USER, "nonce", body, "sha256=é")
