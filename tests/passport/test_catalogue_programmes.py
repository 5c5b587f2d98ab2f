"""The catalogue's programmes: what each requires in plain words, a keyset page at a time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from events.issuer import AchievementKind
from issuers.programme_schemas import ProgrammeCreate
from issuers.programmes import define_programme
from passport.services import Services
from passport.settings import Settings
from passport.web.catalogue_programmes import programmes_page
from projections import catalogue

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    """An academy with three modules and three programmes built from them."""
    opened = Services.open(settings)
    issuer = opened.awarding.register_issuer(
        "digital-academy", "NHS Digital Academy", "https://academy.example", NOW
    )
    ids = {
        key: opened.awarding.define_achievement(
            issuer.id,
            name=name,
            description=f"{name}.",
            criteria="Complete the module.",
            kind=AchievementKind.CPD,
            credits_available=2.0,
        )
        for key, name in (("core", "Data basics"), ("a", "Dashboards"), ("b", "Data quality"))
    }
    for name in ("Data Champion", "Data Fellowship", "Analytics Pathway"):
        define_programme(
            opened.ledger,
            issuer.id,
            ProgrammeCreate.model_validate(
                {
                    "name": name,
                    "description": f"The {name}.",
                    "criteria": "Complete the modules.",
                    "core": [ids["core"]],
                    "optional": {"choose": 1, "from": [ids["a"], ids["b"]]},
                    "minCpdHours": 6,
                    "variants": [{"professionalGroup": "nursing", "core": [ids["a"]]}],
                }
            ),
        )
    opened.projections.catch_up()
    yield opened
    opened.close()


def test_a_programme_says_what_it_requires_in_plain_words(services: Services) -> None:
    """Core modules by name, "choose 1 of" the optional ones, the CPD hours, each variant."""
    listed, _ = programmes_page(services, None)
    champion = next(p for p in listed if p["name"] == "Data Champion")
    assert champion["issuer"] == "NHS Digital Academy"
    standard, nursing = champion["packages"]
    assert standard["title"] == "For everyone"
    assert standard["requires"] == [
        "Core module: Data basics.",
        "Choose 1 of: Dashboards or Data quality.",
        "At least 6 hours of CPD.",
    ]
    assert nursing["title"] == "For nursing staff"
    assert nursing["requires"] == ["Core module: Dashboards."]
    assert champion["rating"] is None


def test_programmes_come_a_page_at_a_time_in_name_order(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With pages of two, the first page has the first two by name and links to the third."""
    monkeypatch.setattr(catalogue, "PAGE_SIZE", 2)
    first, link = programmes_page(services, None)
    assert [p["name"] for p in first] == ["Analytics Pathway", "Data Champion"]
    assert link is not None
    query = parse_qs(urlsplit(link).query)
    cursor = (query["programmes_after"][0], query["programmes_after_id"][0])
    second, more = programmes_page(services, cursor)
    assert [p["name"] for p in second] == ["Data Fellowship"]
    assert more is None
