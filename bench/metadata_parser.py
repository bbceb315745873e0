"""CPU of reading and serving a metadata block, on hostile 2 MiB inputs (issue 18, point 2).

    .venv/bin/python bench/metadata_parser.py              # the working tree
    .venv/bin/python bench/metadata_parser.py --src DIR    # another src/ (e.g. an older commit's)

For each input: the CPU time (process time, the best of `--repeat` runs, so a busy machine
adds as little as it can) of what publication does (`read_metadata`, which may refuse the
code) and of what preparing a download does (`served_forms`: the rewritten code and the meta
block; `rewrite_update_urls` and `meta_block` on an older tree), and the ratio of the 2 MiB
input's time to its 1 MiB half's: near 2 for linear work, near 4 for quadratic. The target
is at most 100 ms for each step on every input; a run exits 1 if any input misses it. An
older `src/` without `read_metadata` is measured by `parse_metadata`.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from collections.abc import Callable
from pathlib import Path

MIB = 1024 * 1024
TARGET_MS = 100.0
OPEN, CLOSE = "// ==UserScript==\n", "// ==/UserScript==\n"


# Each makes about `n` bytes of code (never cut: a cut block would never close).
INPUTS: dict[str, Callable[[int], str]] = {
    "whitespace run in a value": lambda n: OPEN + "// @name a" + " \t" * (n // 2) + "b\n" + CLOSE,
    "whitespace run, no block": lambda n: "// @name a" + " \t" * (n // 2),
    "100,000 @match lines": lambda n: OPEN + "// @match *://a.b/*\n" * (n // 20) + CLOSE,
    "one 2 MiB line": lambda n: "x" * n,
    "one line of //": lambda n: "/" * n,
    "blank lines in a block": lambda n: OPEN + " \n" * (n // 2) + CLOSE,
    "// and tabs in a block": lambda n: OPEN + "// \t" * (n // 4) + "\n" + CLOSE,
    "openings without a close": lambda n: "x// ==UserScript==\n" * (n // 19),
    "a block that never closes": lambda n: OPEN + "// @a b\n" * (n // 8),
    "code after a small block": lambda n: OPEN + "// @name x\n" + CLOSE + "f();\n" * (n // 5),
    "U+2028 in a value": lambda n: OPEN + "// @name " + "\u2028" * (n // 3) + "\n" + CLOSE,
}


def _cpu_ms(step: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        step()
        best = min(best, time.process_time() - started)
    return best * 1000


def _steps(code: str) -> dict[str, Callable[[], object]]:
    metadata = importlib.import_module("scripthub.domain.userscript_metadata")
    serving = importlib.import_module("scripthub.domain.userscript_serving")
    errors = importlib.import_module("scripthub.domain.errors")
    read = getattr(metadata, "read_metadata", metadata.parse_metadata)

    def publish() -> object:
        try:
            return read(code)
        except errors.ValidationError:
            return None

    def prepare() -> object:
        if hasattr(serving, "served_forms"):  # both forms in one reading
            return serving.served_forms(code, "https://hub/m.js", "https://hub/u.js")
        return (
            serving.rewrite_update_urls(code, "https://hub/m.js", "https://hub/u.js"),
            serving.meta_block(code, "https://hub/m.js", "https://hub/u.js"),
        )

    return {"publish": publish, "prepare": prepare}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--src", type=Path, help="the src/ folder to measure")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--size", type=int, default=2 * MIB, help="bytes of each input")
    arguments = parser.parse_args()
    src = arguments.src or Path(__file__).resolve().parents[1] / "src"
    sys.path.insert(0, str(src.resolve()))
    missed = 0
    print(f"{'input':28} {'step':8} {'ms CPU':>8} {'x half':>7}")
    for name, make in INPUTS.items():
        full, half = make(arguments.size), make(arguments.size // 2)
        for step, run in _steps(full).items():
            cost = _cpu_ms(run, arguments.repeat)
            ratio = cost / max(_cpu_ms(_steps(half)[step], arguments.repeat), 1e-3)
            verdict = "ok" if cost <= TARGET_MS else "MISSED"
            missed += cost > TARGET_MS
            print(f"{name:28} {step:8} {cost:8.1f} {ratio:7.2f}  {verdict}")
    print(f"target: each step <= {TARGET_MS:.0f} ms CPU; {missed} missed")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
