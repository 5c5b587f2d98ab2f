"""The public catalogue: achievements with alignment, accreditation, CPD hours and ratings."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from passport.demo import LEARNERS, seed_demo
from passport.services import Services
from passport.settings import Settings
from tests.passport.server import serving

JSON = {"Accept": "application/json"}
HTML = {"Accept": "text/html"}


@pytest.fixture
def http(settings: Settings) -> Iterator[httpx.Client]:
    """The demo ledger served over HTTP."""
    services = Services.open(settings)
    try:
        seed_demo(services, datetime.now(UTC))
    finally:
        services.close()
    with serving(settings) as base, httpx.Client(base_url=base, timeout=30) as client:
        yield client


def _by_name(catalogue: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["name"]: a for a in catalogue["achievements"]}


def test_the_catalogue_lists_what_backs_each_achievement(http: httpx.Client) -> None:
    """JSON: the foundation certificate with its accreditor, CPD hours, alignment and ratings."""
    catalogue = http.get("/catalogue", headers=JSON)
    assert catalogue.status_code == 200
    found = _by_name(catalogue.json())
    foundation = found["Digital Academy Online Foundation Certificate"]
    assert foundation["issuer"] == "NHS Digital Academy (demo)"
    assert foundation["accreditedBy"] == ["Faculty of Clinical Informatics (demo)"]
    assert foundation["rating"] == {"average": 5.0, "reviews": 1}
    assert found["Data Champion"]["rating"] == {"average": 4.0, "reviews": 2}
    masterclass = found["Digital Leadership Masterclass"]
    assert masterclass["cpdHours"] == 3.5
    resus = found["Resuscitation Level 2 (CSTF)"]
    assert resus["alignment"][0]["targetFramework"] == "Core Skills Training Framework"
    assert resus["rating"] is None
    epr = {p["name"]: p for p in catalogue.json()["programmes"]}[
        "Digital Academy EPR Skills Certificate"
    ]
    assert epr["issuer"] == "NHS Digital Academy (demo)"
    assert epr["packages"][0]["requires"] == [
        "Core module: EPR skills: navigating the patient record (face to face).",
        "Choose 2 of: any module tagged ‘epr-skills’.",
    ]
    assert epr["packages"][1]["title"] == "For pharmacy staff"


def test_reviews_never_name_the_learner(http: httpx.Client) -> None:
    """No learner's name, email or staff number appears anywhere in the catalogue."""
    for headers in (JSON, HTML):
        text = http.get("/catalogue", headers=headers).text
        for staff, name, email in LEARNERS:
            assert staff not in text
            assert name not in text
            assert email not in text
            assert name.split()[0] not in text
    shown = [
        r for a in http.get("/catalogue", headers=JSON).json()["achievements"] for r in a["reviews"]
    ]
    assert shown
    assert all(r["verifiedLearner"] and r["reviewer"].startswith("Learner ") for r in shown)


def test_the_catalogue_page_reads_in_plain_words(http: httpx.Client) -> None:
    """HTML: the rating and accreditation in words a person reads."""
    page = http.get("/catalogue", headers=HTML)
    assert page.status_code == 200
    assert "Catalogue of learning" in page.text
    assert "Accredited by" in page.text
    assert "5.0 out of 5 from 1 verified learner" in page.text
    assert "Gave me the words to work with our digital team." in page.text
    assert "Digital Academy EPR Skills Certificate" in page.text
    assert "Choose 2 of: any module tagged ‘epr-skills’." in page.text
