"""A relatedResource whose digest does not match the resource fails (the W3C suite's case)."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime

from keys import SigningKey, did_key, did_key_verification_method
from tests.registries import did_key_issuer
from verifier import Outcome, eddsa_jcs_2022, verify_credential

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
KEY = SigningKey.from_seed(b"related resource digest checking")
V2 = "https://www.w3.org/ns/credentials/v2"


def _credential(**digest: str) -> dict[str, object]:
    return {
        "@context": [V2, "https://www.w3.org/ns/credentials/examples/v2"],
        "type": ["VerifiableCredential"],
        "issuer": did_key(KEY.public_key),
        "credentialSubject": {"id": "urn:example:learner", "completed": True},
        "relatedResource": [{"id": V2, **digest}],
    }


def _signed(**digest: str) -> dict[str, object]:
    return eddsa_jcs_2022.create_proof(
        _credential(**digest), KEY, did_key_verification_method(KEY.public_key), NOW
    )


def test_a_wrong_sri_digest_of_a_held_context_fails():
    """A `digestSRI` that is not the bundled context's hash fails `related_resources`."""
    wrong = "sha384-" + base64.b64encode(hashlib.sha384(b"another file").digest()).decode()
    report = verify_credential(_signed(digestSRI=wrong), now=NOW, trust=did_key_issuer(KEY))
    check = report.check("related_resources")
    assert (check.outcome, check.problem) == (Outcome.FAILED, "digest_mismatch")
    assert V2 in check.reason
    assert not report.verified


def test_a_wrong_multibase_digest_of_a_held_context_fails():
    """A `digestMultibase` that is not the bundled context's hash fails `related_resources`."""
    wrong = "u" + base64.urlsafe_b64encode(hashlib.sha256(b"x").digest()).decode().rstrip("=")
    report = verify_credential(_signed(digestMultibase=wrong), now=NOW, trust=did_key_issuer(KEY))
    assert report.check("related_resources").problem == "digest_mismatch"
    assert not report.verified


def test_a_digest_in_an_unknown_algorithm_or_encoding_fails_rather_than_passing():
    """A digest we cannot read for a resource we hold is not taken as a match."""
    for digest in ({"digestSRI": "md5-AAAA"}, {"digestMultibase": "fAAAA"}):
        report = verify_credential(_signed(**digest), now=NOW, trust=did_key_issuer(KEY))
        assert report.check("related_resources").problem == "digest_mismatch"
