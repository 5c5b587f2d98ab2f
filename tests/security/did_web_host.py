"""A real HTTPS host on loopback for did:web tests: answers set per path, every request counted."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.security.certificates import self_signed


@dataclass
class Host:
    """The host's port, its CA file, what it answers, and the paths it was asked for."""

    port: int
    ca_file: Path
    answers: dict[str, tuple[int, dict[str, str], bytes]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)

    def did(self, *path: str) -> str:
        """The did:web DID of a document on this host (port as `%3A`, path as colons)."""
        return ":".join([f"did:web:localhost%3A{self.port}", *path])

    def url(self, path: str) -> str:
        """An HTTPS URL on this host."""
        return f"https://localhost:{self.port}{path}"


@contextmanager
def https_host(directory: Path) -> Iterator[Host]:
    """Serve HTTPS on 127.0.0.1 as `localhost`, with a certificate from a throwaway CA (the
    certificate is its own authority) whose PEM is `Host.ca_file`."""
    cert, key = self_signed(directory, "localhost", ip="127.0.0.1")
    host = Host(0, cert)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            host.requests.append(self.path)
            status, headers, body = host.answers.get(self.path, (404, {}, b"not found"))
            self.send_response(status)
            for name, value in {"Content-Length": str(len(body)), **headers}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    host.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield host
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
