"""The bcrypt hasher the in-process suites use: cheap rounds, and slots of the suite's own."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from scripthub.adapters.security.bcrypt_hasher import BcryptPasswordHasher
from scripthub.adapters.security.host_slots import HostSlots

SUITE_SLOT_DIRECTORY = Path(tempfile.gettempdir()) / f"scripthub-suite-bcrypt-slots-{os.getuid()}"
"""Not the servers' default folder: the suite never waits for a server's hashes, nor they for it."""


def fast_hasher(slots: int) -> BcryptPasswordHasher:
    """A hasher at the lowest cost, running at most `slots` hashes at once."""
    return BcryptPasswordHasher(slots=HostSlots(SUITE_SLOT_DIRECTORY, slots), rounds=4)
