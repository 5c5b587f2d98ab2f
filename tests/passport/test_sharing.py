"""Personal links, share links and the role check, over real HTTP on both stores."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit
from uuid import UUID

import httpx
import psycopg
import pytest

from events.issuer import Issuer
from issuers.awarding import Learner
from passport.demo import DEMO_SLUG, LEARNERS, seed_demo
from passport.services import Services
from passport.settings import Settings
from passport.sharing import token_hash
from tests.passport.server import serving, settled

HTML = {"Accept": "text/html"}
JSON = {"Accept": "application/json"}


@pytest.fixture
def demo(settings: Settings) -> dict[str, dict[str, str]]:
    """The demo ledger: learner name to id, personal link path and share link path."""
    services = Services.open(settings)
    try:
        learners = seed_demo(services, datetime.now(UTC)).learners
    finally:
        services.close()
    return {
        str(x["name"]): {
            "id": str(x["id"]),
            "me": urlsplit(str(x["passport_url"])).path,
            "share": urlsplit(str(x["share_url"])).path,
        }
        for x in learners
    }


@pytest.fixture
def http(settings: Settings, demo: dict[str, dict[str, str]]) -> Iterator[httpx.Client]:
    with serving(settings) as base, httpx.Client(base_url=base, timeout=30) as client:
        yield client


def _services(settings: Settings) -> Services:
    return Services.open(settings)


def test_the_personal_link_opens_the_passport_and_can_be_replaced(http, demo):
    """The learner's page lists their credentials; a replaced link stops working at once."""
    me = demo["Amira Okafor"]["me"]
    page = http.get(me, headers=HTML)
    assert page.status_code == 200
    assert "Amira Okafor" in page.text and "Resuscitation Level 2 (CSTF)" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"
    replaced = http.post(f"{me}/link", headers=HTML)
    assert replaced.status_code == 200
    assert "Your old link no longer works" in replaced.text
    assert http.get(me, headers=HTML).status_code == 404
    fresh = replaced.text.split('id="new-personal-link">')[1].split("<")[0].strip()
    assert http.get(urlsplit(fresh).path, headers=HTML).status_code == 200


def test_downloads_are_the_learners_own_signed_credentials(http, demo):
    """Each credential downloads as JSON and as a JWT; another learner's is not reachable."""
    me = demo["Priya Raman"]["me"]
    bundle = http.get(f"{me}/passport.json").json()
    credential = bundle["verifiableCredential"][0]
    slug = credential["id"].removeprefix("urn:uuid:")
    download = http.get(f"{me}/credentials/{slug}.json")
    assert download.json() == credential
    # Saved under the achievement's name and the day it was earned, not an id (issue 13, item 8).
    name = credential["credentialSubject"]["achievement"]["name"]
    stem = "-".join(re.findall(r"[A-Za-z0-9]+", name)) + "-" + credential["validFrom"][:10]
    assert download.headers["content-disposition"] == f'attachment; filename="{stem}.json"'
    jwt = http.get(f"{me}/credentials/{slug}.jwt")
    assert jwt.headers["content-type"].startswith("application/vc+jwt")
    assert jwt.headers["content-disposition"] == f'attachment; filename="{stem}.jwt"'
    assert jwt.text == bundle["staffPassport"]["jwts"][credential["id"]]
    other = demo["Amira Okafor"]["me"]
    assert http.get(f"{other}/credentials/{slug}.json").status_code == 404


def test_a_share_link_shows_only_what_was_chosen_and_records_no_opening(http, demo):
    """Share one credential: the presentation holds that one; the learner's page lists the link
    without any opening count, since opening a link records nothing (issue 12: no GET writes)."""
    me = demo["Priya Raman"]["me"]
    chosen = http.get(f"{me}/passport.json").json()["verifiableCredential"][1]["id"]
    created = http.post(
        f"{me}/shares",
        headers=HTML,
        data={"credential": chosen, "days": "7", "note": "For the ward manager", "show_name": "1"},
    )
    assert created.status_code == 201, created.text
    url = created.text.split('id="new-share-url">')[1].split("<")[0]
    token = urlsplit(url).path.removeprefix("/s/")
    assert len(token) >= 43  # 256 bits, URL-safe base64
    presentation = http.get(f"/s/{token}", headers=JSON).json()
    assert [c["id"] for c in presentation["verifiableCredential"]] == [chosen]
    assert presentation["staffPassport"]["holderName"] == "Priya Raman"
    page = http.get(f"/s/{token}", headers=HTML)
    assert "Staff passport of Priya Raman" in page.text
    assert "For the ward manager" in page.text
    assert "The credential is genuine and current" in page.text
    learner_page = http.get(me, headers=HTML).text
    assert "For the ward manager" in learner_page
    assert "Opened" not in learner_page


def test_nothing_chosen_is_refused_with_a_reason(http, demo):
    """A share of no credentials is refused on the page, and nothing is created."""
    me = demo["Priya Raman"]["me"]
    refused = http.post(f"{me}/shares", headers=HTML, data={"days": "7"})
    assert refused.status_code == 422
    assert "Choose at least one credential" in refused.text


def test_a_withdrawn_or_expired_link_answers_410_with_a_plain_explanation(settings, http, demo):
    """Revoked: 410 page saying so; expired: 410 saying when; the JSON form is a problem."""
    me, share = demo["Grace Mensah"]["me"], demo["Grace Mensah"]["share"]
    learner_page = http.get(me, headers=HTML).text
    share_id = re.findall(r"/shares/([^/\"]+)/withdraw", learner_page)[0]
    unconfirmed = http.post(f"{me}/shares/{share_id}/revoke", headers=HTML)
    assert "Withdraw this share link?" in unconfirmed.text
    assert http.get(share, headers=HTML).status_code == 200  # not withdrawn without confirming
    withdrawn = http.post(f"{me}/shares/{share_id}/revoke", data={"confirm": "yes"})
    assert withdrawn.status_code == 303
    assert withdrawn.headers["location"] == f"{me}?withdrawn=yes#shares"
    assert "Share link withdrawn" in http.get(withdrawn.headers["location"], headers=HTML).text
    gone = http.get(share, headers=HTML)
    assert gone.status_code == 410
    assert "withdrew the link" in gone.text and "<h1>This share link has ended</h1>" in gone.text
    problem = http.get(share, headers=JSON)
    assert problem.status_code == 410
    assert problem.headers["content-type"] == "application/problem+json"

    services = _services(settings)
    try:
        token, _ = services.sharing.create_share(
            demo["Grace Mensah"]["id"],
            datetime.now(UTC) - timedelta(days=3),
            credential_ids=None,
            days=2,
        )
    finally:
        services.close()
    expired = http.get(f"/s/{token}", headers=HTML)
    assert expired.status_code == 410
    assert "expired on" in expired.text


def test_tokens_are_stored_only_as_hashes(settings, http, demo):
    """Neither a personal nor a share token is in the database; their SHA-256 is."""
    tokens = [
        demo["Tomasz Nowak"]["me"].removeprefix("/me/"),
        demo["Tomasz Nowak"]["share"].removeprefix("/s/"),
    ]
    if settings.is_postgres:
        with psycopg.connect(settings.postgres_conninfo()) as conn:
            rows = conn.execute(
                "SELECT token_hash FROM learner_links UNION ALL SELECT token_hash FROM share_links"
            ).fetchall()
        stored = " ".join(r[0] for r in rows)
    else:
        with sqlite3.connect(settings.sqlite_path) as conn:
            stored = conn.execute("SELECT * FROM learner_links, share_links").fetchall().__str__()
        stored += settings.sqlite_path.read_bytes().decode("latin-1")
    for token in tokens:
        assert token not in stored
        assert token_hash(token) in stored


def test_the_role_check_finds_what_is_missing_and_replays_status_history(settings, http, demo):
    """Daniel's information governance has lapsed: one requirement missing. Suspending his
    Data Champion award makes it missing as of today; reinstating it restores it."""
    share = demo["Daniel Hughes"]["share"].removeprefix("/s/")
    check = http.get(f"/api/v1/shares/{share}/role-check", params={"role": "data-analyst"})
    assert check.status_code == 200, check.text
    states = {r["subject"]: r["state"] for r in check.json()["requirements"]}
    assert states == {"DATA-CHAMPION": "met", "CSTF-IGDS": "missing"}
    assert check.json()["verdict"] == "not_met"

    services = _services(settings)
    try:
        learner = UUID(demo["Daniel Hughes"]["id"])
        champion = next(
            cid
            for cid, record in services.ledger.learner(learner).credentials.items()
            if record["credential"]["name"] == "Data Champion"
        )
        services.ledger.suspend_credential(learner, champion, "checking the project evidence")
    finally:
        services.close()
    suspended = http.get(f"/api/v1/shares/{share}/role-check", params={"role": "data-analyst"})
    states = {r["subject"]: r["state"] for r in suspended.json()["requirements"]}
    assert states["DATA-CHAMPION"] == "missing"
    page = http.get(f"/s/{share}", params={"role": "data-analyst"}, headers=HTML)
    assert "0 of 2 requirements met" in page.text and "Data analyst, as of" in page.text
    assert "Data Champion was suspended on" in page.text  # why it is missing, in plain words


def test_role_check_errors_are_clear(http, demo):
    """An unknown role is 404, a date in the wrong order 422, an unknown link 404."""
    share = demo["Daniel Hughes"]["share"].removeprefix("/s/")
    unknown = http.get(f"/api/v1/shares/{share}/role-check", params={"role": "astronaut"})
    assert unknown.status_code == 404 and "astronaut" in unknown.json()["detail"]
    backwards = http.get(
        f"/api/v1/shares/{share}/role-check",
        params={"role": "data-analyst", "as_of": "2026-06-01", "expires_before": "2026-01-01"},
    )
    assert backwards.status_code == 422
    nobody = http.get("/api/v1/shares/" + "A" * 43 + "/role-check", params={"role": "x"})
    assert nobody.status_code == 404
    roles = http.get("/api/v1/roles").json()
    assert {r["id"] for r in roles} >= {"registered-nurse-adult", "data-analyst"}


def test_erasure_ends_every_link(settings, http, demo):
    """After erasure, the personal link and the share link open nothing."""
    grace = demo["Grace Mensah"]
    services = _services(settings)
    try:
        from passport.erasure import erase_learner  # noqa: PLC0415

        erase_learner(services, UUID(grace["id"]), by="operator", reason="request")
    finally:
        services.close()
    assert http.get(grace["me"], headers=HTML).status_code == 404
    assert http.get(grace["share"], headers=HTML).status_code == 404


def test_a_browser_gets_a_page_for_an_unknown_address(http):
    """404 for a person is a page with a way forward, not JSON."""
    missing = http.get("/no/such/page", headers=HTML)
    assert missing.status_code == 404
    assert "<h1>Page not found</h1>" in missing.text
    assert http.get("/no/such/page").headers["content-type"] == "application/problem+json"


def test_the_learner_can_erase_their_own_details(settings, http, demo):
    """From their page, with a confirmation; recorded as the learner's own erasure."""
    priya = demo["Priya Raman"]
    unconfirmed = http.post(f"{priya['me']}/erase", headers=HTML)
    assert unconfirmed.status_code == 422
    assert "Tick the box" in unconfirmed.text
    done = http.post(f"{priya['me']}/erase", headers=HTML, data={"confirm": "yes"})
    assert done.status_code == 200
    assert "Your personal details are erased" in done.text
    assert http.get(priya["me"], headers=HTML).status_code == 404
    services = _services(settings)
    try:
        operator = services.accounts.new_operator_client()
    finally:
        services.close()
    settled(settings)  # the serving follower has applied the new client before it asks
    token = http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(operator.client_id, operator.client_secret),
    ).json()["access_token"]
    view = http.get(
        f"/api/v1/learners/{priya['id']}/passport", headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert view.get("erased") is True and view["name"] is None, view
    services = _services(settings)
    try:
        assert services.ledger.learner(UUID(priya["id"])).erased
    finally:
        services.close()


def test_a_note_is_shown_as_text_never_as_markup(http, demo):
    """What a learner types reaches the employer's page escaped."""
    me = demo["Daniel Hughes"]["me"]
    created = http.post(
        f"{me}/shares",
        headers=HTML,
        data={"everything": "yes", "days": "3", "note": "<script>alert('x')</script>"},
    )
    url = created.text.split('id="new-share-url">')[1].split("<")[0]
    page = http.get(urlsplit(url).path, headers=HTML).text
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page


def test_the_operator_can_give_a_learner_a_new_link(settings, http, demo):
    """`passport learner link ID` prints a working link; the learner's earlier one stops."""
    from tests.passport.test_cli import run  # noqa: PLC0415

    tomasz = demo["Tomasz Nowak"]
    done = run(settings, "learner", "link", tomasz["id"])
    assert done.returncode == 0, done.stderr
    fresh = urlsplit(done.stdout.strip()).path
    assert fresh.startswith("/me/")
    assert http.get(fresh, headers=HTML).status_code == 200
    assert http.get(tomasz["me"], headers=HTML).status_code == 404


def test_a_passport_with_no_credentials_yet_says_so(settings, http, demo):
    """A learner enrolled before any award: their page offers no downloads that lead nowhere,
    and the employer's headline says there is nothing yet, not "All 0 credentials are genuine"."""
    services = _services(settings)
    try:
        learner = str(services.ledger.enrol_learner("AUDIT13-0001", "Niamh Byrne", "nb@nhs.test"))
        now = datetime.now(UTC)
        me = services.sharing.issue_learner_link(learner, now)
        share, _ = services.sharing.create_share(
            learner, now, credential_ids=None, days=7, note=None, show_name=True
        )
    finally:
        services.close()
    settled(settings)
    page = http.get(f"/me/{me}", headers=HTML)
    assert page.status_code == 200
    assert "No credentials yet." in page.text
    assert "passport.json" not in page.text
    assert "passport.pdf" not in page.text
    shared = http.get(f"/s/{share}", headers=HTML)
    assert shared.status_code == 200
    assert "This passport has no credentials yet" in shared.text
    assert "All 0 credentials" not in shared.text
    assert "passport.pdf" not in shared.text


IG = "Information Governance and Data Security (CSTF)"


def _attention(page: str) -> str:
    """The learner page's "Needs your attention" box, as text ("" when there is none)."""
    if "Needs your attention" not in page:
        return ""
    box = page.split("Needs your attention", maxsplit=1)[1].split("</ul>", maxsplit=1)[0]
    return re.sub(r"<[^>]+>", "", box)


def test_a_lapsed_credential_needs_attention_until_it_is_renewed(settings, http, demo):
    """Daniel's IG training expired: his page asks him to renew it, first in the list; once a
    new one is recorded the old one needs nothing and goes to the bottom of the list."""
    me = demo["Daniel Hughes"]["me"]
    page = http.get(me, headers=HTML).text
    lapsed = re.escape(IG) + r": expired \d{1,2} [A-Z][a-z]+ \d{4}: renew it"
    assert re.search(lapsed, _attention(page))
    assert page.index(f">{IG}<") < page.index(">Data Champion<")

    services = _services(settings)
    try:
        issuer = services.ledger.issuer(Issuer.create_id(DEMO_SLUG))
        (ig,) = [k for k, a in issuer.achievements.items() if a["achievement"]["name"] == IG]
        now = datetime.now(UTC)
        services.awarding.award(issuer.id, ig, Learner(*LEARNERS[1]), earned_on=now.date(), at=now)
    finally:
        services.close()
    settled(settings)
    page = http.get(me, headers=HTML).text
    assert _attention(page) == ""
    cards = [c.strip() for c in re.findall(r'<h3 class="nhsuk-card__heading"[^>]*>([^<]+)', page)]
    assert cards[0] == IG  # the new one, valid
    assert cards[-1] == IG  # the lapsed one, renewed
    assert len(cards) == 4


def test_same_named_credentials_are_told_apart_by_when_they_were_earned(http, demo):
    """Amira holds two Digital Leadership Masterclass credentials: on her page and on her share
    page each card's heading says when it was earned, and the two days differ."""
    for path in (demo["Amira Okafor"]["me"], demo["Amira Okafor"]["share"]):
        page = http.get(path, headers=HTML).text
        earned = re.findall(
            r"Digital Leadership Masterclass <span class=\"nhsuk-caption-m\">earned "
            r"(\d{1,2} [A-Z][a-z]+ \d{4})</span>",
            page,
        )
        assert len(earned) == 2, path
        assert earned[0] != earned[1]
