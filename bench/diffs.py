"""The cost of a version diff on the worst pairs of 2 MiB versions we could construct,
beside Python's `difflib` (what `GET .../diff/...` would cost without a budget).

    .venv/bin/python bench/diffs.py            # every case, 3 rounds each
    .venv/bin/python bench/diffs.py --difflib  # + difflib.unified_diff, 20 s cap per case

CPU seconds (process time) of `diff_lines` plus `unified_diff`, the median of the rounds; the
target is 1 s per diff. difflib runs in a child process killed at its cap.
"""

from __future__ import annotations

import argparse
import difflib
import multiprocessing
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from scripthub.domain.code_diffs import diff_lines, unified_diff

MIB = 1024 * 1024
DIFFLIB_CAP_SECONDS = 20.0


def _fill(line: Callable[[int], str]) -> str:
    """Lines `line(0)`, `line(1)`... up to 2 MiB."""
    out, size, n = [], 0, 0
    while size < 2 * MIB - 64:
        text = line(n)
        out.append(text)
        size += len(text)
        n += 1
    return "".join(out)


CASES: dict[str, tuple[str, str]] = {
    # Two short lines in turn against three: no line is unique, Myers' worst (D ~ N).
    "alternating lines": (_fill(lambda n: f"{n % 2}\n"), _fill(lambda n: f"{(n + 1) % 3}\n")),
    # Every line unique, all in reverse order: patience anchors one line, the rest is Myers'.
    "unique lines reversed": (
        _fill(lambda n: f"{n}\n"),
        "".join(reversed(_fill(lambda n: f"{n}\n").splitlines(keepends=True))),
    ),
    # Unique lines, every 50th changed: the usual update, scaled to 2 MiB.
    "scattered edits": (
        _fill(lambda n: f"const line{n} = {n};\n"),
        _fill(lambda n: f"const line{n} = {n};\n" if n % 50 else f"let line{n} = -{n};\n"),
    ),
    # Minified code: one line each.
    "one 2 MiB line": ("a" * (2 * MIB - 1), "b" * (2 * MIB - 1)),
    # Nothing in common at all, unique lines.
    "all lines different": (_fill(lambda n: f"a{n}\n"), _fill(lambda n: f"b{n}\n")),
    # Few unique lines among many repeats: anchors split into stretches of repeats.
    "repeats between anchors": (
        _fill(lambda n: f"anchor {n}\n" if n % 1000 == 0 else "x\n"),
        _fill(lambda n: f"anchor {n}\n" if n % 1000 == 0 else ("x\n" if n % 3 else "y\n")),
    ),
}


def _ours(old: str, new: str) -> tuple[float, str]:
    start = time.process_time()
    diff = diff_lines(old, new)
    unified_diff(diff, "a", "b")
    return time.process_time() - start, "budget spent (413)" if diff.exhausted else ""


def _difflib(old: str, new: str, out: multiprocessing.Queue[float]) -> None:
    start = time.process_time()
    for _ in difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True)):
        pass
    out.put(time.process_time() - start)


def _difflib_seconds(old: str, new: str) -> str:
    queue: multiprocessing.Queue[float] = multiprocessing.Queue()
    child = multiprocessing.Process(target=_difflib, args=(old, new, queue))
    child.start()
    child.join(DIFFLIB_CAP_SECONDS)
    if child.is_alive():
        child.kill()
        return f"> {DIFFLIB_CAP_SECONDS:.0f} s (killed)"
    return f"{queue.get():.2f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--difflib", action="store_true")
    args = parser.parse_args()
    worst = 0.0
    print("| case | lines | ours, CPU s (median) | note | difflib |")
    print("|---|---|---|---|---|")
    for name, (old, new) in CASES.items():
        runs = [_ours(old, new) for _ in range(args.rounds)]
        seconds = statistics.median(run[0] for run in runs)
        worst = max(worst, seconds)
        lines = f"{old.count(chr(10)) + 1:,} / {new.count(chr(10)) + 1:,}"
        baseline = _difflib_seconds(old, new) if args.difflib else "-"
        print(f"| {name} | {lines} | {seconds:.2f} | {runs[0][1]} | {baseline} |", flush=True)
    print(f"worst: {worst:.2f} s of CPU (target <= 1 s)")
    return 0 if worst <= 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
