"""The Alembic migrations, on SQLite and PostgreSQL: reversible, and exactly `schema.metadata`."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    Connection,
    MetaData,
    Text,
    Uuid,
    column,
    func,
    inspect,
    pool,
    select,
    text,
    tuple_,
)
from sqlalchemy import table as sa_table
from sqlalchemy.ext.asyncio import create_async_engine

from scripthub.adapters.database_driver import current_revision
from scripthub.adapters.schema_revisions import SCRIPT_LOCATION, code_revisions, head_revision
from scripthub.adapters.sqlalchemy.migrations import downgrade_database, upgrade_database
from scripthub.adapters.sqlalchemy.schema import metadata
from scripthub.adapters.sqlalchemy.scripts import SqlAlchemyScriptRepository
from scripthub.adapters.sqlalchemy.scripts_search import (
    SEARCH_COPIES,
    include_name,
    postgres_document,
    postgresql_search,
    search_rowid,
    search_words,
    sqlite_search,
)
from scripthub.adapters.sqlalchemy.scripts_table import (
    TAG_COPIES,
    script_sites,
    script_tags,
    script_values,
    script_versions,
    scripts,
    version_values,
)
from scripthub.adapters.sqlalchemy.statements import SqlAlchemyStatements
from scripthub.application.ports.scripts import ScriptQuery
from scripthub.domain.scripts import Language, LocalizedText, Script, ScriptVersion, Visibility
from scripthub.domain.users import User
from tests.contract.samples import T0
from tests.script_builders import make_script, make_version
from tests.userscripts import userscript

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy import Table

Names = dict[str, set[tuple[str, str]]]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database that was never migrated (a SQLite file in a folder that does not exist)."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'not' / 'yet' / 'scripthub.db'}"
    url: str = request.getfixturevalue("postgres_database")
    return url


async def run_on(url: str, work: Any) -> Any:
    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(work)
    finally:
        await engine.dispose()


def revisions_oldest_first() -> list[tuple[str, str]]:
    """Each revision with the one it revises ("base" for the first)."""
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    return [
        (script.revision, str(script.down_revision or "base"))
        for script in reversed(list(ScriptDirectory.from_config(config).walk_revisions()))
    ]


def table_names(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def created_on(dialect: str, item: Any) -> bool:
    """Whether the schema item exists on `dialect` (see `postgresql_only`)."""
    dialects = getattr(item, "info", {}).get("dialects")
    return dialects is None or dialect in dialects


def metadata_on(dialect: str) -> MetaData:
    """`metadata` without the indexes that `dialect` does not get."""
    absent = {
        index.name
        for table in metadata.tables.values()
        for index in table.indexes
        if not created_on(dialect, index)
    }
    copy = MetaData(naming_convention=metadata.naming_convention)
    for table in metadata.tables.values():
        copied = table.to_metadata(copy)
        copied.indexes -= {index for index in copied.indexes if index.name in absent}
    return copy


def schema_differences(connection: Connection) -> list[Any]:
    expected = metadata_on(connection.dialect.name)
    context = MigrationContext.configure(connection, opts={"include_name": include_name})
    return list(compare_metadata(context, expected))


def named_objects(connection: Connection) -> Names:
    """Every constraint and index of our tables by kind and name, as the database reports them."""
    inspector = inspect(connection)
    names: Names = {}
    for table in metadata.tables:
        found = {("pk", inspector.get_pk_constraint(table)["name"] or "")}
        found |= {("fk", fk["name"] or "") for fk in inspector.get_foreign_keys(table)}
        found |= {("uq", uq["name"] or "") for uq in inspector.get_unique_constraints(table)}
        found |= {("ck", ck["name"] or "") for ck in inspector.get_check_constraints(table)}
        found |= {
            ("ix", ix["name"] or "")
            for ix in inspector.get_indexes(table)
            # PostgreSQL also lists the index behind each unique constraint.
            if not ix.get("duplicates_constraint")
        }
        names[table] = found
    return names


def declared_names(table: Table, dialect: str) -> set[tuple[str, str]]:
    kinds = {
        "PrimaryKeyConstraint": "pk",
        "ForeignKeyConstraint": "fk",
        "UniqueConstraint": "uq",
        "CheckConstraint": "ck",
    }
    found = {
        (kinds[type(constraint).__name__], str(constraint.name)) for constraint in table.constraints
    }
    return found | {
        ("ix", str(index.name)) for index in table.indexes if created_on(dialect, index)
    }


async def test_stairway_up_down_up_every_revision(empty_database_url: str) -> None:
    for revision, previous in revisions_oldest_first():
        await upgrade_database(empty_database_url, revision)
        await downgrade_database(empty_database_url, previous)
        await upgrade_database(empty_database_url, revision)

    assert await current_revision(empty_database_url) == head_revision()


async def test_downgrade_to_base_drops_every_table(empty_database_url: str) -> None:
    await upgrade_database(empty_database_url)

    await downgrade_database(empty_database_url, "base")

    assert await current_revision(empty_database_url) is None
    assert await run_on(empty_database_url, table_names) <= {"alembic_version"}


async def test_current_revision_is_none_before_and_head_after_upgrade(
    empty_database_url: str,
) -> None:
    assert await current_revision(empty_database_url) is None

    await upgrade_database(empty_database_url)

    assert await current_revision(empty_database_url) == head_revision()
    assert head_revision() == revisions_oldest_first()[-1][0]


def test_the_code_knows_the_revisions_alembic_walks() -> None:
    assert list(code_revisions()) == [revision for revision, _ in revisions_oldest_first()]


async def test_migrated_schema_matches_the_table_metadata(sql_database_url: str) -> None:
    assert await run_on(sql_database_url, schema_differences) == []


async def test_constraint_and_index_names_are_the_declared_ones(sql_database_url: str) -> None:
    found = await run_on(sql_database_url, named_objects)
    dialect = sql_database_url.split(":", 1)[0].split("+", 1)[0]

    for name, table in metadata.tables.items():
        assert found[name] == declared_names(table, dialect), name


def insert_users(emails: list[tuple[str, str]]) -> Any:
    def insert(connection: Connection) -> None:
        users = metadata.tables["users"]
        now = datetime.now(UTC)
        connection.execute(
            users.insert(),
            [
                {
                    "id": uuid.uuid4(),
                    "email": email,
                    "username": f"user{number}",
                    "account_status": status,
                    "created_at": now,
                    "updated_at": now,
                }
                for number, (email, status) in enumerate(emails)
            ],
        )
        connection.commit()

    return insert


def emails_by_status(connection: Connection) -> list[tuple[str, str]]:
    users = metadata.tables["users"]
    rows = connection.execute(select(users.c.email, users.c.account_status))
    return sorted((row.email, row.account_status) for row in rows)


async def test_upgrade_stores_existing_emails_in_nfkc_form_unless_they_collide(
    empty_database_url: str,
) -> None:
    await upgrade_database(empty_database_url, "0003")
    await run_on(
        empty_database_url,
        insert_users(
            [
                ("\uff41da@example.com", "active"),  # full-width a
                ("\ufb01ona@example.com", "deleted"),  # ligature fi
                ("bob@example.com", "active"),
                ("\uff42ob@example.com", "suspended"),  # a live look-alike of bob's
                ("plain@example.com", "active"),
            ]
        ),
    )

    await upgrade_database(empty_database_url)

    assert await run_on(empty_database_url, emails_by_status) == sorted(
        [
            ("ada@example.com", "active"),
            ("fiona@example.com", "deleted"),
            ("bob@example.com", "active"),
            ("\uff42ob@example.com", "suspended"),
            ("plain@example.com", "active"),
        ]
    )


def insert_script_with_localized_metadata(connection: Connection) -> None:
    """A user's script at 1.0 as revision 0011 holds it: indexed, no `localized` column."""
    now = datetime.now(UTC)
    owner = uuid.uuid4()
    connection.execute(
        metadata.tables["users"].insert(),
        {
            "id": owner,
            "email": "ada@example.com",
            "username": "ada",
            "account_status": "active",
            "created_at": now,
            "updated_at": now,
        },
    )
    script = Script(
        id=uuid.uuid4(),
        owner_id=owner,
        slug="dark-mode",
        name="Dark Mode",
        language=Language.JAVASCRIPT,
        created_at=now,
        updated_at=now,
    )
    row = {k: v for k, v in script_values(script).items() if k != "localized"}
    connection.execute(
        metadata.tables["scripts"].insert(),
        {**row, "latest_version": "1.0", "latest_version_at": now},
    )
    version = ScriptVersion(uuid.uuid4(), script.id, "1.0", 1, "0" * 64, now, metadata={
        "name": "Dark Mode", "name:FR": "Mode sombre", "description:de": "Dunkle Seiten",
        "name:es": ["Modo oscuro", "Ignorado"],
    })  # fmt: skip
    connection.execute(metadata.tables["script_versions"].insert(), version_values(version, "x"))
    words = search_words(script)
    if connection.dialect.name == "postgresql":
        document = postgres_document(**words)
        connection.execute(
            postgresql_search.insert().values(script_id=script.id, document=document)
        )
    else:
        row = {"rowid": search_rowid(script.id), "script_id": script.id, **words}
        connection.execute(sqlite_search.insert(), row)
    connection.commit()


async def test_upgrade_fills_localized_texts_from_the_latest_version_and_indexes_them(
    empty_database_url: str,
) -> None:
    await upgrade_database(empty_database_url, "0011")
    await run_on(empty_database_url, insert_script_with_localized_metadata)

    await upgrade_database(empty_database_url)

    engine = create_async_engine(empty_database_url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            repository = SqlAlchemyScriptRepository(connection, SqlAlchemyStatements(connection))
            script = await repository.get_by_slug("dark-mode")
            found = {
                text: [s.slug for s in (await repository.search(ScriptQuery(text=text))).scripts]
                for text in ("sombre", "dunkle", "oscuro", "ignorado")
            }
    finally:
        await engine.dispose()
    assert script is not None
    assert script.localized == {
        "de": LocalizedText(None, "Dunkle Seiten"),
        "es": LocalizedText("Modo oscuro", None),
        "fr": LocalizedText("Mode sombre", None),
    }
    assert found == {
        "sombre": ["dark-mode"],
        "dunkle": ["dark-mode"],
        "oscuro": ["dark-mode"],
        "ignorado": [],
    }


def insert_script_indexed_as_one_word(connection: Connection) -> None:
    """A script named `解除CSDN登录复制` whose search row holds the words of before 0013."""
    owner_id = connection.execute(select(metadata.tables["users"].c.id)).scalar_one()
    script = make_script(
        User(owner_id, "owner@example.com", "user0", None, T0, T0),
        "解除CSDN登录复制",
        slug="csdn",
        description="",
        tags=[],
    )
    connection.execute(scripts.insert(), [script_values(script)])
    old_words = {"name": "解除csdn登录复制", "tags": "", "description": ""}
    if connection.dialect.name == "postgresql":
        document = postgres_document(**old_words)
        connection.execute(
            postgresql_search.insert().values(script_id=script.id, document=document)
        )
    else:
        row = {"rowid": search_rowid(script.id), "script_id": script.id, **old_words}
        connection.execute(sqlite_search.insert(), [row])
    connection.commit()


def found_by_word(word: str) -> Any:
    def found(connection: Connection) -> bool:
        if connection.dialect.name == "postgresql":
            query = postgresql_search.c.document.op("@@")(func.to_tsquery("simple", word))
            return connection.execute(select(func.count()).where(query)).scalar_one() == 1
        statement = text("SELECT count(*) FROM script_search WHERE script_search MATCH :word")
        return connection.execute(statement, {"word": word}).scalar_one() == 1

    return found


async def test_upgrade_indexes_existing_scripts_with_the_words_inside_cjk_runs(
    empty_database_url: str,
) -> None:
    await upgrade_database(empty_database_url, "0012")
    await run_on(empty_database_url, insert_users([("owner@example.com", "active")]))
    await run_on(empty_database_url, insert_script_indexed_as_one_word)
    assert not await run_on(empty_database_url, found_by_word("登录"))

    await upgrade_database(empty_database_url)

    for word in ("登录", "csdn", "复制"):
        assert await run_on(empty_database_url, found_by_word(word)), word


def insert_script_with_a_version(connection: Connection) -> None:
    """A script whose latest version (1.1) runs on youtube.com, after one on github.com."""
    owner_id = connection.execute(select(metadata.tables["users"].c.id)).scalar_one()
    script = make_script(User(owner_id, "owner@example.com", "user0", None, T0, T0), "Tube")
    connection.execute(scripts.insert(), [script_values(script)])
    for number, pattern in (("1.0", "https://github.com/*"), ("1.1", "*://*.youtube.com/*")):
        version, code = make_version(script, number, code=userscript(number, f"match {pattern}"))
        connection.execute(script_versions.insert(), [version_values(version, code)])
    connection.execute(
        scripts.update().where(scripts.c.id == script.id).values(latest_version="1.1")
    )
    connection.commit()


def site_rows_of(connection: Connection) -> list[tuple[str, bool]]:
    rows = connection.execute(select(script_sites.c.host, script_sites.c.subdomains))
    return [(row.host, row.subdomains) for row in rows]


async def test_upgrade_records_the_sites_of_each_scripts_latest_version(
    empty_database_url: str,
) -> None:
    await upgrade_database(empty_database_url, "0012")
    await run_on(empty_database_url, insert_users([("owner@example.com", "active")]))
    await run_on(empty_database_url, insert_script_with_a_version)

    await upgrade_database(empty_database_url)

    assert await run_on(empty_database_url, site_rows_of) == [("youtube.com", True)]


def insert_counted_scripts(connection: Connection) -> None:
    """Scripts of 0, 5 and 70 installs, indexed as before 0014 (no tier)."""
    owner_id = connection.execute(select(metadata.tables["users"].c.id)).scalar_one()
    owner = User(owner_id, "owner@example.com", "user0", None, T0, T0)
    for name, installs in (("None", 0), ("Five", 5), ("Seventy", 70)):
        script = make_script(owner, name, slug=name.lower())
        connection.execute(scripts.insert(), [{**script_values(script), "install_count": installs}])
        document = postgres_document(**search_words(script))
        connection.execute(
            postgresql_search.insert().values(script_id=script.id, document=document)
        )
    connection.commit()


def search_tiers(connection: Connection) -> dict[int, int]:
    statement = select(scripts.c.install_count, postgresql_search.c.tier).join(
        postgresql_search, postgresql_search.c.script_id == scripts.c.id
    )
    return {row.install_count: row.tier for row in connection.execute(statement)}


async def test_upgrade_gives_each_search_row_its_scripts_tier(empty_database_url: str) -> None:
    if not empty_database_url.startswith("postgresql"):
        pytest.skip("SQLite's search keeps no tiers")
    await upgrade_database(empty_database_url, "0013")
    await run_on(empty_database_url, insert_users([("owner@example.com", "active")]))
    await run_on(empty_database_url, insert_counted_scripts)

    await upgrade_database(empty_database_url)

    assert await run_on(empty_database_url, search_tiers) == {0: 0, 5: 3, 70: 7}


def insert_tagged_scripts(connection: Connection) -> None:
    """A listed, an unlisted and a deleted script with tags, as before 0015 (no copies)."""
    owner_id = connection.execute(select(metadata.tables["users"].c.id)).scalar_one()
    owner = User(owner_id, "owner@example.com", "user0", None, T0, T0)
    tags_before = sa_table("script_tags", column("script_id", Uuid()), column("tag", Text()))
    rows = [
        ("Listed", Visibility.PUBLIC, None, ["dark", "theme"]),
        ("Unlisted", Visibility.UNLISTED, None, ["dark"]),
        ("Deleted", Visibility.PUBLIC, T0, ["dark"]),
    ]
    for n, (name, visibility, deleted_at, tags) in enumerate(rows):
        script = make_script(owner, name, tags=tags, visibility=visibility)
        values = script_values(script) | {"install_count": 10 + n, "rating_avg": 1.5 + n}
        connection.execute(scripts.insert(), [values | {"deleted_at": deleted_at}])
        connection.execute(
            tags_before.insert(), [{"script_id": script.id, "tag": tag} for tag in tags]
        )
    connection.commit()


def tag_copies(connection: Connection) -> dict[tuple[str, str], tuple[bool, bool]]:
    """Each tag row's (script slug, tag): whether its copies are its script's, and whether
    it is listed."""
    kept = [script_tags.c[name] for name in TAG_COPIES]
    statement = select(
        scripts.c.slug,
        script_tags.c.tag,
        tuple_(*kept) == tuple_(*TAG_COPIES.values()),
        script_tags.c.listed,
    ).join(scripts, scripts.c.id == script_tags.c.script_id)
    return {(row[0], row[1]): (bool(row[2]), bool(row[3])) for row in connection.execute(statement)}


async def test_upgrade_copies_each_scripts_sort_keys_and_listing_into_its_tags(
    empty_database_url: str,
) -> None:
    await upgrade_database(empty_database_url, "0014")
    await run_on(empty_database_url, insert_users([("owner@example.com", "active")]))
    await run_on(empty_database_url, insert_tagged_scripts)

    await upgrade_database(empty_database_url)

    assert await run_on(empty_database_url, tag_copies) == {
        ("listed", "dark"): (True, True),
        ("listed", "theme"): (True, True),
        ("unlisted", "dark"): (True, False),
        ("deleted", "dark"): (True, False),
    }


def insert_indexed_scripts_before_0018(connection: Connection) -> None:
    """A listed, an unlisted and a deleted script, with search rows as before 0018 (no
    copies)."""
    owner_id = connection.execute(select(metadata.tables["users"].c.id)).scalar_one()
    owner = User(owner_id, "owner@example.com", "user0", None, T0, T0)
    rows = [
        ("Listed", Visibility.PUBLIC, None),
        ("Unlisted", Visibility.UNLISTED, None),
        ("Deleted", Visibility.PUBLIC, T0),
    ]
    for n, (name, visibility, deleted_at) in enumerate(rows):
        script = make_script(owner, name, tags=[], visibility=visibility)
        values = script_values(script) | {"install_count": 10 + n, "deleted_at": deleted_at}
        connection.execute(scripts.insert(), [values])
    connection.exec_driver_sql(
        "INSERT INTO script_search (script_id, document, tier, tiered)"
        " SELECT id, to_tsvector('simple', name_key), 0, '' FROM scripts"
    )
    connection.commit()


def search_copies(connection: Connection) -> dict[str, tuple[bool, bool, int]]:
    """Each search row's script slug: whether its copies are its script's, whether it is
    listed, and its install count."""
    kept = [postgresql_search.c[name] for name in SEARCH_COPIES]
    statement = select(
        scripts.c.slug,
        tuple_(*kept) == tuple_(*SEARCH_COPIES.values()),
        postgresql_search.c.listed,
        postgresql_search.c.install_count,
    ).join(postgresql_search, postgresql_search.c.script_id == scripts.c.id)
    return {row[0]: (bool(row[1]), bool(row[2]), row[3]) for row in connection.execute(statement)}


async def test_upgrade_copies_each_scripts_installs_listing_and_owner_into_its_search_row(
    empty_database_url: str,
) -> None:
    if not empty_database_url.startswith("postgresql"):
        pytest.skip("SQLite's search copies nothing")
    await upgrade_database(empty_database_url, "0016")
    await run_on(empty_database_url, insert_users([("owner@example.com", "active")]))
    await run_on(empty_database_url, insert_indexed_scripts_before_0018)

    await upgrade_database(empty_database_url)

    assert await run_on(empty_database_url, search_copies) == {
        "listed": (True, True, 10),
        "unlisted": (True, False, 11),
        "deleted": (True, False, 12),
    }
    # Room on each page for the rows' next versions: install folds are HOT updates.
    assert await run_on(empty_database_url, search_options) == ["fillfactor=80"]


def search_options(connection: Connection) -> list[str]:
    statement = "SELECT reloptions FROM pg_class WHERE relname = 'script_search'"
    return list(connection.exec_driver_sql(statement).scalar_one())
