"""The issue's "What must hold", on the surfaces the library tests do not reach: forgeries
through `passport verify` (offline and `--online`) and the VC API; alignment as of the date
through the VC API and the share page."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

import pytest

from keys import SigningKey, did_key, did_key_verification_method
from passport import registry
from passport.demo import seed_demo
from passport.services import Services
from passport.settings import Settings
from tests.api_client import ACHIEVEMENT, Api, award_body
from tests.registries import entity, registry_document
from tests.security.did_web_host import Host, https_host
from tests.security.employer import passport_cli
from tests.security.test_trust_did_web import DOCUMENT_PATH, PATH, credential, did_document, publish
from tests.status_lists import signed_status_list
from verifier.eddsa_jcs_2022 import create_proof
from verifier.signed_note import note_verifier_key
from verifier.timestamps import xsd_datetime

V2 = "https://www.w3.org/ns/credentials/v2"


@pytest.fixture
def host(tmp_path: Path) -> Iterator[Host]:
    """The academy's own web host (for `--online`): HTTPS on loopback."""
    directory = tmp_path / "host"
    directory.mkdir()
    with https_host(directory) as served:
        yield served


def _forged_passport(did: str, real: SigningKey, attacker: SigningKey) -> dict[str, Any]:
    """The first forgery: the attacker's key listed under the real academy in the file, a V300
    credential signed with it, a status list re-signed with it, its note key listed."""
    method = f"{did}#key-2"
    list_url = "https://status.invalid/lists/1"
    forged = credential(did, attacker, method)
    unsigned = {k: v for k, v in forged.items() if k != "proof"}
    unsigned["name"] = "Non-Medical Independent Prescribing (V300)"
    unsigned["credentialStatus"] = {
        "id": f"{list_url}#3",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "3",
        "statusListCredential": list_url,
    }
    forged = create_proof(unsigned, attacker, method, datetime(2026, 2, 1, tzinfo=UTC))
    keys = [(f"{did}#key-1", real), (method, attacker)]
    return {
        "@context": [V2],
        "type": ["VerifiablePresentation", "StaffPassport"],
        "verifiableCredential": [forged],
        "staffPassport": {
            "issuers": [
                {
                    "id": did,
                    "name": "Faraway Academy",
                    "keys": [
                        {"id": m, "publicKeyMultibase": k.public_key.multibase} for m, k in keys
                    ],
                }
            ],
            "statusLists": {
                list_url: signed_status_list(
                    attacker, method, issuer=did, url=list_url, revoked=set()
                )
            },
            "noteVerifierKeys": [note_verifier_key("ledger.test/log", attacker.public_key)],
        },
    }


@pytest.mark.parametrize("online", [False, True], ids=["offline", "online"])
def test_a_key_the_file_adds_under_a_real_academy_is_refused_by_the_cli(host, tmp_path, online):
    """`passport verify` (offline, and `--online` with the academy's real DID document) refuses
    the forged passport: exit 1, `key_not_listed`, the forged status and log not believed."""
    real, attacker, registry_key = (SigningKey.generate() for _ in range(3))
    did = host.did(*PATH)
    pinned = registry_document(
        registry_key, [entity(did, "Faraway Academy", [(f"{did}#key-1", real.public_key)])]
    )
    (tmp_path / "registry.json").write_text(json.dumps(pinned))
    passport_cli(
        tmp_path,
        "trust",
        "add",
        "registry.json",
        "--fingerprint",
        registry_key.public_key.multibase,
    )
    publish(host, did_document(did, [("key-1", real)]))
    (tmp_path / "forged.json").write_text(json.dumps(_forged_passport(did, real, attacker)))
    extra = ["--online"] if online else []
    result = passport_cli(tmp_path, "verify", "forged.json", "--json", *extra, ca_file=host.ca_file)
    assert result.returncode == 1, result.stdout + result.stderr
    checks = {c["id"]: c for c in json.loads(result.stdout)["credentials"][0]["checks"]}
    assert checks["proof"]["problem"] == "key_not_listed"
    assert checks["key_valid_at_issuance"]["problem"] == "key_not_listed"
    assert checks["status"]["outcome"] != "passed"
    assert checks["ledger_inclusion"]["outcome"] != "passed"
    assert host.requests == ([DOCUMENT_PATH] if online else [])
    if online:
        assert checks["did_document"]["outcome"] == "failed"


def test_a_key_added_under_a_ledger_academy_is_refused_by_both_vc_api_endpoints(api: Api):
    """The attacker signs a V300 credential under a real academy of this ledger with their own
    key: /credentials/verify answers 400 `key_not_listed`; in a presentation, the held
    credential fails with the same problem."""
    account, _ = api.register("Digital Academy")
    did = account["did"]
    attacker = SigningKey.generate()
    forged = credential(did, attacker, f"{did}#attacker")
    single = api.http.post("/credentials/verify", json={"verifiableCredential": forged})
    assert single.status_code == 400, single.text
    checks = {c["id"]: c for c in single.json()["results"]}
    assert checks["proof"]["problem"] == "key_not_listed"
    presentation = {
        "@context": [V2],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [forged],
    }
    held = api.http.post("/presentations/verify", json={"presentation": presentation})
    assert held.status_code == 200
    assert held.json()["verified"] is False
    problems = {c["problem"] for c in held.json()["credentialResults"][0]["checks"]}
    assert "key_not_listed" in problems


def test_a_retired_key_credential_never_recorded_is_refused_in_a_presentation(api: Api, settings):
    """The third forgery through /presentations/verify: signed with the academy's retired key,
    dated while it was current, never recorded here: the held credential is `not_in_ledger`."""
    account, token = api.register("Digital Academy")
    base = f"/api/v1/issuers/{account['id']}"
    achievement = api.http.post(f"{base}/achievements", headers=token, json=ACHIEVEMENT).json()
    genuine = api.http.post(f"{base}/awards", headers=token, json=award_body(achievement["id"]))
    issued = genuine.json()["credential"]
    proof = issued["proof"] if isinstance(issued["proof"], dict) else issued["proof"][0]
    signed_at = datetime.fromisoformat(proof["created"].replace("Z", "+00:00"))
    services = Services.open(settings)
    try:
        rotated = max(datetime.now(UTC), signed_at + timedelta(seconds=1))
        services.awarding.rotate_issuer_key(UUID(account["id"]), rotated)
        retired = services.key_store.signer(proof["verificationMethod"].split("#", 1)[1])
    finally:
        services.close()
    unsecured = {k: v for k, v in issued.items() if k != "proof"}
    unsecured["id"] = "urn:uuid:00000000-0000-4000-8000-00000000beef"
    forged = create_proof(unsecured, retired, proof["verificationMethod"], signed_at)
    presentation = {
        "@context": [V2],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [forged],
    }
    held = api.http.post("/presentations/verify", json={"presentation": presentation})
    assert held.status_code == 200
    checks = {c["id"]: c for c in held.json()["credentialResults"][0]["checks"]}
    assert (checks["ledger_inclusion"]["outcome"], checks["ledger_inclusion"]["problem"]) == (
        "failed",
        "not_in_ledger",
    )
    assert held.json()["verified"] is False


def test_alignment_is_judged_as_of_issuance_by_the_vc_api(api: Api, settings):
    """An outside academy (did:key) recognised and aligned: a credential it issued before its
    derecognition still verifies (200); one issued after is 400 `issuer_not_recognised`."""
    key = SigningKey.generate()
    did = did_key(key.public_key)
    start = datetime.now(UTC) - timedelta(days=10)
    services = Services.open(settings)
    try:
        registry.recognise(
            services,
            did,
            "Outside Academy",
            url=None,
            role="issuer",
            at=xsd_datetime(start),
            keys=[],
            accredited_by=[],
        )
        registry.align(
            services,
            did,
            achievement_type=None,
            subject=None,
            start=xsd_datetime(start),
            until=None,
        )
        registry.derecognise(services, did, xsd_datetime(start + timedelta(days=5)))
    finally:
        services.close()

    def issued(days: int, ident: str) -> dict[str, Any]:
        unsigned = {
            "@context": [V2],
            "id": f"urn:uuid:00000000-0000-4000-8000-{ident}",
            "type": ["VerifiableCredential"],
            "issuer": {"id": did, "name": "Outside Academy"},
            "validFrom": xsd_datetime(start + timedelta(days=days)),
            "credentialSubject": {"id": "urn:example:learner", "name": "Fire Safety"},
        }
        method = did_key_verification_method(key.public_key)
        return create_proof(unsigned, key, method, start + timedelta(days=days))

    before = api.http.post(
        "/credentials/verify", json={"verifiableCredential": issued(1, "0000000000b1")}
    )
    assert before.status_code == 200, before.text
    after = api.http.post(
        "/credentials/verify", json={"verifiableCredential": issued(7, "0000000000a7")}
    )
    assert after.status_code == 400
    checks = {c["id"]: c for c in after.json()["results"]}
    assert checks["issuer"]["problem"] == "issuer_not_recognised"
    assert "after" in checks["issuer"]["reason"]


def test_the_share_page_keeps_a_credential_issued_before_a_derecognition(
    settings: Settings, api: Api
):
    """The demo academy is derecognised after it awarded: the employer's page still says the
    awards were issued by it and recognised, because they were issued while it was."""
    services = Services.open(settings)
    try:
        learners = seed_demo(services, datetime.now(UTC) - timedelta(days=1)).learners
        services.projections.catch_up()
        academy = next(i for i in services.views.issuers() if i.name.startswith("NHS Digital"))
        registry.derecognise(services, academy.did, xsd_datetime(datetime.now(UTC)))
    finally:
        services.close()
    share = urlsplit(str(learners[0]["share_url"])).path
    page = api.http.get(share, headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "Issued by NHS Digital Academy" in page.text
    assert "recognised by Staff Passport registry at passport.test" in page.text
    assert "We cannot tell who issued this" not in page.text
