"""An error nobody handled still answers with the browser security headers and a problem
document, never a stack trace."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn

from passport.settings import Settings
from passport.web.app import create_app
from passport.web.server import server_config
from tests.passport.server import free_port, running

SECRET_DETAIL = "internal detail that must stay on the server"


@contextmanager
def _served_with_failing_route(settings: Settings) -> Iterator[str]:
    """The real app as `passport serve` serves it, plus one test-only route that fails."""
    app = create_app(settings)

    @app.get("/test-only/fail")
    def fail() -> None:
        raise RuntimeError(SECRET_DETAIL)

    port = free_port()
    config = server_config(app, host="127.0.0.1", port=port, log_level="critical")
    with running(uvicorn.Server(config)):
        yield f"http://127.0.0.1:{port}"


def test_an_unhandled_error_carries_the_security_headers(settings):
    """A 500 from an unhandled exception has the CSP, frame-ancestors, nosniff, no-referrer and
    no-store headers, and a problem+json body that says nothing of the exception."""
    with _served_with_failing_route(settings) as base:
        for accept in ("application/json", "text/html"):
            # A fresh connection each time: the server may close one after an unhandled error.
            response = httpx.get(f"{base}/test-only/fail", headers={"Accept": accept})
            assert response.status_code == 500
            policy = response.headers["content-security-policy"]
            assert "default-src 'none'" in policy
            assert "frame-ancestors 'none'" in policy
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["x-frame-options"] == "DENY"
            assert response.headers["referrer-policy"] == "no-referrer"
            assert response.headers["cache-control"] == "no-store"
            assert response.headers["content-type"] == "application/problem+json"
            body = response.json()
            assert body["status"] == 500
            assert body["title"] == "Internal error"
            assert SECRET_DETAIL not in response.text
            assert "Traceback" not in response.text
            assert "RuntimeError" not in response.text


def test_the_not_found_answers_carry_the_security_headers(settings):
    """An unknown address, as a page and as JSON, answers 404 with the same headers."""
    with _served_with_failing_route(settings) as base, httpx.Client(base_url=base) as http:
        for accept in ("application/json", "text/html"):
            response = http.get("/no/such/address", headers={"Accept": accept})
            assert response.status_code == 404
            assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["cache-control"] == "no-store"
