"""A write request answers only once the read models show what it recorded (or a bound passes).

Every event a request records goes into its own holder (`events.application.RECORDED`); before
the response starts, the request waits, polling the tracked position without any lock, for the
background follower to apply the highest of them, at most `PASSPORT_WRITE_WAIT` seconds. The
caller's next read then shows its write. Safe methods never wait.
"""

from __future__ import annotations

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from events.application import RECORDED
from passport.services import Services

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class ReadYourWrites:
    """Holds a write's response until the read models reach its own log position."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass safe requests through; time others' responses after their own events."""
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        recorded = [0]
        started = False

        async def send_when_applied(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start" and not started:
                started = True
                if recorded[0]:
                    await anyio.to_thread.run_sync(_wait, scope, recorded[0])
            await send(message)

        token = RECORDED.set(recorded)
        try:
            await self.app(scope, receive, send_when_applied)
        finally:
            RECORDED.reset(token)


def _wait(scope: Scope, position: int) -> None:
    services: Services = scope["app"].state.services
    if services.following:
        services.projections.wait_for(position, services.settings.write_wait)
    else:
        services.projections.catch_up()
