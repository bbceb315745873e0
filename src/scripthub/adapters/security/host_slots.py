"""A counting semaphore shared by every process of one host, made of locked files."""

from __future__ import annotations

import contextlib
import fcntl
import os
import stat
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator


def default_slot_directory() -> Path:
    """Where the workers of one host and user meet: their slots must be the same files."""
    return Path(tempfile.gettempdir()) / f"scripthub-bcrypt-slots-{os.getuid()}"


class HostSlots:
    """At most `count` holders at once among all threads and processes using `directory`.

    Each slot is a file holding an exclusive `flock` while in use. The kernel drops the lock when
    its holder closes the file or dies, so a crashed worker never keeps a slot. Waiting blocks
    in the kernel without the GIL. Not fair: any waiter may get a freed slot.

    Args:
        directory: shared by every process to bound together; created (0700) if missing.
        count: how many may hold a slot at once.
    """

    def __init__(self, directory: str | os.PathLike[str], count: int) -> None:
        if count < 1:
            msg = f"count must be at least 1, got {count}"
            raise ValueError(msg)
        directory = Path(directory)
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = directory.lstat()
        # In a shared temporary folder, another user could have made the path first.
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
            msg = f"{directory} is not a directory of this user"
            raise ValueError(msg)
        self._paths = tuple(str(directory / f"slot-{index}") for index in range(count))

    @property
    def count(self) -> int:
        return len(self._paths)

    @contextlib.contextmanager
    def held(self, preferred: int = 0) -> Iterator[None]:
        """Hold a slot for the block: a free one if any, else wait for slot `preferred`.

        Callers that each prefer a different slot spread their waiting over all of them, so
        that no slot frees up with nobody waiting for it while others queue.
        """
        count = len(self._paths)
        order = [(preferred + offset) % count for offset in range(count)]
        for index in order:
            descriptor = self._open(index)
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(descriptor)
                continue
            break
        else:
            descriptor = self._open(order[0])
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX)
            except BaseException:
                os.close(descriptor)
                raise
        try:
            yield
        finally:
            os.close(descriptor)  # releases the lock

    def _open(self, index: int) -> int:
        flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW
        return os.open(self._paths[index], flags, 0o600)
