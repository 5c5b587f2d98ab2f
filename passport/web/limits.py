"""Limits on what a request may send: its size, the time its body may take, and JSON that
tools read differently (a key twice). One ASGI middleware, so every route gets them."""

from __future__ import annotations

import asyncio

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from issuers.problems import problem
from verifier.json_text import JsonTextError, read_json

MAX_BODY_BYTES = 1024 * 1024
MAX_COHORT_BYTES = 8 * 1024 * 1024


class _DisconnectedError(Exception):
    """The client went away before sending the whole body."""


def _is_json(content_type: str) -> bool:
    """Whether FastAPI will parse the body as JSON: no media type, or a `json` or `+json` one."""
    media = content_type.split(";", 1)[0].strip().lower()
    subtype = media.partition("/")[2]
    return not media or subtype == "json" or subtype.endswith("+json")


class BodyLimits:
    """Reads each request's body before the app sees it: a declared length is required and
    bounded (411, 413), the whole body must arrive within `timeout` seconds (else 408 and the
    connection is closed, so slow senders cannot hold connections open), and a JSON body that
    tools read differently (a key twice in one object) is refused (400 naming the key)."""

    def __init__(self, app: ASGIApp, *, timeout: float) -> None:
        self.app = app
        self._timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the request's body, then hand it to the app."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        refusal = _declared_refusal(scope["path"], headers)
        if refusal is None and headers.get("content-length") is None:
            await self.app(scope, receive, send)
            return
        body = b""
        if refusal is None:
            try:
                body = await asyncio.wait_for(_read(receive), self._timeout)
            except _DisconnectedError:
                return
            except TimeoutError:
                refusal = problem(
                    408,
                    "Request timeout",
                    f"the request's body did not arrive within {self._timeout:g} seconds",
                )
                refusal.headers["Connection"] = "close"
        if refusal is None and body and _is_json(headers.get("content-type", "")):
            refusal = _ambiguous_json(body)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)


def _declared_refusal(path: str, headers: Headers) -> Response | None:
    """The answer to a body whose declared length is missing or too large, if it is."""
    limit = MAX_COHORT_BYTES if "/awards/batch" in path else MAX_BODY_BYTES
    if "chunked" in headers.get("transfer-encoding", "").lower():
        return problem(411, "Length required", "send the body with a Content-Length header")
    length = headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > limit):
        return problem(413, "Request too large", f"the body must be at most {limit} bytes")
    return None


def _ambiguous_json(body: bytes) -> Response | None:
    """400 for JSON tools read differently (a key twice in one object, NaN, a number beyond a
    double); text that is not JSON at all is left to the route, which says so."""
    try:
        read_json(body)
    except JsonTextError as exc:
        return problem(400, "Ambiguous JSON", f"the body is refused: {exc}")
    except (ValueError, RecursionError):
        return None
    return None


async def _read(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _DisconnectedError
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that gives the app the body already read, then whatever comes next."""
    given = False

    async def replayed() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed
