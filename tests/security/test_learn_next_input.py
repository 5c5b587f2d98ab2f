"""What a hand-made request can send to "What to learn next" and what an academy can put in a
programme's name: a form error in words (never a 500), markup shown as text, nothing written."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from events.issuer import AchievementKind
from issuers.programme_schemas import ProgrammeCreate
from issuers.programmes import define_programme
from passport.services import Services
from passport.settings import Settings
from tests.security.web_helpers import Links, links_for, served

HTML = {"Accept": "text/html"}
MARKUP = '<script>alert("x")</script>'


@pytest.fixture
def amira(settings: Settings, seeded: dict[str, str]) -> Links:
    """Amira's personal link, on the demo ledger."""
    return links_for(settings, seeded["Amira Okafor"])


@pytest.fixture
def http(settings: Settings, amira: Links) -> Iterator[httpx.Client]:
    """A client of the app as served."""
    with served(settings) as base, httpx.Client(base_url=base, timeout=30) as client:
        yield client


@pytest.mark.parametrize("role", ["", "astronaut", MARKUP, "registered-nurse-adult\x00"])
def test_a_role_not_in_the_list_is_a_form_error(
    http: httpx.Client, amira: Links, role: str
) -> None:
    """Anything but a listed role id gets the page back with 422 and the error in words."""
    page = http.get(amira.me, params={"next-role": role}, headers=HTML)
    assert page.status_code == 422
    assert "Select the role you want to learn for" in page.text
    assert MARKUP not in page.text
    assert "Traceback" not in page.text


def test_an_overlong_role_is_refused_without_a_crash(http: httpx.Client, amira: Links) -> None:
    """A role value of 10,000 characters is refused with a 4xx, never a 500."""
    page = http.get(amira.me, params={"next-role": "x" * 10_000}, headers=HTML)
    assert 400 <= page.status_code < 500
    assert "Traceback" not in page.text


def test_markup_in_a_programme_name_is_shown_as_text(
    settings: Settings, seeded: dict[str, str]
) -> None:
    """A programme named with a script tag appears on /catalogue escaped, never as markup."""
    services = Services.open(settings)
    try:
        issuer = services.awarding.register_issuer(
            "markup-academy", "Markup Academy", "https://markup.example", datetime.now(UTC)
        )
        module = services.awarding.define_achievement(
            issuer.id,
            name=MARKUP,
            description="A module.",
            criteria="Complete it.",
            kind=AchievementKind.TRAINING,
        )
        define_programme(
            services.ledger,
            issuer.id,
            ProgrammeCreate.model_validate(
                {"name": MARKUP, "description": "d", "criteria": "c", "core": [module]}
            ),
        )
        services.projections.catch_up()
    finally:
        services.close()
    with served(settings) as base, httpx.Client(base_url=base, timeout=30) as client:
        page = client.get("/catalogue", headers=HTML)
    assert page.status_code == 200
    assert MARKUP not in page.text
    assert "&lt;script&gt;" in page.text
