"""Whether text is an email address, and its one canonical form."""

from __future__ import annotations

from typing import Protocol


class EmailSyntax(Protocol):
    def canonical(self, address: str) -> str:
        """The address with its domain in one form (an internationalized domain in Unicode,
        whether it was given so or as `xn--` A-labels); ValidationError naming `email` when
        it is not a deliverable-looking address by RFC 5321/5322 syntax (no DNS is asked)."""
