"""`ScriptRepository` over `scripts`, `script_versions`, `script_tags`, `script_ratings` and the
search index."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Float,
    Text,
    bindparam,
    cast,
    delete,
    exists,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from scripthub.adapters.sqlalchemy.errors import translate_integrity_error
from scripthub.adapters.sqlalchemy.keyset import newest_first
from scripthub.adapters.sqlalchemy.rows import without_nul
from scripthub.adapters.sqlalchemy.script_listing import listing
from scripthub.adapters.sqlalchemy.script_probes import postgres_probes, sqlite_probes
from scripthub.adapters.sqlalchemy.scripts_search import search_index
from scripthub.adapters.sqlalchemy.scripts_table import (
    EVERYWHERE,
    LIVE,
    OWNER_ACTIVE,
    PUBLIC,
    TAG_COPIES,
    VERSION_COLUMNS,
    WITH_OWNER,
    localized_document,
    name_key,
    review_values,
    script_from_row,
    script_ratings,
    script_sites,
    script_tags,
    script_values,
    script_versions,
    scripts,
    site_rows,
    version_from_row,
    version_values,
)
from scripthub.adapters.sqlalchemy.statements import new_value_parameters, new_values
from scripthub.application.ports.scripts import UNCHANGED, SiteCount
from scripthub.domain.errors import ConflictError
from scripthub.domain.scripts import RatingTotals, ScriptName, VersionCode
from scripthub.domain.version_review import VersionStatus

if TYPE_CHECKING:
    import uuid
    from collections.abc import Collection, Mapping
    from datetime import datetime

    from sqlalchemy import ColumnElement, Insert, Update
    from sqlalchemy.ext.asyncio import AsyncConnection

    from scripthub.adapters.sqlalchemy.statements import Statements
    from scripthub.application.ports.keyset import Keyset
    from scripthub.application.ports.scripts import ScriptChanges, ScriptPage, ScriptQuery
    from scripthub.domain.scripts import Rating, Script, ScriptVersion
    from scripthub.domain.sites import SiteTargets
    from scripthub.domain.takedowns import Takedown

_SEARCHED_FIELDS = ("name", "description", "tags", "localized")
_OF_SCRIPT = "of_script"
_SCRIPT_BY_ID = WITH_OWNER.where(scripts.c.id == bindparam(_OF_SCRIPT), LIVE)
_LOCK_LIVE = (
    update(scripts)
    .where(scripts.c.id == bindparam(_OF_SCRIPT), LIVE)
    .values(rating_count=scripts.c.rating_count)
    .returning(scripts.c.id)
)


def _rating_upsert(insert: Any) -> Any:
    statement = insert(script_ratings).values(new_value_parameters(_RATING_COLUMNS))
    return statement.on_conflict_do_update(
        index_elements=[script_ratings.c.script_id, script_ratings.c.user_id],
        set_={"score": statement.excluded.score, "updated_at": statement.excluded.updated_at},
    )


_RATING_COLUMNS = ("script_id", "user_id", "score", "created_at", "updated_at")
_RATING_UPSERTS = {
    "postgresql": _rating_upsert(postgresql_insert),
    "sqlite": _rating_upsert(sqlite_insert),
}


def _of_ratings(column: ColumnElement[Any], parameter: str) -> ColumnElement[Any]:
    # One parameter per subquery, as SQLAlchemy binds a literal each time: the same SQL.
    of_script = script_ratings.c.script_id == bindparam(parameter)
    return select(column).where(of_script).scalar_subquery()


_SCORE = script_ratings.c.score
_RECOUNT = (
    update(scripts)
    .where(scripts.c.id == bindparam(_OF_SCRIPT))
    .values(
        rating_sum=_of_ratings(func.coalesce(func.sum(_SCORE), 0), "sum_of"),
        rating_count=_of_ratings(func.count(), "count_of"),
        rating_avg=_of_ratings(func.coalesce(func.avg(cast(_SCORE, Float)), 0.0), "avg_of"),
    )
    .returning(scripts.c.rating_sum, scripts.c.rating_count)
)
_RECOUNT_PARAMETERS = (_OF_SCRIPT, "sum_of", "count_of", "avg_of")
_OF_VERSION = "of_version"
_VERSION_BY_NUMBER = select(*VERSION_COLUMNS).where(
    script_versions.c.script_id == bindparam(_OF_SCRIPT),
    script_versions.c.version == bindparam(_OF_VERSION),
)
_LATEST_CODE = (
    select(script_versions)
    .join(
        scripts,
        (scripts.c.id == script_versions.c.script_id)
        & (scripts.c.latest_version == script_versions.c.version),
    )
    .where(
        scripts.c.id == bindparam(_OF_SCRIPT),
        or_(LIVE, scripts.c.takedown == literal_column("'blank'")),
    )
)
_PUBLISHED_COLUMNS = (
    "latest_version",
    "latest_version_at",
    "latest_sha256",
    "antifeatures",
    "updated_at",
)
_REPLACING = "replacing"


def _publication(guard: ColumnElement[bool]) -> Update:
    """The new latest version on a live script, if its latest is still the one `guard`
    names: a write first, whose lock orders concurrent publications."""
    return (
        update(scripts)
        .where(scripts.c.id == bindparam(_OF_SCRIPT), LIVE, guard)
        .values(new_value_parameters(_PUBLISHED_COLUMNS))
        .returning(scripts.c.id)
    )


_FIRST_PUBLICATION = _publication(scripts.c.latest_version.is_(None))
_NEXT_PUBLICATION = _publication(scripts.c.latest_version == bindparam(_REPLACING))
_INSERT_VERSION = insert(script_versions).values(new_value_parameters(script_versions.c.keys()))


def _following(which: ColumnElement[bool]) -> Update:
    """The `script_tags` copies of the scripts `which` selects brought in step with them;
    rows already in step are not written. Run after the scripts' own write, whose row locks
    keep any other writer of them out until the commit."""
    copies = [script_tags.c[name] for name in TAG_COPIES]
    return (
        update(script_tags)
        .where(
            script_tags.c.script_id == scripts.c.id,
            which,
            tuple_(*copies) != tuple_(*TAG_COPIES.values()),
        )
        .values(TAG_COPIES)
    )


_FOLLOW_SCRIPT = _following(scripts.c.id == bindparam(_OF_SCRIPT))
_DELETE_SITES = delete(script_sites).where(script_sites.c.script_id == bindparam(_OF_SCRIPT))
_INSERT_SITE = insert(script_sites).values(new_value_parameters(script_sites.c.keys()))


class SqlAlchemyScriptRepository:
    """Scripts, versions and ratings; the search index is written with the script."""

    def __init__(self, connection: AsyncConnection, statements: Statements) -> None:
        self._connection = connection
        self._statements = statements
        self._search = search_index(connection)

    async def add(self, script: Script) -> None:
        try:
            await self._connection.execute(insert(scripts).values(script_values(script)))
        except IntegrityError as error:
            raise translate_integrity_error(error) from error
        await self._set_tags(script.id, script.tags, replace=False)
        await self._search.write(script)

    async def get(self, script_id: uuid.UUID) -> Script | None:
        row = await self._statements.first(_SCRIPT_BY_ID, {_OF_SCRIPT: script_id})
        return None if row is None else script_from_row(row)

    async def get_by_slug(self, slug: str) -> Script | None:
        return await self._one(scripts.c.slug == slug)

    async def slug_in_use(self, slug: str, *, excluding: uuid.UUID | None = None) -> bool:
        conditions = [scripts.c.slug == slug, LIVE]
        if excluding is not None:
            conditions.append(scripts.c.id != excluding)
        result = await self._connection.execute(select(exists().where(*conditions)))
        return bool(result.scalar_one())

    async def edit(
        self, script_id: uuid.UUID, changes: ScriptChanges, now: datetime
    ) -> Script | None:
        values = _changed_values(changes)
        try:
            result = await self._connection.execute(
                update(scripts)
                .where(scripts.c.id == script_id, LIVE)
                .values(without_nul({**values, "updated_at": now}))
                .returning(scripts.c.id)
            )
        except IntegrityError as error:
            raise translate_integrity_error(error) from error
        if result.first() is None:
            return None
        if changes.tags is not UNCHANGED:
            await self._set_tags(script_id, changes.tags, replace=True)
        else:
            await self._follow(script_id)
        script = await self.get(script_id)
        if script is not None and values.keys() & set(_SEARCHED_FIELDS):
            await self._search.write(script)
        elif "visibility" in values:
            await self._search.follow([script_id])
        return script

    async def set_featured(self, script_id: uuid.UUID, *, featured: bool) -> Script | None:
        if not await self._update_live(script_id, {"featured": featured}):
            return None
        return await self.get(script_id)

    async def delete(
        self, script_id: uuid.UUID, now: datetime, *, owner_id: uuid.UUID | None = None
    ) -> bool:
        owned = () if owner_id is None else (scripts.c.owner_id == owner_id,)
        if not await self._update_live(script_id, {"deleted_at": now, "updated_at": now}, *owned):
            return False
        await self._follow(script_id)
        await self._search.follow([script_id])
        return True

    async def take_down(self, script_id: uuid.UUID, takedown: Takedown, now: datetime) -> bool:
        values = {
            "deleted_at": now,
            "updated_at": now,
            "takedown": takedown.mode.value,
            "redirect_to": takedown.redirect_to,
        }
        if not await self._update_live(script_id, values):
            return False
        await self._follow(script_id)
        await self._search.follow([script_id])
        return True

    async def get_taken_down(self, script_id: uuid.UUID) -> Script | None:
        result = await self._connection.execute(
            WITH_OWNER.where(scripts.c.id == script_id, scripts.c.takedown.is_not(None))
        )
        row = result.mappings().first()
        return None if row is None else script_from_row(row)

    async def version_names(self, script_id: uuid.UUID) -> list[str]:
        result = await self._connection.execute(
            select(script_versions.c.version).where(script_versions.c.script_id == script_id)
        )
        return list(result.scalars())

    async def names_owned_by(self, owner_id: uuid.UUID) -> list[ScriptName]:
        result = await self._connection.execute(
            select(scripts.c.id, scripts.c.slug).where(scripts.c.owner_id == owner_id, LIVE)
        )
        return [ScriptName(row.id, row.slug) for row in result]

    async def delete_owned_by(self, owner_id: uuid.UUID, now: datetime) -> list[ScriptName]:
        # Rows locked in id order, as install batches lock them: the two never deadlock.
        owned = (
            select(scripts.c.id)
            .where(scripts.c.owner_id == owner_id, LIVE)
            .order_by(scripts.c.id)
            .with_for_update()
        )
        result = await self._connection.execute(
            update(scripts)
            .where(scripts.c.id.in_(owned), LIVE)
            .values(deleted_at=now, updated_at=now)
            .returning(scripts.c.id, scripts.c.slug)
        )
        names = [ScriptName(row.id, row.slug) for row in result]
        await self._follow_many([name.id for name in names])
        if names:
            await self._search.follow([name.id for name in names])
        return names

    async def add_version(
        self,
        version: ScriptVersion,
        code: str,
        *,
        antifeatures: list[str],
        sites: SiteTargets,
        replacing: str | None,
    ) -> bool:
        values = {
            "latest_version": version.version,
            "latest_version_at": version.created_at,
            "latest_sha256": version.sha256,
            "antifeatures": list(antifeatures),
            "updated_at": version.created_at,
        }
        publication = _NEXT_PUBLICATION if replacing is not None else _FIRST_PUBLICATION
        published = await self._statements.first(
            publication,
            {
                _OF_SCRIPT: version.script_id,
                _REPLACING: replacing,
                **new_values(without_nul(values)),
            },
        )
        if published is None:
            if await self.get(version.script_id) is None:
                return False
            msg = "another version of this script was published meanwhile"
            raise ConflictError(msg)
        await self._follow(version.script_id)
        try:
            await self._statements.run(
                _INSERT_VERSION,
                new_values({**version_values(version, code), **review_values(version)}),
            )
        except IntegrityError as error:
            msg = f"version {version.version} of this script already exists"
            raise ConflictError(msg) from error
        await self._set_sites(version.script_id, sites)
        return True

    async def follow_publication(self, script_id: uuid.UUID, sites: SiteTargets) -> None:
        """After a script's latest version changed (its row written, and locked): its
        `script_tags` copies and its sites follow."""
        await self._follow(script_id)
        await self._set_sites(script_id, sites)

    async def list_versions(
        self,
        script_id: uuid.UUID,
        *,
        after: Keyset | None = None,
        limit: int = 20,
        published_only: bool = True,
    ) -> list[ScriptVersion]:
        statement = select(*VERSION_COLUMNS).where(script_versions.c.script_id == script_id)
        if published_only:
            statement = statement.where(script_versions.c.status == VersionStatus.PUBLISHED.value)
        result = await self._connection.execute(
            newest_first(
                statement, script_versions.c.created_at, script_versions.c.id, after, limit
            )
        )
        return [version_from_row(row) for row in result.mappings()]

    async def get_version(self, script_id: uuid.UUID, version: str) -> ScriptVersion | None:
        row = await self._statements.first(
            _VERSION_BY_NUMBER, {_OF_SCRIPT: script_id, _OF_VERSION: version}
        )
        return None if row is None else version_from_row(row)

    async def version_code(self, script_id: uuid.UUID, version: str) -> VersionCode | None:
        return await self._code(
            select(script_versions).where(
                script_versions.c.script_id == script_id, script_versions.c.version == version
            )
        )

    async def latest_code(self, script_id: uuid.UUID) -> VersionCode | None:
        row = await self._statements.first(_LATEST_CODE, {_OF_SCRIPT: script_id})
        return None if row is None else VersionCode(version_from_row(row), row["code"])

    async def rate(self, rating: Rating) -> RatingTotals | None:
        if not await self._lock_live(rating.script_id):
            return None
        values = {name: getattr(rating, name) for name in _RATING_COLUMNS}
        await self._statements.run(
            _RATING_UPSERTS[self._connection.dialect.name],
            new_values(values),
        )
        return await self._recount(rating.script_id)

    async def unrate(self, script_id: uuid.UUID, user_id: uuid.UUID) -> RatingTotals | None:
        if not await self._lock_live(script_id):
            return None
        await self._connection.execute(
            delete(script_ratings).where(
                script_ratings.c.script_id == script_id, script_ratings.c.user_id == user_id
            )
        )
        return await self._recount(script_id)

    async def score_of(self, script_id: uuid.UUID, user_id: uuid.UUID) -> int | None:
        result = await self._connection.execute(
            select(script_ratings.c.score).where(
                script_ratings.c.script_id == script_id, script_ratings.c.user_id == user_id
            )
        )
        score: int | None = result.scalar_one_or_none()
        return score

    async def add_install_counts(self, counts: Mapping[uuid.UUID, int]) -> None:
        if not counts:
            return
        # One statement for the batch; rows in id order, so that two concurrent batches
        # lock the rows they share in the same order and never deadlock.
        await self._connection.execute(
            update(scripts)
            .where(scripts.c.id == bindparam("script_id"))
            .values(install_count=scripts.c.install_count + bindparam("added")),
            [
                {"script_id": script_id, "added": added}
                for script_id, added in sorted(counts.items())
            ],
        )
        await self._follow_many(counts.keys())
        await self._search.follow(counts.keys())

    async def top_sites(self, limit: int) -> list[SiteCount]:
        host, script_id = script_sites.c.host, script_sites.c.script_id
        count = func.count(script_id)
        statement = (
            select(host, count.label("scripts"))
            .join(scripts, scripts.c.id == script_id)
            .where(host != EVERYWHERE, PUBLIC, LIVE, OWNER_ACTIVE)
            .group_by(host)
            .order_by(count.desc(), host)
            .limit(limit)
        )
        result = await self._connection.execute(statement)
        return [SiteCount(row.host, row.scripts) for row in result]

    async def search(self, query: ScriptQuery) -> ScriptPage:
        if self._connection.dialect.name == "sqlite":
            probes = await sqlite_probes(self._connection, query)
        else:
            probes = postgres_probes(query)
        statement, page = listing(query, self._search, probes)
        if statement is None:
            return page([])
        result = await self._connection.execute(statement)
        return page(list(result.mappings()))

    async def _one(self, *conditions: ColumnElement[bool]) -> Script | None:
        result = await self._connection.execute(WITH_OWNER.where(*conditions, LIVE))
        row = result.mappings().one_or_none()
        return None if row is None else script_from_row(row)

    async def _code(self, statement: Any) -> VersionCode | None:
        result = await self._connection.execute(statement)
        row = result.mappings().one_or_none()
        return None if row is None else VersionCode(version_from_row(row), row["code"])

    async def _update_live(
        self, script_id: uuid.UUID, values: dict[str, Any], *conditions: ColumnElement[bool]
    ) -> bool:
        """One guarded UPDATE of a live script: whether it matched (checked again, on
        PostgreSQL, after waiting for a concurrent writer of the row to end)."""
        result = await self._connection.execute(
            update(scripts)
            .where(scripts.c.id == script_id, LIVE, *conditions)
            .values(without_nul(values))
            .returning(scripts.c.id)
        )
        return result.first() is not None

    async def _lock_live(self, script_id: uuid.UUID) -> bool:
        """Wait for (then hold) the write lock of a live script's row, changing nothing; a
        write first, so that SQLite takes its database lock at once too."""
        return await self._statements.first(_LOCK_LIVE, {_OF_SCRIPT: script_id}) is not None

    async def _recount(self, script_id: uuid.UUID) -> RatingTotals:
        """The rating totals recomputed from the ratings: run while holding the script's
        lock, the statement sees every rating committed before."""
        row = await self._statements.first(_RECOUNT, dict.fromkeys(_RECOUNT_PARAMETERS, script_id))
        assert row is not None  # noqa: S101 - the script's row is locked, so it is there
        await self._follow(script_id)
        return RatingTotals(row["rating_sum"], row["rating_count"])

    async def _follow(self, script_id: uuid.UUID) -> None:
        """After the script's sort keys or visibility changed: its `script_tags` copies."""
        await self._statements.run(_FOLLOW_SCRIPT, {_OF_SCRIPT: script_id})

    async def _follow_many(self, script_ids: Collection[uuid.UUID]) -> None:
        if script_ids:
            await self._connection.execute(_following(scripts.c.id.in_(list(script_ids))))

    async def _set_tags(self, script_id: uuid.UUID, tags: list[str], *, replace: bool) -> None:
        if replace:
            await self._connection.execute(
                delete(script_tags).where(script_tags.c.script_id == script_id)
            )
        if tags:
            await self._connection.execute(_tag_rows(script_id, tags))

    async def _set_sites(self, script_id: uuid.UUID, sites: SiteTargets) -> None:
        await self._statements.run(_DELETE_SITES, {_OF_SCRIPT: script_id})
        if rows := site_rows(script_id, sites):
            await self._statements.run_many(
                _INSERT_SITE, [new_values(without_nul(row)) for row in rows]
            )


def _tag_rows(script_id: uuid.UUID, tags: list[str]) -> Insert:
    """The `script_tags` rows of a script written just before, with its `TAG_COPIES`."""
    rows = [
        select(scripts.c.id, literal(tag, Text()), *TAG_COPIES.values()).where(
            scripts.c.id == script_id
        )
        for tag in tags
    ]
    return insert(script_tags).from_select(["script_id", "tag", *TAG_COPIES], union_all(*rows))


def _changed_values(changes: ScriptChanges) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in ("slug", "description", "license"):
        value = getattr(changes, name)
        if value is not UNCHANGED:
            values[name] = value
    if changes.name is not UNCHANGED:
        values["name"] = changes.name
        values["name_key"] = name_key(changes.name)
    if changes.language is not UNCHANGED:
        values["language"] = changes.language.value
    if changes.visibility is not UNCHANGED:
        values["visibility"] = changes.visibility.value
    if changes.tags is not UNCHANGED:
        values["tags"] = list(changes.tags)
    if changes.localized is not UNCHANGED:
        values["localized"] = localized_document(changes.localized)
    return values
