"""The list of common passwords that registration and password changes refuse.

`common_passwords.txt` holds the 8-or-more-character entries of the `passwords` frequency list
of zxcvbn (Dropbox's password strength estimator, via the `zxcvbn` Python package 4.5.0; MIT
licence), lower-cased, deduplicated and ordered from most to least common, one per line.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from functools import cache
from importlib import resources

_PACKAGE = "scripthub.adapters.security"
_FILE = "common_passwords.txt"


@cache
def load_common_passwords() -> frozenset[str]:
    """Every common password, lower-case; read from the installed package once, then cached."""
    text = resources.files(_PACKAGE).joinpath(_FILE).read_text(encoding="utf-8")
    return frozenset(line for line in (raw.strip() for raw in text.splitlines()) if line)


class CommonPasswords(Collection[str]):
    """The list as the use cases hold it, read by the first password checked against it
    rather than as a worker starts: 36 ms of CPU and 1.6 MiB that most workers never need
    (bench/README.md, start-up), beside the quarter second bcrypt takes on those requests."""

    def __contains__(self, password: object) -> bool:
        return password in load_common_passwords()

    def __iter__(self) -> Iterator[str]:
        return iter(load_common_passwords())

    def __len__(self) -> int:
        return len(load_common_passwords())
