"""Guessing is slowed down: the token endpoint and the learner's forms answer 429 with
`Retry-After` once a client, an address or a link has tried too often in a minute."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import httpx
import pytest

from issuers.deps import TOKEN_FAILURES_PER_MINUTE
from issuers.rate_limit import RateLimiter
from passport.settings import Settings
from passport.web.security import LEARNER_FORMS_PER_LINK
from tests.security.web_helpers import Links, links_for, served

GRANT = {"grant_type": "client_credentials"}


@pytest.fixture
def daniel(settings: Settings, seeded: dict[str, str]) -> Links:
    """Daniel's personal link, and the operator's client credentials."""
    return links_for(settings, seeded["Daniel Hughes"])


@pytest.fixture
def http(settings: Settings, daniel: Links) -> Iterator[httpx.Client]:
    """A client of the app as served."""
    with served(settings) as base, httpx.Client(base_url=base, timeout=30) as client:
        yield client


def _retry_after(response: httpx.Response) -> int:
    return int(response.headers["retry-after"])


def test_wrong_secrets_for_one_client_are_cut_off(http, daniel):
    """After ten wrong secrets for a client id in a minute, the next attempt, even with the
    right secret, is 429 with Retry-After: guessing a secret cannot go on at full speed."""
    client_id, secret = daniel.operator
    for _ in range(TOKEN_FAILURES_PER_MINUTE):
        wrong = http.post(
            "/oauth/token", data=GRANT, auth=(client_id, "wrong-" + secrets.token_hex(8))
        )
        assert wrong.status_code == 401
    limited = http.post("/oauth/token", data=GRANT, auth=(client_id, secret))
    assert limited.status_code == 429
    assert limited.json()["error"] == "too_many_requests"
    assert 1 <= _retry_after(limited) <= 60


def test_failures_from_one_address_are_cut_off_across_client_ids(http):
    """Spreading guesses over many client ids does not help: the address is counted too."""
    for _ in range(TOKEN_FAILURES_PER_MINUTE):
        wrong = http.post("/oauth/token", data=GRANT, auth=(f"client_{secrets.token_hex(6)}", "x"))
        assert wrong.status_code == 401
    limited = http.post("/oauth/token", data=GRANT, auth=(f"client_{secrets.token_hex(6)}", "x"))
    assert limited.status_code == 429 and _retry_after(limited) >= 1


def test_learner_forms_are_rate_limited_per_link(http, daniel):
    """A burst of share links from one personal link: past the limit, 429 with Retry-After
    and a page that says to wait."""
    html = {"Accept": "text/html"}
    for _ in range(LEARNER_FORMS_PER_LINK):
        made = http.post(f"{daniel.me}/shares", data={"everything": "yes"}, headers=html)
        assert made.status_code == 201
    limited = http.post(f"{daniel.me}/shares", data={"everything": "yes"}, headers=html)
    assert limited.status_code == 429
    assert "Too many changes" in limited.text
    assert f"Wait {_retry_after(limited)} seconds" in limited.text


def test_the_window_slides_and_memory_stays_bounded():
    """A limit frees up as old hits leave the window; past `max_keys`, the oldest key goes."""
    now = [0.0]
    limiter = RateLimiter(2, 60.0, max_keys=3, clock=lambda: now[0])
    assert limiter.take("a") is None and limiter.take("a") is None
    assert limiter.take("a") == 60
    now[0] = 30.0
    assert limiter.retry_after("a") == 30
    now[0] = 60.0
    assert limiter.take("a") is None
    limiter.hit("a")
    assert limiter.retry_after("a") == 60
    limiter.hit("b", "c")
    limiter.hit("d")  # a fourth key: the oldest one ("a") is forgotten
    assert limiter.retry_after("a") is None
