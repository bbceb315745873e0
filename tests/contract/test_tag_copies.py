"""Each `script_tags` row's copies of its script's sort keys and listing (`TAG_COPIES`) equal
the script's own, whichever writer changed them, in the same transaction (a rolled-back
write changes neither), and under concurrent writers of scripts sharing a tag (the
migration that adds them: `test_migrations`)."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import select

from scripthub.adapters.sqlalchemy.scripts_table import TAG_COPIES, script_tags, scripts
from scripthub.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from scripthub.application.ports.scripts import ScriptChanges
from scripthub.domain.scripts import Rating, Visibility
from scripthub.domain.sites import NO_SITES
from tests.contract.samples import T0
from tests.contract.test_script_repository import fold_installs
from tests.contract.uow_backends import add_owners
from tests.script_builders import add_scripts, make_script, make_version

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from scripthub.application.ports.unit_of_work import UnitOfWork
    from scripthub.domain.scripts import Script
    from scripthub.domain.users import User
    from tests.contract.uow_backends import MakeUnitOfWork

LATER = T0 + timedelta(hours=1)
Copies = dict[tuple[uuid.UUID, str], tuple[Any, ...]]


@pytest.fixture
def make_uow(engine: AsyncEngine) -> MakeUnitOfWork:
    return lambda: SqlAlchemyUnitOfWork(engine)


async def copies(engine: AsyncEngine) -> tuple[Copies, Copies]:
    """Each tag row's copies, and its script's own values of them."""
    kept = [script_tags.c[name] for name in TAG_COPIES]
    statement = select(
        script_tags.c.script_id, script_tags.c.tag, *kept, *TAG_COPIES.values()
    ).join(scripts, scripts.c.id == script_tags.c.script_id)
    async with engine.connect() as connection:
        rows = list(await connection.execute(statement))
    ends = 2 + len(kept)
    return (
        {(row[0], row[1]): tuple(row[2:ends]) for row in rows},
        {(row[0], row[1]): tuple(row[ends:]) for row in rows},
    )


@dataclasses.dataclass(frozen=True)
class Cast:
    owner: User
    rater: User
    script: Script


Writer = Callable[["UnitOfWork", Cast], Awaitable[object]]


async def publish(uow: UnitOfWork, cast: Cast) -> None:
    version, code = make_version(cast.script, at=LATER)
    assert await uow.scripts.add_version(
        version, code, antifeatures=[], sites=NO_SITES, replacing=None
    )


WRITERS: dict[str, Writer] = {
    "rename": lambda uow, cast: uow.scripts.edit(
        cast.script.id, ScriptChanges(name="Zebra"), LATER
    ),
    "unlist": lambda uow, cast: uow.scripts.edit(
        cast.script.id, ScriptChanges(visibility=Visibility.UNLISTED), LATER
    ),
    "retag": lambda uow, cast: uow.scripts.edit(
        cast.script.id, ScriptChanges(tags=["dark", "new"]), LATER
    ),
    "publish": publish,
    "rate": lambda uow, cast: uow.scripts.rate(
        Rating(cast.script.id, cast.rater.id, 5, LATER, LATER)
    ),
    "unrate": lambda uow, cast: uow.scripts.unrate(cast.script.id, cast.rater.id),
    "fold installs": lambda uow, cast: uow.scripts.add_install_counts({cast.script.id: 7}),
    "delete": lambda uow, cast: uow.scripts.delete(cast.script.id, LATER),
    "delete the owner's": lambda uow, cast: uow.scripts.delete_owned_by(cast.owner.id, LATER),
}


@pytest.mark.parametrize("committed", [True, False], ids=["committed", "rolled back"])
@pytest.mark.parametrize("writer", WRITERS.values(), ids=WRITERS.keys())
async def test_the_copies_follow_each_writer_in_its_transaction(
    engine: AsyncEngine, make_uow: MakeUnitOfWork, writer: Writer, committed: bool
) -> None:
    owner, rater = await add_owners(make_uow, "owner", "rater")
    script = make_script(owner, "Dark", tags=["dark", "theme"])
    await add_scripts(make_uow, script, make_script(owner, "Other", tags=["dark"]))
    async with make_uow() as uow:
        await uow.scripts.rate(Rating(script.id, rater.id, 2, T0, T0))
        await uow.commit()
    kept, own = await copies(engine)
    assert kept == own

    async with make_uow() as uow:
        await writer(uow, Cast(owner, rater, script))
        if committed:
            await uow.commit()

    after, own_after = await copies(engine)
    assert after == own_after
    if committed:
        assert own_after != own, "the writer changes a copied value of the script"
    else:
        assert after == kept


async def test_the_copies_follow_concurrent_writers_of_scripts_sharing_a_tag(
    engine: AsyncEngine, make_uow: MakeUnitOfWork
) -> None:
    owner, *raters = await add_owners(make_uow, "owner", *(f"rater{n}" for n in range(6)))
    shared = [make_script(owner, f"Shared {n}", tags=["shared", f"own{n}"]) for n in range(3)]
    await add_scripts(make_uow, *shared)
    ids = [script.id for script in shared]

    async def rate(rater: User, script: Script, score: int) -> None:
        async with make_uow() as uow:
            await uow.scripts.rate(Rating(script.id, rater.id, score, LATER, LATER))
            await asyncio.sleep(0)
            await uow.commit()

    async def rename(script: Script, name: str) -> None:
        async with make_uow() as uow:
            await uow.scripts.edit(script.id, ScriptChanges(name=name), LATER)
            await asyncio.sleep(0)
            await uow.commit()

    folds = [dict(zip(ids, (n, 2 * n, 3 * n), strict=True)) for n in range(1, 7)]
    await asyncio.gather(
        *(fold_installs(make_uow, batch) for batch in folds),
        *(fold_installs(make_uow, dict(reversed(batch.items()))) for batch in folds),
        *(rate(rater, shared[n % 3], 1 + n % 5) for n, rater in enumerate(raters)),
        *(rename(shared[n % 3], f"Renamed {n}") for n in range(6)),
    )

    kept, own = await copies(engine)
    assert kept == own
    installs = {key[0]: row[2] for key, row in kept.items()}
    assert [installs[script_id] for script_id in ids] == [42, 84, 126]
