"""HostSlots: a bound shared by the threads and processes of a host."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from typing import TYPE_CHECKING

import pytest

from scripthub.adapters.security.host_slots import HostSlots

if TYPE_CHECKING:
    from pathlib import Path


def test_never_more_holders_than_slots_among_users_of_one_folder(tmp_path: Path) -> None:
    # Each HostSlots opens its own files, as another process would.
    users = [HostSlots(tmp_path, 3) for _ in range(4)]
    holding, most = 0, 0
    count_lock = threading.Lock()

    def hold(slots: HostSlots, preferred: int) -> None:
        nonlocal holding, most
        for _ in range(5):
            with slots.held(preferred):
                with count_lock:
                    holding += 1
                    most = max(most, holding)
                time.sleep(0.005)
                with count_lock:
                    holding -= 1

    threads = [
        threading.Thread(target=hold, args=(slots, preferred))
        for slots in users
        for preferred in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert most == 3


def test_a_free_slot_is_taken_whichever_is_preferred(tmp_path: Path) -> None:
    slots = HostSlots(tmp_path, 2)
    with slots.held(0), slots.held(0):  # the second finds slot 1 instead of waiting
        pass


def test_a_slot_held_by_another_process_frees_when_it_dies(tmp_path: Path) -> None:
    holding = (
        "import time\n"
        "from scripthub.adapters.security.host_slots import HostSlots\n"
        f"with HostSlots({str(tmp_path)!r}, 1).held():\n"
        "    print('held', flush=True)\n"
        "    time.sleep(60)\n"
    )
    acquired = threading.Event()

    def wait_for_the_slot() -> None:
        with HostSlots(tmp_path, 1).held():
            acquired.set()

    with subprocess.Popen(  # noqa: S603 - this interpreter holding a slot
        [sys.executable, "-c", holding], stdout=subprocess.PIPE, text=True
    ) as holder:
        try:
            assert holder.stdout is not None
            assert holder.stdout.readline() == "held\n"
            threading.Thread(target=wait_for_the_slot, daemon=True).start()
            assert not acquired.wait(0.3), "the other process holds the only slot"
            holder.kill()
            assert acquired.wait(10), "the kernel freed the dead holder's lock"
        finally:
            holder.kill()


def test_refuses_no_slots(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        HostSlots(tmp_path, 0)


def test_refuses_a_folder_that_is_a_link(tmp_path: Path) -> None:
    # In a shared temporary folder, someone else may have made the path first.
    target = tmp_path / "elsewhere"
    target.mkdir()
    link = tmp_path / "slots"
    link.symlink_to(target)
    with pytest.raises(ValueError, match="not a directory of this user"):
        HostSlots(link, 1)
