"""Personal and share tokens never reach the logs: the server's access log shows `/me/…` and
`/s/…` instead, also when a token rides in a query string."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest

from passport.settings import Settings
from tests.security.web_helpers import links_for, served


class Collected(logging.Handler):
    """Keeps every formatted log line."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def attach(self) -> None:
        """Listen to the server's loggers and the root logger."""
        for name in LOGGERS:
            logging.getLogger(name).addHandler(self)

    def emit(self, record: logging.LogRecord) -> None:
        """Format the record as a handler would print it."""
        self.lines.append(self.format(record))


LOGGERS = ("uvicorn.access", "uvicorn.error", "")


@pytest.fixture
def access_log() -> Iterator[Collected]:
    """Everything the server logs once `attach()` is called (after uvicorn set its logging)."""
    handler = Collected()
    yield handler
    for name in LOGGERS:
        logging.getLogger(name).removeHandler(handler)


def test_tokens_are_redacted_in_the_access_log(
    settings: Settings,
    seeded: dict[str, str],
    access_log: Collected,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """A learner's and an employer's visits, forms and API calls, logged at INFO as served,
    and our own loggers' messages and tracebacks: no line holds either token; the lines show
    where the token was."""
    links = links_for(settings, seeded["Priya Raman"])
    personal, share = links.me.rsplit("/", 1)[1], links.share.rsplit("/", 1)[1]
    html = {"Accept": "text/html"}
    with served(settings, log_level="info") as base, httpx.Client(base_url=base) as http:
        access_log.attach()
        assert http.get(links.me, headers=html).status_code == 200
        http.get(links.me, params={"revalidation": "2026-04-01"}, headers=html)
        http.post(f"{links.me}/shares", data={"everything": "yes"}, headers=html)
        http.get(f"{links.me}/erase", headers=html)
        assert http.get(links.share, headers=html).status_code == 200
        http.get(f"{links.share}/qr.svg")
        http.get(f"/api/v1/shares/{share}/role-check", params={"role": "nurse"})
        http.get("/healthz", params={"next": links.me, "also": f"%2Fs%2F{share}"})
        logging.getLogger("passport.schedule").warning("could not open %s", links.share)
        try:
            raise RuntimeError(f"no such link {links.me}")
        except RuntimeError:
            logging.getLogger("issuers.jobs").exception("failed")
    printed = capfd.readouterr()
    logged = "\n".join(access_log.lines) + printed.out + printed.err
    assert access_log.lines, "the access log was not captured"
    assert personal not in logged
    assert share not in logged
    assert '"GET /me/… HTTP/1.1" 200' in logged
    assert '"GET /s/… HTTP/1.1" 200' in logged
    assert "/me/…?revalidation=2026-04-01" in logged
