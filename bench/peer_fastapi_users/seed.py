"""Seed the peer: its table and as many users as the product's seed, and an access token each.

Runs in the peer's venv (`run.py --peer` calls it):

    .venv-peer/bin/python seed.py OUT_DIR --users 64

Users are created through fastapi-users' `SQLAlchemyUserDatabase`, all with one password hash
made by the library's `PasswordHelper`; tokens by the app's own `JWTStrategy`. Writes
OUT_DIR/access-peer.txt, one token per line.
"""

from __future__ import annotations

import argparse
import asyncio
import uuid
from pathlib import Path

from app import (
    Base,
    User,
    UserManager,
    async_session_maker,
    engine,
    get_jwt_strategy,
)
from fastapi_users_db_sqlalchemy import SQLAlchemyUserDatabase

PASSWORD = "bench-Password-4711"  # bench/seed.py's


async def seed(out: Path, users: int) -> None:
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    tag = uuid.uuid4().hex[:8]
    strategy = get_jwt_strategy()
    tokens = []
    async with async_session_maker() as session:
        user_db = SQLAlchemyUserDatabase(session, User)
        hashed = UserManager(user_db).password_helper.hash(PASSWORD)
        for number in range(users):
            user = await user_db.create(
                {
                    "email": f"peer-{tag}-{number}@example.com",
                    "hashed_password": hashed,
                    "is_active": True,
                    "is_verified": True,
                }
            )
            tokens.append(await strategy.write_token(user))
    await engine.dispose()
    (out / "access-peer.txt").write_text("".join(f"{token}\n" for token in tokens))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path, help="folder for access-peer.txt")
    parser.add_argument("--users", type=int, default=64)
    args = parser.parse_args()
    asyncio.run(seed(args.out, args.users))
    print(f"seeded {args.users} fastapi-users users into {args.out}")


if __name__ == "__main__":
    main()
