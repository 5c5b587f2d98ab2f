"""The states the every-page walk does not reach, at 320, 390 and 1366 px in Chromium: a share
with a revoked credential and its role check, a passport with no credentials yet (learner and
employer), a replaced personal link, the review form's error and the footer's pages; each fits
the window, passes axe-core and is kept as a screenshot."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from passport.services import Services
from passport.settings import Settings
from tests.pages.conftest import Viewport
from tests.pages.test_every_page import WIDTHS, _check
from tests.passport.server import settled


def _links(settings: Settings, learner_id: str | None = None) -> tuple[str, str]:
    """A personal link and a share link of everything: of the learner, or of a new learner
    enrolled with no credentials yet."""
    services = Services.open(settings)
    try:
        if learner_id is None:
            learner_id = str(services.ledger.enrol_learner("AUDIT13-0002", "Niamh Byrne", "n@b.t"))
        now = datetime.now(UTC)
        personal = services.sharing.issue_learner_link(learner_id, now)
        share, _ = services.sharing.create_share(learner_id, now, credential_ids=None)
    finally:
        services.close()
    settled(settings)  # the served app's read models have the new learner
    return f"/me/{personal}", f"/s/{share}"


@pytest.mark.parametrize("viewport", WIDTHS, ids=lambda v: v.name)
def test_the_other_states_fit_and_pass_axe(
    page: Page, demo_url: str, settings: Settings, seeded: dict[str, str], viewport: Viewport
) -> None:
    """Revoked credential (verdict, reason, role check), empty passport, new personal link,
    review error, and the accessibility statement, privacy and contact pages."""
    me, share = _links(settings, seeded["Tomasz Nowak"])
    page.goto(demo_url + share)
    expect(page.locator("#verdict h2")).to_have_text(
        "Digital Academy Online Foundation Certificate was revoked"
    )
    _check(page, "employer-revoked", viewport)
    page.get_by_label("Role", exact=True).select_option(label="Registered nurse (adult)")
    page.get_by_role("button", name="Check", exact=True).click()
    expect(page.locator("#role-result h3")).to_have_text("1 of 11 requirements met")
    _check(page, "employer-revoked-role-check", viewport)

    page.goto(demo_url + me)
    form = page.locator("details.app-review").first
    form.locator("summary").click()
    form.get_by_role("button", name="Send review").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Choose a rating")
    _check(page, "learner-review-error", viewport)
    page.get_by_role("button", name="Replace my personal link").click()
    expect(page.locator("#new-personal-link")).to_contain_text("/me/")
    _check(page, "learner-new-personal-link", viewport)

    empty_me, empty_share = _links(settings)
    page.goto(demo_url + empty_me)
    expect(page.get_by_role("heading", name="Your credentials (0)")).to_be_visible()
    _check(page, "learner-no-credentials", viewport)
    page.goto(demo_url + empty_share)
    expect(page.locator("#verdict h2")).to_have_text("This passport has no credentials yet")
    _check(page, "employer-no-credentials", viewport)

    for name, heading in [
        ("Accessibility statement", "Accessibility statement"),
        ("Privacy", "Privacy"),
        ("Contact us", "Contact us"),
    ]:
        page.get_by_role("contentinfo").get_by_role("link", name=name).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        _check(page, "info-" + heading.lower().replace(" ", "-"), viewport)
