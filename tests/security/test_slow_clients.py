"""Slow senders cannot hold the server's connections: unfinished bodies get 408 and the
connection closed, unfinished request heads are closed, and the server keeps answering."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import ExitStack
from urllib.parse import urlsplit

import httpx
import pytest

from passport.settings import Settings
from tests.security.web_helpers import served

CONNECTIONS = 100
BOUND = 1.0  # seconds the server gives a body (and a request head) in these tests
PATIENCE = 20.0  # how long a test socket waits before calling the server stuck


@pytest.fixture
def base(settings: Settings, seeded: dict[str, str]) -> Iterator[str]:
    """The app as `passport serve` runs it, with one-second body and head timeouts."""
    impatient = settings.model_copy(update={"body_timeout": BOUND})
    with served(impatient, header_timeout=BOUND) as url:
        yield url


def _open(base: str, stack: ExitStack) -> socket.socket:
    parts = urlsplit(base)
    sock = stack.enter_context(socket.create_connection((parts.hostname, parts.port)))
    sock.settimeout(PATIENCE)
    return sock


def _until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (TimeoutError if it never
    does within PATIENCE)."""
    received = b""
    while chunk := sock.recv(4096):
        received += chunk
    return received


def test_unfinished_bodies_are_answered_408_and_closed(base):
    """A hundred requests that promise 1,000 bytes and send ten: each gets 408 and its
    connection is closed; meanwhile /healthz answers."""
    with ExitStack() as stack:
        sockets = [_open(base, stack) for _ in range(CONNECTIONS)]
        for sock in sockets:
            sock.sendall(
                b"POST /credentials/verify HTTP/1.1\r\nHost: x\r\n"
                b'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"verifiab'
            )
        assert httpx.get(f"{base}/healthz", timeout=PATIENCE).status_code == 200
        answers = [_until_closed(sock) for sock in sockets]
    for answer in answers:
        assert answer.startswith(b"HTTP/1.1 408 "), answer[:80]
        assert b"did not arrive within 1 seconds" in answer


def test_unfinished_request_heads_are_closed(base):
    """A hundred connections that never finish their headers are closed by the server."""
    with ExitStack() as stack:
        sockets = [_open(base, stack) for _ in range(CONNECTIONS)]
        for sock in sockets:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        assert httpx.get(f"{base}/healthz", timeout=PATIENCE).status_code == 200
        assert all(_until_closed(sock) == b"" for sock in sockets)
