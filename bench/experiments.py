"""The product changes README.md recommends, applied to a scratch copy of src/ for measuring.

Nothing here touches the checkout: it exports a committed tree with `git archive`, edits the
copy, and prints the `run.py --src` command that benchmarks it.

    .venv/bin/python bench/experiments.py /tmp/fixed onedep driver
    bench/run.sh --commit 4fe7c26 --ab /tmp/fixed/src     # the product vs the copy, same run

The edits are exact-text replacements written against commit 4fe7c26 (`--commit` picks the
tree); each fails loudly once the code it edits has moved on. `prebuilt` sends
`user_roles.user_id = $1` instead of `IN ($1)` for one user, so the refresh comparison of the
I/O check reports a difference with it (add `--skip-check-io`).

  onedep      entrypoints/http/dependencies.py: `get_own_user` depends on `principal`, so
              Litestar resolves GET /api/users/me's dependencies one after the other instead
              of in an anyio task group
  driver      adapters/sqlalchemy/account_reader.py: the one statement of /users/me, compiled
              once, run on the pooled connection's asyncpg driver (same SQL text, same pool)
  prebuilt    repositories: the hot reads as module-level statements with bind parameters
              (refresh and the other unit-of-work reads)
  connection  adapters/sqlalchemy/unit_of_work.py: an AsyncConnection, not an AsyncSession

Done in the product since the previous results, so gone from here: `pool` (20 pooled
connections; the product kept 10 overflow) and `nice` (bcrypt threads at nice 10), both in
913e1bf.
"""

from __future__ import annotations

import argparse
import subprocess
import tarfile
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


class Tree:
    def __init__(self, src: Path) -> None:
        self.root = src / "scripthub"

    def edit(self, relative: str, old: str, new: str) -> None:
        path = self.root / relative
        text = path.read_text()
        if old not in text:
            msg = f"{relative}: the code this experiment edits has changed:\n{old}"
            raise SystemExit(msg)
        path.write_text(text.replace(old, new, 1))


def onedep(tree: Tree) -> None:
    # Litestar resolves a level of two or more dependencies (here `principal`, async, and
    # `get_own_user`, sync) in an anyio task group, one task each; a chain of single
    # dependencies is awaited directly (litestar/_kwargs/kwargs_model.py, resolve_dependencies).
    deps = "entrypoints/http/dependencies.py"
    tree.edit(
        deps,
        'USE_CASES_WITHOUT_UOW = ("list_sessions", "authorizer", "get_own_user")',
        'USE_CASES_WITHOUT_UOW = ("list_sessions", "authorizer")',
    )
    tree.edit(
        deps,
        "\n\ndef build_dependencies(",
        "\n\ndef _after_principal(factory: Callable[..., Any]) -> Provide:\n"
        "    def build(principal: NamedDependency[Principal]) -> Any:  # noqa: ARG001\n"
        "        return factory()\n\n"
        "    return Provide(build, sync_to_thread=False)\n"
        "\n\ndef build_dependencies(",
    )
    tree.edit(
        deps,
        "    return dependencies\n",
        '    dependencies["get_own_user"] = _after_principal(container.get_own_user)\n'
        "    return dependencies\n",
    )


def driver(tree: Tree) -> None:
    # SQLAlchemy's per-execution work (execution context, compiled-cache lookup, result
    # metadata, greenlet hop) for one statement, replaced by asyncpg's fetchrow on the same
    # pooled connection. The SQL text is SQLAlchemy's own, so PostgreSQL sees no difference.
    reader = "adapters/sqlalchemy/account_reader.py"
    tree.edit(
        reader,
        "        self._statement = _account_statement(engine.dialect.name)\n",
        "        self._statement = _account_statement(engine.dialect.name)\n"
        "        self._sql = str(self._statement.compile(dialect=engine.dialect))\n",
    )
    tree.edit(
        reader,
        """                result = await connection.execute(self._statement, {"user_id": user_id})
                row = result.mappings().first()""",
        """                raw = await connection.get_raw_connection()
                row = await raw.driver_connection.fetchrow(self._sql, ",", user_id)""",
    )


def prebuilt(tree: Tree) -> None:
    # Built once, a statement's cache key is memoized; built per call, SQLAlchemy rebuilds the
    # expression and its cache key on every execution (and re-renders an expanding IN).
    users = "adapters/sqlalchemy/users.py"
    tree.edit(users, "from sqlalchemy import exists,", "from sqlalchemy import bindparam, exists,")
    tree.edit(
        users,
        "\n\nclass SqlAlchemyUserRepository",
        "\n_USER_BY_ID = _USER_WITH_PROFILE.where(users.c.id == bindparam('user_id'))"
        "\n\n\nclass SqlAlchemyUserRepository",
    )
    tree.edit(
        users,
        "        return await self._one(users.c.id == user_id)\n",
        "        result = await self._session.execute(_USER_BY_ID, {'user_id': user_id})\n"
        "        row = result.mappings().one_or_none()\n"
        "        return None if row is None else user_from_row(row)\n",
    )
    roles = "adapters/sqlalchemy/roles.py"
    tree.edit(roles, "from sqlalchemy import delete,", "from sqlalchemy import bindparam, delete,")
    tree.edit(
        roles,
        "\n\nclass SqlAlchemyRoleRepository",
        "\n_ROLES_OF = (\n    select(roles.c.name)\n    .select_from(user_roles)\n"
        "    .join(roles, roles.c.id == user_roles.c.role_id)\n"
        "    .where(user_roles.c.user_id == bindparam('user_id'))\n)"
        "\n\n\nclass SqlAlchemyRoleRepository",
    )
    tree.edit(
        roles,
        "        return (await self.roles_of_many([user_id]))[user_id]",
        "        result = await self._session.execute(_ROLES_OF, {'user_id': user_id})\n"
        "        return sorted(set(result.scalars()))",
    )
    providers = "adapters/sqlalchemy/providers.py"
    tree.edit(
        providers,
        "from sqlalchemy import insert, select",
        "from sqlalchemy import bindparam, insert, select",
    )
    tree.edit(
        providers,
        "\n\nclass SqlAlchemyProviderLinkRepository",
        "\n_LINKS_OF = (\n    select(auth_providers)\n"
        "    .where(auth_providers.c.user_id == bindparam('user_id'))\n"
        "    .order_by(auth_providers.c.linked_at, auth_providers.c.id)\n)"
        "\n\n\nclass SqlAlchemyProviderLinkRepository",
    )
    tree.edit(
        providers,
        """        result = await self._session.execute(
            select(auth_providers)
            .where(auth_providers.c.user_id == user_id)
            .order_by(auth_providers.c.linked_at, auth_providers.c.id)
        )""",
        "        result = await self._session.execute(_LINKS_OF, {'user_id': user_id})",
    )


def connection(tree: Tree) -> None:
    # The repositories run Core statements only: the ORM Session adds nothing but overhead.
    # (A real change would inject the engine rather than reach into the sessionmaker.)
    tree.edit(
        "adapters/sqlalchemy/unit_of_work.py",
        "        self._session = self._session_factory()\n",
        "        self._session = self._session_factory.kw['bind'].connect()\n"
        "        await self._session.start()\n",
    )


EXPERIMENTS: dict[str, Callable[[Tree], None]] = {
    "onedep": onedep,
    "driver": driver,
    "prebuilt": prebuilt,
    "connection": connection,
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("destination", type=Path, help="an empty or missing folder")
    parser.add_argument("experiments", nargs="+", choices=sorted(EXPERIMENTS))
    parser.add_argument("--commit", default="4fe7c26", help="the tree to start from")
    args = parser.parse_args()
    archive = subprocess.run(
        ["git", "archive", "--format=tar", args.commit, "src"],
        cwd=REPO,
        check=True,
        capture_output=True,
        timeout=60,
    ).stdout
    args.destination.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(args.destination, filter="data")
    tree = Tree(args.destination / "src")
    for name in args.experiments:
        EXPERIMENTS[name](tree)
        print(f"applied {name}")
    print(f"now: bench/run.sh --commit {args.commit} --ab {args.destination / 'src'}")


if __name__ == "__main__":
    main()
