"""Endorsements shown to people: "Accredited by …" on the learner's and the employer's pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from passport.demo import seed_demo
from passport.services import Services
from passport.settings import Settings
from tests.passport.server import serving

ACCREDITOR = "Faculty of Clinical Informatics (demo)"


@pytest.fixture
def amira(settings: Settings) -> Iterator[tuple[httpx.Client, dict[str, Any]]]:
    """The demo ledger served over HTTP, and the demo learner who holds endorsed credentials."""
    services = Services.open(settings)
    try:
        demo = seed_demo(services, datetime.now(UTC))
    finally:
        services.close()
    learner = next(x for x in demo.learners if x["name"] == "Amira Okafor")
    with serving(settings) as base, httpx.Client(base_url=base, timeout=30) as http:
        yield http, learner


def _card(html: str, name: str) -> str:
    """The text of the credential card whose heading is `name`."""
    start = html.index(f">{name}</h3>")
    return html[start : html.index("</li>", start)]


def test_the_learner_sees_who_accredits_their_credential(
    amira: tuple[httpx.Client, dict[str, Any]],
) -> None:
    """The foundation certificate's card says who accredits it; an unendorsed card does not."""
    http, learner = amira
    page = http.get("/" + str(learner["passport_url"]).split("/", 3)[3])
    assert page.status_code == 200
    card = _card(page.text, "Digital Academy Online Foundation Certificate")
    assert "Accredited by" in card
    assert ACCREDITOR in card
    unendorsed = _card(page.text, "Information Governance and Data Security (CSTF)")
    assert "Accredited by" not in unendorsed


def test_the_employer_sees_the_accreditation_checked(
    amira: tuple[httpx.Client, dict[str, Any]],
) -> None:
    """On the share page the accreditation shows as confirmed, not as a bare claim."""
    http, learner = amira
    page = http.get("/" + str(learner["share_url"]).split("/", 3)[3])
    assert page.status_code == 200
    card = _card(page.text, "Digital Academy Online Foundation Certificate")
    assert ACCREDITOR in card
    assert "could not be confirmed" not in card


def test_the_shared_file_carries_the_endorsement_for_machines(
    amira: tuple[httpx.Client, dict[str, Any]],
) -> None:
    """The share link's JSON carries the endorsement credential and which credential it backs."""
    http, learner = amira
    shared = http.get(
        "/" + str(learner["share_url"]).split("/", 3)[3], headers={"Accept": "application/json"}
    ).json()
    endorsements = [
        c for c in shared["verifiableCredential"] if "EndorsementCredential" in c["type"]
    ]
    assert {e["issuer"]["name"] for e in endorsements} == {ACCREDITOR}
    links = shared["staffPassport"]["endorsements"]
    assert sorted(i for ids in links.values() for i in ids) == sorted(e["id"] for e in endorsements)
    assert all(re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", k) for k in links)
