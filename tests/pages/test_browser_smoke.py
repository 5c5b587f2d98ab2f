"""The page-test harness works: Chromium loads the real app over HTTP, screenshots, checks."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page

from tests.pages.conftest import (
    DESKTOP,
    PHONE,
    Viewport,
    assert_accessible_basics,
    both_viewports,
    screenshot,
)


@both_viewports
def test_chromium_loads_the_served_app(page: Page, app_url: str, viewport: Viewport) -> None:
    response = page.goto(f"{app_url}/healthz")
    assert response is not None
    assert response.status == 200
    assert json.loads(page.locator("body").inner_text()) == {"status": "ok"}
    assert page.viewport_size == {"width": viewport.width, "height": viewport.height}
    path = screenshot(page, f"smoke/healthz-{viewport.name}")
    assert path.read_bytes().startswith(b"\x89PNG")

    page.goto(f"{app_url}/openapi.json")
    assert json.loads(page.locator("body").inner_text())["info"]["title"] == "Staff Passport"


def test_the_default_viewport_is_the_desktop(page: Page) -> None:
    assert page.viewport_size == {"width": DESKTOP.width, "height": DESKTOP.height}
    assert PHONE.width < DESKTOP.width


GOOD = """<!doctype html>
<html lang="en"><head><title>Good</title></head><body>
<h1>Passport</h1><h2>Credentials</h2><h3>Basic life support</h3><h2>CPD</h2>
<form>
  <label for="q">Search</label><input id="q" name="q">
  <input name="day" aria-label="Day">
  <span id="year-label">Year</span><select name="year" aria-labelledby="year-label"></select>
  <input type="hidden" name="csrf"><button>Go</button>
</form>
<a href="#top">Back to top</a>
<img src="data:," alt="">
<svg role="img" aria-label="Verified"></svg>
<svg role="img"><title>Expired</title></svg>
</body></html>
"""

BAD = """<!doctype html>
<html><head><title>Bad</title>
<style>a:focus, button:focus { outline: none; box-shadow: none; }</style></head><body>
<h1>One</h1><h1>Two</h1><h4>Skipped</h4>
<input name="unlabelled">
<a href="#top">Back to top</a><button>Go</button>
<img src="data:,">
<svg role="img"></svg>
</body></html>
"""


def test_the_accessibility_check_passes_a_good_page(page: Page) -> None:
    page.set_content(GOOD)
    assert_accessible_basics(page)


def test_the_accessibility_check_names_every_problem(page: Page) -> None:
    page.set_content(BAD)
    with pytest.raises(AssertionError) as failed:
        assert_accessible_basics(page)
    message = str(failed.value)
    for problem in [
        "<html> has no lang attribute",
        "expected exactly one <h1>, found 2",
        "heading level skipped: <h1> then <h4>",
        "form control without a label: <input[name=unlabelled]>",
        "has no alt attribute",
        '<svg> with role="img" has no title or aria-label',
        'no visible focus style on <a> "Back to top"',
        'no visible focus style on <button> "Go"',
    ]:
        assert problem in message
