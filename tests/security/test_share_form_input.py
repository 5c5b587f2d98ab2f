"""The learner's share form and the employer's role-check form, fed what issue 13 reported and
what a hand-made request can send: nothing is shared by accident or beyond what was chosen,
bad input gets the design system's error (422, never a 500 or the browser's pop-up alone), a
withdrawal needs its confirmation, and an issuer's reason travels only with the learner's name."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from passport.settings import Settings
from tests.security.web_helpers import Links, links_for, served

HTML = {"Accept": "text/html"}
JSON = {"Accept": "application/json"}


@pytest.fixture
def tomasz(settings: Settings, seeded: dict[str, str]) -> Links:
    """Tomasz (one credential revoked, with a reason): his personal link and a share."""
    return links_for(settings, seeded["Tomasz Nowak"])


@pytest.fixture
def http(settings: Settings, tomasz: Links) -> Iterator[httpx.Client]:
    """A client of the app as served."""
    with served(settings) as base, httpx.Client(base_url=base, timeout=30) as client:
        yield client


def _credential_ids(http: httpx.Client, me: str) -> list[str]:
    return [c["id"] for c in http.get(f"{me}/passport.json").json()["verifiableCredential"]]


def _error_summary(page: str) -> list[str]:
    """The messages listed in the page's error summary."""
    summary = page.split('class="nhsuk-error-summary"')[1].split("</ul>", maxsplit=1)[0]
    return [m.strip() for m in re.findall(r"<a href=\"#[^\"]+\">([^<]+)</a>", summary)]


def _shares(http: httpx.Client, me: str) -> int:
    return http.get(me, headers=HTML).text.count("/withdraw")


def test_the_form_shares_nothing_until_the_learner_chooses(http, tomasz):
    """Issue 13 #1: no radio is chosen by default, and submitting the form untouched is refused
    with the error summary and "Error:" in the title, creating nothing."""
    page = http.get(tomasz.me, headers=HTML).text
    form = page.split('action="' + tomasz.me + '/shares/check"')[1].split("</form>")[0]
    assert "checked" not in form.split('id="show_name"')[0]
    before = _shares(http, tomasz.me)
    for path in ("/shares/check", "/shares"):
        refused = http.post(f"{tomasz.me}{path}", headers=HTML, data={"days": "7"})
        assert refused.status_code == 422
        assert "<title>Error: " in refused.text
        assert _error_summary(refused.text) == [
            "Choose at least one credential to share, or share them all"
        ]
    assert _shares(http, tomasz.me) == before


@pytest.mark.parametrize("days", ["0", "366", "-3", "seven", "1e3", "²", "9" * 40, ""])
def test_a_bad_number_of_days_is_refused_by_the_server(http, tomasz, days):
    """Issue 13 #5: days outside 1–365, or not a whole number, are refused by the server with a
    message at the field (the browser's own check can be bypassed)."""
    refused = http.post(
        f"{tomasz.me}/shares", headers=HTML, data={"scope": "all", "days": days or " "}
    )
    assert refused.status_code == 422
    assert _error_summary(refused.text) == ["Enter a whole number of days from 1 to 365"]
    assert 'id="days-error"' in refused.text


def test_only_the_chosen_credentials_are_shared(http, tomasz):
    """Issue 13 #1: choosing two shares exactly those two, after a check-your-answers page that
    names them; another learner's credential id slipped into the form is ignored."""
    mine = _credential_ids(http, tomasz.me)
    chosen = mine[:2]
    data = {"scope": "chosen", "credential": [*chosen, "urn:uuid:" + "0" * 36], "days": "7"}
    check = http.post(f"{tomasz.me}/shares/check", headers=HTML, data=data)
    assert check.status_code == 200
    listed = check.text.split('class="shared-credentials"')[1].split("</ul>")[0]
    assert listed.count("<li>") == 2
    edited = http.post(f"{tomasz.me}/shares/edit", headers=HTML, data=data)
    assert edited.status_code == 200  # "Change what I share": the form as it was left
    assert re.search(r'value="chosen"[^>]*checked>', edited.text)
    assert all(re.search(f'value="{c}"[^>]*checked>', edited.text) for c in chosen)
    created = http.post(f"{tomasz.me}/shares", headers=HTML, data=data)
    assert created.status_code == 201
    url = created.text.split('id="new-share-url">')[1].split("<")[0]
    presentation = http.get(urlsplit(url).path, headers=JSON).json()
    held = [
        c for c in presentation["verifiableCredential"] if "EndorsementCredential" not in c["type"]
    ]
    assert sorted(c["id"] for c in held) == sorted(chosen)
    # Besides them, only the endorsements of the chosen credentials travel (issue 15).
    assert set(presentation["staffPassport"].get("endorsements", {})) <= set(chosen)


def test_withdrawing_needs_its_confirmation(http, tomasz):
    """Issue 13 #9: a withdrawal without `confirm=yes` only shows the confirmation page; the
    link keeps working until it is confirmed."""
    share_id = re.findall(r"/shares/([^/\"]+)/withdraw", http.get(tomasz.me, headers=HTML).text)[0]
    for data in ({}, {"confirm": "no"}, {"confirm": "YES "}):
        asked = http.post(f"{tomasz.me}/shares/{share_id}/revoke", headers=HTML, data=data)
        assert asked.status_code == 200 and "Withdraw this share link?" in asked.text
        assert http.get(tomasz.share, headers=HTML).status_code == 200
    done = http.post(f"{tomasz.me}/shares/{share_id}/revoke", data={"confirm": "yes"})
    assert done.status_code == 303
    assert http.get(tomasz.share, headers=HTML).status_code == 410


def test_the_revocation_reason_travels_only_with_the_name(http, tomasz):
    """Issue 13 #3: a share that shows the name shows who revoked, when and why; one that hides
    the name says who and when, but not the reason (it can be about the person)."""
    reason = "Awarded in error: assessment not passed"
    pages = {}
    for show_name in (True, False):
        data = {"scope": "all", "days": "7", **({"show_name": "yes"} if show_name else {})}
        created = http.post(f"{tomasz.me}/shares", headers=HTML, data=data)
        url = created.text.split('id="new-share-url">')[1].split("<")[0]
        pages[show_name] = http.get(urlsplit(url).path, headers=HTML).text
    for page in pages.values():
        assert "Revoked by NHS Digital Academy (demo) on " in page
        assert "Digital Academy Online Foundation Certificate was revoked" in page
    assert reason in pages[True] and "Tomasz Nowak" in pages[True]
    assert reason not in pages[False] and "Tomasz Nowak" not in pages[False]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"role": ""}, "role", "Select the role to check against"),
        ({"role": "no-such-role"}, "role", "Select the role to check against"),
        (
            {"role": "data-analyst", "as-of-day": "31", "as-of-month": "2", "as-of-year": "2026"},
            "as-of-day",
            "The date to check on must be a real date, like 5 2 2027",
        ),
        (
            {"role": "data-analyst", "as-of-day": "3", "as-of-year": "2026"},
            "as-of-day",
            "The date to check on must include a day, month and year",
        ),
        (
            {"role": "data-analyst", "as_of": "2026-13-40"},
            "as-of-day",
            "The date to check on must be a real date, like 5 2 2027",
        ),
    ],
    ids=["no-role", "unknown-role", "31-february", "no-month", "bad-iso"],
)
def test_a_role_check_with_bad_input_says_what_to_fix(http, tomasz, query, field, message):
    """Issue 13 #5: "Check" with no role (or a bad date) answers 422 with the error summary
    linking to the field, never a silent reload or a 500."""
    refused = http.get(tomasz.share, params=query, headers=HTML)
    assert refused.status_code == 422
    assert _error_summary(refused.text) == [message]
    assert f'href="#{field}"' in refused.text and f'id="{field}-error"' in refused.text
