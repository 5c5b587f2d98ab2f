"""Another website cannot make a learner's browser change their passport: every learner form
refuses cross-site requests, and erasure takes a second, confirming page."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from passport.settings import Settings
from tests.security.web_helpers import Links, links_for, served

HTML = {"Accept": "text/html"}
EVIL = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}


@pytest.fixture
def priya(settings: Settings, seeded: dict[str, str]) -> Links:
    """Priya's personal link and a share of everything."""
    return links_for(settings, seeded["Priya Raman"])


@pytest.fixture
def http(settings: Settings, priya: Links) -> Iterator[httpx.Client]:
    """A client of the app as served."""
    with served(settings) as base, httpx.Client(base_url=base, timeout=30) as client:
        yield client


def _share_id(http: httpx.Client, me: str) -> str:
    page = http.get(me, headers=HTML).text
    return re.findall(r"/shares/([^/\"]+)/withdraw", page)[0]


def test_cross_site_erasure_is_refused_and_erases_nothing(http, priya):
    """The attack as reported: `POST /me/{token}/erase` from evil.example, confirmed; 403 with
    a page that says why, and the passport is still there."""
    refused = http.post(f"{priya.me}/erase", data={"confirm": "yes"}, headers={**HTML, **EVIL})
    assert refused.status_code == 403
    assert "This form came from another website" in refused.text
    assert "nothing was changed" in refused.text
    assert http.get(priya.me, headers=HTML).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site", "Origin": "https://evil.passport.test"},
        {"Origin": "null"},
    ],
    ids=["foreign-origin", "cross-site", "same-site", "opaque-origin"],
)
def test_every_learner_form_refuses_a_foreign_request(http, priya, headers):
    """Create, withdraw, replace the link, erase: each refused (403) from another site."""
    share_id = _share_id(http, priya.me)
    forms = [
        (f"{priya.me}/shares", {"everything": "yes"}),
        (f"{priya.me}/shares/check", {"scope": "all", "days": "7"}),
        (f"{priya.me}/shares/{share_id}/revoke", {"confirm": "yes"}),
        (f"{priya.me}/link", {}),
        (f"{priya.me}/erase", {"confirm": "yes"}),
    ]
    for path, data in forms:
        response = http.post(path, data=data, headers={**HTML, **headers})
        assert response.status_code == 403, path
    assert http.get(priya.share, headers=HTML).status_code == 200  # still shared
    assert http.get(priya.me, headers=HTML).status_code == 200  # same link, not erased


def test_the_learners_own_pages_still_submit(http, priya):
    """From the page itself (same origin; or `Origin: null`, as browsers send under
    `no-referrer`, with `Sec-Fetch-Site: same-origin`), forms work."""
    own = {**HTML, "Origin": str(http.base_url).rstrip("/"), "Sec-Fetch-Site": "same-origin"}
    created = http.post(f"{priya.me}/shares", data={"everything": "yes"}, headers=own)
    assert created.status_code == 201
    opaque = {**HTML, "Origin": "null", "Sec-Fetch-Site": "same-origin"}
    share_id = _share_id(http, priya.me)
    withdrawn = http.post(
        f"{priya.me}/shares/{share_id}/revoke", data={"confirm": "yes"}, headers=opaque
    )
    assert withdrawn.status_code == 303


def test_erasure_is_confirmed_on_its_own_page(http, priya):
    """The passport's erase button leads to a page saying what will happen; opening it changes
    nothing; only its confirmed form erases."""
    passport = http.get(priya.me, headers=HTML).text
    assert f'action="{priya.me}/erase"' in passport and 'method="get"' in passport
    confirm = http.get(f"{priya.me}/erase", headers=HTML)
    assert confirm.status_code == 200
    assert "What will happen" in confirm.text and "cannot be undone" in confirm.text
    assert 'method="post"' in confirm.text
    assert http.get(priya.me, headers=HTML).status_code == 200
    unconfirmed = http.post(f"{priya.me}/erase", headers=HTML)
    assert unconfirmed.status_code == 422 and "Tick the box" in unconfirmed.text
    erased = http.post(f"{priya.me}/erase", data={"confirm": "yes"}, headers=HTML)
    assert erased.status_code == 200 and "erased" in erased.text
    assert http.get(priya.me, headers=HTML).status_code == 404
