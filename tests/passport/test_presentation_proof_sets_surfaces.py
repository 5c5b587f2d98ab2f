"""A presentation secured by a proof set or chain, through `POST /presentations/verify` over real
HTTP and through `passport verify` as a real process."""

from __future__ import annotations

import json
from typing import Any

import httpx

from keys import SigningKey, did_key, did_key_verification_method
from passport.settings import Settings
from tests.passport.test_cli import run
from tests.passport.test_presentations_api import _did_key_credential
from tests.verifier.presentation_proofs import (
    CHALLENGE,
    DOMAIN,
    SIGNED_AT,
    SUITES,
    V2,
    presentation,
    proof_by,
    proof_chain,
    proof_set,
)
from verifier import eddsa_rdfc_2022

HOLDER = SigningKey.from_seed(b"proof sets over HTTP: the holder")
WITNESS = SigningKey.from_seed(b"proof sets over HTTP: a witness!")
OPTIONS = {"challenge": CHALLENGE, "domain": DOMAIN}


def _verify(client: httpx.Client, vp: dict[str, Any]) -> dict[str, Any]:
    response = client.post(
        "/presentations/verify", json={"verifiablePresentation": vp, "options": OPTIONS}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_the_vc_api_verifies_a_proof_set_and_reports_each_proof(client):
    """Each proof of the holder's set comes back valid in `results.proof`, and the verdict holds."""
    vp = proof_set(SUITES[0], presentation(HOLDER, [_did_key_credential(client)]), HOLDER, WITNESS)
    body = _verify(client, vp)
    assert body["verified"] is True, body["problemDetails"]
    assert body["results"]["proof"] == [{"valid": True, "input": p} for p in vp["proof"]]
    checks = [c["id"] for c in body["presentationResult"]["checks"]]
    assert "presentation_proof_1" in checks and "presentation_proof_2" in checks


def test_the_vc_api_names_the_one_bad_proof_of_a_set(client):
    """A set whose second proof signed another presentation: 200, not verified, that proof
    invalid and the first still valid; `errors` says which."""
    document = presentation(HOLDER, [_did_key_credential(client)])
    other = {**document, "id": "urn:uuid:some-other-presentation"}
    vp = {**document, "proof": [proof_by(SUITES[1], document, HOLDER)]}
    vp["proof"].append(proof_by(SUITES[1], other, WITNESS))
    body = _verify(client, vp)
    assert body["verified"] is False
    assert [p["valid"] for p in body["results"]["proof"]] == [True, False]
    assert any("proof 2 of 2" in e for e in body["errors"]), body["errors"]


def test_passport_verify_reports_each_proof_of_a_chained_presentation(settings: Settings, tmp_path):
    """`passport verify` exits 0 for a holder's chained presentation and lists both proofs; the
    chained proof alone, its earlier proof removed, exits 1 naming the missing id."""
    issuer = SigningKey.from_seed(b"proof sets over HTTP: an academy")
    credential = eddsa_rdfc_2022.create_proof(
        {
            "@context": [V2],
            "id": "urn:uuid:5a3b0d1e-0000-4000-8000-0000000000bb",
            "type": ["VerifiableCredential"],
            "issuer": did_key(issuer.public_key),
            "validFrom": "2026-01-01T00:00:00Z",
            "credentialSubject": {"id": "urn:example:learner", "name": "Priya Raman"},
        },
        issuer,
        did_key_verification_method(issuer.public_key),
        SIGNED_AT,
    )
    vp = proof_chain(SUITES[1], presentation(HOLDER, [credential]), HOLDER, WITNESS)
    good = tmp_path / "presentation.json"
    good.write_text(json.dumps(vp))
    done = run(settings, "verify", str(good), "--policy", "proof-only")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Holder's proof 1 of 2" in done.stdout
    assert "Holder's proof 2 of 2 chained" in done.stdout
    cut = tmp_path / "cut.json"
    cut.write_text(json.dumps({**vp, "proof": [vp["proof"][1]]}))
    failed = run(settings, "verify", str(cut), "--policy", "proof-only", "--json")
    assert failed.returncode == 1
    checks = {c["id"]: c for c in json.loads(failed.stdout)["checks"]}
    assert vp["proof"][0]["id"] in checks["presentation_proof"]["reason"]
