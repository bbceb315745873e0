"""An ASGI app served over real HTTP on 127.0.0.1 (a free port, uvicorn in a thread of its
own), for the fakes of outside services that a server in another process must reach too."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import uvicorn

HOST = "127.0.0.1"


class ThreadedServer:
    def __init__(self, app: Any, name: str) -> None:
        self._name = name
        self._socket = socket.socket()
        self._socket.bind((HOST, 0))
        self.base_url = f"http://{HOST}:{self._socket.getsockname()[1]}"
        self._server = uvicorn.Server(
            uvicorn.Config(
                app,
                interface="asgi3",
                lifespan="off",
                ws="none",
                proxy_headers=False,
                log_level="warning",
                access_log=False,
            )
        )
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the {self._name} did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()
