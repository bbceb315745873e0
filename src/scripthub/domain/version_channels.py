"""Release channels: a version is `stable` or `beta`, and the beta channel serves the newest of
the latest beta and the latest stable version.

The pre-release rule (`prerelease_part`) reads a version as Tampermonkey's ordering does
(`domain.version_ordering`), the one of the two managers that knows ISO dates:

- a leading ISO date (`YYYY-MM-DD`, with an optional `_HH-MM` time) is the release's, never a
  pre-release (Violentmonkey would read `2023-08-17` as `2023` with pre-release `08-17`);
- after it, a `-` starts the pre-release part, up to a `+` (`1.0-beta.1`, `1.0-rc1`, `2.0-1`);
  a `+` alone is build metadata, not a pre-release (`1.0+build.5` is stable);
- before that, a letter right after a digit starts it (`1.0a1`, `1.0b2`, `2.0rc1`, `3.1beta`):
  Tampermonkey, like Mozilla's toolkit, ranks `1.0a1` below `1.0`. A letter after no digit
  (`v2`, `1.0.x`) is no pre-release marker.

Every version this rule reads as a pre-release is ranked below its release (the version with
the pre-release part cut off) by Tampermonkey; Violentmonkey ranks the `-` forms below it too,
but reads `1.0a1` as `1.0` (`parseInt`), so a tester holding `1.0a1` is not moved by a stable
`1.0` in Violentmonkey: such testers move at the next version above it (`1.0.1`), which is why
the `-` forms are the ones to prefer.
"""

from __future__ import annotations

import enum
import re

from scripthub.domain.errors import ValidationError
from scripthub.domain.version_ordering import update_refusal

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:_[0-9]+-[0-9]+)?")
_LETTER = re.compile(r"(?<=[0-9])[A-Za-z]")


class Channel(enum.StrEnum):
    STABLE = "stable"
    BETA = "beta"


def prerelease_part(version: str) -> str | None:
    """The pre-release part of `version` (from its first character on), or None for a
    release (see the module's rule)."""
    date = _ISO_DATE.match(version)
    start = date.end() if date else 0
    rest = version[start:]
    main = rest.partition("+")[0]
    dash = main.find("-")
    searched = main if dash < 0 else main[:dash]
    letter = _LETTER.search(searched)
    if letter is not None:
        return main[letter.start() :]
    if dash >= 0 and dash + 1 < len(main):
        return main[dash:]
    return None


def is_prerelease(version: str) -> bool:
    return prerelease_part(version) is not None


def version_channel(version: str, requested: Channel | None) -> Channel:
    """The channel a new version goes to: `requested`, else beta for a pre-release and stable
    for a release. A pre-release sent as `stable` is refused (ValidationError on `channel`):
    the stable URLs never serve what the managers' orderings read as a pre-release, so that a
    stable `1.0` can follow it (a stable `1.0-rc1` would otherwise need the next stable to
    be above `1.0-rc1` on a channel whose users never opted in)."""
    if requested is None:
        return Channel.BETA if is_prerelease(version) else Channel.STABLE
    if requested is Channel.STABLE and (part := prerelease_part(version)) is not None:
        msg = (
            f"version {version} has the pre-release part {part!r}: it is a beta version; "
            'send "channel": "beta", or a version without it'
        )
        raise ValidationError.single("channel", msg)
    return requested


def newer_beta(stable: str | None, beta: str | None) -> bool:
    """Whether the beta channel serves `beta` rather than `stable` (each the latest of its
    channel, None for none): a beta that both managers take as an update of the stable one.
    A stable release that supersedes the beta (for either manager) is what testers get."""
    if beta is None:
        return False
    return stable is None or update_refusal(stable, beta) is None


def channel_refusal(
    channel: Channel, new: str, latest_stable: str | None, latest_beta: str | None
) -> str | None:
    """Why `new` cannot be published on `channel`, or None: it must be an update (for both
    managers) of the latest version of its own channel and of the latest stable one. A stable
    version need not be above the latest beta (it then supersedes it or not: `newer_beta`)."""
    if latest_stable is not None and (refusal := update_refusal(latest_stable, new)):
        return f"must be greater than the latest stable version: {refusal}"
    if (
        channel is Channel.BETA
        and latest_beta is not None
        and (refusal := update_refusal(latest_beta, new))
    ):
        return f"must be greater than the latest beta version: {refusal}"
    return None
