"""Maintenance rules through the issuer API, and what the learner's page says of them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from issuers.credentials import add_months
from passport.services import Services
from tests.api_client import ACHIEVEMENT, award_body


def test_an_issuer_sets_reads_and_removes_a_maintenance_rule(api):
    """PUT stores the rule (a retake names its module), GET shows it, DELETE removes it."""
    account, headers = api.register("NHS Digital Academy")
    base = f"/api/v1/issuers/{account['id']}/achievements"
    achievement = api.http.post(base, headers=headers, json=ACHIEVEMENT).json()["id"]
    url = f"{base}/{achievement}/maintenance"
    put = api.http.put(url, headers=headers, json={"kind": "retake", "everyMonths": 36})
    assert put.status_code == 200, put.text
    assert put.json() == {
        "kind": "retake",
        "everyMonths": 36,
        "achievementId": achievement,
        "name": ACHIEVEMENT["name"],
    }
    assert api.http.get(url, headers=headers).json() == put.json()
    cpd = api.http.put(url, headers=headers, json={"kind": "cpdHours", "hours": 10})
    assert cpd.json() == {"kind": "cpdHours", "hours": 10.0}
    assert api.http.delete(url, headers=headers).status_code == 204
    assert api.http.get(url, headers=headers).status_code == 404


def test_bad_maintenance_rules_get_clear_errors(api):
    """An incomplete rule or an unknown module is a 422 saying what is missing; an unknown
    achievement a 404; another issuer's token a 403."""
    account, headers = api.register("NHS Digital Academy")
    _, other = api.register("North East Digital Academy")
    base = f"/api/v1/issuers/{account['id']}/achievements"
    achievement = api.http.post(base, headers=headers, json=ACHIEVEMENT).json()["id"]
    url = f"{base}/{achievement}/maintenance"
    no_period = api.http.put(url, headers=headers, json={"kind": "retake"})
    assert no_period.status_code == 422
    assert "needs everyMonths" in no_period.json()["detail"]
    no_hours = api.http.put(url, headers=headers, json={"kind": "cpdHours"})
    assert "needs hours" in no_hours.json()["detail"]
    unknown_module = api.http.put(
        url, headers=headers, json={"kind": "retake", "everyMonths": 12, "achievementId": "nope"}
    )
    assert unknown_module.status_code == 422
    assert "is not one of this issuer's achievements" in unknown_module.json()["detail"]
    missing = api.http.put(
        f"{base}/nope/maintenance", headers=headers, json={"kind": "cpdHours", "hours": 1}
    )
    assert missing.status_code == 404
    assert (
        api.http.put(url, headers=other, json={"kind": "cpdHours", "hours": 1}).status_code == 403
    )


def test_the_learner_page_says_what_keeps_a_badge_current_and_by_when(api, settings):
    """A badge under a yearly retake rule shows "Retake … by <day>" on the learner's page."""
    account, headers = api.register("NHS Digital Academy")
    base = f"/api/v1/issuers/{account['id']}"
    achievement = api.http.post(f"{base}/achievements", headers=headers, json=ACHIEVEMENT).json()[
        "id"
    ]
    api.http.put(
        f"{base}/achievements/{achievement}/maintenance",
        headers=headers,
        json={"kind": "retake", "everyMonths": 12},
    )
    body = award_body(achievement)
    award = api.http.post(f"{base}/awards", headers=headers, json=body).json()
    services = Services.open(settings)
    try:
        token = services.sharing.issue_learner_link(award["learnerId"], datetime.now(UTC))
    finally:
        services.close()
    page = api.http.get(f"/me/{token}")
    assert page.status_code == 200
    due = add_months(datetime.fromisoformat(body["earnedOn"]).date(), 12) - timedelta(days=1)
    assert "To keep it current" in page.text
    assert f"Retake {ACHIEVEMENT['name']} by {due:%-d %B %Y}" in page.text
