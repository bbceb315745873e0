"""bcrypt password hashing on a dedicated thread pool, bounded per host."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import itertools
import os
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, TypeVar

import bcrypt

if TYPE_CHECKING:
    from collections.abc import Callable

    from scripthub.adapters.security.host_slots import HostSlots

_T = TypeVar("_T")

MIN_ROUNDS = 4
MAX_ROUNDS = 31


def _prehash(password: str) -> bytes:
    # bcrypt reads only 72 bytes (and bcrypt 5 refuses more), so longer passwords would collide or
    # fail. The base64 of a SHA-256 digest is 44 ASCII bytes with no NUL, whatever the input.
    # "surrogatepass" keeps a lone surrogate from raising: every str maps to some bytes.
    digest = hashlib.sha256(password.encode("utf-8", "surrogatepass")).digest()
    return base64.b64encode(digest)


BCRYPT_THREAD_NICENESS = 1


def _yield_to_event_loops() -> None:
    """Run bcrypt threads a step below the event loops' CPU priority.

    The host's slots bound how many bcrypt threads run (`BcryptPasswordHasher`); this only
    tips the split of the cores between them and the loops when both floods want them. At
    the loops' own priority, GETs kept 0.37-0.46 of their idle rate under a login flood and
    logins 0.48-0.53 (by CPU, bench/README.md, 2026-12-07): the loops wait on I/O part of the
    time and lose more than their share. One step (weight 820 against 1024) tips it back a
    little (GETs 0.39-0.50, logins 0.46-0.49; nice 7 left logins 0.11); without the bound, no
    niceness served both floods (2026-11-30). Linux applies a thread's niceness to that
    thread alone; where this is not possible, nothing changes.
    """
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BCRYPT_THREAD_NICENESS)


class BcryptPasswordHasher:
    """`PasswordHasher` using SHA-256-prehashed bcrypt.

    Work runs on its own `ThreadPoolExecutor` so that bcrypt never blocks the event loop, and
    a burst of logins queues there instead of starving the loop's default executor that other
    libraries share. Every hash holds one of the host's `slots` while it runs, so the host's
    worker processes together never run more hashes at once than there are slots, however
    many workers there are; each process has a thread per slot, so one process alone may use
    them all. With one slot per core and a worker per core, bcrypt threads are as many as event
    loops: when both floods want the cores, each side gets about half (bench/README.md,
    2026-12-07), where a priority alone only moved the split from one side to the other
    (2026-11-30). Call `close()` on shutdown.

    Args:
        slots: the host-wide bound on hashes running at once.
        rounds: bcrypt cost factor (4-31); each step doubles the time.
    """

    def __init__(self, slots: HostSlots, rounds: int = 12) -> None:
        if not MIN_ROUNDS <= rounds <= MAX_ROUNDS:
            msg = f"bcrypt rounds must be between {MIN_ROUNDS} and {MAX_ROUNDS}, got {rounds}"
            raise ValueError(msg)
        self._rounds = rounds
        self._slots = slots
        self._preferred_slot = threading.local()
        next_slot = itertools.count()
        self._executor = ThreadPoolExecutor(
            max_workers=slots.count,
            thread_name_prefix="bcrypt",
            initializer=self._start_thread,
            initargs=(next_slot,),
        )
        self._dummy_hash: bytes | None = None
        self._dummy_lock = threading.Lock()

    async def hash(self, password: str) -> str:
        return await self._in_slot(self._hash_sync, password)

    async def verify(self, password: str, password_hash: str | None) -> bool:
        """True if they match. Without a hash, spends the same time and returns False."""
        if password_hash is None:
            return await self._in_slot(self._verify_dummy_sync, password)
        return await self._in_slot(self._verify_sync, password, password_hash)

    def close(self) -> None:
        """Stop the worker threads once queued work is done."""
        self._executor.shutdown(wait=True)

    def _start_thread(self, next_slot: itertools.count[int]) -> None:
        # Each thread waits on a slot of its own when all are taken (HostSlots.held).
        self._preferred_slot.index = next(next_slot) % self._slots.count
        _yield_to_event_loops()

    async def _in_slot(self, work: Callable[..., _T], *args: str) -> _T:
        def bounded() -> _T:
            with self._slots.held(self._preferred_slot.index):
                return work(*args)

        return await asyncio.get_running_loop().run_in_executor(self._executor, bounded)

    def _hash_sync(self, password: str) -> str:
        salt = bcrypt.gensalt(rounds=self._rounds)
        return bcrypt.hashpw(_prehash(password), salt).decode("ascii")

    def _verify_sync(self, password: str, password_hash: str) -> bool:
        try:
            return bcrypt.checkpw(_prehash(password), password_hash.encode("ascii"))
        except ValueError:
            # A malformed or non-ASCII stored hash can match nothing; UnicodeEncodeError is a
            # ValueError too.
            return False

    def _verify_dummy_sync(self, password: str) -> bool:
        # Exactly one bcrypt operation at our cost, like a real check, so that an unknown account
        # cannot be told from a wrong password: making the dummy hash is that operation the first
        # time, checking against it every time after.
        with self._dummy_lock:
            if self._dummy_hash is None:
                salt = bcrypt.gensalt(rounds=self._rounds)
                self._dummy_hash = bcrypt.hashpw(_prehash(secrets.token_urlsafe(32)), salt)
                return False
            dummy = self._dummy_hash
        bcrypt.checkpw(_prehash(password), dummy)
        return False
