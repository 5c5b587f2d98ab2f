"""The learner's and the employer's pages in a real browser, with a screenshot of each."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from passport.services import Services
from passport.settings import Settings
from tests.pages.conftest import (
    PHONE,
    Viewport,
    assert_accessible_basics,
    both_viewports,
    screenshot,
)


def _personal_link(settings: Settings, learner_id: str) -> str:
    services = Services.open(settings)
    try:
        return "/me/" + services.sharing.issue_learner_link(learner_id, datetime.now(UTC))
    finally:
        services.close()


def _share_everything(page: Page, base: str, me: str) -> str:
    """As the learner: create a share link of every credential; its path."""
    page.goto(base + me)
    page.get_by_label("All my credentials").check()
    page.get_by_label("A note for the person you share with").fill("For my new ward manager.")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check before you share")
    page.get_by_role("button", name="Create share link").click()
    expect(page.get_by_role("heading", name="Your new share link")).to_be_visible()
    return urlsplit(page.locator("#new-share-url").inner_text().strip()).path


@both_viewports
def test_the_learner_sees_their_passport_and_shares_it(
    page: Page, demo_url: str, settings: Settings, seeded: dict[str, str], viewport: Viewport
) -> None:
    """Credentials with status, what expires first, CPD as a chart; then a share link."""
    me = _personal_link(settings, seeded["Amira Okafor"])
    page.goto(demo_url + me)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your staff passport")
    expect(page.get_by_text("Amira Okafor").first).to_be_visible()
    expect(page.get_by_role("heading", name="Resuscitation Level 2 (CSTF)")).to_be_visible()
    expect(page.locator("svg.app-chart title")).to_contain_text("CPD hours per NHS year")
    assert_accessible_basics(page)
    screenshot(page, f"learner-passport-{viewport.name}")
    path = _share_everything(page, demo_url, me)
    assert path.startswith("/s/")
    screenshot(page, f"learner-share-created-{viewport.name}")


def test_the_employer_sees_a_revoked_credential_marked_revoked(
    page: Page, demo_url: str, settings: Settings, seeded: dict[str, str]
) -> None:
    """Tomasz's foundation certificate was revoked: the employer sees it, check by check."""
    share = _share_everything(page, demo_url, _personal_link(settings, seeded["Tomasz Nowak"]))
    page.goto(demo_url + share)
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff passport of Tomasz Nowak")
    expect(page.locator("#verdict h2")).to_have_text(
        "Digital Academy Online Foundation Certificate was revoked"
    )
    revoked = page.locator("li.credential").filter(
        has=page.get_by_role("heading", name="Digital Academy Online Foundation Certificate")
    )
    expect(revoked.locator(".nhsuk-tag").first).to_have_text("Revoked")
    expect(revoked.locator(".verdict")).to_contain_text("Revoked by NHS Digital Academy (demo) on ")
    expect(revoked).to_contain_text("Reason given by NHS Digital Academy (demo): Awarded in error")
    expect(page.get_by_text("For my new ward manager.")).to_be_visible()
    assert_accessible_basics(page)
    screenshot(page, "employer-revoked-credential")
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Check", exact=True)).to_be_hidden()
    expect(page.locator("header.nhsuk-header")).to_be_hidden()
    expect(revoked.locator(".verdict")).to_be_visible()
    screenshot(page, "employer-print-view")


def test_the_role_check_shows_one_requirement_missing(
    page: Page, demo_url: str, settings: Settings, seeded: dict[str, str]
) -> None:
    """Daniel as a data analyst: Data Champion met, information governance missing (lapsed)."""
    share = _share_everything(page, demo_url, _personal_link(settings, seeded["Daniel Hughes"]))
    page.goto(demo_url + share)
    page.get_by_label("Role", exact=True).select_option(label="Data analyst")
    page.get_by_role("button", name="Check", exact=True).click()
    result = page.locator("#role-result")
    expect(result).to_be_focused()
    expect(result.get_by_role("heading", level=3)).to_have_text("1 of 2 requirements met")
    expect(result.locator("li.requirement-missing")).to_have_count(1)
    expect(result.locator("li.requirement-missing")).to_contain_text("Information Governance")
    expect(result.locator("li.requirement-missing")).to_contain_text("lapsed on")
    met = result.locator("li.requirement-met")
    expect(met).to_contain_text("Data Champion")
    met.get_by_role("link", name="Data Champion").click()
    expect(page.locator("li.credential:target")).to_contain_text("Data Champion")
    assert_accessible_basics(page)
    screenshot(page, "employer-role-check")


@pytest.mark.parametrize("viewport", [PHONE], ids=["phone"])
def test_a_withdrawn_link_explains_itself(
    page: Page, demo_url: str, settings: Settings, seeded: dict[str, str], viewport: Viewport
) -> None:
    """The learner withdraws a link; opening it gives a plain 410 page, not JSON."""
    me = _personal_link(settings, seeded["Grace Mensah"])
    share = _share_everything(page, demo_url, me)
    page.goto(demo_url + me)
    page.get_by_role("link", name="Withdraw").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Withdraw this share link?")
    assert page.request.get(demo_url + share).status == 200  # nothing happens until confirmed
    page.get_by_role("button", name="Yes, withdraw this link").click()
    expect(page.get_by_role("alert")).to_contain_text("Share link withdrawn")
    expect(page.get_by_text("Withdrawn").first).to_be_visible()
    response = page.goto(demo_url + share)
    assert response is not None and response.status == 410
    expect(page.get_by_role("heading", level=1)).to_have_text("This share link has ended")
    expect(page.get_by_text("withdrew the link")).to_be_visible()
    assert_accessible_basics(page)
    screenshot(page, "employer-link-withdrawn")
