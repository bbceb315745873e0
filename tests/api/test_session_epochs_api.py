"""Sessions end when the account says so, whatever Redis does: Redis freezes the moment a
password change, reset, suspension or deletion commits, and its connections are then cut (the
revocation the app sent is lost). The other sessions' tokens are refused all the same, and a
reset that could not commit leaves its link usable."""

from __future__ import annotations

import contextlib
import uuid
from typing import TYPE_CHECKING, Any

import pytest
from litestar.testing import AsyncTestClient

from scripthub.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from scripthub.application.auth.session_ending import SessionEnding
from scripthub.entrypoints.containers import build_container
from scripthub.entrypoints.http.app import create_app
from scripthub.entrypoints.settings import load_settings
from tests.api.client import Api, assert_problem
from tests.api.conftest import TEST_ENVIRONMENT
from tests.api.mails import FRONTEND, link_in, next_mail, token_of

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from tests.freezing_proxy import FreezingProxy
    from tests.smtp_sink import SmtpSink

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

NEW_PASSWORD = "a wholly new passphrase"


class RedisAfterCommit:
    """Freezes Redis (through `proxy`) the moment the next unit of work commits."""

    def __init__(self, proxy: FreezingProxy, monkeypatch: pytest.MonkeyPatch) -> None:
        self._proxy = proxy
        self._armed = False
        self._frozen: contextlib.AbstractContextManager[None] | None = None
        commit = SqlAlchemyUnitOfWork.commit

        async def commit_then_freeze(uow: SqlAlchemyUnitOfWork) -> None:
            await commit(uow)
            if self._armed:
                self._armed = False
                self._frozen = proxy.frozen()
                self._frozen.__enter__()

        monkeypatch.setattr(SqlAlchemyUnitOfWork, "commit", commit_then_freeze)

    @contextlib.contextmanager
    def lost(self) -> Iterator[None]:
        """Within the block, Redis freezes right after the next commit; after it, every
        connection to Redis is cut (what the app sent meanwhile is lost) and Redis is back."""
        self._armed = True
        try:
            yield
        finally:
            self._armed = False
            with self._proxy.down():
                if self._frozen is not None:
                    self._frozen.__exit__(None, None, None)
            self._frozen = None


@pytest.fixture
def redis_after_commit(
    redis_proxy: FreezingProxy, monkeypatch: pytest.MonkeyPatch
) -> RedisAfterCommit:
    return RedisAfterCommit(redis_proxy, monkeypatch)


@pytest.fixture
async def api(
    redis_proxy: FreezingProxy,
    redis_url: str,
    redis_prefix: str,
    postgres_database_url: str,
    smtp_sink: SmtpSink,
) -> AsyncIterator[Api]:
    environment = {
        **TEST_ENVIRONMENT,
        "SCRIPTHUB_DATABASE_URL": postgres_database_url,
        "SCRIPTHUB_REDIS_URL": redis_proxy.route(redis_url),
        "SCRIPTHUB_REDIS_KEY_PREFIX": redis_prefix,
        "SCRIPTHUB_SMTP_URL": smtp_sink.url(),
        "SCRIPTHUB_FRONTEND_URL": FRONTEND,
    }
    container = build_container(load_settings(environment, env_file=None))
    async with AsyncTestClient(app=create_app(container)) as client:
        yield Api(client, container)


async def log_in(api: Api, pair: dict[str, Any], password: str) -> dict[str, Any]:
    body = {"email": pair["user"]["email"], "password": password}
    response = await api.client.post("/api/auth/login", json=body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def assert_ended(api: Api, pair: dict[str, Any]) -> None:
    assert_problem(await api.get("/api/users/me", pair["access_token"]), 401, "session_revoked")
    refreshed = await api.client.post(
        "/api/auth/refresh", json={"refresh_token": pair["refresh_token"]}
    )
    assert refreshed.status_code in {401, 403}, refreshed.text


async def session_ids(api: Api, pair: dict[str, Any]) -> set[str]:
    response = await api.get("/api/auth/sessions", pair["access_token"])
    assert response.status_code == 200, response.text
    return {session["id"] for session in response.json()["items"]}


async def test_a_password_change_ends_the_other_sessions_when_redis_is_lost_at_commit(
    api: Api, redis_after_commit: RedisAfterCommit
) -> None:
    pair = await api.register()
    other = await log_in(api, pair, pair["password"])
    # Both sessions' access is cached, as on any busy site.
    assert (await api.get("/api/users/me", other["access_token"])).status_code == 200
    other_ids = await session_ids(api, other)

    with redis_after_commit.lost():
        changed = await api.send(
            "POST",
            "/api/auth/password/change",
            pair["access_token"],
            json={"current_password": pair["password"], "new_password": NEW_PASSWORD},
        )

    # Committed; moving the caller's own session on needed Redis, so it ended too.
    assert_problem(changed, 503, "service_unavailable")
    await assert_ended(api, other)
    await assert_ended(api, pair)
    fresh = await log_in(api, pair, NEW_PASSWORD)
    assert len(other_ids) == 2
    assert len(await session_ids(api, fresh)) == 1
    assert not other_ids & await session_ids(api, fresh)


async def test_a_deletion_ends_every_session_when_redis_is_lost_at_commit(
    api: Api, redis_after_commit: RedisAfterCommit
) -> None:
    pair = await api.register()
    other = await log_in(api, pair, pair["password"])
    assert (await api.get("/api/users/me", other["access_token"])).status_code == 200

    with redis_after_commit.lost():
        deleted = await api.send(
            "DELETE", "/api/users/me", pair["access_token"], json={"password": pair["password"]}
        )

    assert deleted.status_code == 204, deleted.text
    await assert_ended(api, pair)
    await assert_ended(api, other)
    published = await api.send(
        "POST",
        "/api/scripts",
        other["access_token"],
        json={
            "name": "After Deletion",
            "code": "// ==UserScript==\n// @name x\n// ==/UserScript==",
        },
    )
    assert published.status_code == 401


async def test_a_suspension_ends_every_session_when_redis_is_lost_at_commit(
    api: Api, redis_after_commit: RedisAfterCommit
) -> None:
    admin = await api.admin()
    pair = await api.register()
    assert (await api.get("/api/users/me", pair["access_token"])).status_code == 200

    with redis_after_commit.lost():
        suspended = await api.send(
            "PATCH",
            f"/api/users/{pair['user']['id']}/status",
            admin["access_token"],
            json={"account_status": "suspended"},
        )

    assert suspended.status_code == 200, suspended.text
    await assert_ended(api, pair)


async def reset_token(api: Api, smtp_sink: SmtpSink, email: str, seen: int) -> str:
    await api.client.post("/api/auth/password/forgot", json={"email": email})
    return token_of(link_in(await next_mail(smtp_sink, email, seen=seen), "reset-password"))


async def test_a_reset_ends_every_session_when_redis_is_lost_at_commit(
    api: Api, redis_after_commit: RedisAfterCommit, smtp_sink: SmtpSink
) -> None:
    pair = await api.register()
    email = pair["user"]["email"]
    await next_mail(smtp_sink, email)
    assert (await api.get("/api/users/me", pair["access_token"])).status_code == 200
    token = await reset_token(api, smtp_sink, email, seen=1)

    with redis_after_commit.lost():
        reset = await api.client.post(
            "/api/auth/password/reset", json={"token": token, "new_password": NEW_PASSWORD}
        )

    assert reset.status_code == 200, reset.text
    await assert_ended(api, pair)
    await log_in(api, pair, NEW_PASSWORD)


async def test_a_reset_that_answers_503_leaves_its_link_usable(
    api: Api, redis_proxy: FreezingProxy, smtp_sink: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    pair = await api.register()
    email = pair["user"]["email"]
    await next_mail(smtp_sink, email)
    token = await reset_token(api, smtp_sink, email, seen=1)
    body = {"token": token, "new_password": NEW_PASSWORD}
    before_commit = SessionEnding.before_commit

    async def with_redis_down(ending: SessionEnding, user_id: uuid.UUID, **tokens: Any) -> None:
        # Past the rate limiter, with the link used up in the open transaction.
        with redis_proxy.down():
            await before_commit(ending, user_id, **tokens)

    with monkeypatch.context() as patched:
        patched.setattr(SessionEnding, "before_commit", with_redis_down)
        failed = await api.client.post("/api/auth/password/reset", json=body)

    assert_problem(failed, 503, "service_unavailable")
    assert (await api.get("/api/users/me", pair["access_token"])).status_code == 200
    await log_in(api, pair, pair["password"])
    assert (await api.client.post("/api/auth/password/reset", json=body)).status_code == 200
    await assert_ended(api, pair)
    await log_in(api, pair, NEW_PASSWORD)
