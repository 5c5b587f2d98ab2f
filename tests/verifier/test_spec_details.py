"""Spec details of issue 14: @direction as vc.js canonicalises it, proof times without an offset,
and relatedResource digests checked against the resources the verifier holds."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from keys.multibase import encode_base58btc
from tests.verifier.conftest import NOW
from verifier import Outcome, eddsa_jcs_2022, eddsa_rdfc_2022, verify_credential
from verifier.document_loader import load_context
from verifier.eddsa_rdfc_2022 import canonical_nquads

SUITES = [eddsa_rdfc_2022, eddsa_jcs_2022]
I18N = "https://www.w3.org/ns/i18n#"
CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
# Independent of our code: SHA-384 of the bundled credentials/v2 context file, as its
# index.json pins its SHA-256; the digest is of the bytes we hold.
V2_FILE = Path(__file__).parents[2] / "verifier" / "contexts" / "credentials-v2.jsonld"
CREATED = datetime(2026, 2, 1, tzinfo=UTC)


def _directional(credential: dict[str, Any]) -> dict[str, Any]:
    return {
        **credential,
        "name": {"@value": "شهادة الإنعاش", "@language": "ar-EG", "@direction": "rtl"},
    }


def test_a_value_with_a_direction_is_canonicalised_with_the_i18n_datatype(unsigned_credential):
    """`@direction` becomes the literal typed i18n#{language}_{direction} (rdfDirection
    i18n-datatype, JSON-LD 1.1 API §8.6, as vc.js's eddsa-rdfc-2022 suite sets it)."""
    nquads = canonical_nquads(_directional(unsigned_credential))
    assert f'"شهادة الإنعاش"^^<{I18N}ar-eg_rtl>' in nquads
    no_language = {**unsigned_credential, "name": {"@value": "abc", "@direction": "ltr"}}
    assert f'"abc"^^<{I18N}_ltr>' in canonical_nquads(no_language)


@pytest.mark.parametrize("suite", SUITES)
def test_a_credential_with_a_direction_verifies(
    suite, unsigned_credential, issuer_key, method, trust
):
    """A credential whose name has a base direction is signed and verified."""
    signed = suite.create_proof(_directional(unsigned_credential), issuer_key, method, _created())
    assert verify_credential(signed, now=_now(), trust=trust).verified


def test_an_rdfc_credential_signed_over_the_earlier_direction_form_still_verifies(
    unsigned_credential, issuer_key, method, trust
):
    """A signature made when we wrote @direction as an RDF 1.2 directional string still holds."""
    suite = eddsa_rdfc_2022
    document = _directional(unsigned_credential)
    signed = suite.create_proof(document, issuer_key, method, _created())
    options = {k: v for k, v in signed["proof"].items() if k != "proofValue"}
    config = {**options, "@context": document["@context"]}
    earlier = suite._directional_nquads(document)
    assert "--rtl" in earlier
    data = (
        hashlib.sha256(canonical_nquads(config).encode()).digest()
        + hashlib.sha256(earlier.encode()).digest()
    )
    signed["proof"]["proofValue"] = encode_base58btc(issuer_key.sign(data))
    assert verify_credential(signed, now=_now(), trust=trust).verified
    signed["name"]["@direction"] = "ltr"
    assert verify_credential(signed, now=_now(), trust=trust).check("proof").problem == (
        "bad_signature"
    )


@pytest.mark.parametrize("suite", SUITES)
@pytest.mark.parametrize("created", ["2026-02-01T10:00:00", "2026-02-01T10:00:00.250"])
def test_a_proof_created_without_a_time_offset_verifies_as_utc(
    suite, created, unsigned_credential, issuer_key, method, trust
):
    """Data Integrity §2.1: a `created` without an offset "MUST be interpreted as UTC"."""
    signed = _signed_with_created(suite, unsigned_credential, issuer_key, method, created)
    report = verify_credential(signed, now=_now(), trust=trust)
    assert report.check("well_formed").outcome is Outcome.PASSED
    assert report.verified


@pytest.mark.parametrize("created", ["2026-02-01", "yesterday", "2026-02-30T10:00:00"])
def test_a_proof_created_that_is_not_a_date_time_is_still_refused(
    created, unsigned_credential, issuer_key, method, trust
):
    """A `created` that is no dateTime at all fails `well_formed`, naming Data Integrity §2.1."""
    signed = _signed_with_created(eddsa_jcs_2022, unsigned_credential, issuer_key, method, created)
    shape = verify_credential(signed, now=_now(), trust=trust).check("well_formed")
    assert shape.outcome is Outcome.FAILED
    assert "Data Integrity §2.1" in shape.reason


def _v2_digests() -> tuple[str, str, str]:
    content = V2_FILE.read_bytes()
    sri = "sha384-" + base64.b64encode(hashlib.sha384(content).digest()).decode()
    multibase = "u" + base64.urlsafe_b64encode(hashlib.sha256(content).digest()).decode().rstrip(
        "="
    )
    multihash = encode_base58btc(b"\x12\x20" + hashlib.sha256(content).digest())
    return sri, multibase, multihash


def _with_related(credential: dict[str, Any], **digests: str) -> dict[str, Any]:
    return {**credential, "relatedResource": [{"id": CREDENTIALS_V2, **digests}]}


@pytest.mark.parametrize("which", ["digestSRI", "digestMultibase", "multihash"])
def test_a_related_resource_we_hold_with_the_right_digest_passes(
    which, unsigned_credential, issuer_key, method, trust
):
    """The digest of a bundled context, in SRI or multibase (bare or multihash) form, matches."""
    assert load_context(CREDENTIALS_V2)  # we hold it
    sri, multibase, multihash = _v2_digests()
    digest = {"digestSRI": {"digestSRI": sri}, "digestMultibase": {"digestMultibase": multibase}}
    digest["multihash"] = {"digestMultibase": multihash}
    signed = eddsa_jcs_2022.create_proof(
        _with_related(unsigned_credential, **digest[which]), issuer_key, method, _created()
    )
    report = verify_credential(signed, now=_now(), trust=trust)
    assert report.check("related_resources").outcome is Outcome.PASSED
    assert report.verified


def test_a_related_resource_we_do_not_hold_cannot_be_checked_and_does_not_decide(
    unsigned_credential, issuer_key, method, trust
):
    """An unknown resource is reported as "cannot check", fetches nothing, and does not decide."""
    credential = {
        **unsigned_credential,
        "relatedResource": [{"id": "https://example.org/logo.png", "digestSRI": "sha384-AAAA"}],
    }
    signed = eddsa_jcs_2022.create_proof(credential, issuer_key, method, _created())
    report = verify_credential(signed, now=_now(), trust=trust)
    check = report.check("related_resources")
    assert check.outcome is Outcome.UNKNOWN
    assert "cannot check https://example.org/logo.png" in check.reason
    assert report.verified


def _created() -> datetime:
    return CREATED


def _now() -> datetime:
    return NOW


def _signed_with_created(
    suite: Any, credential: dict[str, Any], key: Any, method: str, created: str
) -> dict[str, Any]:
    """Signed as the suite signs, with `created` written exactly as given."""
    signed = suite.create_proof(credential, key, method, _created())
    options = {k: v for k, v in signed["proof"].items() if k != "proofValue"}
    options["created"] = created
    document = {k: v for k, v in signed.items() if k != "proof"}
    if suite is eddsa_jcs_2022:
        data = suite.hash_data(document, options)
    else:
        data = suite.hash_data(document, {**options, "@context": document["@context"]})
    return {**document, "proof": {**options, "proofValue": encode_base58btc(key.sign(data))}}
