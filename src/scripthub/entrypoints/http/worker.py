"""What uvicorn loads in each process of `scripthub serve` that serves: the HTTP protocol and
the app factory, named to it as `worker:GuardedHttpProtocol` and `worker:create_app`.

Importing this module turns the garbage collector off until the app's start-up freezes its
heap (`app.freeze_startup_heap`): nearly all of the ~1,400 modules and objects loaded
meanwhile are kept for good, and collecting while they loaded took about a sixth of their
CPU (bench/README.md). Only processes that serve import it (tests load `app`)."""

import gc

gc.disable()

from scripthub.entrypoints.http.app import create_app  # noqa: E402
from scripthub.entrypoints.http.server_protocol import GuardedHttpProtocol  # noqa: E402

__all__ = ["GuardedHttpProtocol", "create_app"]
