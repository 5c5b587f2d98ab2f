"""The NHS design system, served from this site: header, footer pages and the API browser
work with no other host reachable, at phone and desktop widths."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Route, expect

from tests.pages.conftest import (
    DESKTOP,
    Viewport,
    assert_no_axe_violations,
    assert_no_sideways_scroll,
    screenshot,
)

NARROW = Viewport("320", 320, 640, is_mobile=True)


def _offline(page: Page, base: str) -> list[str]:
    """Cut the page off from every host but the app; returns the addresses it tried."""
    tried: list[str] = []

    def only_the_app(route: Route) -> None:
        if route.request.url.startswith(base):
            route.continue_()
        else:
            tried.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_app)
    return tried


@pytest.mark.parametrize("viewport", [NARROW, DESKTOP], ids=lambda v: v.name)
def test_footer_pages_use_the_design_system_offline(
    page: Page, app_url: str, viewport: Viewport
) -> None:
    """The accessibility statement, privacy and contact pages, linked from every page's footer,
    carry the NHS logo and the design system's styles with no other host, and pass axe-core."""
    tried = _offline(page, app_url)
    page.goto(app_url + "/accessibility")
    expect(page.get_by_role("img", name="NHS")).to_be_visible()
    header = page.locator("header.nhsuk-header")
    assert header.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(0, 94, 184)"
    for name, heading in [
        ("Privacy", "Privacy"),
        ("Contact us", "Contact us"),
        ("Accessibility statement", "Accessibility statement"),
    ]:
        page.get_by_role("contentinfo").get_by_role("link", name=name).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        assert_no_axe_violations(page)
        assert_no_sideways_scroll(page)
        screenshot(page, f"info-{heading.lower().replace(' ', '-')}-{viewport.name}")
    assert tried == []


@pytest.mark.parametrize("viewport", [NARROW, DESKTOP], ids=lambda v: v.name)
def test_the_api_browser_works_offline(page: Page, app_url: str, viewport: Viewport) -> None:
    """/docs draws Swagger UI from the site's own copy, listing the API, with no CDN."""
    tried = _offline(page, app_url)
    page.goto(app_url + "/docs")
    # Swagger UI renders the whole API in the browser: seconds on a busy machine.
    expect(page.get_by_role("heading", name="Staff Passport")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("/api/v1/roles").first).to_be_visible(timeout=30_000)
    assert_no_sideways_scroll(page)
    screenshot(page, f"docs-{viewport.name}")
    assert tried == []
