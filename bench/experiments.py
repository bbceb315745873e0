"""The product changes README.md recommends, applied to a scratch copy of src/ for measuring.

Nothing here touches the checkout: it exports a committed tree with `git archive`, edits the
copy, and prints the `run.py --src` command that benchmarks it.

    .venv/bin/python bench/experiments.py /tmp/fixed prebuilt
    bench/run.sh --commit HEAD --ab /tmp/fixed/src --skip-check-io   # product vs copy, same run

The edits are exact-text replacements (`--commit` picks the tree, HEAD by default); each
fails loudly once the code it edits has moved on. `prebuilt` sends
`user_roles.user_id = $1` instead of `IN ($1)` for one user, so the refresh comparison of the
I/O check reports a difference with it (add `--skip-check-io`).

  prebuilt    repositories: the hot reads as module-level statements with bind parameters
              (refresh and the other unit-of-work reads)

Done in the product, so gone from here: `pool` (20 pooled connections; the product kept 10
overflow) and `nice` (bcrypt threads at nice 10), both in 913e1bf; `onedep` (use cases acting
for the caller are built after `principal`) and `driver` (the account read on asyncpg's
`fetchrow`), both in this README's "Results" product; `connection` (the unit of work on an
`AsyncConnection`, not an `AsyncSession`), c39570e.
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
        "        result = await self._connection.execute(_USER_BY_ID, {'user_id': user_id})\n"
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
        "        result = await self._connection.execute(_ROLES_OF, {'user_id': user_id})\n"
        "        return sorted(set(result.scalars()))",
    )
    providers = "adapters/sqlalchemy/provider_links.py"
    tree.edit(
        providers,
        "from sqlalchemy.exc import IntegrityError",
        "from sqlalchemy import bindparam\nfrom sqlalchemy.exc import IntegrityError",
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
        """        result = await self._connection.execute(
            select(auth_providers)
            .where(auth_providers.c.user_id == user_id)
            .order_by(auth_providers.c.linked_at, auth_providers.c.id)
        )""",
        "        result = await self._connection.execute(_LINKS_OF, {'user_id': user_id})",
    )


EXPERIMENTS: dict[str, Callable[[Tree], None]] = {
    "prebuilt": prebuilt,
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("destination", type=Path, help="an empty or missing folder")
    parser.add_argument("experiments", nargs="+", choices=sorted(EXPERIMENTS))
    parser.add_argument("--commit", default="HEAD", help="the tree to start from")
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
