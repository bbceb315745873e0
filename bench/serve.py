"""Serve a baseline app exactly as `scripthub serve` serves the product.

Same uvicorn options as `scripthub.entrypoints.cli._serve` (uvloop/httptools picked by uvicorn,
access log at SCRIPTHUB_LOG_LEVEL, no proxy headers, no Server header), so that the only
difference between the three servers of a run is the application itself.

    python bench/serve.py hello_app:app --port 18002 --workers 2
    python bench/serve.py guard_app:create_guard_app --factory --port 18004 --workers 2
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import uvicorn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("app", help="module:attribute under bench/")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--factory", action="store_true", help="the attribute builds the app")
    args = parser.parse_args()
    uvicorn.run(
        args.app,
        factory=args.factory,
        app_dir=str(Path(__file__).resolve().parent),
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=os.environ.get("SCRIPTHUB_LOG_LEVEL", "INFO").strip().lower(),
        proxy_headers=False,
        server_header=False,
    )


if __name__ == "__main__":
    main()
