"""Every page and state a learner and an employer meet, at 320, 390 and 1366 px in Chromium:
no sideways scrolling, no axe-core violations, a screenshot of each; on the way, the share
flow shares exactly what was chosen, withdrawing needs confirming, and the as-of role check
counts training earned before the day even though it was recorded later, and says so."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from passport.services import Services
from passport.settings import Settings
from passport.words import long_date
from tests.pages.conftest import (
    Viewport,
    assert_no_axe_violations,
    assert_no_sideways_scroll,
    screenshot,
)

WIDTHS = [
    Viewport("320", 320, 640, is_mobile=True),
    Viewport("390", 390, 844, is_mobile=True),
    Viewport("1366", 1366, 768),
]


def _personal_link(settings: Settings, learner_id: str) -> str:
    services = Services.open(settings)
    try:
        return "/me/" + services.sharing.issue_learner_link(learner_id, datetime.now(UTC))
    finally:
        services.close()


def _check(page: Page, name: str, viewport: Viewport, *, axe: bool = True) -> None:
    """The page as it is now fits the window and passes axe-core; its screenshot is kept."""
    assert_no_sideways_scroll(page)
    if axe:
        assert_no_axe_violations(page)
    screenshot(page, f"{name}-{viewport.name}")


@pytest.mark.parametrize("viewport", WIDTHS, ids=lambda v: v.name)
def test_every_page_fits_and_passes_axe(
    page: Page, demo_url: str, settings: Settings, seeded: dict[str, str], viewport: Viewport
) -> None:
    """Learner, what to learn next, errors, check your answers, confirmation, employer, role
    check (errors and result), a certificate's check page, erasure's confirmation, withdrawal
    (confirm, banner), the ended link (410), an unknown link (404), the public /catalogue, /docs."""
    me = demo_url + _personal_link(settings, seeded["Amira Okafor"])
    page.goto(me)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your staff passport")
    _check(page, "learner-passport", viewport)
    page.locator("details.app-review summary").first.click()  # the review form (issue 15)
    expect(page.get_by_role("button", name="Send review").first).to_be_visible()
    _check(page, "learner-review-form", viewport)

    # Amira's two 3.5-hour participatory masterclasses fall in the three years before the day.
    revalidates = date.today() + timedelta(days=90)
    revalidation = page.get_by_role("group", name="Your revalidation date")
    revalidation.get_by_label("Day", exact=True).fill(str(revalidates.day))
    revalidation.get_by_label("Month", exact=True).fill(str(revalidates.month))
    revalidation.get_by_label("Year", exact=True).fill(str(revalidates.year))
    page.get_by_role("button", name="Show the hours I need").click()
    expect(page.locator(".revalidation-need")).to_have_text(
        f"You need 28 more hours, 13 of them participatory, by {long_date(revalidates)}."
    )
    _check(page, "learner-revalidation", viewport)

    # What to learn next (issue 15): Amira holds IG training but not the Data Champion award.
    page.get_by_label("Role", exact=True).select_option(label="Data analyst")
    page.get_by_role("button", name="Show what to learn next").click()
    expect(page.locator(".next-summary")).to_have_text(
        "Data analyst: you meet 1 of 2 requirements today."
    )
    expect(page.locator("li.app-gap h3")).to_have_text(["Data Champion"])
    _check(page, "learner-next-learning", viewport)

    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_title("Error: Your staff passport – Staff Passport – NHS")
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("Choose at least one credential to share, or share them all")
    _check(page, "learner-share-error", viewport)

    page.get_by_label("Only the ones I choose").check()
    chosen = ["Resuscitation Level 2 (CSTF)", "Safeguarding Adults Level 2 (CSTF)"]
    for name in chosen:
        page.get_by_label(name, exact=True).check()
    page.get_by_label("How many days should the link work?").fill("7")
    page.get_by_label("A note for the person you share with").fill("For the ward manager")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check before you share")
    listed = page.locator(".shared-credentials li")
    expect(listed).to_have_count(2)
    for name in chosen:
        expect(listed.filter(has_text=name)).to_have_count(1)
    expect(page.locator("#share-summary")).to_contain_text(
        long_date(datetime.now(UTC) + timedelta(days=7))
    )
    _check(page, "learner-share-check", viewport)

    page.get_by_role("button", name="Create share link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Share link created")
    share = page.locator("#new-share-url").inner_text().strip()
    share = demo_url + share[share.index("/s/") :]
    _check(page, "learner-share-created", viewport)

    page.goto(share)
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff passport of Amira Okafor")
    shown = page.locator("li.credential h3")
    expect(shown).to_have_count(2)
    for name in chosen:
        expect(shown.filter(has_text=name)).to_have_count(1)
    _check(page, "employer-share", viewport)

    page.get_by_role("button", name="Check", exact=True).click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Select the role to check")
    _check(page, "employer-role-check-error", viewport)

    as_of = date.today() - timedelta(days=180)
    page.get_by_label("Role", exact=True).select_option(label="Registered nurse (adult)")
    fieldset = page.get_by_role("group", name="Check as of (optional)")
    fieldset.get_by_label("Day", exact=True).fill(str(as_of.day))
    fieldset.get_by_label("Month", exact=True).fill(str(as_of.month))
    fieldset.get_by_label("Year", exact=True).fill(str(as_of.year))
    page.get_by_role("button", name="Check", exact=True).click()
    result = page.locator("#role-result")
    expect(result).to_be_focused()
    expect(result.get_by_role("heading", level=3)).to_have_text("2 of 11 requirements met")
    safeguarding = result.locator("li.requirement").filter(has_text="Safeguarding Adults")
    expect(safeguarding.locator(".nhsuk-tag")).to_have_text("Met")
    expect(safeguarding).to_contain_text(f"recorded {long_date(date.today())}")
    _check(page, "employer-role-check", viewport)

    slug = page.locator("li.credential").first.get_attribute("id") or ""
    page.goto(demo_url + "/c/" + slug.removeprefix("c-"))  # where a certificate's QR code leads
    expect(page.get_by_role("heading", level=1)).to_have_text("This certificate is genuine")
    _check(page, "certificate-check", viewport)

    page.goto(me + "/erase")
    expect(page.get_by_role("heading", level=1)).to_have_text("Erase your personal details")
    _check(page, "learner-erase-confirm", viewport)

    page.goto(me)
    mine = page.locator("#shares li.nhsuk-card").filter(has_text="For the ward manager")
    mine.get_by_role("link", name="Withdraw").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Withdraw this share link?")
    _check(page, "learner-withdraw-confirm", viewport)
    page.get_by_role("button", name="Yes, withdraw this link").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("Share link withdrawn")
    _check(page, "learner-withdrawn", viewport)

    response = page.goto(share)
    assert response is not None and response.status == 410
    _check(page, "employer-link-ended", viewport)

    response = page.goto(demo_url + "/s/" + "x" * 43)
    assert response is not None and response.status == 404
    _check(page, "employer-link-not-found", viewport)

    response = page.goto(demo_url + "/me/" + "x" * 43)
    assert response is not None and response.status == 404
    _check(page, "learner-link-not-found", viewport)

    page.goto(demo_url + "/catalogue")
    expect(page.get_by_role("heading", level=1)).to_have_text("Catalogue of learning")
    _check(page, "catalogue", viewport)

    page.goto(demo_url + "/docs")
    # Swagger UI renders the whole API in the browser: seconds on a busy machine.
    expect(page.get_by_text("/api/v1/roles").first).to_be_visible(timeout=30_000)
    _check(page, "docs", viewport)
