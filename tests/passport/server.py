"""Runs the real app under uvicorn on a loopback port, for tests that speak HTTP."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from passport.settings import Settings
from passport.web.app import create_app


def free_port() -> int:
    """A port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running(server: uvicorn.Server) -> Iterator[None]:
    """Run a configured uvicorn server on a thread until the block ends, then stop it."""
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the app did not start")
        time.sleep(0.02)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def serving(settings: Settings, port: int | None = None) -> Iterator[str]:
    """Serve the app on 127.0.0.1 and yield its base URL; stop it afterwards."""
    port = port or free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    with running(uvicorn.Server(config)):
        yield f"http://127.0.0.1:{port}"
