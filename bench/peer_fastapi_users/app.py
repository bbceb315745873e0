"""A peer for `GET /api/users/me`: the same feature written the usual way with fastapi-users 15.

The application of fastapi-users' own "full example" (SQLAlchemy, JWT bearer): a `User` table
of `SQLAlchemyBaseUserTableUUID` on PostgreSQL through SQLAlchemy's async engine on asyncpg,
a `UserManager`, one JWT authentication backend (`BearerTransport` + `JWTStrategy`), and the
library's routers: auth, register, reset password, verify, users. `GET /users/me` is the
users router's own route: read the bearer token, decode the JWT (PyJWT), load the user by id
through an `AsyncSession` (BEGIN; SELECT; ROLLBACK), check that it is active, answer the
`UserRead` schema with pydantic.

It does less than the product's route: no rate limit, no session liveness check (its JWTs are
stateless) and no permissions, so no Redis at all, and a user without profile, roles or sign-in
methods. `run.py --check-io --peer` prints its I/O. Same database server and pool size as the
product (20 + 10 per worker), served by `bench/serve.py` like the baselines, in its own venv
(`setup.sh`: fastapi-users-db-sqlalchemy needs SQLAlchemy < 2.1).

Reads SCRIPTHUB_DATABASE_URL (postgresql+asyncpg://...), SCRIPTHUB_JWT_SECRET and
SCRIPTHUB_ACCESS_TOKEN_TTL, so it runs beside the product in the bench's database (its own
table, `peer_users`; `seed.py` creates it).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI
from fastapi_users import BaseUserManager, FastAPIUsers, UUIDIDMixin, schemas
from fastapi_users.authentication import AuthenticationBackend, BearerTransport, JWTStrategy
from fastapi_users_db_sqlalchemy import SQLAlchemyBaseUserTableUUID, SQLAlchemyUserDatabase
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase

DATABASE_URL = os.environ["SCRIPTHUB_DATABASE_URL"]
SECRET = os.environ["SCRIPTHUB_JWT_SECRET"]
ACCESS_TTL = int(os.environ.get("SCRIPTHUB_ACCESS_TOKEN_TTL", "900"))
POOL_SIZE, MAX_OVERFLOW = 20, 10  # the product's defaults (SCRIPTHUB_DATABASE_POOL_SIZE...)


class Base(DeclarativeBase):
    pass


class User(SQLAlchemyBaseUserTableUUID, Base):
    __tablename__ = "peer_users"


class UserRead(schemas.BaseUser[uuid.UUID]):
    pass


class UserCreate(schemas.BaseUserCreate):
    pass


class UserUpdate(schemas.BaseUserUpdate):
    pass


engine = create_async_engine(DATABASE_URL, pool_size=POOL_SIZE, max_overflow=MAX_OVERFLOW)
async_session_maker = async_sessionmaker(engine, expire_on_commit=False)


async def get_async_session() -> AsyncIterator[AsyncSession]:
    async with async_session_maker() as session:
        yield session


async def get_user_db(
    session: Annotated[AsyncSession, Depends(get_async_session)],
) -> AsyncIterator[SQLAlchemyUserDatabase[User, uuid.UUID]]:
    yield SQLAlchemyUserDatabase(session, User)


class UserManager(UUIDIDMixin, BaseUserManager[User, uuid.UUID]):
    reset_password_token_secret = SECRET
    verification_token_secret = SECRET


async def get_user_manager(
    user_db: Annotated[SQLAlchemyUserDatabase[User, uuid.UUID], Depends(get_user_db)],
) -> AsyncIterator[UserManager]:
    yield UserManager(user_db)


bearer_transport = BearerTransport(tokenUrl="auth/jwt/login")


def get_jwt_strategy() -> JWTStrategy[User, uuid.UUID]:
    return JWTStrategy(secret=SECRET, lifetime_seconds=ACCESS_TTL)


auth_backend = AuthenticationBackend(
    name="jwt", transport=bearer_transport, get_strategy=get_jwt_strategy
)
fastapi_users = FastAPIUsers[User, uuid.UUID](get_user_manager, [auth_backend])


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    yield
    await engine.dispose()


app = FastAPI(lifespan=lifespan)
app.include_router(fastapi_users.get_auth_router(auth_backend), prefix="/auth/jwt", tags=["auth"])
app.include_router(
    fastapi_users.get_register_router(UserRead, UserCreate), prefix="/auth", tags=["auth"]
)
app.include_router(fastapi_users.get_reset_password_router(), prefix="/auth", tags=["auth"])
app.include_router(fastapi_users.get_verify_router(UserRead), prefix="/auth", tags=["auth"])
app.include_router(
    fastapi_users.get_users_router(UserRead, UserUpdate), prefix="/users", tags=["users"]
)
