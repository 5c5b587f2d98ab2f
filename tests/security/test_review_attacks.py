"""Reviews under attack: sock puppets, forged ratings, cross-site posts, replies and hiding by
the wrong party."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from uuid import UUID

import httpx
import pytest

from events.issuer import Issuer
from passport.demo import DEMO_SLUG
from passport.services import Services
from passport.settings import Settings
from tests.passport.server import settled
from tests.security.web_helpers import Links, links_for, served

HTML = {"Accept": "text/html"}
EVIL = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}


@pytest.fixture
def priya(settings: Settings, seeded: dict[str, str]) -> Links:
    """Priya's personal link and operator credentials."""
    return links_for(settings, seeded["Priya Raman"])


@pytest.fixture
def http(settings: Settings, priya: Links) -> Iterator[httpx.Client]:
    """A client of the app as served."""
    with served(settings) as base, httpx.Client(base_url=base, timeout=30) as client:
        yield client


def _credentials_on_page(http: httpx.Client, me: str) -> list[str]:
    page = http.get(me, headers=HTML).text
    return re.findall(r'name="credential" value="([^"]+)"', page)


def _someone_elses_credential(settings: Settings, learner_id: str) -> str:
    services = Services.open(settings)
    try:
        for other, _ in services.views.learners():
            if other != learner_id:
                held = services.views.credentials_of(other)
                if held:
                    return str(held[0][0]["id"])
    finally:
        services.close()
    raise AssertionError("the demo has other learners")


def _token(http: httpx.Client, client: tuple[str, str]) -> dict[str, str]:
    got = http.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=client)
    return {"Authorization": f"Bearer {got.json()['access_token']}"}


def test_a_learner_cannot_review_what_they_do_not_hold(
    http: httpx.Client, priya: Links, settings: Settings
) -> None:
    """A sock puppet posting another learner's credential id is refused (403), nothing counted."""
    stolen = _someone_elses_credential(settings, priya.learner_id)
    refused = http.post(
        f"{priya.me}/reviews", data={"credential": stolen, "rating": "1"}, headers=HTML
    )
    assert refused.status_code == 403
    assert "Your review was not sent" in refused.text
    assert "only a learner holding a credential" in refused.text


@pytest.mark.parametrize("rating", ["0", "6", "4.5", "", "five"])
def test_a_forged_rating_is_refused(http: httpx.Client, priya: Links, rating: str) -> None:
    """Only 1 to 5 is a rating; anything else is a 422 page saying so."""
    credential = _credentials_on_page(http, priya.me)[0]
    refused = http.post(
        f"{priya.me}/reviews", data={"credential": credential, "rating": rating}, headers=HTML
    )
    assert refused.status_code == 422
    assert "from 1 (poor) to 5 (excellent)" in refused.text


def test_another_website_cannot_post_a_review(http: httpx.Client, priya: Links) -> None:
    """A review form submitted from another site is refused like every learner form."""
    credential = _credentials_on_page(http, priya.me)[0]
    refused = http.post(
        f"{priya.me}/reviews",
        data={"credential": credential, "rating": "1"},
        headers={**HTML, **EVIL},
    )
    assert refused.status_code == 403
    assert "This form came from another website" in refused.text


def test_a_holder_reviews_from_the_passport_page(http: httpx.Client, priya: Links) -> None:
    """The form records the review; the card then says how they rated it, never their name."""
    credential = _credentials_on_page(http, priya.me)[0]
    sent = http.post(
        f"{priya.me}/reviews",
        data={"credential": credential, "rating": "4", "text": "Practical"},
        headers=HTML,
        follow_redirects=False,
    )
    assert sent.status_code == 303
    page = http.get(sent.headers["location"], headers=HTML).text
    assert "You rated it 4 out of 5" in page
    assert re.search(r"Learner [A-Z2-7]{4}-[A-Z2-7]{4}, verified learner", page)


def test_reply_and_hide_need_the_right_party(
    http: httpx.Client, priya: Links, settings: Settings
) -> None:
    """Another academy cannot reply (404), an academy cannot hide (403), the operator can."""
    credential = _credentials_on_page(http, priya.me)[0]
    http.post(f"{priya.me}/reviews", data={"credential": credential, "rating": "2"}, headers=HTML)
    services = Services.open(settings)
    try:
        academy = Issuer.create_id(DEMO_SLUG)
        held = services.ledger.learner(UUID(priya.learner_id)).credentials[credential]
        review = services.ledger.review_id(UUID(priya.learner_id), held["achievement_id"])
        rival = services.accounts.register_issuer(
            "Rival", "https://rival.example", datetime.now(UTC)
        )
        ours = services.accounts.new_client(str(academy))
    finally:
        services.close()
    settled(settings)  # the serving app knows the new clients
    rival_auth = _token(http, (rival.client_id, rival.client_secret))
    refused = http.post(
        f"/api/v1/issuers/{rival.id}/reviews/{review}/reply",
        headers=rival_auth,
        json={"text": "Come to us instead"},
    )
    assert refused.status_code == 404
    ours_auth = _token(http, (ours.client_id, ours.client_secret))
    replied = http.post(
        f"/api/v1/issuers/{academy}/reviews/{review}/reply",
        headers=ours_auth,
        json={"text": "Thank you for the feedback"},
    )
    assert replied.status_code == 204
    again = http.post(
        f"/api/v1/issuers/{academy}/reviews/{review}/reply", headers=ours_auth, json={"text": "x"}
    )
    assert again.status_code == 409
    not_operator = http.post(
        f"/api/v1/admin/reviews/{review}/hide", headers=ours_auth, json={"reason": "Bad"}
    )
    assert not_operator.status_code == 403
    hidden = http.post(
        f"/api/v1/admin/reviews/{review}/hide",
        headers=_token(http, priya.operator),
        json={"reason": "Personal data in the text"},
    )
    assert hidden.status_code == 204
