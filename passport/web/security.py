"""Browser-facing defences: security headers, cross-site and rate checks on learners' forms,
and access logs that never carry a personal or share token."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from issuers.rate_limit import RateLimiter
from passport.web.html import error_page
from passport.web.problems import internal_error

# A token follows /me/, /s/ or /shares/ (also percent-encoded, once or more, as in a query).
_SLASH = r"(?:/|%(?:25)*2F)"
_TOKEN = re.compile(rf"(?i)({_SLASH}(?:me|s|shares){_SLASH})[A-Za-z0-9_-]+")
REDACTED = "…"
# The pages' only script is the vendored NHS design system's module (they work without it).
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
# Swagger UI, vendored like the design system, starts from a script file of ours; its OAuth
# redirect page has an inline script, allowed by its hash. Swagger UI sets style attributes as it
# draws, hence 'unsafe-inline' for styles there alone.
DOC_PAGES = ("/docs", "/docs/oauth2-redirect")
_DOCS_CSP = (
    "default-src 'none'; script-src 'self' {scripts}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
)
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)
_Secure = Callable[[Message, str], None]
HSTS = "max-age=31536000"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LEARNER_FORMS_PER_LINK = 20  # a minute, per personal link
LEARNER_FORMS_PER_ADDRESS = 60  # a minute, per remote address
FORM_WINDOW_SECONDS = 60.0


def redact(text: str) -> str:
    """`text` with every personal or share token replaced by `…`."""
    return _TOKEN.sub(lambda m: m.group(1) + REDACTED, text)


class _RedactingRecords:
    """A log record factory that takes tokens out of every record as it is made, whichever
    logger (uvicorn's access log, ours, a library's) makes it and whichever handler prints it."""

    def __init__(self, make: Callable[..., logging.LogRecord]) -> None:
        self._make = make

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        """Make the record, then redact its message, arguments and traceback."""
        record = self._make(*args, **kwargs)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        if record.exc_info:  # formatted now, so handlers print the redacted text
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return record


def redact_tokens_in_logs() -> None:
    """Make every log record of this process token-free (installed once)."""
    factory = logging.getLogRecordFactory()
    if not isinstance(factory, _RedactingRecords):
        logging.setLogRecordFactory(_RedactingRecords(factory))


class SecurityHeaders:
    """Adds the browser security headers to every response.

    A CSP with no inline script (the pages need none), no framing, no MIME sniffing, no
    Referer (a share link's token must not leave with a click), HSTS under TLS, and `no-store`
    on whatever did not choose its own caching (public documents set theirs).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers to the response's start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        https = scope.get("scheme") == "https"  # TLS here, or at a trusted proxy

        def secure(message: Message, csp: str) -> None:
            headers = MutableHeaders(scope=message)
            headers.setdefault("Content-Security-Policy", csp)
            headers["X-Content-Type-Options"] = "nosniff"
            headers["X-Frame-Options"] = "DENY"
            headers["Referrer-Policy"] = "no-referrer"
            if https:
                headers["Strict-Transport-Security"] = HSTS
            if not path.startswith("/static/"):
                headers.setdefault("Cache-Control", "no-store")

        if path in DOC_PAGES:
            await self._documentation(scope, receive, send, secure)
            return

        started = False

        async def send_secured(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                secure(message, PAGE_CSP)
            await send(message)

        try:
            await self.app(scope, receive, send_secured)
        except Exception:
            # Starlette answers an unhandled error outside every middleware, where these headers
            # are never added: answer here instead, then re-raise so the server still logs it.
            if not started:
                await internal_error()(scope, receive, send_secured)
            raise

    async def _documentation(
        self, scope: Scope, receive: Receive, send: Send, secure: _Secure
    ) -> None:
        """Buffer the API browser's page to allow exactly its inline scripts by hash."""
        messages: list[Message] = []

        async def keep(message: Message) -> None:
            messages.append(message)

        await self.app(scope, receive, keep)
        body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
        hashes = " ".join(
            "'sha256-" + base64.b64encode(hashlib.sha256(s).digest()).decode() + "'"
            for s in _INLINE_SCRIPT.findall(body)
        )
        for message in messages:
            if message["type"] == "http.response.start":
                secure(message, _DOCS_CSP.format(scripts=hashes))
            await send(message)


class LearnerForms:
    """Guards every state-changing request under `/me/`: a request from another site is refused
    (403), and too many in a minute (per personal link, and per address) get 429."""

    def __init__(self, app: ASGIApp, base_url: str) -> None:
        self.app = app
        parts = urlsplit(base_url)
        self._origin = f"{parts.scheme}://{parts.netloc}".lower()
        self._per_link = RateLimiter(LEARNER_FORMS_PER_LINK, FORM_WINDOW_SECONDS)
        self._per_address = RateLimiter(LEARNER_FORMS_PER_ADDRESS, FORM_WINDOW_SECONDS)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check a learner's form submission before it reaches its route."""
        path: str = scope.get("path", "")
        if (
            scope["type"] != "http"
            or scope["method"] in SAFE_METHODS
            or not path.startswith("/me/")
        ):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        if self._cross_site(request):
            response = error_page(
                request,
                403,
                "This form came from another website",
                "Changes to your passport can only be made from your passport's own pages, so "
                "this request was refused and nothing was changed.",
                "If you meant to do this, open your personal link and use the form there.",
            )
            await response(scope, receive, send)
            return
        link = hashlib.sha256(path.split("/")[2].encode()).hexdigest()
        client = scope.get("client")
        address = client[0] if client else "unknown"
        wait = self._per_address.retry_after(address) or self._per_link.retry_after(link)
        if wait is None:
            self._per_address.hit(address)
            self._per_link.hit(link)
        else:
            response = error_page(
                request,
                429,
                "Too many changes in a short time",
                "To protect your passport, only a few changes a minute are accepted.",
                f"Wait {wait} seconds, then try again.",
            )
            response.headers["Retry-After"] = str(wait)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _cross_site(self, request: Request) -> bool:
        """Whether a browser says the request comes from another site (Fetch Metadata), or its
        Origin is neither this ledger's public one nor the address it was sent to.

        Under `Referrer-Policy: no-referrer` browsers send `Origin: null` with a form of the
        page's own; `Sec-Fetch-Site` then decides. A request with neither is not a browser's.
        """
        headers: Headers = request.headers
        site = headers.get("sec-fetch-site")
        if site is not None and site not in ("same-origin", "none"):
            return True
        origin = headers.get("origin")
        if origin is None:
            return False
        if origin == "null":
            return site is None
        host = headers.get("host", "")
        ours = {self._origin, f"{request.url.scheme}://{host}".lower()}
        return origin.lower() not in ours
