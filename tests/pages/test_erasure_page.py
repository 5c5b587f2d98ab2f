"""Erasure in a real browser: confirmed on its own page, and refused when another site's page
submits it."""

from __future__ import annotations

from datetime import UTC, datetime

from playwright.sync_api import Page, expect

from passport.services import Services
from passport.settings import Settings
from tests.pages.conftest import assert_accessible_basics, screenshot


def _personal_link(settings: Settings, learner_id: str) -> str:
    services = Services.open(settings)
    try:
        return "/me/" + services.sharing.issue_learner_link(learner_id, datetime.now(UTC))
    finally:
        services.close()


def test_the_learner_confirms_erasure_on_a_second_page(
    page: Page, demo_url: str, settings: Settings, seeded: dict[str, str]
) -> None:
    """The passport's button opens a page that says what erasure does; ticking the box and
    confirming there erases the details, and the personal link stops working."""
    me = _personal_link(settings, seeded["Grace Mensah"])
    page.goto(demo_url + me)
    page.get_by_role("button", name="Erase my personal details…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Erase your personal details")
    expect(page.get_by_role("heading", name="What will happen")).to_be_visible()
    assert_accessible_basics(page)
    screenshot(page, "learner-erase-confirmation")
    page.get_by_role("button", name="Erase my personal details").click()
    expect(page.get_by_role("alert")).to_contain_text("Tick the box")
    page.get_by_label("I want my personal details erased").check()
    page.get_by_role("button", name="Erase my personal details").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your personal details are erased")
    page.goto(demo_url + me)
    expect(page.get_by_role("heading", level=1)).to_have_text("This link does not work")


def test_another_sites_form_cannot_erase_a_learner(
    page: Page, demo_url: str, settings: Settings, seeded: dict[str, str]
) -> None:
    """A page elsewhere posts a confirmed erasure to the learner's link, as the reported attack
    did: the browser marks it cross-site, it is refused with a page that says so, and the
    passport is untouched."""
    me = _personal_link(settings, seeded["Daniel Hughes"])
    page.set_content(
        f'<form method="post" action="{demo_url}{me}/erase">'
        '<input type="hidden" name="confirm" value="yes">'
        "<button>Win a prize</button></form>"
    )
    page.get_by_role("button", name="Win a prize").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("This form came from another website")
    page.goto(demo_url + me)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your staff passport")
