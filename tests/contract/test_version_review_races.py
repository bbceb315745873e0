"""A publication racing the approval of a held version, through the real use cases, on every
backend: the script's latest is always a published version, the one the versions' statuses
say, and the audit log tells the same story."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from scripthub.application.scripts.publish_version import (
    PublishScriptVersion,
    PublishScriptVersionCommand,
)
from scripthub.application.scripts.review_version import ReviewVersionCommand
from scripthub.domain.version_review import ReviewDecision, ReviewPolicy, VersionStatus
from tests.contract.test_account_races import Member, Outcome, Trials, expect, succeeded
from tests.contract.test_script_change_races import TRIALS, ScriptRaceWorld
from tests.userscripts import userscript

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from scripthub.domain.scripts import Script
    from tests.contract.uow_backends import Backend

NEW_HOST = "connect evil.example.net"


class ReviewRaceWorld(ScriptRaceWorld):
    def __init__(self, backend: Backend) -> None:
        super().__init__(backend)
        use_cases = self.use_cases
        self.reviewing_publish = PublishScriptVersion(
            use_cases.uow_factory(),
            use_cases.authorizer(),
            use_cases.latest_code(),
            self.clock,
            use_cases.publishing_gates(),
            ReviewPolicy.WIDENING,
        )

    async def publish_reviewed(self, owner: Member, script: Script, version: str) -> Outcome:
        code = userscript(version, "grant GM_addStyle", NEW_HOST, name=script.name)
        command = PublishScriptVersionCommand(owner.principal, script.id, code)
        return await self.reviewing_publish.execute(command)

    async def approve(self, moderator: Member, script: Script, version: str) -> Outcome:
        command = ReviewVersionCommand(
            moderator.principal, script.id, version, ReviewDecision.APPROVE
        )
        return await self.use_cases.review_version().execute(command)

    async def statuses(self, script: Script) -> dict[str, VersionStatus]:
        async with self.backend.unit_of_work() as uow:
            versions = await uow.scripts.list_versions(script.id, published_only=False)
        return {version.version: version.status for version in versions}


@pytest.fixture
async def world(backend: Backend) -> AsyncIterator[ReviewRaceWorld]:
    yield ReviewRaceWorld(backend)
    await backend.close()


async def test_a_publication_racing_an_approval(world: ReviewRaceWorld) -> None:
    trials = Trials("publish vs approve")
    owner = await world.member()
    moderator = await world.member("moderator")
    for trial in range(TRIALS):
        script = await world.script(owner, f"Reviewed {trial}")
        held = await world.publish_reviewed(owner, script, "1.1")
        assert held.status is VersionStatus.HELD_FOR_REVIEW  # type: ignore[union-attr]

        approved, published = await world.race(
            world.approve(moderator, script, "1.1"),
            world.publish_reviewed(owner, script, "1.2"),
        )

        problems: list[str] = []
        expect(problems, succeeded(approved), f"approve raised {approved!r}")
        expect(problems, succeeded(published), f"publish raised {published!r}")
        statuses = await world.statuses(script)
        now = await world.stored(script)
        async with world.backend.unit_of_work() as uow:
            latest_code = await uow.scripts.latest_code(script.id)
        latest = None if now is None or now.latest_version is None else now.latest_version.version
        # 1.2 widens from 1.0 (held) but not from an approved 1.1 (published).
        expected = "1.2" if statuses.get("1.2") is VersionStatus.PUBLISHED else "1.1"
        expect(problems, latest == expected, f"latest {latest}, statuses {statuses}")
        expect(
            problems,
            latest_code is not None and latest_code.version.version == latest,
            f"the latest code is {latest_code and latest_code.version.version}",
        )
        expect(problems, statuses.get("1.1") is VersionStatus.PUBLISHED, f"statuses {statuses}")
        actions = await world.actions_on(script)
        held_entries = actions.count("script.version_held")
        published_entries = actions.count("script.version_published")
        expect(
            problems,
            (held_entries, published_entries) == ((1, 1) if expected == "1.2" else (2, 0)),
            f"statuses {statuses}, audited {actions}",
        )
        expect(problems, actions.count("script.version_reviewed") == 1, f"audited {actions}")
        trials.check(problems)
    trials.assert_all_passed()
