"""Line diffs at a bounded cost: always a correct diff, applied back by a unified-diff reader,
and as small as Myers' where no anchor splits the work."""

from __future__ import annotations

import difflib
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from scripthub.domain.code_diffs import LineDiff, diff_lines, unified_diff

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@$")

lines = st.lists(
    st.sampled_from(["a\n", "b\n", "c\n", "d\n", "{\n", "}\n", "\n", "x"]), max_size=40
)


def applied(diff: LineDiff) -> tuple[str, str]:
    """Both sides again, read off the edits."""
    old = "".join(line for e in diff.edits if e.op != "+" for line in diff.a[e.a_start : e.a_end])
    new = "".join(line for e in diff.edits if e.op != "-" for line in diff.b[e.b_start : e.b_end])
    return old, new


def patched(old: str, patch: str) -> str:
    """`old` with a unified diff applied, read strictly as `patch` reads it."""
    source = old.splitlines(keepends=True)
    out: list[str] = []
    at = 0
    rows = patch.splitlines(keepends=True)[2:]
    index = 0
    while index < len(rows):
        match = _HUNK.match(rows[index].rstrip("\n"))
        assert match, rows[index]
        start = int(match[1]) - (0 if match[2] == "0" else 1)
        out.extend(source[at:start])
        at = start
        index += 1
        while index < len(rows) and not rows[index].startswith("@@"):
            mark, text = rows[index][0], rows[index][1:]
            if index + 1 < len(rows) and rows[index + 1].startswith("\\"):
                text = text.removesuffix("\n")
                index += 1
            if mark in " -":
                assert source[at] == text
                at += 1
            if mark in " +":
                out.append(text)
            index += 1
    return "".join(out + source[at:])


@settings(max_examples=400, deadline=None)
@given(lines, lines, st.integers(min_value=0, max_value=60))
def test_every_diff_turns_the_old_code_into_the_new(a: list[str], b: list[str], steps: int) -> None:
    old, new = "".join(a), "".join(b)
    for budget in (10**9, steps):
        diff = diff_lines(old, new, max_steps=budget)
        assert applied(diff) == (old, new)
        assert patched(old, unified_diff(diff, "a", "b")) == new


@settings(max_examples=200, deadline=None)
@given(lines, lines)
def test_without_anchors_the_diff_is_as_small_as_a_longest_common_subsequence(
    a: list[str], b: list[str]
) -> None:
    diff = diff_lines("".join(a), "".join(b))
    matcher = difflib.SequenceMatcher(None, diff.a, diff.b, autojunk=False)
    common = sum(block.size for block in matcher.get_matching_blocks())
    if not set(diff.a) & set(diff.b):
        assert diff.removed + diff.added == len(diff.a) + len(diff.b) - 2 * common


def test_a_diff_reads_as_diff_u_writes_it() -> None:
    old = "".join(f"line {n}\n" for n in range(1, 21))
    new = old.replace("line 5\n", "line five\n").replace("line 20\n", "line 20")

    text = unified_diff(diff_lines(old, new), "a/x.user.js", "b/x.user.js")

    assert text == (
        "--- a/x.user.js\n+++ b/x.user.js\n"
        "@@ -2,7 +2,7 @@\n line 2\n line 3\n line 4\n-line 5\n+line five\n"
        " line 6\n line 7\n line 8\n"
        "@@ -17,4 +17,4 @@\n line 17\n line 18\n line 19\n-line 20\n+line 20\n"
        "\\ No newline at end of file\n"
    )
    assert unified_diff(diff_lines(old, old), "a", "b") == ""


def test_the_worst_case_spends_the_budget_and_stays_correct() -> None:
    old = "".join(f"{n % 2}\n" for n in range(200_000))
    new = "".join(f"{(n + 1) % 3}\n" for n in range(200_000))

    diff = diff_lines(old, new, max_steps=100_000)

    assert diff.exhausted
    assert applied(diff) == (old, new)


def test_scattered_changes_in_long_code_are_found_one_by_one() -> None:
    old = "".join(f"line {n}\n" for n in range(100_000))
    new = "".join(f"line {n}\n" if n % 1000 else f"changed {n}\n" for n in range(100_000))

    diff = diff_lines(old, new)

    assert not diff.exhausted
    assert (diff.removed, diff.added) == (100, 100)
