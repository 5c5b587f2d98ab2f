"""No request replays an issuer's history (issue 16): a share page or a status list reads only
the issuer events stored since it last looked, however long that history grows, and still sees
a key rotation or an achievement change made by another process at once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

import httpx
import pytest

from events.issuer import Issuer
from events.signing import SigningMapper
from passport.demo import DEMO_SLUG
from passport.services import Services
from passport.settings import Settings
from tests.passport.server import settled
from tests.security.web_helpers import Links, links_for, served

JSON = {"Accept": "application/json"}
HTML = {"Accept": "text/html"}
ACADEMY = Issuer.create_id(DEMO_SLUG)
GROWTH = 40  # issuer events appended between reads: more than the demo issuer's whole history


@pytest.fixture
def issuer_reads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[UUID, int]]:
    """Every event this process reads from the store, as (aggregate, version): each one is
    decoded and its signature checked as before (the real mapper runs; we only note it)."""
    seen: list[tuple[UUID, int]] = []
    check = SigningMapper.to_domain_event

    def noted(self: SigningMapper, stored: Any) -> Any:
        seen.append((stored.originator_id, int(stored.originator_version)))
        return check(self, stored)

    monkeypatch.setattr(SigningMapper, "to_domain_event", noted)
    return seen


@pytest.fixture
def grace(settings: Settings, seeded: dict[str, str]) -> Links:
    """Grace's links on the demo ledger."""
    return links_for(settings, seeded["Grace Mensah"])


@pytest.fixture
def http(settings: Settings, grace: Links) -> Iterator[httpx.Client]:
    """A client of the app as `passport serve` serves it, once its follower is idle."""
    with served(settings) as base, httpx.Client(base_url=base, timeout=30) as client:
        yield client


def _status_list_path(http: httpx.Client, share: str) -> str:
    credential = http.get(share, headers=JSON).json()["verifiableCredential"][0]
    status = credential["credentialStatus"]
    entry = status[0] if isinstance(status, list) else status
    return urlsplit(entry["statusListCredential"]).path


def _grow_history(settings: Settings, events: int) -> None:
    """Another process publishes `events` new versions of one of the academy's achievements."""
    services = Services.open(settings)
    try:
        record = next(
            a for a in services.ledger.issuer(ACADEMY).achievements.values() if not a["retired"]
        )
        for _ in range(events):
            services.ledger.update_achievement(
                ACADEMY, record["id"], record["refresherMonths"], record["achievement"]
            )
    finally:
        services.close()
    settled(settings)


def _reads(
    http: httpx.Client, paths: list[str], seen: list[tuple[UUID, int]]
) -> list[tuple[UUID, int]]:
    """The events read from the store while answering each path as HTML and JSON."""
    seen.clear()
    for path in paths:
        for headers in (HTML, JSON):
            answer = http.get(path, headers=headers)
            assert answer.status_code == 200, (path, answer.status_code, answer.text[:200])
    return list(seen)


def test_share_page_and_status_list_never_replay_the_issuer(settings, grace, http, issuer_reads):
    """Once warm, a share page, a status list, the learner's page and passport file and the
    DID document read no stored event at all; after the issuer's history grows by more than it
    held, the first requests read only the new events, once, and then none again: the cost of
    a request does not grow with the issuer's history."""
    paths = [
        grace.share,
        _status_list_path(http, grace.share),
        grace.me,
        f"{grace.me}/passport.json",
        f"/issuers/{DEMO_SLUG}/did.json",
    ]
    _reads(http, paths, issuer_reads)  # whatever this process had not read yet
    before = _reads(http, paths, issuer_reads)
    assert before == []
    services = Services.open(settings)
    try:
        head = int(services.ledger.repository.get(ACADEMY).version)
    finally:
        services.close()
    _grow_history(settings, GROWTH)
    after_growth = _reads(http, paths, issuer_reads)
    assert after_growth == [(ACADEMY, v) for v in range(head + 1, head + GROWTH + 1)]
    assert _reads(http, paths, issuer_reads) == []


def test_a_rotation_by_another_process_is_seen_at_once(settings, grace, http, issuer_reads):
    """An issuer key rotated by another process (the CLI) is in the served DID document and
    signs the served status list on the very next request, though the server had the issuer
    in memory."""
    did_path = f"/issuers/{DEMO_SLUG}/did.json"
    list_path = _status_list_path(http, grace.share)
    assert http.get(did_path).status_code == 200
    old_proof = http.get(list_path, headers=JSON).json()["proof"]
    services = Services.open(settings)
    try:
        new_key = services.awarding.rotate_issuer_key(ACADEMY, datetime.now(UTC))
    finally:
        services.close()
    settled(settings)
    methods = [m["id"] for m in http.get(did_path).json()["verificationMethod"]]
    assert new_key in methods
    proof = http.get(list_path, headers=JSON).json()["proof"]
    assert old_proof["verificationMethod"] != new_key
    assert proof["verificationMethod"] == new_key
