"""The API documentation page (`/docs`, Swagger UI served from this site) in Chromium: it passes
axe-core on a phone and a desktop, and nothing scrolls sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.pages.conftest import (
    DESKTOP,
    PHONE,
    Viewport,
    assert_no_axe_violations,
    assert_no_sideways_scroll,
    screenshot,
)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=lambda v: v.name)
def test_the_api_docs_pass_axe_with_an_operation_open(page: Page, app_url: str, viewport: Viewport):
    """/docs, as drawn and with one operation opened, has zero axe-core violations."""
    page.goto(app_url + "/docs")
    expect(page.get_by_text("/presentations/verify").first).to_be_visible(timeout=30_000)
    assert page.title() == "API reference – Staff Passport", page.content()[:600]
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("main").count() == 1
    assert_no_axe_violations(page)
    page.get_by_text("/presentations/verify").first.click()
    expect(page.get_by_text("Request body").first).to_be_visible()
    assert_no_axe_violations(page)
    assert_no_sideways_scroll(page)
    screenshot(page, f"docs-open-{viewport.name}")
