"""Plain words for a nurse (issue 13, items 7 and 8): CPD is counted in hours everywhere, on the
pages and in the API reference, and every download a learner sees is something a person can
open and print (a PDF certificate) before any file for IT systems."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from html.parser import HTMLParser

import httpx

from passport.services import Services
from passport.settings import Settings
from passport.words import hours_needed


class _Downloads(HTMLParser):
    """The page's text, and each download link with whether it sits inside a closed Details."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.links: list[tuple[str, bool]] = []
        self._details = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "details":
            self._details += 1
        if tag == "a" and "download" in found:
            self.links.append((found.get("href") or "", self._details > 0))

    def handle_endtag(self, tag: str) -> None:
        if tag == "details":
            self._details -= 1

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _read(client: httpx.Client, path: str) -> _Downloads:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200, response.text
    parsed = _Downloads()
    parsed.feed(response.text)
    return parsed


def _personal_link(settings: Settings, learner_id: str) -> str:
    services = Services.open(settings)
    try:
        return "/me/" + services.sharing.issue_learner_link(learner_id, datetime.now(UTC))
    finally:
        services.close()


def test_the_learner_page_counts_cpd_in_hours_and_offers_a_certificate_first(
    client, settings, seeded
):
    """Amira's page never says "credits"; each credential's first download is its PDF
    certificate, and the JSON and JWT files are only inside "Files for IT systems"."""
    page = _read(client, _personal_link(settings, seeded["Amira Okafor"]))
    text = " ".join(page.text)
    assert re.search(r"\bcredits?\b", text.lower()) is None  # "Accredited by" is another word
    assert "CPD hours" in text
    files = [(href, hidden) for href, hidden in page.links if "/credentials/" in href]
    assert files and all(hidden for _, hidden in files)
    certificates = [href for href, _ in page.links if "/certificates/" in href]
    first = page.links[0][0]
    assert first.endswith("/certificates/passport.pdf")
    for href, _ in files:
        slug = href.rsplit("/", 1)[1].rsplit(".", 1)[0]
        own = [h for h, _ in page.links if f"/{slug}." in h]
        assert own[0] == next(c for c in certificates if c.endswith(f"/{slug}.pdf"))


def test_the_api_reference_names_cpd_hours_not_credits(client):
    """Every CPD field in the OpenAPI document is titled and described in hours."""
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    fields = {
        (name, prop): spec
        for name, schema in schemas.items()
        for prop, spec in schema.get("properties", {}).items()
        if "credit" in prop.lower() and "accredit" not in prop.lower()
    }
    assert {
        ("AchievementCreate", "creditsAvailable"),
        ("AwardCreate", "creditsEarned"),
        ("CredentialSummary", "credits"),
        ("PassportView", "cpd_credits_by_year"),
    } <= set(fields)
    for spec in fields.values():
        assert "hours" in spec["title"] and "CPD hours" in spec["description"]
        assert "credit" not in spec["title"].lower()


def test_the_hours_still_needed_read_as_one_plain_sentence() -> None:
    """The revalidation sentence as issue 13 words it, and never "1 more hour, 20 of them
    participatory" when only participatory hours are missing."""
    by = date(2027, 3, 3)
    assert hours_needed(28, 13, by) == (
        "You need 28 more hours, 13 of them participatory, by 3 March 2027."
    )
    assert hours_needed(20, 20, by) == "You need 20 more participatory hours by 3 March 2027."
    assert hours_needed(1, 0, by) == "You need 1 more hour by 3 March 2027."
    assert hours_needed(2.5, 0.5, by) == (
        "You need 2.5 more hours, 0.5 of them participatory, by 3 March 2027."
    )
