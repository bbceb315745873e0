"""Line diffs of two versions' code, at a bounded cost whatever the code.

Python's `difflib` can take quadratic time; a diff here costs at most `MAX_DIFF_STEPS` steps
beyond reading the lines (linear). The lines common to both ends are set aside, then the lines
that occur once on each side and in the same order anchor the rest (patience diff, as
`git diff --patience`), and each stretch between anchors is diffed by Myers' algorithm
(the one `git diff` uses). Every step of both is counted against the budget: when it is
spent, the stretches still to diff are diffed as a whole (all removed, all added), so the
diff stays correct, only less minimal, and `DiffTooCostlyError` says so to callers that
prefer no diff to such a one.
"""

from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass
from typing import Literal

from scripthub.domain.errors import PayloadTooLargeError

MAX_DIFF_STEPS = 1_500_000
"""Steps (lines compared or anchored) one diff may take after reading the lines: about half a
second of CPU in the worst case measured (bench/diffs.py)."""
CONTEXT_LINES = 3

Op = Literal["=", "-", "+"]
_Work = tuple[int, int, int, int] | tuple[Op, int, int]
"""A stretch still to diff (`a_lo, a_hi, b_lo, b_hi`), or an op in its place."""


class DiffTooCostlyError(PayloadTooLargeError):
    """Two versions whose diff would cost more than `MAX_DIFF_STEPS`."""


@dataclass(frozen=True)
class Edit:
    """A stretch of the diff: lines `a[a_start:a_end]` kept (`=`) or removed (`-`), or
    `b[b_start:b_end]` added (`+`)."""

    op: Op
    a_start: int
    a_end: int
    b_start: int
    b_end: int


@dataclass(frozen=True)
class LineDiff:
    a: list[str]
    b: list[str]
    edits: list[Edit]
    exhausted: bool
    """Whether the budget ran out, leaving stretches diffed as a whole."""

    @property
    def added(self) -> int:
        return sum(e.b_end - e.b_start for e in self.edits if e.op == "+")

    @property
    def removed(self) -> int:
        return sum(e.a_end - e.a_start for e in self.edits if e.op == "-")


class _Budget:
    def __init__(self, steps: int) -> None:
        self.left = steps

    def spend(self, steps: int) -> bool:
        """Whether `steps` more may be taken (they are counted either way)."""
        self.left -= steps
        return self.left >= 0


def diff_lines(old: str, new: str, *, max_steps: int = MAX_DIFF_STEPS) -> LineDiff:
    """The line diff from `old` to `new` (lines keep their endings)."""
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    ids: dict[str, int] = {}
    a_ids = [ids.setdefault(line, len(ids)) for line in a]
    b_ids = [ids.setdefault(line, len(ids)) for line in b]
    budget = _Budget(max_steps)
    ops: list[tuple[Op, int, int]] = []  # (op, index in a or b, count), in order
    _diff(a_ids, b_ids, 0, len(a), 0, len(b), budget, ops)
    return LineDiff(a, b, _edits(ops), exhausted=budget.left < 0)


def _diff(
    a: list[int],
    b: list[int],
    a_lo: int,
    a_hi: int,
    b_lo: int,
    b_hi: int,
    budget: _Budget,
    ops: list[tuple[Op, int, int]],
) -> None:
    """Append the ops turning `a[a_lo:a_hi]` into `b[b_lo:b_hi]`; a stack, not recursion:
    patience may nest as deep as there are lines."""
    stack: list[_Work] = [(a_lo, a_hi, b_lo, b_hi)]
    while stack:
        item = stack.pop()
        if len(item) == 3:  # an op, in its place
            ops.append(item)
            continue
        a_lo, a_hi, b_lo, b_hi = item
        while a_lo < a_hi and b_lo < b_hi and a[a_lo] == b[b_lo]:
            a_lo, b_lo = a_lo + 1, b_lo + 1
        head = a_lo - item[0]
        a_end, b_end = a_hi, b_hi
        while a_end > a_lo and b_end > b_lo and a[a_end - 1] == b[b_end - 1]:
            a_end, b_end = a_end - 1, b_end - 1
        tail = a_hi - a_end
        later: list[_Work] = []
        if head:
            ops.append(("=", item[0], head))
        if tail:
            later.append(("=", a_end, tail))
        later.extend(reversed(_middle(a, b, a_lo, a_end, b_lo, b_end, budget)))
        stack.extend(later)


def _middle(
    a: list[int], b: list[int], a_lo: int, a_hi: int, b_lo: int, b_hi: int, budget: _Budget
) -> list[_Work]:
    """The work for a stretch with no common ends, in order: ops, and stretches to diff."""
    if a_lo == a_hi or b_lo == b_hi or not budget.spend((a_hi - a_lo) + (b_hi - b_lo)):
        return _whole(a_lo, a_hi, b_lo, b_hi)
    anchors = _anchors(a, b, a_lo, a_hi, b_lo, b_hi)
    if not anchors:
        if set(a[a_lo:a_hi]).isdisjoint(b[b_lo:b_hi]):  # nothing to keep: the exact diff
            return _whole(a_lo, a_hi, b_lo, b_hi)
        return _myers(a, b, a_lo, a_hi, b_lo, b_hi, budget)
    work: list[_Work] = []
    i, j = a_lo, b_lo
    for x, y in anchors:
        work.append((i, x, j, y))
        work.append(("=", x, 1))
        i, j = x + 1, y + 1
    work.append((i, a_hi, j, b_hi))
    return work


def _whole(a_lo: int, a_hi: int, b_lo: int, b_hi: int) -> list[_Work]:
    work: list[_Work] = []
    if a_hi > a_lo:
        work.append(("-", a_lo, a_hi - a_lo))
    if b_hi > b_lo:
        work.append(("+", b_lo, b_hi - b_lo))
    return work


def _anchors(
    a: list[int], b: list[int], a_lo: int, a_hi: int, b_lo: int, b_hi: int
) -> list[tuple[int, int]]:
    """The longest run, in order on both sides, of lines that occur once on each side."""
    in_a = Counter(a[a_lo:a_hi])
    in_b = Counter(b[b_lo:b_hi])
    where_b = {line: j for j in range(b_lo, b_hi) if in_b[line := b[j]] == 1}
    pairs = [
        (i, where_b[line]) for i in range(a_lo, a_hi) if in_a[line := a[i]] == 1 and line in where_b
    ]
    # Longest increasing run of b positions (patience sorting), with back links.
    tails: list[int] = []
    tail_at: list[int] = []
    back = [-1] * len(pairs)
    for index, (_, j) in enumerate(pairs):
        at = bisect.bisect_left(tails, j)
        if at == len(tails):
            tails.append(j)
            tail_at.append(index)
        else:
            tails[at] = j
            tail_at[at] = index
        back[index] = tail_at[at - 1] if at else -1
    run: list[tuple[int, int]] = []
    index = tail_at[-1] if tail_at else -1
    while index >= 0:
        run.append(pairs[index])
        index = back[index]
    return run[::-1]


def _myers(
    a: list[int], b: list[int], a_lo: int, a_hi: int, b_lo: int, b_hi: int, budget: _Budget
) -> list[_Work]:
    """Myers' O(ND) diff of a stretch with no common ends and no anchors; the whole stretch
    replaced once the budget runs out."""
    n, m = a_hi - a_lo, b_hi - b_lo
    offset = n + m
    frontier = [0] * (2 * offset + 2)
    trace: list[list[int]] = []
    for d in range(offset + 1):
        if not budget.spend(2 * d + 1):
            return _whole(a_lo, a_hi, b_lo, b_hi)
        trace.append(frontier[offset - d : offset + d + 1])  # before step d, diagonals -d..d
        for k in range(-d, d + 1, 2):
            if _from_above(frontier, offset, k, d):
                x = frontier[offset + k + 1]
            else:
                x = frontier[offset + k - 1] + 1
            y = x - k
            start = x
            while x < n and y < m and a[a_lo + x] == b[b_lo + y]:
                x, y = x + 1, y + 1
            if not budget.spend(x - start):
                return _whole(a_lo, a_hi, b_lo, b_hi)
            frontier[offset + k] = x
            if x >= n and y >= m:
                return _backtrack(trace, n, m, d, a_lo, b_lo)
    return _whole(a_lo, a_hi, b_lo, b_hi)  # pragma: no cover - d reaches n + m first


def _from_above(frontier: list[int], zero: int, k: int, d: int) -> bool:
    """Whether Myers' furthest path on diagonal `k` at step `d` comes from diagonal `k + 1`
    (an insertion); `frontier[zero + k]` is the furthest x on diagonal `k` before the step."""
    return k == -d or (k != d and frontier[zero + k - 1] < frontier[zero + k + 1])


def _backtrack(
    trace: list[list[int]], n: int, m: int, d_end: int, a_lo: int, b_lo: int
) -> list[_Work]:
    steps: list[tuple[Op, int, int]] = []
    x, y = n, m
    for d in range(d_end, 0, -1):
        frontier = trace[d]  # diagonal k at index k + d
        k = x - y
        prev_k = k + 1 if _from_above(frontier, d, k, d) else k - 1
        prev_x = frontier[d + prev_k]
        prev_y = prev_x - prev_k
        while x > prev_x and y > prev_y:
            x, y = x - 1, y - 1
            steps.append(("=", a_lo + x, 1))
        if x == prev_x:
            steps.append(("+", b_lo + prev_y, 1))
        else:
            steps.append(("-", a_lo + prev_x, 1))
        x, y = prev_x, prev_y
    while x > 0 and y > 0:
        x, y = x - 1, y - 1
        steps.append(("=", a_lo + x, 1))
    return list(reversed(steps))


def _edits(ops: list[tuple[Op, int, int]]) -> list[Edit]:
    """The ops as edits with both sides' positions, runs of one op merged."""
    edits: list[Edit] = []
    i = j = 0
    for op, _, count in ops:
        if op == "=":
            edit = Edit("=", i, i + count, j, j + count)
            i, j = i + count, j + count
        elif op == "-":
            edit = Edit("-", i, i + count, j, j)
            i += count
        else:
            edit = Edit("+", i, i, j, j + count)
            j += count
        if edits and edits[-1].op == op:
            last = edits[-1]
            edit = Edit(op, last.a_start, edit.a_end, last.b_start, edit.b_end)
            edits[-1] = edit
        else:
            edits.append(edit)
    return edits


def unified_diff(diff: LineDiff, from_file: str, to_file: str, context: int = CONTEXT_LINES) -> str:
    """The diff in unified format (as `diff -u` and `git diff` write it), with `context` lines
    around each change; empty when the two are the same."""
    hunks = _hunks(diff.edits, context)
    if not hunks:
        return ""
    out = [f"--- {from_file}\n", f"+++ {to_file}\n"]
    for hunk in hunks:
        first, last = hunk[0], hunk[-1]
        out.append(
            f"@@ -{_range(first.a_start, last.a_end)} +{_range(first.b_start, last.b_end)} @@\n"
        )
        for edit in hunk:
            if edit.op == "+":
                lines, mark = diff.b[edit.b_start : edit.b_end], "+"
            else:
                lines, mark = diff.a[edit.a_start : edit.a_end], " " if edit.op == "=" else "-"
            out.extend(_marked(mark, line) for line in lines)
    return "".join(out)


def _marked(mark: str, line: str) -> str:
    if line.endswith(("\n", "\r")):
        return mark + line
    return f"{mark}{line}\n\\ No newline at end of file\n"


def _range(start: int, end: int) -> str:
    """A hunk's range as `diff -u` writes it: 1-based start, and the length unless it is 1."""
    length = end - start
    if length == 1:
        return str(start + 1)
    return f"{start + 1 if length else start},{length}"


def _hunks(edits: list[Edit], context: int) -> list[list[Edit]]:
    """The changes with up to `context` kept lines around them, grouped into hunks: changes
    closer than twice the context share one."""
    hunks: list[list[Edit]] = []
    current: list[Edit] = []
    for index, edit in enumerate(edits):
        if edit.op != "=":
            current.append(edit)
            continue
        size = edit.a_end - edit.a_start
        if index > 0 and current:  # after a change: lead out
            keep = min(size, context)
            current.append(
                Edit("=", edit.a_start, edit.a_start + keep, edit.b_start, edit.b_start + keep)
            )
            if size <= 2 * context and index < len(edits) - 1:
                rest = size - keep
                if rest:
                    current.append(
                        Edit("=", edit.a_start + keep, edit.a_end, edit.b_start + keep, edit.b_end)
                    )
                continue
            hunks.append(_merged(current))
            current = []
        if index < len(edits) - 1:  # before a change: lead in
            keep = min(size, context)
            current = [Edit("=", edit.a_end - keep, edit.a_end, edit.b_end - keep, edit.b_end)]
    if current and any(edit.op != "=" for edit in current):
        hunks.append(_merged(current))
    return hunks


def _merged(edits: list[Edit]) -> list[Edit]:
    merged: list[Edit] = []
    for edit in edits:
        if edit.a_start == edit.a_end and edit.b_start == edit.b_end:
            continue
        if merged and merged[-1].op == edit.op:
            last = merged[-1]
            merged[-1] = Edit(edit.op, last.a_start, edit.a_end, last.b_start, edit.b_end)
        else:
            merged.append(edit)
    return merged
