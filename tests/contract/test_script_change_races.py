"""Concurrent changes to one script, through the real use cases, on every backend.

As in `test_account_races`: each trial races use cases (separate units of work, random
pauses between their statements) and then checks that the data and the audit log tell the
same story, and that no write undid another (a deleted script coming back, an edit
clearing a feature flag, a rating lost from the totals).
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

import pytest

from scripthub.application.ports.audit import AuditQuery
from scripthub.application.ports.scripts import ScriptChanges, ScriptQuery
from scripthub.application.scripts.delete_script import DeleteScriptCommand
from scripthub.application.scripts.edit_script import EditScriptCommand
from scripthub.application.scripts.feature_script import FeatureScriptCommand
from scripthub.application.scripts.publish_version import PublishScriptVersionCommand
from scripthub.application.scripts.rate_script import RateScriptCommand
from scripthub.domain.errors import ConflictError, NotFoundError, ValidationError
from tests.contract.test_account_races import (
    Member,
    Outcome,
    PausingUnitOfWork,
    RaceWorld,
    Trials,
    describe,
    expect,
    succeeded,
    unexpected,
)
from tests.script_builders import add_script
from tests.userscripts import userscript

if TYPE_CHECKING:
    import uuid
    from collections.abc import AsyncIterator

    from scripthub.application.ports.unit_of_work import UnitOfWork
    from scripthub.domain.audit import AuditEntry
    from scripthub.domain.scripts import Script
    from tests.contract.uow_backends import Backend

TRIALS = 8
RATERS = 8


class ScriptPausingUnitOfWork(PausingUnitOfWork):
    REPOSITORIES = (
        *PausingUnitOfWork.REPOSITORIES,
        "scripts",
        "version_reviews",
        "require_allowlist",
        "publications",
    )


class ScriptRaceWorld(RaceWorld):
    def _pausing_unit_of_work(self) -> UnitOfWork:
        if not self.racing:
            return self.backend.unit_of_work()
        return ScriptPausingUnitOfWork(self.backend.unit_of_work(), self.rng)  # type: ignore[return-value]

    async def script(self, owner: Member, name: str) -> Script:
        return await add_script(self.backend.unit_of_work, owner.user, name)

    async def stored(self, script: Script) -> Script | None:
        async with self.backend.unit_of_work() as uow:
            return await uow.scripts.get(script.id)

    async def actions_on(self, script: Script) -> list[str]:
        async with self.backend.unit_of_work() as uow:
            entries: list[AuditEntry] = await uow.audit.search(
                AuditQuery(resource_id=str(script.id), limit=100)
            )
        return [entry.action for entry in sorted(entries, key=lambda e: e.occurred_at)]

    async def edit(self, actor: Member, script: Script, **fields: str) -> Outcome:
        command = EditScriptCommand(actor.principal, script.id, ScriptChanges(**fields))  # type: ignore[arg-type]
        return await self.use_cases.edit_script().execute(command)

    async def delete_script(self, actor: Member, script: Script) -> Outcome:
        command = DeleteScriptCommand(actor.principal, script.id)
        return await self.use_cases.delete_script().execute(command)

    async def feature(self, actor: Member, script: Script) -> Outcome:
        command = FeatureScriptCommand(actor.principal, script.id, featured=True)
        return await self.use_cases.feature_script().execute(command)

    async def publish(self, owner: Member, script: Script, version: str, host: str) -> Outcome:
        code = userscript(version, f"match https://{host}/*", name=script.name)
        command = PublishScriptVersionCommand(owner.principal, script.id, code)
        return await self.use_cases.publish_script_version().execute(command)

    async def listed_on(self, host: str) -> list[uuid.UUID]:
        async with self.backend.unit_of_work() as uow:
            page = await uow.scripts.search(ScriptQuery(site=host))
        return [script.id for script in page.scripts]

    async def rate(self, rater: Member, script: Script, score: int) -> Outcome:
        command = RateScriptCommand(rater.principal, script.id, score)
        return await self.use_cases.rate_script().execute(command)


@pytest.fixture
async def world(backend: Backend) -> AsyncIterator[ScriptRaceWorld]:
    yield ScriptRaceWorld(backend)
    await backend.close()


async def test_an_edit_never_undoes_a_concurrent_deletion(world: ScriptRaceWorld) -> None:
    trials = Trials("edit vs delete")
    owner = await world.member()
    moderator = await world.member("moderator")
    for trial in range(TRIALS):
        script = await world.script(owner, f"Raced {trial}")
        edited, deleted = await world.race(
            world.edit(owner, script, description=f"trial {trial}", slug=f"renamed-{trial}"),
            world.delete_script(moderator, script),
        )

        problems: list[str] = []
        actions = await world.actions_on(script)
        expect(problems, succeeded(deleted), f"delete raised {deleted!r}")
        expect(problems, not unexpected(edited, NotFoundError), f"edit raised {edited!r}")
        expect(problems, await world.stored(script) is None, "the deleted script is back")
        expect(
            problems,
            actions.count("script.updated") == int(succeeded(edited)),
            f"edit {describe([edited])}, audited {actions}",
        )
        expect(problems, actions[-1:] == ["script.deleted"], f"audited {actions}")
        # The slug it had at deletion is free again, whichever came first.
        async with world.backend.unit_of_work() as uow:
            for slug in (script.slug, f"renamed-{trial}"):
                expect(problems, not await uow.scripts.slug_in_use(slug), f"{slug} held")
        trials.check(problems)
    trials.assert_all_passed()


async def test_an_edit_and_a_feature_flag_both_stay(world: ScriptRaceWorld) -> None:
    trials = Trials("edit vs feature")
    owner = await world.member()
    moderator = await world.member("moderator")
    for trial in range(TRIALS):
        script = await world.script(owner, f"Featured {trial}")
        edited, featured = await world.race(
            world.edit(owner, script, description=f"trial {trial}"),
            world.feature(moderator, script),
        )

        problems: list[str] = []
        now = await world.stored(script)
        actions = await world.actions_on(script)
        expect(problems, succeeded(edited) and succeeded(featured), describe([edited, featured]))
        expect(problems, now is not None and now.featured, "the feature flag was undone")
        expect(
            problems,
            now is not None and now.description == f"trial {trial}",
            "the edit was undone",
        )
        expect(
            problems,
            sorted(actions) == ["script.featured", "script.updated"],
            f"audited {actions}",
        )
        trials.check(problems)
    trials.assert_all_passed()


async def test_concurrent_ratings_are_all_counted(world: ScriptRaceWorld) -> None:
    trials = Trials("ratings")
    owner = await world.member()
    raters = [await world.member() for _ in range(RATERS)]
    rng = random.Random(3)
    for trial in range(TRIALS // 2):
        script = await world.script(owner, f"Rated {trial}")
        first = [rng.randint(1, 5) for _ in raters]
        # The first two raters also change their minds at once: one of their scores stays.
        second = [rng.randint(1, 5) for _ in raters[:2]]
        votes = [*zip(raters, first, strict=True), *zip(raters, second, strict=False)]
        outcomes = await world.race(*(world.rate(rater, script, score) for rater, score in votes))

        problems: list[str] = []
        expect(problems, all(map(succeeded, outcomes)), describe(outcomes))
        async with world.backend.unit_of_work() as uow:
            scores = [await uow.scripts.score_of(script.id, rater.user.id) for rater in raters]
        for index, score in enumerate(scores):
            sent = {first[index], *(second[index : index + 1])}
            expect(problems, score in sent, f"rater {index} has {score}, sent {sent}")
        now = await world.stored(script)
        assert now is not None
        expect(
            problems,
            (now.rating_sum, now.rating_count) == (sum(s or 0 for s in scores), RATERS),
            f"totals {now.rating_sum}/{now.rating_count} but scores {scores}",
        )
        expect(problems, await world.actions_on(script) == [], "ratings were audited")
        trials.check(problems)
    trials.assert_all_passed()


async def test_a_script_is_listed_on_the_sites_of_its_latest_version_only(
    world: ScriptRaceWorld,
) -> None:
    trials = Trials("publications moving the script to other sites")
    owner = await world.member()
    hosts = {"2.0": "gitlab.com", "3.0": "codeberg.org"}
    for trial in range(TRIALS):
        script = await world.script(owner, f"Moving {trial}")
        outcomes = await world.race(
            *(world.publish(owner, script, version, host) for version, host in hosts.items())
        )

        problems: list[str] = []
        for outcome in outcomes:
            allowed = (ConflictError, ValidationError)
            expect(problems, not unexpected(outcome, *allowed), f"publish raised {outcome!r}")
        now = await world.stored(script)
        latest = None if now is None or now.latest_version is None else now.latest_version.version
        expect(problems, latest in hosts, f"latest {latest}")
        for version, host in hosts.items():
            wanted = [script.id] if version == latest else []
            listed = [listed for listed in await world.listed_on(host) if listed == script.id]
            expect(problems, listed == wanted, f"latest {latest}, listed on {host}: {listed}")
        trials.check(problems)
    trials.assert_all_passed()
