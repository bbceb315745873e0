from __future__ import annotations

import asyncio
import base64
import json
import os
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import TYPE_CHECKING, Any

import bcrypt
import jwt
import pytest

from scripthub.adapters.security.bcrypt_hasher import BCRYPT_THREAD_NICENESS, BcryptPasswordHasher
from scripthub.adapters.security.common_passwords import CommonPasswords, load_common_passwords
from scripthub.adapters.security.host_slots import HostSlots
from scripthub.adapters.security.jwt_tokens import JwtAccessTokens
from scripthub.adapters.system import SystemClock
from scripthub.domain.errors import InvalidTokenError, TokenExpiredError, ValidationError
from scripthub.domain.passwords import check_password
from tests.fast_hasher import fast_hasher

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

SECRET = "s" * 32
OTHER_SECRET = "o" * 32


class FixedClock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


@pytest.fixture
def hasher() -> Iterator[BcryptPasswordHasher]:
    h = fast_hasher(slots=2)
    yield h
    h.close()


# --- bcrypt ---------------------------------------------------------------------------------


async def test_hash_verify_round_trip(hasher: BcryptPasswordHasher) -> None:
    stored = await hasher.hash("correct horse battery")
    assert stored.startswith("$2b$04$")
    assert await hasher.verify("correct horse battery", stored)


async def test_hashes_are_salted(hasher: BcryptPasswordHasher) -> None:
    assert await hasher.hash("same password") != await hasher.hash("same password")


async def test_wrong_password_is_false(hasher: BcryptPasswordHasher) -> None:
    stored = await hasher.hash("correct horse battery")
    assert not await hasher.verify("correct horse battery!", stored)
    assert not await hasher.verify("", stored)


async def test_passwords_sharing_first_72_bytes_differ(hasher: BcryptPasswordHasher) -> None:
    prefix = "a" * 72
    first, second = prefix + "b" * 28, prefix + "c" * 28
    assert len(first) == len(second) == 100
    stored = await hasher.hash(first)
    assert await hasher.verify(first, stored)
    assert not await hasher.verify(second, stored)


async def test_long_multibyte_password(hasher: BcryptPasswordHasher) -> None:
    password = "\U0001f600" * 127 + "x"
    assert len(password) == 128
    assert len(password.encode("utf-8")) == 509
    stored = await hasher.hash(password)
    assert await hasher.verify(password, stored)
    assert not await hasher.verify("\U0001f600" * 127 + "y", stored)


async def test_lone_surrogate_never_errors(hasher: BcryptPasswordHasher) -> None:
    stored = await hasher.hash("\ud800" * 8)
    assert await hasher.verify("\ud800" * 8, stored)


async def test_verify_without_hash_is_false_and_costs_a_real_check(
    hasher: BcryptPasswordHasher, monkeypatch: pytest.MonkeyPatch
) -> None:
    hashed: list[bytes] = []
    checked: list[bytes] = []
    real_hashpw, real_checkpw = bcrypt.hashpw, bcrypt.checkpw

    def hashpw(password: bytes, salt: bytes) -> bytes:
        hashed.append(salt)
        return real_hashpw(password, salt)

    def checkpw(password: bytes, stored: bytes) -> bool:
        checked.append(stored)
        return real_checkpw(password, stored)

    monkeypatch.setattr(bcrypt, "hashpw", hashpw)
    monkeypatch.setattr(bcrypt, "checkpw", checkpw)

    assert not await hasher.verify("whatever password", None)
    assert (len(hashed), len(checked)) == (1, 0), "the first call makes the dummy hash"
    assert hashed[0].startswith(b"$2b$04$"), "at the same cost"

    assert not await hasher.verify("another password", None)
    assert not await hasher.verify("whatever password", None)
    assert (len(hashed), len(checked)) == (1, 2), "later calls run a full check against it"
    assert all(stored.startswith(b"$2b$04$") for stored in checked)


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "not a hash",
        "$2b$04$tooshort",
        "$2b$04$" + "!" * 53,
        "$9z$04$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyz01234",
        "$2b$04$é" + "a" * 52,
    ],
)
async def test_malformed_hash_is_false(hasher: BcryptPasswordHasher, stored: str) -> None:
    assert not await hasher.verify("some password", stored)


async def test_bcrypt_runs_on_the_dedicated_pool_not_the_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    threads: list[threading.Thread] = []

    def spy(real: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any) -> Any:
            threads.append(threading.current_thread())
            return real(*args)

        return wrapper

    monkeypatch.setattr(bcrypt, "hashpw", spy(bcrypt.hashpw))
    monkeypatch.setattr(bcrypt, "checkpw", spy(bcrypt.checkpw))

    hasher = fast_hasher(slots=1)
    try:
        hashes = await asyncio.gather(*(hasher.hash(f"password {i}") for i in range(3)))
        assert await hasher.verify("password 0", hashes[0])
    finally:
        hasher.close()

    assert len(threads) == 4
    loop_thread = threading.current_thread()
    assert all(t is not loop_thread for t in threads)
    assert all(t.name.startswith("bcrypt") for t in threads)
    assert len({t.ident for t in threads}) == 1, "a thread per slot"


def test_rejects_rounds_out_of_range(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="rounds"):
        BcryptPasswordHasher(slots=HostSlots(tmp_path, 1), rounds=3)


async def test_the_hashers_of_one_host_run_no_more_hashes_at_once_than_its_slots(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two hashers stand for two worker processes: each has a thread per slot, so together
    # they have twice as many threads as the host has slots.
    running, most = 0, 0
    count_lock = threading.Lock()

    def checkpw(password: bytes, hashed: bytes) -> bool:
        nonlocal running, most
        with count_lock:
            running += 1
            most = max(most, running)
        time.sleep(0.02)
        with count_lock:
            running -= 1
        return False

    monkeypatch.setattr(bcrypt, "checkpw", checkpw)
    workers = [BcryptPasswordHasher(slots=HostSlots(tmp_path, 2), rounds=4) for _ in range(2)]
    try:
        stored = await workers[0].hash("a password")
        await asyncio.gather(
            *(worker.verify("wrong", stored) for worker in workers for _ in range(6))
        )
    finally:
        for worker in workers:
            worker.close()

    assert most == 2


# --- JWT ------------------------------------------------------------------------------------


def _now() -> datetime:
    # Whole seconds, as JWT stores them; fixed for the duration of one test.
    return datetime.now(UTC).replace(microsecond=0)


def _tokens(
    secret: str = SECRET, at: datetime | None = None, ttl: int = 900, **kwargs: str
) -> JwtAccessTokens:
    return JwtAccessTokens(secret, ttl, clock=FixedClock(at or _now()), **kwargs)


def _valid_claims() -> dict[str, Any]:
    at = int(_now().timestamp())
    return {
        "iss": "scripthub",
        "aud": "scripthub-api",
        "sub": str(uuid.uuid4()),
        "sid": str(uuid.uuid4()),
        "iat": at,
        "exp": at + 900,
        "jti": "abc",
    }


def _b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _assert_invalid(tokens: JwtAccessTokens, token: str) -> None:
    with pytest.raises(InvalidTokenError) as excinfo:
        tokens.read(token)
    assert excinfo.type is InvalidTokenError


def test_jwt_round_trip() -> None:
    at = _now()
    tokens = _tokens(at=at)
    user_id, session_id = uuid.uuid4(), uuid.uuid4()
    issued = tokens.issue(user_id, session_id)
    assert issued.expires_in == 900

    claims = tokens.read(issued.token)
    assert claims.user_id == user_id
    assert claims.session_id == session_id

    def unverified(token: str) -> dict[str, Any]:
        return jwt.decode(token, options={"verify_signature": False})

    raw = unverified(issued.token)
    assert jwt.get_unverified_header(issued.token)["alg"] == "HS256"
    assert raw["iss"] == "scripthub"
    assert raw["aud"] == "scripthub-api"
    assert raw["iat"] == int(at.timestamp())
    assert raw["exp"] == int(at.timestamp()) + 900
    assert raw["jti"]
    assert raw["jti"] != unverified(tokens.issue(user_id, session_id).token)["jti"]


def test_tokens_are_pyjwts_byte_for_byte() -> None:
    """Issued without PyJWT (which loads cryptography), read by it as its own."""
    token = _tokens().issue(uuid.uuid4(), uuid.uuid4()).token
    claims = jwt.decode(
        token, SECRET, algorithms=["HS256"], audience="scripthub-api", issuer="scripthub"
    )

    assert jwt.encode(claims, SECRET, algorithm="HS256") == token


def test_reads_what_pyjwt_accepts_an_audience_list_and_a_past_nbf() -> None:
    user_id = uuid.uuid4()
    claims = {**_valid_claims(), "sub": str(user_id), "aud": ["other", "scripthub-api"]}
    claims["nbf"] = claims["iat"]

    assert _tokens().read(jwt.encode(claims, SECRET, algorithm="HS256")).user_id == user_id


@pytest.mark.parametrize(
    ("claim", "seconds_from_now"), [("iat", 120), ("nbf", 120), ("exp", -1), ("exp", 0)]
)
def test_rejects_a_token_not_yet_or_no_longer_valid(claim: str, seconds_from_now: int) -> None:
    claims = _valid_claims()
    claims[claim] = int(datetime.now(UTC).timestamp()) + seconds_from_now
    token = jwt.encode(claims, SECRET, algorithm="HS256")
    expected = TokenExpiredError if claim == "exp" else InvalidTokenError

    with pytest.raises(InvalidTokenError) as raised:
        _tokens().read(token)
    assert raised.type is expected


def test_an_expired_token_is_expired_whatever_its_audience() -> None:
    claims = {**_valid_claims(), "aud": "another-api", "exp": 1}
    with pytest.raises(TokenExpiredError):
        _tokens().read(jwt.encode(claims, SECRET, algorithm="HS256"))


def test_rejects_an_extension_it_would_have_to_understand() -> None:
    token = jwt.encode(_valid_claims(), SECRET, algorithm="HS256", headers={"crit": ["exp"]})
    _assert_invalid(_tokens(), token)


def test_expired_token() -> None:
    issuer = _tokens(at=_now() - timedelta(hours=1), ttl=60)
    token = issuer.issue(uuid.uuid4(), uuid.uuid4()).token
    with pytest.raises(TokenExpiredError):
        _tokens().read(token)


def test_tampered_signature() -> None:
    tokens = _tokens()
    token = tokens.issue(uuid.uuid4(), uuid.uuid4()).token
    header, payload, signature = token.split(".")
    # The first character carries six full bits of the MAC (the last one may only carry padding).
    flipped = ("B" if signature[0] == "A" else "A") + signature[1:]
    _assert_invalid(tokens, f"{header}.{payload}.{flipped}")


def test_tampered_payload() -> None:
    tokens = _tokens()
    token = tokens.issue(uuid.uuid4(), uuid.uuid4()).token
    header, _, signature = token.split(".")
    _assert_invalid(tokens, f"{header}.{_b64(_valid_claims())}.{signature}")


def test_other_secret() -> None:
    token = _tokens(secret=OTHER_SECRET).issue(uuid.uuid4(), uuid.uuid4()).token
    _assert_invalid(_tokens(), token)


def test_alg_none() -> None:
    token = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_valid_claims())}."
    _assert_invalid(_tokens(), token)


def test_hs512_with_same_secret() -> None:
    token = jwt.encode(_valid_claims(), SECRET + SECRET, algorithm="HS512")
    _assert_invalid(JwtAccessTokens(SECRET + SECRET, 900, clock=FixedClock(_now())), token)


def test_wrong_issuer() -> None:
    token = _tokens(issuer="someone-else").issue(uuid.uuid4(), uuid.uuid4()).token
    _assert_invalid(_tokens(), token)


def test_wrong_audience() -> None:
    token = _tokens(audience="another-api").issue(uuid.uuid4(), uuid.uuid4()).token
    _assert_invalid(_tokens(), token)


@pytest.mark.parametrize("claim", ["iss", "aud", "sub", "sid", "iat", "exp", "jti"])
def test_missing_claim(claim: str) -> None:
    claims = _valid_claims()
    del claims[claim]
    _assert_invalid(_tokens(), jwt.encode(claims, SECRET, algorithm="HS256"))


@pytest.mark.parametrize(
    ("claim", "value"),
    [
        ("sub", "not-a-uuid"),
        ("sid", "not-a-uuid"),
        ("sub", 42),
        ("sid", 42),
        ("sid", None),
        ("sub", "{" + str(uuid.UUID(int=1)) + "}"),
        ("iat", "yesterday"),
        ("exp", "tomorrow"),
        ("exp", None),
        ("aud", ["another-api"]),
        ("aud", [1]),
        ("aud", {"scripthub-api": 1}),
        ("jti", 1),
    ],
)
def test_malformed_claim(claim: str, value: object) -> None:
    claims = _valid_claims()
    claims[claim] = value
    _assert_invalid(_tokens(), jwt.encode(claims, SECRET, algorithm="HS256"))


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c", "a.b", "...."])
def test_malformed_token(token: str) -> None:
    _assert_invalid(_tokens(), token)


def test_rejects_short_secret() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        JwtAccessTokens("short", 900, clock=SystemClock())


# --- clock and common passwords -------------------------------------------------------------


def test_system_clock_is_aware_utc() -> None:
    now = SystemClock().now()
    assert now.tzinfo is not None
    assert now.utcoffset() == timedelta(0)
    assert abs(now - datetime.now(UTC)) < timedelta(seconds=5)


def test_common_password_list() -> None:
    common = load_common_passwords()
    assert len(common) >= 10_000
    assert {"password", "password1", "12345678", "iloveyou"} <= common
    assert all(p == p.lower() and p.strip() == p and p for p in common)


def test_common_password_file_is_plain_lines() -> None:
    text = (
        resources.files("scripthub.adapters.security")
        .joinpath("common_passwords.txt")
        .read_text(encoding="utf-8")
    )
    lines = text.splitlines()
    assert len(lines) >= 10_000
    assert all(lines), "no blank lines"
    assert len(set(lines)) == len(lines), "deduplicated"
    assert lines[0] == "password", "most common first"


def test_the_use_cases_list_is_read_at_the_first_password_checked() -> None:
    load_common_passwords.cache_clear()
    common = CommonPasswords()
    assert load_common_passwords.cache_info().currsize == 0

    assert "password1" in common
    assert "a far less guessable passphrase" not in common
    assert load_common_passwords.cache_info().currsize == 1
    assert len(common) == len(set(common)) == len(load_common_passwords())


def test_policy_rejects_common_passwords() -> None:
    with pytest.raises(ValidationError):
        check_password("Password1", load_common_passwords())
    check_password("a far less guessable passphrase", load_common_passwords())


@pytest.mark.skipif(not hasattr(os, "setpriority"), reason="thread priorities are Linux-only")
async def test_bcrypt_runs_a_step_below_the_event_loops_priority(
    hasher: BcryptPasswordHasher, monkeypatch: pytest.MonkeyPatch
) -> None:
    priorities: list[int] = []
    real_hashpw = bcrypt.hashpw

    def hashpw(password: bytes, salt: bytes) -> bytes:
        priorities.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        return real_hashpw(password, salt)

    monkeypatch.setattr(bcrypt, "hashpw", hashpw)

    await hasher.hash("some long password")

    loop_priority = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    # The slots bound bcrypt's share of the cores; a lower priority would starve logins again.
    assert priorities == [loop_priority + BCRYPT_THREAD_NICENESS]
