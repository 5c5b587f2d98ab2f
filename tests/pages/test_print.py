"""Printing a page: closed Details components ("Technical details") print open, with no script."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from passport.settings import Settings
from tests.pages.conftest import screenshot
from tests.pages.test_pages import _personal_link, _share_everything


def test_closed_details_print_open_on_the_employer_page(
    page: Page, demo_url: str, settings: Settings, seeded: dict[str, str]
) -> None:
    """On screen a credential's "Technical details" stay folded; printed, the checks inside show
    while the element is still closed (a print stylesheet, not a script)."""
    share = _share_everything(page, demo_url, _personal_link(settings, seeded["Priya Raman"]))
    page.goto(demo_url + share)
    details = page.locator("li.credential details.nhsuk-details").first
    checks = details.locator(".nhsuk-details__text dl.checks")
    expect(details.locator("summary")).to_contain_text("Technical details (for IT teams)")
    expect(checks).to_be_hidden()
    page.emulate_media(media="print")
    expect(checks).to_be_visible()
    expect(checks.locator(".nhsuk-summary-list__row").first).to_be_visible()
    assert details.get_attribute("open") is None
    screenshot(page, "employer-print-details-open")
    page.emulate_media(media="screen")
    expect(checks).to_be_hidden()


def test_the_learners_own_page_prints_its_folded_files_section_open(
    page: Page, demo_url: str, settings: Settings, seeded: dict[str, str]
) -> None:
    """The learner's "Files for IT systems" Details, closed on screen, prints its text."""
    page.goto(demo_url + _personal_link(settings, seeded["Amira Okafor"]))
    files = page.locator("details.nhsuk-details", has_text="Files for IT systems").first
    text = files.locator(".nhsuk-details__text")
    expect(text).to_be_hidden()
    page.emulate_media(media="print")
    expect(text).to_be_visible()
    expect(text).to_contain_text("The signed credential")
