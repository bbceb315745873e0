"""Publishing's gates against the in-memory world and a clock the test moves: a new
account's quota frees a publication as the oldest one counted leaves the 24 hours, and ends
with the account's new days; a refused publication stages nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from dependency_injector import providers

from scripthub.application.scripts.create_script import CreateScriptCommand
from scripthub.application.scripts.publish_version import PublishScriptVersionCommand
from scripthub.application.scripts.publishing_gates import PublishingGates, PublishingPolicy
from scripthub.domain.errors import EmailNotVerifiedError, PublishQuotaError, ValidationError
from tests.unit.world import World
from tests.userscripts import userscript

DAY = timedelta(hours=24)


def _world(policy: PublishingPolicy) -> World:
    world = World()
    world.use_cases.publishing_gates.override(
        providers.Object(PublishingGates(policy, world.clock))
    )
    return world


async def test_the_quota_frees_as_the_oldest_publication_ages_out() -> None:
    world = _world(
        PublishingPolicy(new_account_for=timedelta(days=2), new_account_daily_publishes=2)
    )
    ada = await world.member()
    create = world.create_script()
    publish = world.publish_script_version()

    script = await create.execute(CreateScriptCommand(ada, userscript("1.0")))
    world.clock.advance(timedelta(hours=1))
    await publish.execute(PublishScriptVersionCommand(ada, script.id, userscript("1.1")))
    world.clock.advance(timedelta(hours=1))
    with pytest.raises(PublishQuotaError) as refused:
        await publish.execute(PublishScriptVersionCommand(ada, script.id, userscript("1.2")))
    assert refused.value.retry_after == (DAY - timedelta(hours=2)).total_seconds()
    assert refused.value.code == "too_many_publishes"

    world.clock.advance(DAY - timedelta(hours=2))  # the first one leaves the window
    await publish.execute(PublishScriptVersionCommand(ada, script.id, userscript("1.2")))
    with pytest.raises(PublishQuotaError) as again:
        await publish.execute(PublishScriptVersionCommand(ada, script.id, userscript("1.3")))
    assert again.value.retry_after == timedelta(hours=1).total_seconds()

    world.clock.advance(timedelta(days=1))  # no longer a new account
    for minor in range(3, 8):
        await publish.execute(PublishScriptVersionCommand(ada, script.id, userscript(f"1.{minor}")))


async def test_a_refused_publication_stages_nothing() -> None:
    world = _world(PublishingPolicy(requires_verified_email=True))
    ada = await world.member()

    with pytest.raises(EmailNotVerifiedError):
        await world.create_script().execute(CreateScriptCommand(ada, userscript("1.0")))
    async with world.uow() as uow:
        await uow.users.mark_email_verified(ada.user_id, world.clock.now())
        await uow.commit()
    with pytest.raises(ValidationError) as refused:
        await world.create_script().execute(
            CreateScriptCommand(ada, userscript("1.0", "require https://evil.example/x.js"))
        )

    assert [p.field for p in refused.value.problems] == ["code"]
    assert world.database.scripts == {}
    assert world.database.script_versions == {}
