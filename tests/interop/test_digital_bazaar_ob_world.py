"""Credentials as the Open Badges world issues them with Digital Bazaar's libraries verify in ours.

VCDM 1.1 Open Badges credentials signed by `@digitalbazaar/vc` with `eddsa-rdfc-2022`,
`eddsa-jcs-2022` and `Ed25519Signature2020`, alone, as proof sets and as proof chains (built
with the libraries' own `createProof`, as VC Data Integrity 1.0 §4.3 describes), and a VCDM 2.0
credential with a base direction (`@direction`) verify in ours; tampered copies fail. Their
issuers are throwaway did:keys: they verify under the proof-only policy and are
`issuer_not_recognised` under the registry policy. Nothing is fetched (see loader.mjs).
"""

from __future__ import annotations

import copy
import hashlib
import shutil
import subprocess
from typing import Any

import pytest

from keys import SigningKey, did_key
from tests.interop.test_digital_bazaar import (  # noqa: F401 - node is a fixture
    INTEROP,
    NOW,
    NPM_TIMEOUT_SECONDS,
    NodeRunner,
    node,
)
from verifier import Outcome, Policy, Trust, verify_credential

CREATED = "2024-05-01T09:30:00Z"
SEEDS = {
    who: hashlib.sha256(f"ob world interop {who}".encode()).digest()
    for who in ("issuer", "endorser", "auditor")
}
ISSUER = did_key(SigningKey.from_seed(SEEDS["issuer"]).public_key)
RDFC, JCS, ED2020 = "eddsa-rdfc-2022", "eddsa-jcs-2022", "Ed25519Signature2020"


def _step(suite: str, who: str = "issuer", **chain: Any) -> dict[str, Any]:
    return {"suite": suite, "seed": SEEDS[who].hex(), **chain}


# Each case: the proofs, in the order they are added.
CASES: dict[str, list[dict[str, Any]]] = {
    "rdfc": [_step(RDFC)],
    "jcs": [_step(JCS)],
    "ed25519-2020": [_step(ED2020)],
    "set-rdfc-jcs": [_step(RDFC), _step(JCS, "endorser")],
    "set-ed25519-2020-rdfc": [_step(ED2020, "endorser"), _step(RDFC)],
    "chain-rdfc-jcs": [
        _step(RDFC, id="urn:uuid:4d1f0a4e-0001"),
        _step(JCS, "endorser", previousProof="urn:uuid:4d1f0a4e-0001"),
    ],
    "chain-two-into-one": [
        _step(RDFC, id="urn:uuid:4d1f0a4e-0002"),
        _step(JCS, "endorser", id="urn:uuid:4d1f0a4e-0003"),
        _step(RDFC, "auditor", previousProof=["urn:uuid:4d1f0a4e-0002", "urn:uuid:4d1f0a4e-0003"]),
    ],
}


def _badge() -> dict[str, Any]:
    """An Open Badges 3.0 credential in VCDM 1.1, as 1EdTech's examples and DCC write it."""
    return {
        "@context": [
            "https://www.w3.org/2018/credentials/v1",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
            "https://w3id.org/security/data-integrity/v2",
            "https://w3id.org/security/suites/ed25519-2020/v1",
        ],
        "id": "urn:uuid:0c5a0b7e-7e4b-4d7a-9a51-2f2a3b1c0001",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": ISSUER, "type": "Profile", "name": "Example Community College"},
        "issuanceDate": "2024-05-01T00:00:00Z",
        "expirationDate": "2030-05-01T00:00:00Z",
        "name": "Infection Prevention and Control",
        "credentialSubject": {
            "id": "did:example:learner",
            "type": "AchievementSubject",
            "achievement": {
                "id": "urn:uuid:0c5a0b7e-7e4b-4d7a-9a51-2f2a3b1c0002",
                "type": "Achievement",
                "name": "Infection Prevention and Control",
                "description": "Level 2, Core Skills Training Framework.",
                "criteria": {"narrative": "Completed the e-learning and assessment."},
            },
        },
    }


def _directional() -> dict[str, Any]:
    """A VCDM 2.0 credential whose name has a language and a right-to-left base direction."""
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/ns/credentials/examples/v2",
        ],
        "id": "urn:uuid:0c5a0b7e-7e4b-4d7a-9a51-2f2a3b1c0003",
        "type": ["VerifiableCredential"],
        "issuer": ISSUER,
        "validFrom": "2024-05-01T00:00:00Z",
        "name": {"@value": "شهادة الإنعاش القلبي", "@language": "ar-EG", "@direction": "rtl"},
        "description": [
            {"@value": "Resuscitation", "@language": "en-GB", "@direction": "ltr"},
            {"@value": "Dadebu", "@direction": "ltr"},
        ],
        "credentialSubject": {"id": "did:example:learner", "alumniOf": "Example College"},
    }


@pytest.fixture(scope="module")
def issued(node: NodeRunner) -> dict[str, dict[str, Any]]:  # noqa: F811 - the fixture
    """Every case, and the directional credential, signed by Digital Bazaar's libraries."""
    if not (INTEROP / "node_modules" / "@digitalbazaar" / "ed25519-signature-2020").exists():
        # node_modules from before the legacy suite was pinned: install the lock file again.
        npm = shutil.which("npm")
        assert npm is not None, "npm is needed to install tests/interop/package-lock.json"
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=INTEROP,
            capture_output=True,
            text=True,
            timeout=NPM_TIMEOUT_SECONDS,
            check=False,
        )
        assert done.returncode == 0, f"`npm ci` in tests/interop failed:\n{done.stderr[-4000:]}"
    requests = [{"credential": _badge(), "created": CREATED, "proofs": p} for p in CASES.values()]
    requests.append({"credential": _directional(), "created": CREATED, "proofs": [_step(RDFC)]})
    signed = node("issue_many.mjs", requests)
    return dict(zip([*CASES, "direction"], signed, strict=True))


@pytest.mark.parametrize("case", [*CASES, "direction"])
def test_a_credential_digital_bazaar_signs_verifies_under_the_proof_only_policy(issued, case):
    """Every proof verifies, each reported on its own when there are several."""
    credential = issued[case]
    report = verify_credential(credential, now=NOW, trust=Trust().with_policy(Policy.PROOF_ONLY))
    assert report.verified, report.to_dict()
    assert report.check("proof").outcome is Outcome.PASSED
    proofs = credential["proof"] if isinstance(credential["proof"], list) else [credential["proof"]]
    each = [c for c in report.checks if c.id.startswith("proof_")]
    assert len(each) == (len(proofs) if len(proofs) > 1 else 0)
    assert all(c.outcome is Outcome.PASSED for c in each)
    issuer = report.check("issuer")
    assert (issuer.problem, issuer.decides) == ("issuer_not_recognised", False)


@pytest.mark.parametrize("case", [*CASES, "direction"])
def test_their_throwaway_issuer_is_not_recognised_under_the_registry_policy(issued, case):
    """The registry policy (issue 11) still refuses an issuer no trusted registry lists."""
    report = verify_credential(issued[case], now=NOW, trust=Trust())
    assert not report.verified
    assert report.check("proof").outcome is Outcome.PASSED
    assert report.check("issuer").problem == "issuer_not_recognised"


def test_the_legacy_suite_is_named_in_the_report(issued):
    """An Ed25519Signature2020 credential is reported under that name, not as unsupported."""
    report = verify_credential(issued["ed25519-2020"], now=NOW, trust=Trust())
    assert report.form == ED2020
    assert report.check("proof").reason.startswith(f"{ED2020} signature verifies")


@pytest.mark.parametrize("case", [*CASES, "direction"])
def test_a_tampered_copy_fails_every_proof(issued, case):
    """Changing the credential's name after signing fails `proof` and each per-proof check."""
    tampered = copy.deepcopy(issued[case])
    tampered["name"] = "Advanced Life Support"
    report = verify_credential(tampered, now=NOW, trust=Trust().with_policy(Policy.PROOF_ONLY))
    proof = report.check("proof")
    assert (proof.outcome, proof.problem) == (Outcome.FAILED, "bad_signature")
    assert all(c.outcome is Outcome.FAILED for c in report.checks if c.id.startswith("proof_"))
    assert not report.verified


def test_dropping_the_proof_a_chain_names_fails_that_proof(issued):
    """Removing the first proof of a chain fails the chained one, naming the missing id."""
    chain = copy.deepcopy(issued["chain-rdfc-jcs"])
    chain["proof"] = chain["proof"][1:]
    report = verify_credential(chain, now=NOW, trust=Trust().with_policy(Policy.PROOF_ONLY))
    proof = report.check("proof")
    assert proof.outcome is Outcome.FAILED
    assert "urn:uuid:4d1f0a4e-0001" in proof.reason
