"""The pre-release rule and the channels' ordering (`domain.version_channels`)."""

from __future__ import annotations

import pytest

from scripthub.domain.errors import ValidationError
from scripthub.domain.version_channels import (
    Channel,
    channel_refusal,
    newer_beta,
    prerelease_part,
    version_channel,
)
from scripthub.domain.version_ordering import compare_tampermonkey, compare_violentmonkey


@pytest.mark.parametrize(
    ("version", "part"),
    [
        ("1.0-beta.1", "-beta.1"),
        ("1.0-rc1", "-rc1"),
        ("2.0-1", "-1"),
        ("1.2.3-alpha+build.7", "-alpha"),
        ("1.0a1", "a1"),
        ("1.0b2", "b2"),
        ("2.0rc1", "rc1"),
        ("3.1beta", "beta"),
        ("1.0a-2", "a-2"),
        ("2023-08-17-beta", "-beta"),
    ],
)
def test_prerelease_parts(version: str, part: str) -> None:
    assert prerelease_part(version) == part


@pytest.mark.parametrize(
    "version",
    ["1", "1.0", "1.2.3", "2023-08-17", "2023-08-17_14-04", "1.0+build.5", "v2", "1.0.x", "1.0-"],
)
def test_releases(version: str) -> None:
    assert prerelease_part(version) is None


@pytest.mark.parametrize("version", ["1.0-beta.1", "1.0-rc1", "2.0-1", "1.0a1", "3.1beta"])
def test_tampermonkey_ranks_every_prerelease_below_its_release(version: str) -> None:
    part = prerelease_part(version)
    assert part is not None
    release = version.removesuffix(part)
    assert compare_tampermonkey(version, release) < 0


@pytest.mark.parametrize("version", ["1.0-beta.1", "1.0-rc1", "2.0-1"])
def test_violentmonkey_ranks_dash_prereleases_below_their_release(version: str) -> None:
    part = prerelease_part(version)
    assert part is not None
    assert compare_violentmonkey(version, version.removesuffix(part)) < 0


def test_violentmonkey_reads_letter_suffixes_as_the_release() -> None:
    # Documented: a tester on 1.0a1 is not moved by 1.0 in Violentmonkey.
    assert compare_violentmonkey("1.0a1", "1.0") == 0


def test_the_channel_follows_the_version_unless_asked() -> None:
    assert version_channel("1.0-beta.1", None) is Channel.BETA
    assert version_channel("1.0", None) is Channel.STABLE
    assert version_channel("1.0", Channel.BETA) is Channel.BETA
    assert version_channel("1.0-rc1", Channel.BETA) is Channel.BETA


def test_a_prerelease_sent_as_stable_is_refused_on_channel() -> None:
    with pytest.raises(ValidationError) as raised:
        version_channel("1.0-rc1", Channel.STABLE)
    assert [problem.field for problem in raised.value.problems] == ["channel"]


def test_a_beta_must_follow_its_channel_and_the_stable_one() -> None:
    assert channel_refusal(Channel.BETA, "1.1-beta.2", "1.0", "1.1-beta.1") is None
    assert channel_refusal(Channel.BETA, "1.1-beta.1", "1.0", "1.1-beta.1") is not None
    assert channel_refusal(Channel.BETA, "1.0-beta.9", "1.0", None) is not None
    assert channel_refusal(Channel.BETA, "2.0-beta.1", None, None) is None


def test_a_stable_may_be_below_the_latest_beta_but_not_the_latest_stable() -> None:
    assert channel_refusal(Channel.STABLE, "1.0.1", "1.0", "2.0-beta.1") is None
    assert channel_refusal(Channel.STABLE, "1.0", "1.0", None) is not None


def test_the_beta_channel_serves_a_beta_only_above_the_stable() -> None:
    assert newer_beta("1.0", "1.1-beta.1")
    assert newer_beta(None, "1.1-beta.1")
    assert not newer_beta("1.1", "1.1-beta.1")  # superseded by its release
    assert not newer_beta("1.0", None)
