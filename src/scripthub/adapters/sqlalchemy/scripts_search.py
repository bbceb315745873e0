"""The full-text index of scripts: `script_search`, one row per script, kept in step by the
repository in the same transaction as the script.

Both backends index the same words, computed here by `domain.scripts.search_terms` (letters
and digits, accents dropped, case folded), so that they match the same scripts:

- PostgreSQL: a table of (`script_id`, `document` tsvector) with a GIN index; the name, tags
  and description (localized names count as the name, localized descriptions as the
  description) weigh A, B and C; a query is `to_tsquery('simple', ...)` of each word as a
  prefix, ranked by `ts_rank`.
- SQLite: an FTS5 virtual table (`script_id` unindexed, `name`, `tags`, `description`) whose
  rowid is derived from the script id (so that rewriting a row needs no scan); a query is
  an FTS5 expression of each word as a prefix; ranked, and tested one script at a time, from
  the script's own row (`sqlite_relevance`: bm25's score of each word with the same weights,
  without FTS5's full-text query).

The table is not on the shared metadata (it is not the same kind of table on the two
backends): the migrations create it, and schema comparisons leave it out (`include_name`).
"""

from __future__ import annotations

import functools
import hashlib
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    Table,
    Text,
    Uuid,
    bindparam,
    case,
    cast,
    delete,
    exists,
    func,
    insert,
    literal,
    literal_column,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.expression import UnaryExpression
from sqlalchemy.sql.functions import Function
from sqlalchemy.sql.operators import custom_op

from scripthub.adapters.sqlalchemy.scripts_table import LISTED, scripts
from scripthub.adapters.sqlalchemy.sqlite_relevance import RELEVANCE_FUNCTION, TOTALS_ROWID
from scripthub.domain.scripts import search_terms, searched_texts, whole_search_word

T = TypeVar("T")

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Mapping

    from sqlalchemy import ColumnElement, FromClause, Select
    from sqlalchemy.ext.asyncio import AsyncConnection

    from scripthub.domain.scripts import Script

SEARCH_TABLE = "script_search"

TIER_FLOORS = [2**n for n in range(32)]
"""The install counts where a popularity tier starts (`script_tiers`; the last is open-ended):
1, 2, 4, 8, ..."""
_FLOORS: ColumnElement[object] = literal_column(
    "'{" + ",".join(map(str, TIER_FLOORS)) + "}'::bigint[]"
)

postgresql_search = Table(
    SEARCH_TABLE,
    MetaData(),
    Column("script_id", Uuid(), primary_key=True),
    Column("document", postgresql.TSVECTOR(), nullable=False),
    # Its script's popularity tier (`script_tiers`), kept in step with `install_count`, and
    # the document's words behind the tier's two digits (`tiered_document`).
    Column("tier", SmallInteger(), nullable=False),
    Column("tiered", postgresql.TSVECTOR(), nullable=False),
    # Copies of what a search by tier filters and sorts its matches by (`SEARCH_COPIES`),
    # so that it reads no `scripts` row per match (`script_tiers`).
    Column("install_count", BigInteger(), nullable=False),
    Column("listed", Boolean(), nullable=False),
    Column("owner_id", Uuid(), nullable=False),
)
SEARCH_COPIES: dict[str, ColumnElement[Any]] = {
    "install_count": scripts.c.install_count,
    "listed": LISTED,
    "owner_id": scripts.c.owner_id,
}
"""What each PostgreSQL search row copies of its script, as the script's columns: kept in
step, in the same transaction, by every writer of them (`SearchIndex.write` and `follow`,
called by `SqlAlchemyScriptRepository`)."""
SEARCH_LISTED = postgresql_search.c.listed == literal_column("true")
"""The search rows of listed scripts (`LISTED`, as copied)."""
sqlite_search = Table(
    SEARCH_TABLE,
    MetaData(),
    Column("rowid", Integer(), primary_key=True),
    Column("script_id", Uuid()),
    Column("name", Text()),
    Column("tags", Text()),
    Column("description", Text()),
)

sqlite_search_data = Table(
    f"{SEARCH_TABLE}_data",
    MetaData(),
    Column("id", Integer(), primary_key=True),
    Column("block", LargeBinary()),
)
"""FTS5's own table of the index's records, among them its running totals
(`sqlite_relevance.TOTALS_ROWID`)."""


def include_name(name: str | None, type_: str, parent_names: object) -> bool:  # noqa: ARG001
    """For Alembic's comparisons: everything but the search table (and FTS5's own tables
    behind it, `script_search_data`...)."""
    return not (type_ == "table" and name is not None and name.startswith(SEARCH_TABLE))


@dataclass(frozen=True)
class SearchMatch:
    """The search table to join on `script_id`, the condition for the scripts that match,
    how well each matches (higher is better), and `ranks_of`: the rows of a FROM clause of
    matches (scripts by their `id` column) with their `relevance`, as the backend ranks a
    few scripts best."""

    table: FromClause
    condition: ColumnElement[bool]
    rank: ColumnElement[float]
    ranks_of: Callable[[FromClause], Select[Any]]
    in_tier: Callable[[ColumnElement[int]], ColumnElement[bool]] | None = None
    """The condition for the matches of one popularity tier, read from the index without
    reading the other tiers' (PostgreSQL: `script_tiers`)."""
    of_script: Callable[[ColumnElement[uuid.UUID]], ColumnElement[bool]] | None = None
    """The condition that the script of this id matches, tested on its own search row
    without reading any other (SQLite: `script_walk`)."""


class SearchIndex(Protocol):
    async def write(self, script: Script) -> None:
        """Index (again) the name, tags and description of `script`."""

    def match(self, terms: list[str]) -> SearchMatch:
        """Scripts having each of `terms` (at least one) as the start of one of their words."""

    async def follow(self, script_ids: Collection[uuid.UUID]) -> None:
        """After these scripts' `install_count`, visibility or deletion changed, in the same
        transaction (after the scripts' own write, whose row locks keep any other writer of
        them out until the commit): bring what the index keeps of them up to date."""


def search_index(connection: AsyncConnection) -> SearchIndex:
    if connection.dialect.name == "postgresql":
        return PostgresSearchIndex(connection)
    return SqliteSearchIndex(connection)


def search_words(script: Script) -> dict[str, str]:
    """The words the index holds for `script`, by field: `name`, `tags`, `description`
    (`searched_texts`: localized names and descriptions included)."""
    return words_of(searched_texts(script))


def words_of(texts: Mapping[str, str]) -> dict[str, str]:
    """The words the index holds for these texts, field by field (`searched_texts`)."""
    return {field: " ".join(search_terms(text)) for field, text in texts.items()}


_SIMPLE: ColumnElement[object] = literal_column("'simple'::regconfig")


def tier_of(install_count: ColumnElement[int]) -> ColumnElement[int]:
    """The popularity tier of an install count, in SQL: how many `TIER_FLOORS` are at or
    below it."""
    return func.width_bucket(install_count, _FLOORS, type_=Integer)


def tier_prefix(tier: ColumnElement[int]) -> ColumnElement[str]:
    """The two digits a tier's words start with in `tiered`."""
    return func.lpad(cast(tier, Text), 2, literal_column("'0'"))


def tiered_document(
    tier: ColumnElement[int], document: ColumnElement[object]
) -> ColumnElement[object]:
    """The words of `document`, each behind `tier_prefix` (without positions or weights):
    the index's entries of a word's tiered prefix are its matches in that tier alone."""
    lexeme = func.unnest(func.tsvector_to_array(document)).column_valued("lexeme")
    prefixed = select(func.array_agg(tier_prefix(tier).op("||")(lexeme))).scalar_subquery()
    no_words = cast(literal_column("'{}'"), postgresql.ARRAY(Text()))
    return func.array_to_tsvector(func.coalesce(prefixed, no_words))


class PostgresSearchIndex:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def write(self, script: Script) -> None:
        row = (
            select(
                literal(script.id, Uuid()).label("script_id"),
                postgres_document(**search_words(script)).label("document"),
                tier_of(scripts.c.install_count).label("tier"),
                *(value.label(name) for name, value in SEARCH_COPIES.items()),
            )
            .where(scripts.c.id == script.id)
            .subquery("row")
        )
        written = ["document", "tier", "tiered", *SEARCH_COPIES]
        statement = postgresql.insert(postgresql_search).from_select(
            ["script_id", *written],
            select(
                row.c.script_id,
                row.c.document,
                row.c.tier,
                tiered_document(row.c.tier, row.c.document),
                *(row.c[name] for name in SEARCH_COPIES),
            ),
        )
        excluded = statement.excluded
        await self._connection.execute(
            statement.on_conflict_do_update(
                index_elements=[postgresql_search.c.script_id],
                set_={name: excluded[name] for name in written},
            )
        )

    def match(self, terms: list[str]) -> SearchMatch:
        # Each word quoted and marked as a prefix; the words are letters and digits only.
        # Inlined, not bound: a prepared statement's generic plan takes any search for a rare
        # one (25 rows of 100k) and joins a common word's 90k matches row by row (0.5 s
        # instead of 0.14 s at 100k scripts, bench/README.md); inlined, every text is planned
        # knowing how many scripts it matches.
        # A CJK pair is a whole word: looked up as one, the index intersects its matches
        # with the other words' without collecting them all first, as a prefix would.
        written = " & ".join(
            f"'{term}'" if whole_search_word(term) else f"'{term}':*" for term in terms
        )
        words = bindparam("search_words", written, Text, literal_execute=True)
        query = func.to_tsquery(_SIMPLE, words)
        document = postgresql_search.c.document
        rank = func.ts_rank(document, query, type_=Float)

        def ranks_of(matches: FromClause) -> Select[Any]:
            # One lookup by key per script, whatever the planner thinks of a join: joined,
            # it would rather hash every match of a common word.
            of_script = postgresql_search.c.script_id == matches.c.id
            return select(
                matches,
                cast(select(rank).where(of_script).scalar_subquery(), Float).label("relevance"),
            )

        condition = document.op("@@", return_type=Boolean)(query)

        def in_tier(tier: ColumnElement[int]) -> ColumnElement[bool]:
            # The query's own words (as the parser made them), each behind the tier's
            # digits: a match of the tiered words is one of the document's, so no match's
            # document is read. (The tiered words have no positions, so a phrase, `<->`,
            # which the parser could make of a word, matches none of them; testing the
            # document too, as before, could not add one.)
            prefixed = func.regexp_replace(
                cast(query, Text),
                literal_column(r"'''([^'']*)'''"),
                literal_column("''''")
                .op("||")(tier_prefix(tier))
                .op("||")(literal_column(r"'\1'''")),
                literal_column("'g'"),
            )
            tiered_query = cast(prefixed, postgresql.TSQUERY())
            return postgresql_search.c.tiered.op("@@", return_type=Boolean)(tiered_query)

        return SearchMatch(postgresql_search, condition, rank, ranks_of, in_tier)

    async def follow(self, script_ids: Collection[uuid.UUID]) -> None:
        # The caller changed the scripts first: it holds their row locks until it commits,
        # so no other writer of them can come between. Rows already in step are not
        # written; `tiered` is rewritten only when the tier changes (a script changes tier
        # a few times in its life): otherwise the row's indexed words stay as they are.
        search = postgresql_search.c
        tier = tier_of(scripts.c.install_count)
        copies = [search[name] for name in SEARCH_COPIES]
        await self._connection.execute(
            update(postgresql_search)
            .where(
                search.script_id == scripts.c.id,
                scripts.c.id.in_(list(script_ids)),
                tuple_(search.tier, *copies) != tuple_(tier, *SEARCH_COPIES.values()),
            )
            .values(
                {
                    **SEARCH_COPIES,
                    "tier": tier,
                    "tiered": case(
                        (search.tier == tier, search.tiered),
                        else_=tiered_document(tier, search.document),
                    ),
                }
            )
        )


def postgres_document(
    name: str | ColumnElement[str],
    tags: str | ColumnElement[str],
    description: str | ColumnElement[str],
) -> ColumnElement[object]:
    """The tsvector of a script's words (see `search_words`), each field with its weight;
    the words may be bound parameters, to write many rows with one statement."""
    return _weighted(name, "A").op("||")(_weighted(tags, "B")).op("||")(_weighted(description, "C"))


def _weighted(words: str | ColumnElement[str], weight: str) -> ColumnElement[object]:
    return func.setweight(
        func.to_tsvector(_SIMPLE, cast(words, Text)), literal_column(f"'{weight}'")
    )


class SqliteSearchIndex:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def write(self, script: Script) -> None:
        rowid = search_rowid(script.id)
        await self._connection.execute(delete(sqlite_search).where(sqlite_search.c.rowid == rowid))
        await self._connection.execute(
            insert(sqlite_search).values(rowid=rowid, script_id=script.id, **search_words(script))
        )

    def match(self, terms: list[str]) -> SearchMatch:
        condition = sqlite_matching(fts5_expression(terms))
        words = " ".join(terms)
        rank = sqlite_relevance_of(sqlite_search, words)

        def row_of(script_id: ColumnElement[uuid.UUID]) -> tuple[FromClause, ColumnElement[bool]]:
            # The script's row read by its row id: no full-text query, which would read
            # every match of the words (for each script, for a prefix).
            row = sqlite_search.alias("searched")
            return row, row.c.rowid == Function(SEARCH_ROWID_FUNCTION, script_id, type_=Integer)

        def ranks_of(matches: FromClause) -> Select[Any]:
            row, of_match = row_of(matches.c.id)
            relevance = select(sqlite_relevance_of(row, words)).where(of_match)
            return select(matches, relevance.scalar_subquery().label("relevance"))

        def of_script(script_id: ColumnElement[uuid.UUID]) -> ColumnElement[bool]:
            # Each word starts one of the row's (its fields' words, one space apart), as
            # `relevance` tests it, in C rather than in Python: most scripts tested are not
            # candidates (nor, for a rarer word, matches).
            row, of_match = row_of(script_id)
            text = " " + row.c.name.op("||")(" ").op("||")(row.c.tags)
            text = text.op("||")(" ").op("||")(row.c.description)
            found = [func.instr(text, bindparam(None, f" {term}", Text())) > 0 for term in terms]
            return exists().where(of_match, *found)

        return SearchMatch(sqlite_search, condition, rank, ranks_of, of_script=of_script)

    async def follow(self, script_ids: Collection[uuid.UUID]) -> None:
        """FTS5 keeps nothing of the scripts but their words."""


def sqlite_relevance_of(row: FromClause, words: str) -> ColumnElement[float]:
    """`sqlite_relevance.relevance` of a row of `sqlite_search` (or an alias of it) for the
    searched `words` (space-separated): None when it does not match."""
    totals = select(sqlite_search_data.c.block).where(sqlite_search_data.c.id == TOTALS_ROWID)
    return Function(
        RELEVANCE_FUNCTION,
        row.c.name,
        row.c.tags,
        row.c.description,
        bindparam(None, words, Text()),
        totals.scalar_subquery(),
        type_=Float,
    )


def unindexed(column: ColumnElement[T]) -> ColumnElement[T]:
    """`column` as SQLite reads it when not by an index (nor, on a full-text table, by
    running the query once per value): `+column`."""
    return UnaryExpression(column, operator=custom_op("+"), type_=column.type)


def fts5_expression(terms: list[str], *, prefixes: bool = True) -> str:
    """The FTS5 query for scripts having each of `terms` as a word, or as the start of one
    (`prefixes`); the words are letters and digits only."""
    star = "*" if prefixes else ""
    return " AND ".join(f'"{term}"{star}' for term in terms)


def sqlite_matching(expression: str) -> ColumnElement[bool]:
    """The rows of `sqlite_search` that the FTS5 query `expression` matches."""
    return literal_column(SEARCH_TABLE).op("MATCH", return_type=Boolean)(expression)


SEARCH_ROWID_FUNCTION = "search_rowid"
"""The SQL function, on every SQLite connection of the engine, of `stored_search_rowid`
(`sqlite_probe` calls it)."""


@functools.lru_cache(maxsize=16384)
def stored_search_rowid(stored_id: str) -> int:
    """`search_rowid` of a script id as SQLite stores it (32 hexadecimal digits); the most
    installed scripts' are kept, as every search walks them (a few MB)."""
    return search_rowid(uuid.UUID(hex=stored_id))


def sqlite_probe(match: SearchMatch) -> ColumnElement[bool]:
    """`match` as a test of the script at hand (`scripts`), on SQLite: its search row's id
    among those of the matches (read from the index alone, never its rows)."""
    matches = select(sqlite_search.c.rowid).where(match.condition)
    return Function(SEARCH_ROWID_FUNCTION, scripts.c.id, type_=Integer).in_(matches)


def search_rowid(script_id: uuid.UUID) -> int:
    """A 64-bit rowid for the script's FTS5 row, hashed from its id (whatever the UUID
    version, two ids of a catalogue share one with a chance of about n² / 2⁶⁵)."""
    digest = hashlib.blake2b(script_id.bytes, digest_size=8).digest()
    return int.from_bytes(digest, signed=True)
