"""A credential or event the read models cannot take must never take the ledger down."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from eventsourcing.persistence import StoredEvent

from events.signing import seal
from passport.services import LEDGER_ROLE, Services
from passport.settings import Settings
from projections.set_aside import set_aside_events
from tests.api_client import Api
from tests.passport.test_cli import run

LANGUAGE_VALUE = {"@value": "Example", "@language": "en"}
NOW = datetime(2026, 6, 1, tzinfo=UTC)
MANY_LANGUAGES = [
    {"@value": "Université Exemple", "@language": "fr"},
    {"@value": "Example University", "@language": "en"},
]


def _credential(did: str, **fields: Any) -> dict[str, Any]:
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/ns/credentials/examples/v2",
        ],
        "type": ["VerifiableCredential", "ExampleAlumniCredential"],
        "issuer": did,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:ebfeb1f712ebc6f1c276e12ec21", "alumniOf": "X"},
        **fields,
    }


def _everyone_is_still_served(api: Api, token: dict[str, str], signed: dict[str, Any]) -> None:
    """Verification, presentations and status changes answer as they should, not 500."""
    verified = api.http.post("/credentials/verify", json={"verifiableCredential": signed})
    assert verified.status_code == 200, verified.text
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [signed],
    }
    presented = api.http.post(
        "/presentations/verify", json={"verifiablePresentation": presentation}
    )
    assert presented.status_code < 500, presented.text
    revoked = api.http.post(
        "/credentials/status",
        headers=token,
        json={"credentialId": signed["id"], "credentialStatus": {"statusPurpose": "revocation"}},
    )
    assert revoked.status_code == 200, revoked.text
    after = api.http.post("/credentials/verify", json={"verifiableCredential": signed})
    assert after.status_code == 400 and "revoked" in after.text


@pytest.mark.parametrize(
    "fields",
    [
        {"name": LANGUAGE_VALUE},
        {"name": MANY_LANGUAGES, "description": [LANGUAGE_VALUE]},
        {"name": "Plain", "description": {"@value": "Beschreibung", "@language": "de"}},
    ],
    ids=["language-value", "array-of-language-values", "language-value-description"],
)
def test_language_value_names_issue_project_verify_and_rebuild(
    api: Api, settings: Settings, fields: dict[str, Any]
):
    """A VCDM 2.0 credential whose name is a language value (W3C VCDM suite 4.06) issues, and
    afterwards every endpoint still answers and a rebuild succeeds."""
    account, token = api.register("Language Academy")
    issued = api.http.post(
        "/credentials/issue",
        headers=token,
        json={"credential": _credential(account["did"], **fields)},
    )
    assert issued.status_code == 201, issued.text
    signed = issued.json()["verifiableCredential"]
    assert signed["name"] == fields["name"]  # the credential keeps the original value
    _everyone_is_still_served(api, token, signed)
    rebuilt = run(settings, "projections", "rebuild")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert run(settings, "projections", "set-aside").stdout.startswith("no events set aside")


def _plant_unreadable_event(services: Services) -> StoredEvent:
    """A correctly signed event the read models cannot apply: an issuance recorded in a shape
    this code does not know (its fields missing), as a future or faulty version might write."""
    signer_id = services.key_store.role_keys(LEDGER_ROLE)[-1]
    body = {"timestamp": {"_type_": "datetime_iso", "_data_": "2026-01-01T00:00:00+00:00"}}
    unsigned = StoredEvent(
        originator_id=uuid.uuid4(),
        originator_version=2,
        topic="events.passport:Passport.CredentialIssued",
        state=json.dumps(body).encode(),
    )
    planted = StoredEvent(
        originator_id=unsigned.originator_id,
        originator_version=unsigned.originator_version,
        topic=unsigned.topic,
        state=seal(unsigned, signer_id, services.key_store.signer(signer_id)),
    )
    services.ledger.recorder.insert_events([planted])
    return planted


def test_an_event_no_projection_can_apply_is_set_aside_not_blocking(
    api: Api, settings: Settings, caplog: pytest.LogCaptureFixture
):
    """An event the read models cannot apply is set aside with an alert naming it; the events
    after it are applied, every endpoint answers, and audit and rebuild still succeed."""
    account, token = api.register("Backstop Academy")
    services = Services.open(settings)
    try:
        planted = _plant_unreadable_event(services)
        with caplog.at_level(logging.ERROR, logger="passport.projections"):
            services.projections.catch_up()
        aside = set_aside_events(services.read_models)
    finally:
        services.close()
    assert [(e.aggregate_id, e.version) for e in aside] == [(str(planted.originator_id), 2)]
    assert str(planted.originator_id) in caplog.text and "version 2" in caplog.text
    assert f"notification {aside[0].notification_id}" in caplog.text

    issued = api.http.post(
        "/credentials/issue", headers=token, json={"credential": _credential(account["did"])}
    )
    assert issued.status_code == 201, issued.text
    _everyone_is_still_served(api, token, issued.json()["verifiableCredential"])

    listed = run(settings, "projections", "set-aside")
    assert str(planted.originator_id) in listed.stdout, listed.stderr
    audited = run(settings, "audit")
    assert audited.returncode == 0, audited.stdout + audited.stderr
    assert "set aside 1 event" in audited.stdout
    rebuilt = run(settings, "projections", "rebuild")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert str(planted.originator_id) in run(settings, "projections", "set-aside").stdout


def _raw_post(api: Api, url: str, token: dict[str, str], body: dict[str, Any]) -> Any:
    """POST JSON as a client may write it: lone surrogates as \\ud800 escapes."""
    headers = {**token, "content-type": "application/json"}
    return api.http.post(url, headers=headers, content=json.dumps(body).encode())


@pytest.mark.parametrize(
    ("credential_id", "subject_name", "rule"),
    [
        ("https://example.org/a\x00b", "Name", "id must be a URL"),
        ("https://example.org/a b", "Name", "id must be a URL"),
        (None, "broken \ud800 text", "valid Unicode"),
    ],
    ids=["nul-in-id", "space-in-id", "lone-surrogate"],
)
def test_text_no_store_can_keep_is_refused_with_the_rule(
    api: Api, credential_id: str | None, subject_name: str, rule: str
):
    """A credential id with control characters, or text with a lone surrogate, is refused with
    400 naming the rule, before anything is signed or recorded (never a 500)."""
    account, token = api.register("Odd Text Academy")
    credential = _credential(account["did"])
    credential["credentialSubject"]["name"] = subject_name
    if credential_id is not None:
        credential["id"] = credential_id
    refused = _raw_post(api, "/credentials/issue", token, {"credential": credential})
    assert refused.status_code == 400, refused.text
    assert rule in refused.json()["detail"]
    status = _raw_post(
        api,
        "/credentials/status",
        token,
        {"credentialId": "urn:x\x00", "credentialStatus": {"statusPurpose": "revocation"}},
    )
    assert status.status_code == 422, status.text


def test_a_value_the_database_refuses_sets_aside_one_event_not_the_batch(settings: Settings):
    """An event an older writer let through with a value the database itself refuses (a NUL in a
    credential id: PostgreSQL text cannot hold it) costs that event at most; the events around
    it in the same batch are applied."""
    services = Services.open(settings)
    try:
        issuer = services.awarding.register_issuer("nul", "Nul", "https://n.example", NOW)
        ledger = services.ledger
        ids = {"a": "urn:x:before", "b": "urn:x:\x00", "c": "urn:x:after"}
        for name, credential_id in ids.items():
            learner = ledger.enrol_learner(f"ESR-{name}", name, "")
            ledger.issue_credential(learner, credential_id, issuer.id, "", "vc-api", {}, "jwt")
        services.projections.catch_up()
        assert services.views.credential("urn:x:before") is not None
        assert services.views.credential("urn:x:after") is not None
        last = ledger.recorder.max_notification_id()
        assert services.projections.position() == last
        aside = set_aside_events(services.read_models)
        refuses_nul = settings.database_url.startswith("postgres")
        assert [e.version for e in aside] == ([2] if refuses_nul else [])
    finally:
        services.close()
