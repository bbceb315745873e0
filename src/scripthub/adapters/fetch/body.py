"""A response body read under a size cap, decoded here (never by the HTTP client) so that a
small compressed body cannot grow past the cap in memory: a decompression bomb stops at the
cap's first byte over."""

from __future__ import annotations

import zlib

_ZLIB_OR_GZIP = zlib.MAX_WBITS | 32
"""`zlib.decompressobj` reads either header: HTTP's `deflate` is zlib's format."""


class BodyRefusedError(Exception):
    """Why the body was not taken, as the end of a sentence about its URL."""


class CappedBody:
    """Collects a body of at most `limit` bytes as received and as decoded; fed raw chunks,
    it raises BodyRefusedError as soon as either count passes the limit."""

    def __init__(self, limit: int, content_encoding: str | None) -> None:
        encoding = (content_encoding or "identity").strip().lower()
        if encoding not in {"identity", "gzip", "x-gzip", "deflate"}:
            raise BodyRefusedError(
                f"answered in an encoding it was not asked for ({encoding[:20]})"
            )
        self._limit = limit
        self._received = 0
        self._parts: list[bytes] = []
        self._size = 0
        self._inflater = None if encoding == "identity" else zlib.decompressobj(_ZLIB_OR_GZIP)

    def check_declared_length(self, content_length: str | None) -> None:
        """Refuse up front a body whose Content-Length is already over the limit."""
        if content_length is not None and content_length.strip().isdigit():
            self._check(int(content_length))

    def feed(self, chunk: bytes) -> None:
        self._received += len(chunk)
        self._check(self._received)
        if self._inflater is None:
            self._keep(chunk)
            return
        try:
            # At most one byte past the room left: enough to know the cap is passed.
            self._keep(self._inflater.decompress(chunk, self._room() + 1))
        except zlib.error:
            raise BodyRefusedError("sent a body that does not decompress") from None

    def finish(self) -> bytes:
        if self._inflater is not None:
            try:
                self._keep(self._inflater.flush(self._room() + 1))
            except zlib.error:
                raise BodyRefusedError("sent a body that does not decompress") from None
            if not self._inflater.eof:
                raise BodyRefusedError("sent a compressed body cut short")
        return b"".join(self._parts)

    def _keep(self, data: bytes) -> None:
        self._size += len(data)
        self._check(self._size)
        self._parts.append(data)

    def _room(self) -> int:
        return self._limit - self._size

    def _check(self, size: int) -> None:
        if size > self._limit:
            raise BodyRefusedError(f"is larger than {_size_text(self._limit)}")


def _size_text(size: int) -> str:
    mebibytes = size / (1024 * 1024)
    return f"{mebibytes:g} MiB" if mebibytes >= 1 else f"{size} bytes"
