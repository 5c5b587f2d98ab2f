"""Runs the real app under uvicorn on a loopback port, for tests that speak HTTP."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from passport.log import newest_checkpoint
from passport.services import Services
from passport.settings import Settings
from passport.web.app import create_app
from projections.merkle_log import MerkleLog


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
def serving(settings: Settings, port: int | None = None, *, settle: bool = True) -> Iterator[str]:
    """Serve the app on 127.0.0.1 and yield its base URL; stop it afterwards."""
    port = port or free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    with running(uvicorn.Server(config)):
        if settle:
            settled(settings)
        yield f"http://127.0.0.1:{port}"


def settled(settings: Settings, timeout: float = 30) -> None:
    """Wait until the serving follower has applied everything recorded so far, and the elected
    signer has signed a checkpoint covering it: what a test wrote through the library (or the
    API) is then what the server's reads show, with its inclusion proof."""
    services = Services.open(settings)
    try:
        head = services.ledger.recorder.max_notification_id() or 0
        if not services.projections.wait_for(head, timeout):
            raise RuntimeError(f"the follower did not reach log position {head}")
        size = MerkleLog(services.read_models).size()
        deadline = time.monotonic() + timeout
        while (
            settings.checkpoint_interval
            and size
            and (newest_checkpoint(services) or (0,))[0] < size
        ):
            if time.monotonic() > deadline:
                raise RuntimeError(f"no checkpoint was signed at size {size}")
            time.sleep(0.02)
    finally:
        services.close()
