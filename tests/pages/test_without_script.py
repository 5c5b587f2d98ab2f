"""The learner's and the employer's pages with JavaScript turned off, in Chromium on a 320 px
phone: sharing chosen credentials, the role check and withdrawing still work end to end."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, Page, expect

from passport.services import Services
from passport.settings import Settings
from tests.pages.conftest import TIMEOUT_MS, screenshot


@pytest.fixture
def no_script(browser: Browser) -> Iterator[Page]:
    """A 320 px page whose browser runs no script."""
    context = browser.new_context(
        viewport={"width": 320, "height": 640},
        is_mobile=True,
        locale="en-GB",
        java_script_enabled=False,
    )
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_sharing_and_the_role_check_work_without_script(
    no_script: Page, demo_url: str, settings: Settings, seeded: dict[str, str]
) -> None:
    """With no script the chosen-credentials list is shown, the share holds exactly the one
    chosen, the role check's answer is where the page lands, and withdrawal asks first."""
    page = no_script
    services = Services.open(settings)
    try:
        me = services.sharing.issue_learner_link(seeded["Daniel Hughes"], datetime.now(UTC))
    finally:
        services.close()
    page.goto(f"{demo_url}/me/{me}")
    page.get_by_label("Only the ones I choose").check()
    page.get_by_label("Data Champion", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".shared-credentials li")).to_have_count(1)
    page.get_by_role("button", name="Create share link").click()
    share = page.locator("#new-share-url").inner_text().strip()
    page.goto(demo_url + share[share.index("/s/") :])
    expect(page.locator("li.credential h3")).to_have_text(["Data Champion"])

    page.get_by_label("Role", exact=True).select_option(label="Data analyst")
    page.get_by_role("button", name="Check", exact=True).click()
    assert page.url.endswith("#role-result")
    result = page.locator("#role-result")
    expect(result.get_by_role("heading", level=3)).to_have_text("1 of 2 requirements met")
    expect(result).to_be_in_viewport()
    screenshot(page, "employer-role-check-no-script-320")

    page.goto(f"{demo_url}/me/{me}")
    page.locator("#shares li.nhsuk-card").first.get_by_role("link", name="Withdraw").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Withdraw this share link?")
    page.get_by_role("button", name="Yes, withdraw this link").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("Share link withdrawn")
