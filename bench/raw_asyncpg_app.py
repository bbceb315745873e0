"""The product's two hot routes written by hand: raw asyncpg and redis-py, no ORM, no layers.

It does the same network I/O as ScriptHub, call for call; `run.py --check-io` verifies that
against the real routes (Redis MONITOR and PostgreSQL's `log_statement = all`):

GET /api/users/me
  Redis  1. MULTI INCRBY rate:api:{ip} / PEXPIRE NX / PTTL EXEC     (http/rate_limits.py)
         2. pipeline: EXISTS session:{sid}, MGET grants:{user} and  (auth/authenticate_request.py,
            the two grants_version keys (cached permissions)        redis/access_state.py)
            on a cache miss only: BEGIN; SELECT grants; ROLLBACK; SET grants:{user}
  SQL    one SELECT of user + profile + string_agg of roles and of  (sqlalchemy/account_reader.py)
         providers, outside any transaction                         (users/get_own_user.py)

POST /api/auth/refresh (no bearer token, so no access-state read)
  Redis  1. the same rate-limit MULTI block
         2. EVALSHA of the product's own rotation script            (redis/session_scripts.py)
  SQL    the same one SELECT as GET /api/users/me                   (auth/refresh_session.py)

and the same CPU work the product cannot avoid: HS256 JWT decode/encode with PyJWT and the
same claims, SHA-256 of refresh tokens, msgspec bodies, Litestar routing. The SQL text is the
text SQLAlchemy sends, so PostgreSQL does identical work. The pool skips asyncpg's reset query
on release (SQLAlchemy's pool does not send one either), so the round-trip counts match.

Reads the same SCRIPTHUB_* variables as the product.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import secrets
import time
import uuid
from datetime import date, datetime
from typing import Any, Literal

import asyncpg
import jwt
import msgspec
import redis.asyncio as aioredis
from litestar import Litestar, Request, Response, get, post
from litestar.exceptions import HTTPException
from litestar.status_codes import HTTP_200_OK

from scripthub.adapters.redis.session_scripts import ROTATE

DATABASE_URL = os.environ["SCRIPTHUB_DATABASE_URL"].replace(
    "postgresql+asyncpg://", "postgresql://"
)
REDIS_URL = os.environ["SCRIPTHUB_REDIS_URL"]
JWT_SECRET = os.environ["SCRIPTHUB_JWT_SECRET"]
PREFIX = os.environ.get("SCRIPTHUB_REDIS_KEY_PREFIX", "scripthub:")
API_LIMIT, _, API_WINDOW = os.environ.get("SCRIPTHUB_RATE_LIMIT_API", "100/900").partition("/")
ACCESS_TTL = int(os.environ.get("SCRIPTHUB_ACCESS_TOKEN_TTL", "900"))
REUSE_GRACE = float(os.environ.get("SCRIPTHUB_REFRESH_REUSE_GRACE", "10"))
POOL_SIZE = 30  # SQLAlchemy's pool_size + max_overflow in adapters/sqlalchemy/engine.py
ISSUER, AUDIENCE = "scripthub", "scripthub-api"
REQUIRED_CLAIMS = ["iss", "aud", "sub", "sid", "iat", "exp", "jti"]

SQL_ACCOUNT = (  # $1 and $2 are the string_agg separators: SQLAlchemy binds the literal ","
    "SELECT users.id, users.email, users.username, users.password_hash, "
    "users.email_verified_at, users.account_status, users.created_at, users.updated_at, "
    "user_profiles.full_name, user_profiles.avatar_url, user_profiles.phone, user_profiles.bio, "
    "user_profiles.date_of_birth, user_profiles.location, user_profiles.website, "
    "(SELECT string_agg(roles.name, $1::VARCHAR) AS string_agg_1 \n"
    "FROM user_roles JOIN roles ON roles.id = user_roles.role_id \n"
    "WHERE user_roles.user_id = users.id) AS roles, "
    "(SELECT string_agg(auth_providers.provider, $2::VARCHAR) AS string_agg_3 \n"
    "FROM auth_providers \n"
    "WHERE auth_providers.user_id = users.id) AS providers \n"
    "FROM users LEFT OUTER JOIN user_profiles ON user_profiles.user_id = users.id \n"
    "WHERE users.id = $3::UUID"
)
SQL_GRANTS = (
    "SELECT roles.name, permissions.name AS permission \n"
    "FROM user_roles JOIN (roles LEFT OUTER JOIN role_permissions "
    "ON role_permissions.role_id = roles.id LEFT OUTER JOIN permissions "
    "ON permissions.id = role_permissions.permission_id) ON roles.id = user_roles.role_id \n"
    "WHERE user_roles.user_id = $1::UUID"
)
GRANTS_TTL = 900  # adapters/redis/permission_cache.py DEFAULT_TTL


class ProfileOut(msgspec.Struct):
    full_name: str | None
    avatar_url: str | None
    phone: str | None
    bio: str | None
    date_of_birth: date | None
    location: str | None
    website: str | None


class UserOut(msgspec.Struct):
    id: str
    email: str
    username: str
    email_verified: bool
    account_status: str
    roles: list[str]
    providers: list[str]
    created_at: datetime
    updated_at: datetime
    profile: ProfileOut


class TokenPairOut(msgspec.Struct):
    access_token: str
    refresh_token: str
    expires_in: int
    user: UserOut
    token_type: Literal["Bearer"] = "Bearer"


class RefreshBody(msgspec.Struct, forbid_unknown_fields=True):
    refresh_token: str


class Stores:
    """Per-process connections, opened at start-up."""

    pool: asyncpg.Pool
    redis: aioredis.Redis
    rotate: Any


STORES = Stores()


async def _no_reset(connection: asyncpg.Connection) -> None:
    """Skip asyncpg's reset query on release: our transactions always end before it."""


async def open_stores() -> None:
    STORES.pool = await asyncpg.create_pool(
        DATABASE_URL, min_size=0, max_size=POOL_SIZE, reset=_no_reset
    )
    STORES.redis = aioredis.Redis.from_url(REDIS_URL)
    STORES.rotate = STORES.redis.register_script(ROTATE)


async def close_stores() -> None:
    await STORES.pool.close()
    await STORES.redis.aclose()


async def count_request(request: Request[Any, Any, Any]) -> dict[str, str]:
    """The rate limiter's MULTI block; the RateLimit-* headers of the response."""
    limit, window = int(API_LIMIT), int(API_WINDOW)
    ip = request.client.host if request.client else "unknown"
    key = f"{PREFIX}rate:api:{ip}"
    async with STORES.redis.pipeline(transaction=True) as pipe:
        pipe.incr(key)
        pipe.pexpire(key, window * 1000, nx=True)
        pipe.pttl(key)
        hits, _, ttl_ms = await pipe.execute()
    if hits > limit:
        raise HTTPException(status_code=429, detail="rate limited")
    return {
        "RateLimit-Limit": str(limit),
        "RateLimit-Remaining": str(max(limit - hits, 0)),
        "RateLimit-Reset": str(max(math.ceil(ttl_ms / 1000), 1)),
    }


async def load_account(user_id: uuid.UUID) -> UserOut | None:
    """One statement, no transaction: what the product's `AccountReader` does."""
    async with STORES.pool.acquire() as connection:
        row = await connection.fetchrow(SQL_ACCOUNT, ",", ",", user_id)
    if row is None or row["account_status"] == "deleted":
        return None
    return _user_out(row, _names(row["roles"]), _names(row["providers"]))


def _names(joined: str | None) -> list[str]:
    return sorted(set(joined.split(","))) if joined else []


def _user_out(row: asyncpg.Record, roles: list[str], providers: list[str]) -> UserOut:
    return UserOut(
        id=str(row["id"]),
        email=row["email"],
        username=row["username"],
        email_verified=row["email_verified_at"] is not None,
        account_status=row["account_status"],
        roles=roles,
        providers=providers,
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        profile=ProfileOut(
            full_name=row["full_name"],
            avatar_url=row["avatar_url"],
            phone=row["phone"],
            bio=row["bio"],
            date_of_birth=row["date_of_birth"],
            location=row["location"],
            website=row["website"],
        ),
    )


async def authenticate(request: Request[Any, Any, Any]) -> tuple[uuid.UUID, list[str]]:
    """JWT, then one pipelined round trip for session liveness and the cached grants (the
    user's permissions, which any guarded route of the product checks)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        raise HTTPException(status_code=401, detail="missing bearer token")
    try:
        claims = jwt.decode(
            token.strip(),
            JWT_SECRET,
            algorithms=["HS256"],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.PyJWTError:
        raise HTTPException(status_code=401, detail="invalid token") from None
    user_id = claims["sub"]
    grants_key = f"{PREFIX}grants:{user_id}"
    async with STORES.redis.pipeline(transaction=False) as pipe:
        pipe.exists(f"{PREFIX}session:{claims['sid']}")
        pipe.mget(
            [
                grants_key,
                f"{PREFIX}grants_version:everyone",
                f"{PREFIX}grants_version:user:{user_id}",
            ]
        )
        exists, (entry, everyone, user) = await pipe.execute()
    if exists != 1:
        raise HTTPException(status_code=401, detail="session revoked")
    stamp = [int(everyone or 0), int(user or 0)]
    cached = json.loads(entry) if entry is not None else None
    if cached is not None and cached[:2] == stamp:
        return uuid.UUID(user_id), cached[2]
    async with STORES.pool.acquire() as connection:
        transaction = connection.transaction()
        await transaction.start()
        try:
            rows = await connection.fetch(SQL_GRANTS, uuid.UUID(user_id))
        finally:
            await transaction.rollback()
    roles = sorted({row["name"] for row in rows})
    permissions = sorted({row["permission"] for row in rows if row["permission"] is not None})
    entry = json.dumps([*stamp, roles, permissions], separators=(",", ":"))
    await STORES.redis.set(grants_key, entry, ex=GRANTS_TTL)
    return uuid.UUID(user_id), roles


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@get("/api/users/me")
async def me(request: Request[Any, Any, Any]) -> Response[UserOut]:
    headers = await count_request(request)
    user_id, _ = await authenticate(request)
    user = await load_account(user_id)
    if user is None:
        raise HTTPException(status_code=404, detail="user not found")
    return Response(user, headers=headers)


@post("/api/auth/refresh", status_code=HTTP_200_OK)
async def refresh(request: Request[Any, Any, Any]) -> Response[TokenPairOut]:
    headers = await count_request(request)
    body = msgspec.json.decode(await request.body(), type=RefreshBody)
    new_token = secrets.token_urlsafe(32)
    old_hash, new_hash = _sha256(body.refresh_token), _sha256(new_token)
    reply = await STORES.rotate(
        keys=[
            f"{PREFIX}refresh:{old_hash}",
            f"{PREFIX}rotated:{old_hash}",
            f"{PREFIX}refresh:{new_hash}",
        ],
        args=[
            f"{PREFIX}session:",
            f"{PREFIX}refresh:",
            f"{PREFIX}user_sessions:",
            new_hash,
            repr(time.time()),
            REUSE_GRACE,
        ],
    )
    if reply[0] != b"ROTATED":
        raise HTTPException(status_code=401, detail="refresh token invalid")
    session_id = reply[1].decode()
    fields = dict(zip(reply[2::2], reply[3::2], strict=True))
    user = await load_account(uuid.UUID(fields[b"user_id"].decode()))
    if user is None or user.account_status != "active":
        raise HTTPException(status_code=401, detail="account gone")
    issued_at = int(time.time())
    access = jwt.encode(
        {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": user.id,
            "sid": session_id,
            "iat": issued_at,
            "exp": issued_at + ACCESS_TTL,
            "jti": secrets.token_urlsafe(16),
        },
        JWT_SECRET,
        algorithm="HS256",
    )
    return Response(TokenPairOut(access, new_token, ACCESS_TTL, user), headers=headers)


app = Litestar(route_handlers=[me, refresh], on_startup=[open_stores], on_shutdown=[close_stores])
