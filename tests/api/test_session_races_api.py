"""A sign-in with the old password sent together with a password change, a suspension or a
deletion never outlives the change, on both wirings: whichever order the two take, a
session started from an account read before the change has ended once the change commits."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

import pytest

from tests.api.client import assert_problem

if TYPE_CHECKING:
    import httpx

    from tests.api.client import Api

TRIALS = 12
MAX_LAG_S = 0.012
NEW_PASSWORD = "a wholly new passphrase"


def log_in(api: Api, pair: dict[str, Any]) -> httpx.Request:
    body = {"email": pair["user"]["email"], "password": pair["password"]}
    return api.request("POST", "/api/auth/login", json=body)


def change_password(api: Api, pair: dict[str, Any]) -> httpx.Request:
    body = {"current_password": pair["password"], "new_password": NEW_PASSWORD}
    return api.request("POST", "/api/auth/password/change", pair["access_token"], json=body)


def delete_account(api: Api, pair: dict[str, Any]) -> httpx.Request:
    body = {"password": pair["password"]}
    return api.request("DELETE", "/api/users/me", pair["access_token"], json=body)


@pytest.mark.parametrize("ending", [change_password, delete_account])
async def test_a_sign_in_racing_a_session_ending_change_never_outlives_it(
    api: Api, ending: Any
) -> None:
    rng = random.Random(18)
    for _ in range(TRIALS):
        pair = await api.register()

        # The sign-in lands anywhere in the change's bcrypt runs, commit and revocation.
        ended, signed_in = await api.at_once(
            ending(api, pair), log_in(api, pair), last_after=rng.uniform(0, MAX_LAG_S)
        )

        assert ended.status_code in {200, 204}, ended.text
        if signed_in.status_code == 200:
            late = signed_in.json()
            me = await api.get("/api/users/me", late["access_token"])
            assert_problem(me, 401, "session_revoked")
            refreshed = await api.client.post(
                "/api/auth/refresh", json={"refresh_token": late["refresh_token"]}
            )
            assert refreshed.status_code == 401, refreshed.text
