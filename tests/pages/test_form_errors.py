"""Mistakes on the learner's forms in a real browser, at 320 px: they come back with the design
system's error pattern (an "Error:" title, a summary that takes the focus and whose links move
it to the field, the message at the field), with what the learner typed kept."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from passport.services import Services
from passport.settings import Settings
from tests.pages.conftest import (
    Viewport,
    assert_no_axe_violations,
    assert_no_sideways_scroll,
    screenshot,
)

NARROW = Viewport("320", 320, 640, is_mobile=True)
TOO_LONG = "Useful. " * 126  # 1,008 characters: over the 1,000 a review may have


def _personal_link(settings: Settings, learner_id: str) -> str:
    services = Services.open(settings)
    try:
        return "/me/" + services.sharing.issue_learner_link(learner_id, datetime.now(UTC))
    finally:
        services.close()


@pytest.mark.parametrize("viewport", [NARROW], ids=lambda v: v.name)
def test_a_review_sent_without_a_rating_comes_back_with_the_error_at_the_field(
    page: Page, demo_url: str, settings: Settings, seeded: dict[str, str], viewport: Viewport
) -> None:
    """A review with no rating and too much text is not lost on a dead-end page: the passport
    comes back titled "Error:", its summary names both mistakes and leads to the rating, the
    typed review is still there, and after fixing both the review is recorded."""
    page.goto(demo_url + _personal_link(settings, seeded["Amira Okafor"]))
    form = page.locator("details.app-review").first
    card = form.locator("xpath=ancestor::li[1]").get_attribute("id")
    form.locator("summary").click()
    form.get_by_label("Your review").fill(TOO_LONG)
    form.get_by_role("button", name="Send review").click()

    expect(page).to_have_title("Error: Your staff passport – Staff Passport – NHS")
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_text(
        [
            "Choose a rating from 1 (poor) to 5 (excellent)",
            "Your review must be 1,000 characters or fewer",
        ]
    )
    sent = page.locator("details.app-review[open]")
    expect(sent).to_have_count(1)
    expect(sent.locator(".nhsuk-error-message")).to_have_text(
        [
            "Error: Choose a rating from 1 (poor) to 5 (excellent)",
            "Error: Your review must be 1,000 characters or fewer",
        ]
    )
    expect(sent.get_by_label("Your review")).to_have_value(TOO_LONG)
    assert_no_sideways_scroll(page)
    assert_no_axe_violations(page)
    screenshot(page, f"learner-review-error-{viewport.name}")

    summary.get_by_role("link", name="Choose a rating").click()
    expect(sent.get_by_label("1", exact=True)).to_be_focused()
    sent.get_by_label("4", exact=True).check()
    sent.get_by_label("Your review").fill("Useful.")
    sent.get_by_role("button", name="Send review").click()
    expect(page).to_have_title("Your staff passport – Staff Passport – NHS")
    expect(page.locator(f"#{card} details.app-review")).to_contain_text("You rated it 4 out of 5.")


@pytest.mark.parametrize("viewport", [NARROW], ids=lambda v: v.name)
def test_the_share_forms_error_links_move_the_focus_to_the_field(
    page: Page, demo_url: str, settings: Settings, seeded: dict[str, str], viewport: Viewport
) -> None:
    """Each link of the share form's error summary puts the focus on the control to fix: the
    first option when nothing was chosen, the first credential when "Only the ones I choose"
    lists none, and the days box when the number of days is not 1 to 365."""
    page.goto(demo_url + _personal_link(settings, seeded["Amira Okafor"]))
    page.get_by_label("How many days should the link work?").fill("four hundred")
    page.get_by_role("button", name="Continue").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_focused()
    summary.get_by_role("link", name="Choose at least one credential").click()
    expect(page.get_by_label("All my credentials")).to_be_focused()
    summary.get_by_role("link", name="Enter a whole number of days").click()
    expect(page.get_by_label("How many days should the link work?")).to_be_focused()
    expect(page.get_by_label("How many days should the link work?")).to_have_value("four hundred")

    page.get_by_label("Only the ones I choose").check()
    page.get_by_label("How many days should the link work?").fill("7")
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_title("Error: Your staff passport – Staff Passport – NHS")
    expect(page.get_by_label("Only the ones I choose")).to_be_checked()
    summary.get_by_role("link", name="Choose at least one credential").click()
    first = page.locator("#conditional-scope-chosen input[type=checkbox]").first
    expect(first).to_be_visible()
    expect(first).to_be_focused()
    assert_no_sideways_scroll(page)
    assert_no_axe_violations(page)
