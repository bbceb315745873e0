"""`scripthub demo seed`: the demo catalogue, loaded once however often it runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from scripthub.domain.scripts import Visibility
from scripthub.entrypoints.containers import build_container, close_container
from scripthub.entrypoints.demo.catalogue import DEMO_USERNAMES, SCRIPTS
from scripthub.entrypoints.demo.seed import SeedReport, seed_demo
from scripthub.entrypoints.http.app import create_app
from scripthub.entrypoints.settings import Settings, load_settings
from tests.cli.test_cli import run
from tests.production import PRODUCTION_ON_EMBEDDED

PUBLIC = [demo for demo in SCRIPTS if demo.visibility is Visibility.PUBLIC]


def test_the_catalogue_is_realistic() -> None:
    assert len(SCRIPTS) >= 30
    assert len({demo.slug for demo in SCRIPTS}) == len(SCRIPTS)
    assert {demo.visibility for demo in SCRIPTS} == set(Visibility)
    assert {demo.language for demo in SCRIPTS} >= {"javascript", "lua", "css", "shell", "python"}
    for demo in SCRIPTS:
        assert demo.owner not in demo.ratings, demo.slug
        assert set(demo.ratings) <= set(DEMO_USERNAMES), demo.slug
        assert demo.visibility is not Visibility.PRIVATE or not demo.ratings, demo.slug


def test_demo_seed_on_a_fresh_directory_then_again(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "demo", "seed")

    assert code == 0, err
    assert f"{len(DEMO_USERNAMES)} users, {len(SCRIPTS)} scripts" in out
    assert "'scripthub-demo'" in out  # the documented password, said once
    assert (workdir / "var" / "scripthub.db").exists()  # migrated like `serve` does

    code, out, err = run(capsys, "demo", "seed")

    assert code == 0, err
    assert "nothing changed" in out
    assert "password" not in out


def test_demo_seed_refuses_production_without_force(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in PRODUCTION_ON_EMBEDDED.items():
        monkeypatch.setenv(name, value)

    code, out, err = run(capsys, "demo", "seed")

    assert code == 2
    assert "SCRIPTHUB_ENV=production" in err
    assert "--force" in err
    assert out == ""
    assert not (workdir / "var" / "scripthub.db").exists()


WIRINGS = ["embedded", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=WIRINGS)
def database_url(request: pytest.FixtureRequest) -> str:
    fixture = "sqlite_database_url" if request.param == "embedded" else "postgres_database_url"
    url: str = request.getfixturevalue(fixture)
    return url


@pytest.fixture
def settings(database_url: str) -> Settings:
    environment = {
        "SCRIPTHUB_ENV": "test",
        "SCRIPTHUB_JWT_SECRET": "cli-test-secret-0123456789abcdef0123456789",
        "SCRIPTHUB_BCRYPT_ROUNDS": "4",
        "SCRIPTHUB_RATE_LIMIT_API": "10000/900",
        "SCRIPTHUB_DATABASE_URL": database_url,
    }
    return load_settings(environment, env_file=None)


async def _seed(settings: Settings) -> SeedReport:
    """A run of the seed on a container of its own, as the CLI does it (the app's test client
    runs on a loop of its own, where this container's connections cannot go)."""
    container = build_container(settings)
    try:
        return await seed_demo(container)
    finally:
        await close_container(container)


async def _catalogue(client: AsyncTestClient[Any]) -> dict[str, dict[str, Any]]:
    response = await client.get("/api/scripts", params={"limit": 100})
    assert response.status_code == 200, response.text
    return {script["slug"]: script for script in response.json()["items"]}


async def test_seeded_scripts_are_listed_searchable_and_seeded_once(settings: Settings) -> None:
    first = await _seed(settings)
    async with AsyncTestClient(app=create_app(build_container(settings))) as client:
        listed = await _catalogue(client)
        found = await client.get("/api/scripts", params={"q": "factorio"})
        stars = listed["github-stars-in-title"]["id"]
        versions = await client.get(f"/api/scripts/{stars}/versions")
    second = await _seed(settings)
    async with AsyncTestClient(app=create_app(build_container(settings))) as client:
        again = await _catalogue(client)

    assert (first.users, first.scripts) == (len(DEMO_USERNAMES), len(SCRIPTS))
    assert first.versions == sum(len(demo.versions) - 1 for demo in SCRIPTS)
    assert first.ratings == sum(len(demo.ratings) for demo in SCRIPTS)
    assert first.featured == 2
    assert set(listed) == {demo.slug for demo in PUBLIC}
    youtube = listed["youtube-hide-shorts"]
    assert youtube["featured"] is True
    assert youtube["install_count"] == 4210
    assert youtube["rating_count"] == 3
    assert youtube["latest_version"]["version"] == "1.1.0"
    assert listed["shop-coupon-finder"]["antifeatures"] == ["ads", "referral-link"]
    assert [s["slug"] for s in found.json()["items"]] == ["factorio-auto-sort-inventory"]
    newest = versions.json()["items"][0]
    assert newest["widened"]["grant"] == ["GM_xmlhttpRequest"]
    assert newest["widened"]["connect"] == ["api.github.com"]

    assert not second.changed
    assert "nothing changed" in second.summary()
    assert again == listed
