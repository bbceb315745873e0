"""The ScriptRepository's takedowns: a script deleted by moderation, and what its code routes
still read of it, through the unit of work of every adapter."""

from __future__ import annotations

import uuid
from datetime import timedelta

from scripthub.domain.sites import NO_SITES
from scripthub.domain.takedowns import Takedown, TakedownMode
from scripthub.domain.users import User
from tests.contract.samples import T0
from tests.contract.uow_backends import MakeUnitOfWork, add_owners
from tests.script_builders import add_scripts, make_script, make_version

LATER = T0 + timedelta(hours=1)


async def _published(
    make_uow: MakeUnitOfWork, *versions: str, owner: User | None = None
) -> uuid.UUID:
    if owner is None:
        (owner,) = await add_owners(make_uow, "alice")
    script = make_script(owner, slug=f"script-{uuid.uuid4().hex[:8]}")
    await add_scripts(make_uow, script)
    replacing = None
    for number in versions:
        version, code = make_version(script, number)
        async with make_uow() as uow:
            assert await uow.scripts.add_version(
                version, code, antifeatures=[], sites=NO_SITES, replacing=replacing
            )
            await uow.commit()
        replacing = number
    return script.id


async def test_a_taken_down_script_is_deleted_and_read_with_its_takedown(
    make_uow: MakeUnitOfWork,
) -> None:
    script_id = await _published(make_uow, "1.0", "1.1")
    target = uuid.uuid4()
    async with make_uow() as uow:
        assert await uow.scripts.get_taken_down(script_id) is None
        assert await uow.scripts.take_down(
            script_id, Takedown(TakedownMode.REDIRECT, target), LATER
        )
        await uow.commit()

    async with make_uow() as uow:
        assert await uow.scripts.get(script_id) is None
        taken = await uow.scripts.get_taken_down(script_id)
        assert not await uow.scripts.take_down(script_id, Takedown(TakedownMode.KEEP), LATER)
        assert await uow.scripts.get_taken_down(uuid.uuid4()) is None
    assert taken is not None
    assert taken.takedown == Takedown(TakedownMode.REDIRECT, target)
    assert taken.deleted_at == LATER
    assert taken.owner_username == "alice"
    assert sorted(await _version_names(make_uow, script_id)) == ["1.0", "1.1"]


async def _version_names(make_uow: MakeUnitOfWork, script_id: uuid.UUID) -> list[str]:
    async with make_uow() as uow:
        return await uow.scripts.version_names(script_id)


async def test_only_a_blanked_scripts_latest_code_outlives_its_deletion(
    make_uow: MakeUnitOfWork,
) -> None:
    (alice,) = await add_owners(make_uow, "alice")
    blanked = await _published(make_uow, "1.0", owner=alice)
    kept = await _published(make_uow, "1.0", owner=alice)
    async with make_uow() as uow:
        assert await uow.scripts.take_down(blanked, Takedown(TakedownMode.BLANK), LATER)
        assert await uow.scripts.take_down(kept, Takedown(TakedownMode.KEEP), LATER)
        await uow.commit()

    async with make_uow() as uow:
        latest = await uow.scripts.latest_code(blanked)
        assert await uow.scripts.latest_code(kept) is None
    assert latest is not None
    assert latest.version.version == "1.0"
