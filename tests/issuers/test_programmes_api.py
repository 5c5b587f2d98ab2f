"""The programme API over real HTTP: definitions, the served awarder, flags for the issuer."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import httpx

from passport.services import Services
from passport.settings import Settings
from tests.api_client import ACHIEVEMENT, Api, award_body
from tests.passport.server import serving
from tests.registries import deployment_trust
from verifier import verify_credential
from verifier.checks import StatusLists


def modules(api: Api, headers: dict[str, str], issuer_id: str, count: int) -> list[str]:
    """Define `count` module achievements; their ids."""
    ids = []
    for n in range(count):
        body = {**ACHIEVEMENT, "name": f"EPR skills module {n}", "kind": "cpd"}
        response = api.http.post(
            f"/api/v1/issuers/{issuer_id}/achievements", headers=headers, json=body
        )
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


def programme_body(core: list[str], optional: list[str], choose: int) -> dict[str, Any]:
    return {
        "name": "Digital Academy Online Foundation Certificate",
        "description": "EPR skills for every member of staff.",
        "criteria": "The core module and a choice of optional modules.",
        "core": core,
        "optional": {"choose": choose, "from": optional},
    }


def held_programme(settings: Settings, staff: str, achievement_id: str) -> list[dict[str, Any]]:
    """The learner's credentials for the programme's achievement, as the ledger holds them."""
    services = Services.open(settings)
    try:
        learner_id = str(services.ledger.learner_id_for(staff))
        return [
            {"credential": c, "status": status}
            for c, _, status, _ in services.views.credentials_of(learner_id)
            if c["credentialSubject"]["achievement"]["id"] == f"urn:uuid:{achievement_id}"
        ]
    finally:
        services.close()


def eventually(probe: Any, what: str) -> Any:
    """Poll until `probe()` is truthy (the served follower works in the background)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"never happened: {what}")


def test_the_served_ledger_awards_a_programme_by_itself_once(api, settings):
    """Modules awarded through the API, across two serving processes, earn one programme
    credential that verifies with the deployment's trust, its evidence naming the modules."""
    account, headers = api.register("NHS Digital Academy")
    issuer = account["id"]
    core, *optional = modules(api, headers, issuer, 3)
    created = api.http.post(
        f"/api/v1/issuers/{issuer}/programmes",
        headers=headers,
        json=programme_body([core], optional, 2),
    )
    assert created.status_code == 201, created.text
    programme = created.json()
    held = []
    with serving(settings) as second, httpx.Client(base_url=second, timeout=30) as other:
        for client, achievement in zip(
            (api.http, other, api.http), (optional[1], core, optional[0]), strict=True
        ):
            response = client.post(
                f"/api/v1/issuers/{issuer}/awards",
                headers=headers,
                json=award_body(achievement),
            )
            assert response.status_code == 201, response.text
            held.append(response.json()["credentialId"])
        awarded = eventually(
            lambda: held_programme(settings, "NMC-18A2345E", programme["achievementId"]),
            "the programme credential",
        )
    time.sleep(1)  # let any second award (the defect this guards against) be recorded
    assert len(held_programme(settings, "NMC-18A2345E", programme["achievementId"])) == 1
    credential = awarded[0]["credential"]
    assert sorted(e["id"] for e in credential["evidence"]) == sorted(held)
    report = verify_credential(
        credential,
        now=datetime.now(UTC),
        trust=deployment_trust(api.http, settings),
        status_lists=StatusLists({}, "test"),
    )
    assert report.check("proof").outcome.value == "passed"
    assert report.check("issuer").outcome.value == "passed"


def test_a_revoked_module_shows_as_a_flag_in_the_issuer_api(api, settings):
    """Revoking a module the programme relied on lists the award under the programme's flags;
    the programme credential itself stays active."""
    account, headers = api.register("NHS Digital Academy")
    issuer = account["id"]
    core, optional = modules(api, headers, issuer, 2)
    programme = api.http.post(
        f"/api/v1/issuers/{issuer}/programmes",
        headers=headers,
        json=programme_body([core], [optional], 1),
    ).json()
    awards = [
        api.http.post(
            f"/api/v1/issuers/{issuer}/awards", headers=headers, json=award_body(a)
        ).json()
        for a in (core, optional)
    ]
    eventually(
        lambda: held_programme(settings, "NMC-18A2345E", programme["achievementId"]),
        "the programme credential",
    )
    revoked = api.http.post(
        f"/api/v1/issuers/{issuer}/awards/{awards[0]['credentialId']}/revoke",
        headers=headers,
        json={"reason": "Assessment not passed."},
    )
    assert revoked.status_code == 200, revoked.text
    path = f"/api/v1/issuers/{issuer}/programmes/{programme['id']}"
    flags = eventually(lambda: api.http.get(path, headers=headers).json()["flags"], "a flag")
    assert [f["moduleCredentialId"] for f in flags] == [awards[0]["credentialId"]]
    listed = api.http.get(f"/api/v1/issuers/{issuer}/programmes", headers=headers).json()
    assert [p["id"] for p in listed] == [programme["id"]]
    assert listed[0]["flags"] == flags
    (award,) = held_programme(settings, "NMC-18A2345E", programme["achievementId"])
    assert award["status"] == "active"


def test_bad_definitions_get_clear_422s(api):
    """Incoherent programmes are refused with a message saying what is wrong."""
    account, headers = api.register("NHS Digital Academy")
    issuer = account["id"]
    a, b = modules(api, headers, issuer, 2)
    url = f"/api/v1/issuers/{issuer}/programmes"
    cases = {
        "asks for nothing": (programme_body([], [], 1) | {"optional": None}, "asks for nothing"),
        "choose more than listed": (programme_body([a], [b], 2), "choose 2 modules from only 1"),
        "unknown module": (
            programme_body(["no-such-achievement"], [b], 1),
            "is not one of this issuer's achievements",
        ),
        "empty window": (
            programme_body([a], [b], 1) | {"earnedFrom": "2026-05-01", "earnedUntil": "2026-01-01"},
            "earnedFrom is after earnedUntil",
        ),
        "overlapping equivalents": (
            programme_body([a], [b], 1) | {"equivalents": [[a, b], [b, "x"]]},
            "two groups of equivalents",
        ),
        "lonely equivalent": (
            programme_body([a], [b], 1) | {"equivalents": [[a]]},
            "at least two achievements",
        ),
        "empty variant": (
            programme_body([a], [b], 1) | {"variants": [{"professionalGroup": "nursing"}]},
            "variant 'nursing' asks for no module",
        ),
        "unknown field": (programme_body([a], [b], 1) | {"autoRevoke": True}, "autoRevoke"),
    }
    for name, (body, message) in cases.items():
        response = api.http.post(url, headers=headers, json=body)
        assert response.status_code == 422, name
        assert response.headers["content-type"].startswith("application/problem+json"), name
        assert message in response.json()["detail"], (name, response.json())
    assert api.http.get(url, headers=headers).json() == []


def test_programmes_need_the_issuers_own_token(api):
    """No token is 401, another issuer's token is 403, an unknown programme is 404."""
    account, headers = api.register("NHS Digital Academy")
    _, other = api.register("North East Digital Academy")
    issuer = account["id"]
    (a,) = modules(api, headers, issuer, 1)
    url = f"/api/v1/issuers/{issuer}/programmes"
    body = programme_body([a], [], 1) | {"optional": None}
    assert api.http.post(url, json=body).status_code == 401
    assert api.http.post(url, headers=other, json=body).status_code == 403
    assert api.http.get(url, headers=other).status_code == 403
    missing = api.http.get(f"{url}/6f1c0c36-98e9-4f59-9a55-0b6a1f1f1f1f", headers=headers)
    assert missing.status_code == 404
    assert "no programme" in missing.json()["detail"]
