"""Summarize a py-spy profile of one server worker: CPU per request, by package.

py-spy is an investigation tool, not a project dependency (`.venv/bin/pip install py-spy`).
While wrk loads a server (see README.md, "Profiling"), record one of its worker processes:

    .venv/bin/py-spy record -p WORKER_PID -d 10 -r 250 --format raw -o worker.raw --nonblocking

then give this script the file, the requests per second that worker served (the wrk figure
divided by the number of workers), and py-spy's duration and rate:

    .venv/bin/python bench/profile_summary.py worker.raw --rps 300 --seconds 10 --rate 250

"Self" time is charged to the innermost Python frame; time in C code (asyncpg's protocol,
socket writes, uvloop) shows up under the Python frame that called it. "Inclusive" time
counts a sample for every package on its stack.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*?)(?::\d+)?\)$")
STDLIB = {"asyncio", "logging", "concurrent", "threading", "selectors", "json", "re", "uuid"}


def package(frame: str) -> str:
    match = FRAME.match(frame)
    if match is None:
        return "(unknown)"
    path = match["file"].split("site-packages/")[-1]
    first = path.split("/", 1)[0].removesuffix(".py")
    if first == "scripthub":
        parts = path.split("/")
        return ".".join(parts[:3]).removesuffix(".py") if len(parts) > 2 else "scripthub"
    if first in STDLIB:
        return f"stdlib {first}"
    return first


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("profile", type=Path, help="py-spy --format raw output")
    parser.add_argument("--rps", type=float, required=True, help="requests/s of this worker")
    parser.add_argument("--seconds", type=float, required=True, help="py-spy -d")
    parser.add_argument("--rate", type=float, default=100, help="py-spy -r")
    parser.add_argument("--top", type=int, default=18)
    args = parser.parse_args()

    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in args.profile.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        samples = int(count)
        total += samples
        frames = stack.split(";")
        own[package(frames[-1])] += samples
        for name in {package(frame) for frame in frames}:
            inclusive[name] += samples

    def per_request(samples: int) -> float:
        return 1e6 * samples / args.rate / args.seconds / args.rps

    print(f"{total} samples: {per_request(total):.0f} us of CPU per request in this worker")
    print("self time by package (us per request, share):")
    for name, samples in own.most_common(args.top):
        print(f"  {per_request(samples):7.0f}  {100 * samples / total:5.1f}%  {name}")
    print("inclusive time by package:")
    for name, samples in inclusive.most_common(args.top):
        print(f"  {per_request(samples):7.0f}  {100 * samples / total:5.1f}%  {name}")


if __name__ == "__main__":
    main()
