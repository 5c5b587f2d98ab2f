"""Every shape we issue validates against the Open Badges 3.0 AchievementCredential JSON Schema."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import jwt
import pytest
from jsonschema import Draft201909Validator
from referencing import Registry
from referencing.exceptions import NoSuchResource

from events.issuer import AchievementKind
from issuers.awarding import AwardRequest, Learner
from passport.demo import seed_demo
from passport.services import Services
from tests.api_client import ACHIEVEMENT, award_body, cohort_rows
from tests.issuers.test_cohorts import wait_for

SCHEMA = Path(__file__).parents[3] / "shared" / "ob3-schema"
SCHEMA_FILE = SCHEMA / "ob_v3p0_achievementcredential_schema.json"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SUITES = ("eddsa-jcs-2022", "eddsa-rdfc-2022")


def _offline(uri: str) -> Any:
    """Nothing is fetched: the schema must be complete as bundled."""
    raise NoSuchResource(ref=uri)  # type: ignore[call-arg]  # attrs alias mypy misses


@pytest.fixture(scope="module")
def validator() -> Draft201909Validator:
    """The 2019-09 schema, with a registry that resolves nothing over the network."""
    schema = json.loads(SCHEMA_FILE.read_text())
    Draft201909Validator.check_schema(schema)
    return Draft201909Validator(
        schema,
        registry=Registry(retrieve=_offline),  # type: ignore[call-arg]
    )


def _problems(validator: Draft201909Validator, document: dict[str, Any]) -> list[str]:
    return [
        f"/{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
        for e in validator.iter_errors(document)
    ]


def _academy(services: Services) -> tuple[Any, str]:
    issuer = services.awarding.register_issuer("academy", "Academy", "https://a.example", NOW)
    achievement = services.awarding.define_achievement(
        issuer.id,
        name="Information Governance",
        description="IG",
        criteria="Pass",
        kind=AchievementKind.TRAINING,
        refresher_months=12,
        credits_available=1.5,
    )
    return issuer.id, achievement


def _jwt_payload(token: str) -> dict[str, Any]:
    payload: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return payload


@pytest.mark.parametrize("suite", SUITES)
def test_an_award_and_its_jwt_payload_match_the_ob3_schema(services, validator, suite):
    """A single award, in either cryptosuite, and the payload of its vc+jwt pass the schema."""
    issuer_id, achievement = _academy(services)
    award = services.awarding.award(
        issuer_id,
        achievement,
        Learner("NMC-12A3456B", "Ann Example", "ann@example.nhs.net"),
        earned_on=date(2026, 10, 20),
        at=NOW,
        credits_earned=1.5,
        cryptosuite=suite,
    )
    assert award.credential["proof"][0]["cryptosuite"] == suite
    assert _problems(validator, award.credential) == []
    assert _problems(validator, _jwt_payload(award.jwt)) == []


def test_a_cohort_of_awards_matches_the_ob3_schema(services, validator):
    """Every credential of a cohort issued in one batch passes the schema."""
    issuer_id, achievement = _academy(services)
    requests = [
        AwardRequest(
            achievement,
            Learner(f"NMC-12A345{n}B", f"Learner {n}", f"l{n}@example.nhs.net"),
            date(2026, 10, 20),
            None,
            f"cohort-row-{n}",
            SUITES[n % 2],
        )
        for n in range(4)
    ]
    awards = services.awarding.award_many(issuer_id, requests, at=NOW)
    assert len(awards) == 4
    for award in awards:
        assert _problems(validator, award.credential) == []
        assert _problems(validator, _jwt_payload(award.jwt)) == []


def _open_badge(did: str) -> dict[str, Any]:
    """An unsigned OpenBadgeCredential as a VC API client sends it (no status, no proof)."""
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": did, "type": ["Profile"], "name": "Academy"},
        "validFrom": "2026-10-20T00:00:00Z",
        "name": "Data Champion",
        "credentialSubject": {
            "id": "did:example:learner-1",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://a.example/achievements/data-champion",
                "type": ["Achievement"],
                "name": "Data Champion",
                "description": "Champions data in their team.",
                "criteria": {"narrative": "Complete the programme."},
            },
        },
    }


@pytest.mark.parametrize("suite", SUITES)
def test_a_vc_api_issued_open_badge_matches_the_ob3_schema(services, validator, suite):
    """An OpenBadgeCredential issued by the VC API path (status entry added by us) passes."""
    issuer_id, _ = _academy(services)
    did = services.ledger.issuer(issuer_id).did
    unsigned = _open_badge(did)
    signed = services.awarding.issue_document(issuer_id, unsigned, NOW, suite)
    assert isinstance(signed["credentialStatus"], dict)
    assert _problems(validator, signed) == []


def test_the_demo_credentials_match_the_ob3_schema(services, validator):
    """Every credential the demo seeds, in both of its recorded forms, passes the schema."""
    seed_demo(services, NOW)
    checked = 0
    for learner_id, _ in services.views.learners():
        for credential, *_ in services.views.credentials_of(learner_id):
            if "EndorsementCredential" in credential["type"]:
                continue  # held by the accrediting body; test_endorsements checks its own schema
            forms = services.views.recorded_forms(credential["id"])
            assert forms is not None
            assert _problems(validator, forms[0]) == []
            assert _problems(validator, _jwt_payload(forms[1])) == []
            checked += 1
    assert checked > 5


def test_what_the_http_apis_return_matches_the_ob3_schema(api, settings, validator):
    """Over real HTTP: an award (eddsa-rdfc-2022), a cohort job's credentials and a VC API
    OpenBadgeCredential all pass the schema."""
    account, token = api.register("Schema Academy")
    base = f"/api/v1/issuers/{account['id']}"
    achievement = api.http.post(f"{base}/achievements", headers=token, json=ACHIEVEMENT).json()
    single = api.http.post(
        f"{base}/awards",
        headers=token,
        json={**award_body(achievement["id"]), "cryptosuite": "eddsa-rdfc-2022"},
    )
    assert single.status_code == 201, single.text
    assert _problems(validator, single.json()["credential"]) == []
    cohort = api.http.post(
        f"{base}/awards/batch",
        headers={**token, "Idempotency-Key": "schema-cohort"},
        json={"mode": "all-or-nothing", "awards": cohort_rows(achievement["id"], 3)},
    )
    assert cohort.status_code == 202, cohort.text
    assert wait_for(api.http, cohort.headers["location"], token)["status"] == "completed"
    services = Services.open(settings)
    try:
        services.projections.catch_up()
        with services.read_models.transaction() as tx:
            ids = [r[0] for r in tx.execute("SELECT credential_id FROM rm_credentials")]
        recorded = [services.views.credential(i) for i in ids]
    finally:
        services.close()
    assert len(recorded) == 4
    for record in recorded:
        assert record is not None
        assert _problems(validator, record["credential"]) == []
    badge = _open_badge(account["did"])
    issued = api.http.post(
        "/credentials/issue",
        headers=token,
        json={"credential": badge, "options": {"cryptosuite": "eddsa-rdfc-2022"}},
    )
    assert issued.status_code == 201, issued.text
    assert _problems(validator, issued.json()["verifiableCredential"]) == []
