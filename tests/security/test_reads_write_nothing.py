"""No public GET writes (issue 12) or applies events (issue 16): reading the share page, status
lists, proofs, checkpoint, registry and a learner's page leaves the ledger, and the links beside
it, as they were; opening a share link records nothing, not even a count."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx
import pytest

from passport.registry import WELL_KNOWN_PATH, published_registry
from passport.services import Services
from passport.settings import Settings
from tests.security.web_helpers import Links, links_for, served

JSON = {"Accept": "application/json"}
HTML = {"Accept": "text/html"}


def _state(settings: Settings) -> dict[str, object]:
    """What a write would move: signed checkpoints and registry versions, the read models'
    position, the event store's newest notification id, and every stored column of the
    learners' personal and share links (an opening count included)."""
    services = Services.open(settings)
    try:
        with services.read_models.read() as tx:
            checkpoints = tx.execute("SELECT COUNT(*) FROM log_checkpoints")[0][0]
            registries = tx.execute("SELECT COUNT(*) FROM registry_versions")[0][0]
            position = tx.execute("SELECT MAX(position) FROM rm_tracking")[0][0]
            shares = tx.execute("SELECT * FROM share_links ORDER BY share_id")
            personal = tx.execute("SELECT * FROM learner_links ORDER BY token_hash")
        head = services.ledger.recorder.max_notification_id() or 0
    finally:
        services.close()
    return {
        "log_checkpoints": int(checkpoints),
        "registry_versions": int(registries),
        "rm_tracking": int(position or 0),
        "max_notification_id": int(head),
        "share_links": [tuple(row) for row in shares],
        "learner_links": [tuple(row) for row in personal],
    }


@pytest.fixture
def grace(settings: Settings, seeded: dict[str, str]) -> Links:
    """Grace's links, with the registry published as a writer (the CLI) publishes it."""
    links = links_for(settings, seeded["Grace Mensah"])
    services = Services.open(settings)
    try:
        published_registry(services, datetime.now(UTC))
    finally:
        services.close()
    return links


@pytest.fixture
def http(settings: Settings, grace: Links) -> Iterator[httpx.Client]:
    """A client of the app as served, once its follower and signer are idle."""
    with served(settings) as base, httpx.Client(base_url=base, timeout=30) as client:
        yield client


def test_every_public_get_leaves_the_ledger_unchanged(settings, grace, http):
    """Share page (HTML and JSON), status lists, inclusion proofs, checkpoint, keys, registry,
    well-known documents and the learner's pages: all answer, and afterwards the checkpoints,
    registry versions, projection position, event store head and links (no opening counted)
    are exactly as before."""
    before = _state(settings)
    assert before["share_links"], "the share link read below is one of these rows"
    presentation = http.get(grace.share, headers=JSON)
    assert presentation.status_code == 200
    credentials = presentation.json()["verifiableCredential"]
    assert credentials
    paths = [
        grace.share,
        f"{grace.share}/qr.svg",
        grace.me,
        f"{grace.me}/passport.json",
        "/log/checkpoint",
        "/log/key",
        "/log/proof/consistency?first=1&second=2",
        WELL_KNOWN_PATH,
        "/api/v1/roles",
        "/healthz",
    ]
    for credential in credentials:
        paths.append(f"/log/proof/inclusion?credential_id={credential['id']}")
        paths.append(f"/log/proof/inclusion?credential_id={credential['id']}&event=status")
        status = credential.get("credentialStatus", [])
        for entry in status if isinstance(status, list) else [status]:
            paths.append(urlsplit(entry["statusListCredential"]).path)
        issuer = credential["issuer"]
        did = issuer if isinstance(issuer, str) else issuer["id"]
        slug = did.rsplit(":", 1)[-1]
        paths.append(f"/issuers/{slug}/did.json")
    version = http.get(WELL_KNOWN_PATH).json()["credentialSubject"]["version"]
    paths.append(f"/registry/{version}")
    for path in paths:
        for headers in (HTML, JSON):
            answer = http.get(path, headers=headers)
            assert answer.status_code in (200, 404), (path, answer.status_code, answer.text[:200])
            assert answer.status_code == 200 or "/log/proof/inclusion" in path, path
    assert _state(settings) == before
