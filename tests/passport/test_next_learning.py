"""The learner's "What to learn next": a role's gaps and the catalogue's learning filling them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from html.parser import HTMLParser

import httpx
import pytest

from events.issuer import AchievementKind
from issuers.awarding import Learner
from issuers.programme_schemas import ProgrammeCreate
from issuers.programmes import define_programme
from passport.demo import LEARNERS, seed_demo
from passport.services import Services
from passport.settings import Settings
from tests.passport.server import serving

NOW = datetime.now(UTC)


def _link(settings: Settings, staff: str, seed: bool) -> str:
    services = Services.open(settings)
    try:
        if seed:
            seed_demo(services, NOW)
        learner_id = str(services.ledger.learner_id_for(staff))
        return "/me/" + services.sharing.issue_learner_link(learner_id, NOW)
    finally:
        services.close()


@pytest.fixture
def demo(settings: Settings) -> Iterator[tuple[httpx.Client, str]]:
    """The demo served over HTTP, and Amira's personal link."""
    me = _link(settings, LEARNERS[0][0], seed=True)
    with serving(settings) as base, httpx.Client(base_url=base, timeout=30) as client:
        yield client, me


class _Gaps(HTMLParser):
    """Each gap's heading, with the text of each item listed under it."""

    def __init__(self) -> None:
        super().__init__()
        self.gaps: dict[str, list[str]] = {}
        self._depth = 0  # <li> nesting inside a gap; 0: outside any gap
        self._heading: str | None = None
        self._text: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "li" and self._depth:
            self._depth += 1
            self._text = []
        elif tag == "li" and "app-gap" in (dict(attrs).get("class") or ""):
            self._depth = 1
        elif tag == "h3" and self._depth:
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "h3" and self._depth and self._text is not None:
            self._heading = " ".join("".join(self._text).split())
            self.gaps[self._heading] = []
            self._text = None
        elif tag == "li" and self._depth:
            if self._depth > 1 and self._heading and self._text is not None:
                self.gaps[self._heading].append(" ".join("".join(self._text).split()))
            self._text = None
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)


def _gaps(html: str) -> dict[str, list[str]]:
    parsed = _Gaps()
    parsed.feed(html)
    return parsed.gaps


def _summary(html: str) -> str:
    found = re.search(r'<p class="next-summary">(.*?)</p>', html, re.S)
    return " ".join(found.group(1).split()) if found else ""


def test_a_learner_sees_what_is_missing_for_a_role_and_what_fills_it(
    demo: tuple[httpx.Client, str],
) -> None:
    """Amira, without Data Champion but with IG training from 300 days ago (a yearly refresher),
    sees the one gap and the demo academy's Data Champion award with its rating."""
    http, me = demo
    page = http.get(me, params={"next-role": "data-analyst"})
    assert page.status_code == 200
    assert _summary(page.text) == "Data analyst: you meet 1 of 2 requirements today."
    assert _gaps(page.text) == {
        "Data Champion": [
            "Data Champion from NHS Digital Academy (demo). 4.0 out of 5 from 2 verified learners."
        ]
    }


def test_lapsed_training_is_told_apart_from_none(
    settings: Settings, demo: tuple[httpx.Client, str]
) -> None:
    """Daniel's IG training is 400 days old against a yearly refresher: the gap says it lapsed,
    while Amira is told she has no Data Champion award yet."""
    http, me = demo
    assert (
        "You have no credential for this yet."
        in http.get(me, params={"next-role": "data-analyst"}).text
    )
    daniel = _link(settings, LEARNERS[1][0], seed=False)
    page = http.get(daniel, params={"next-role": "data-analyst"})
    assert _summary(page.text) == "Data analyst: you meet 1 of 2 requirements today."
    assert list(_gaps(page.text)) == ["Information Governance and Data Security, level 1"]
    assert "What you hold for this has lapsed or is not in force today." in page.text


def test_a_role_must_be_picked_from_the_list(demo: tuple[httpx.Client, str]) -> None:
    """An unknown role is a form error in words, not a crash, and shows no gaps."""
    http, me = demo
    page = http.get(me, params={"next-role": "astronaut"})
    assert page.status_code == 422
    assert "Select the role you want to learn for" in page.text
    assert _gaps(page.text) == {}


@pytest.fixture
def academy(settings: Settings) -> Iterator[tuple[httpx.Client, str]]:
    """An academy whose fire safety module is named by one programme and tagged for another's
    choice, and a learner with a single unrelated credential."""
    services = Services.open(settings)
    try:
        issuer = services.awarding.register_issuer(
            "fire-academy", "Fire Academy", "https://fire.example", NOW
        )
        fire = services.awarding.define_achievement(
            issuer.id,
            name="Fire Safety for Offices",
            description="Fire safety.",
            criteria="Complete the module.",
            kind=AchievementKind.TRAINING,
            extra={
                "alignment": [
                    {
                        "type": ["Alignment"],
                        "targetName": "Fire Safety, level 1",
                        "targetUrl": "https://www.skillsforhealth.org.uk/",
                        "targetFramework": "Core Skills Training Framework",
                        "targetCode": "CSTF-FIRE-L1",
                    }
                ],
                "tag": ["safety"],
            },
        )
        other = services.awarding.define_achievement(
            issuer.id,
            name="Evacuation drills",
            description="Drills.",
            criteria="Take part.",
            kind=AchievementKind.TRAINING,
        )
        define_programme(
            services.ledger,
            issuer.id,
            ProgrammeCreate.model_validate(
                {
                    "name": "Office Safety Programme",
                    "description": "Safety for office staff.",
                    "criteria": "Both modules.",
                    "core": [fire, other],
                }
            ),
        )
        define_programme(
            services.ledger,
            issuer.id,
            ProgrammeCreate.model_validate(
                {
                    "name": "Safety Electives",
                    "description": "Any safety modules.",
                    "criteria": "Two safety modules.",
                    "optional": {"choose": 2, "tags": ["safety"]},
                }
            ),
        )
        learner = Learner("ESR-1", "Sam Example", "sam@example.nhs.net")
        services.awarding.award(issuer.id, other, learner, earned_on=NOW.date(), at=NOW)
        services.projections.catch_up()
    finally:
        services.close()
    me = _link(settings, "ESR-1", seed=False)
    with serving(settings) as base, httpx.Client(base_url=base, timeout=30) as client:
        yield client, me


def test_a_programme_that_includes_a_filling_module_is_offered(
    academy: tuple[httpx.Client, str],
) -> None:
    """The fire safety gap lists the aligned module, the programme naming it and the one drawing
    on its tag."""
    http, me = academy
    page = http.get(me, params={"next-role": "administrative-officer"})
    assert page.status_code == 200
    fire = _gaps(page.text)["Fire Safety, level 1"]
    assert fire == [
        "Fire Safety for Offices from Fire Academy. Not rated yet.",
        "The programme Office Safety Programme from Fire Academy can include it. Not rated yet.",
        "The programme Safety Electives from Fire Academy can include it. Not rated yet.",
    ]
    assert _gaps(page.text)["Health, Safety and Welfare, level 1"] == []
