"""How well a script matches a search on SQLite, told from its own search row: no full-text
query, nothing read but that row (and FTS5's running totals).

FTS5's `bm25` is known only inside a full-text query, which reads every match of the words:
once to find the rows, and once more per word for its inverse document frequency (IDF), how
many rows have it. For a word in 90k scripts of 100k that is ~20 ms whatever is ranked, and
it grows with the catalogue. A search ranks a bounded set of candidates
(`script_relevance`), so they are ranked here instead, each from its row's words: bm25's
score of each word (term frequency weighted by field, saturated by `K1`, normalized by the
row's length against the average, `B`), summed over the words, without the IDF. For one
word the order is bm25's (its IDF is one factor for every row); for several, each word
counts alike, as PostgreSQL's `ts_rank` counts them (it has no IDF either).

`relevance` also tells whether the row matches at all (None when a word of the search starts
none of its words): the same test as FTS5's prefix query on the words the index holds, which
`domain.scripts.search_terms` made and the index only splits at the spaces.
"""

from __future__ import annotations

import functools

RELEVANCE_FUNCTION = "search_relevance"
"""The SQL function of `relevance` on every SQLite connection of the engine
(`search_relevance(name, tags, description, words, totals)`)."""
NAME_WEIGHT, TAGS_WEIGHT, DESCRIPTION_WEIGHT = 1.0, 0.4, 0.2
"""How much a word found in each field counts (PostgreSQL's default weights of A, B, C)."""
K1, B = 1.2, 0.75
"""bm25's constants, as FTS5 has them."""
TOTALS_ROWID = 1
"""The row of the FTS5 table's `_data` shadow table that holds its running totals: the
number of rows, then the number of words of each column, as SQLite varints."""


def relevance(
    name: str | None,
    tags: str | None,
    description: str | None,
    words: str,
    totals: bytes | None,
) -> float | None:
    """How well a search row (its fields' words, space-separated) matches the searched
    `words` (space-separated; each looked for as the start of a word), higher is better;
    None unless every word is found. `totals` is the FTS5 totals record (`TOTALS_ROWID`)."""
    fields = (
        (NAME_WEIGHT, (name or "").split()),
        (TAGS_WEIGHT, (tags or "").split()),
        (DESCRIPTION_WEIGHT, (description or "").split()),
    )
    length = sum(len(field) for _, field in fields)
    norm = K1 * (1 - B + B * length / average_length(totals))
    score = 0.0
    for word in words.split():
        frequency = 0.0
        # Added up one occurrence at a time, in the order FTS5's bm25 adds them.
        for weight, field in fields:
            for written in field:
                if written.startswith(word):
                    frequency += weight
        if not frequency:
            return None
        score += (frequency * (K1 + 1.0)) / (frequency + norm)
    return score


@functools.lru_cache(maxsize=4)
def average_length(totals: bytes | None) -> float:
    """The average number of words of a row, from FTS5's totals record (1.0 if empty)."""
    if not totals:
        return 1.0
    rows, *columns = _varints(totals)
    return sum(columns) / rows if rows else 1.0


def _varints(data: bytes) -> list[int]:
    """SQLite's variable-length integers (big-endian, 7 bits a byte, the 9th byte whole)."""
    values, at = [], 0
    while at < len(data):
        value = 0
        for n in range(9):
            byte = data[at]
            at += 1
            if n == 8:
                value = (value << 8) | byte
                break
            value = (value << 7) | (byte & 0x7F)
            if not byte & 0x80:
                break
        values.append(value)
    return values
