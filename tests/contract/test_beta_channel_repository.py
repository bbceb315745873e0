"""The BetaChannelRepository contract (the latest beta beside the latest stable version),
through the unit of work of every adapter."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from scripthub.domain.errors import ConflictError
from scripthub.domain.scripts import Script, ScriptVersion
from scripthub.domain.sites import NO_SITES
from scripthub.domain.version_channels import Channel
from scripthub.domain.version_review import VersionStatus
from tests.contract.samples import T0
from tests.contract.test_version_review_repository import published_script
from tests.contract.uow_backends import MakeUnitOfWork
from tests.script_builders import make_version


def beta_version(script: Script, version: str, minutes: int) -> tuple[ScriptVersion, str]:
    made, code = make_version(script, version, at=T0 + timedelta(minutes=minutes))
    return dataclasses.replace(made, channel=Channel.BETA), code


async def test_a_beta_is_the_latest_beta_never_the_latest(make_uow: MakeUnitOfWork) -> None:
    script = await published_script(make_uow)
    beta, code = beta_version(script, "1.1-beta.1", 2)

    async with make_uow() as uow:
        before = await uow.scripts.get(script.id)
        assert await uow.beta_channel.add_beta(beta, code, stable="1.0", replacing=None)
        await uow.commit()

    async with make_uow() as uow:
        read = await uow.scripts.get(script.id)
        latest = await uow.scripts.latest_code(script.id)
        latest_beta = await uow.beta_channel.latest_beta_code(script.id)
        assert await uow.scripts.get_version(script.id, "1.1-beta.1") == beta
    assert read is not None
    assert read.latest_version is not None
    assert read.latest_version.version == "1.0"
    assert read.latest_beta == beta.summary
    assert before is not None
    assert read.updated_at == before.updated_at
    assert latest is not None
    assert latest.version.version == "1.0"
    assert latest_beta is not None
    assert (latest_beta.version, latest_beta.code) == (beta, code)


async def test_adding_a_beta_checks_both_latests_and_the_version_string(
    make_uow: MakeUnitOfWork,
) -> None:
    script = await published_script(make_uow)
    first, first_code = beta_version(script, "1.1-beta.1", 2)
    async with make_uow() as uow:
        assert await uow.beta_channel.add_beta(first, first_code, stable="1.0", replacing=None)
        await uow.commit()
    second, code = beta_version(script, "1.1-beta.2", 3)

    for stable, replacing in (("0.9", "1.1-beta.1"), ("1.0", None), ("1.0", "1.1-beta.0")):
        async with make_uow() as uow:
            with pytest.raises(ConflictError):
                await uow.beta_channel.add_beta(second, code, stable=stable, replacing=replacing)
    again, again_code = beta_version(script, "1.0", 4)
    async with make_uow() as uow:
        with pytest.raises(ConflictError):
            await uow.beta_channel.add_beta(again, again_code, stable="1.0", replacing="1.1-beta.1")
    # A stable publication moves the guard.
    stable, stable_code = make_version(script, "1.0.1", at=T0 + timedelta(minutes=5))
    async with make_uow() as uow:
        await uow.scripts.add_version(
            stable, stable_code, antifeatures=[], sites=NO_SITES, replacing="1.0"
        )
        await uow.commit()
    async with make_uow() as uow:
        with pytest.raises(ConflictError):
            await uow.beta_channel.add_beta(second, code, stable="1.0", replacing="1.1-beta.1")
    async with make_uow() as uow:
        assert await uow.beta_channel.add_beta(second, code, stable="1.0.1", replacing="1.1-beta.1")
        await uow.commit()
    async with make_uow() as uow:
        assert await uow.scripts.delete(script.id, T0 + timedelta(hours=1))
        third, third_code = beta_version(script, "1.1-beta.3", 6)
        assert not await uow.beta_channel.add_beta(
            third, third_code, stable="1.0.1", replacing="1.1-beta.2"
        )
        assert await uow.beta_channel.latest_beta_code(script.id) is None


async def test_an_approved_held_beta_becomes_the_latest_beta(make_uow: MakeUnitOfWork) -> None:
    script = await published_script(make_uow)
    held, code = beta_version(script, "1.1-beta.1", 2)
    held = dataclasses.replace(held, status=VersionStatus.HELD_FOR_REVIEW)
    async with make_uow() as uow:
        assert await uow.version_reviews.hold_version(held, code, replacing="1.0")
        await uow.commit()
    async with make_uow() as uow:
        assert await uow.beta_channel.latest_beta_code(script.id) is None
        with pytest.raises(ConflictError):
            await uow.beta_channel.make_latest_beta(
                held, stable="1.0", replacing="1.0-beta.1", now=T0
            )
    async with make_uow() as uow:
        assert await uow.beta_channel.make_latest_beta(held, stable="1.0", replacing=None, now=T0)
        await uow.commit()
    async with make_uow() as uow:
        read = await uow.scripts.get(script.id)
    assert read is not None
    assert read.latest_beta == held.summary
