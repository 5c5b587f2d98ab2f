"""Whole files: passport bundles, presentations and unusable input, as an employer meets them."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest
import rfc8785
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from keys import SigningKey, did_key_verification_method
from tests.registries import entity, trusting
from tests.status_lists import signed_status_list
from tests.verifier.conftest import NOW, json_paths, replace_at
from verifier import (
    MalformedInputError,
    Outcome,
    Trust,
    VerifierError,
    verify_credential,
    verify_document,
)
from verifier.checks import StatusLists
from verifier.eddsa_jcs_2022 import create_proof
from verifier.jose import encode_vc_jwt

WEB_ISSUER = "did:web:passport.test:issuers:academy"
WEB_METHOD = f"{WEB_ISSUER}#key-1"
SIGNED_AT = datetime(2026, 2, 1, tzinfo=UTC)


def outcomes(report: Any) -> dict[str, tuple[str, str | None]]:
    return {c.id: (c.outcome.value, c.problem) for c in report.checks}


def _web_credential(ident: str, name: str) -> dict[str, Any]:
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/ns/credentials/examples/v2",  # defines "completed"
        ],
        "id": ident,
        "type": ["VerifiableCredential"],
        "issuer": {"id": WEB_ISSUER, "name": "NHS Digital Academy"},
        "name": name,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "urn:example:learner", "completed": True},
    }


def _bundle(
    key: SigningKey,
    credentials: list[dict[str, Any]],
    statuses: dict[str, Any] | None = None,
    jwts: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A passport file in the ledger's export format, its issuer's key listed inside."""
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation", "StaffPassport"],
        "id": "urn:uuid:7d1c2a52-0000-4000-8000-000000000001",
        "verifiableCredential": credentials,
        "staffPassport": {
            "exportedAt": "2026-11-23T10:00:00Z",
            "issuers": [
                {
                    "id": WEB_ISSUER,
                    "name": "NHS Digital Academy",
                    "keys": [
                        {
                            "id": WEB_METHOD,
                            "publicKeyMultibase": key.public_key.multibase,
                            "validFrom": "2025-01-01T00:00:00Z",
                            "retiredAt": None,
                        }
                    ],
                }
            ],
            "statuses": statuses or {},
            "jwts": jwts or {},
        },
    }


@pytest.fixture
def academy_key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture
def academy_trust(academy_key: SigningKey) -> Trust:
    """A verifier that pins a registry listing the academy's did:web key since 2025."""
    academy = entity(WEB_ISSUER, "NHS Digital Academy", [(WEB_METHOD, academy_key.public_key)])
    academy["keys"][0]["validFrom"] = "2025-01-01T00:00:00Z"
    return trusting(SigningKey.generate(), [academy])


@pytest.fixture
def passport(academy_key: SigningKey) -> dict[str, Any]:
    """A passport of two credentials from a did:web academy, both recorded active."""
    signed = [
        create_proof(_web_credential(f"urn:uuid:c{n}", name), academy_key, WEB_METHOD, SIGNED_AT)
        for n, name in enumerate(["Information Governance", "Data Champion"])
    ]
    active = {"status": "active", "asOf": "2026-11-23T10:00:00Z", "reason": None}
    return _bundle(academy_key, signed, {c["id"]: active for c in signed})


LIST_URL = "https://passport.test/status/revocation/1"


def _status_list(
    key: SigningKey, revoked: set[int], issuer: str = WEB_ISSUER, method: str = WEB_METHOD
) -> dict[str, Any]:
    """A signed BitstringStatusListCredential of 131,072 entries with `revoked` set."""
    return signed_status_list(key, method, issuer=issuer, url=LIST_URL, revoked=revoked)


@pytest.fixture
def listed_passport(academy_key: SigningKey) -> dict[str, Any]:
    """A passport whose two credentials carry status-list entries, index 5 revoked."""
    signed = []
    for index, name in ((4, "Information Governance"), (5, "Data Champion")):
        credential = _web_credential(f"urn:uuid:s{index}", name)
        credential["credentialStatus"] = {
            "id": f"{LIST_URL}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(index),
            "statusListCredential": LIST_URL,
        }
        signed.append(create_proof(credential, academy_key, WEB_METHOD, SIGNED_AT))
    bundle = _bundle(academy_key, signed)
    bundle["staffPassport"]["statusLists"] = {LIST_URL: _status_list(academy_key, {5})}
    return bundle


def test_status_lists_carried_in_the_passport_decide_revocation(listed_passport, academy_trust):
    """The list in the file, signed by a key the registry lists, clears one credential and
    revokes the other."""
    report = verify_document(listed_passport, now=NOW, trust=academy_trust)
    assert [(c.name, c.verified) for c in report.credentials] == [
        ("Information Governance", True),
        ("Data Champion", False),
    ]
    assert report.credentials[1].check("status").problem == "revoked"
    assert "not revoked or suspended as of 01 November 2026 00:00 UTC" in (
        report.credentials[0].check("status").reason
    )


def test_a_passport_file_verifies_with_a_pinned_registry(passport, academy_trust):
    """A did:web issuer the pinned registry recognises: its key current, its statuses recorded."""
    report = verify_document(json.dumps(passport).encode(), now=NOW, trust=academy_trust)
    assert report.kind == "passport"
    assert report.verified
    first = report.credentials[0]
    assert outcomes(first)["issuer"] == ("passed", None)
    assert first.check("issuer").reason == (
        "issued by NHS Digital Academy, recognised by Test Registry"
    )
    assert outcomes(first)["key_valid_at_issuance"] == ("passed", None)
    assert "as recorded in the passport file at 2026-11-23T10:00:00Z" in (
        first.check("status").reason
    )


def test_a_passport_with_one_revoked_credential_fails_and_names_it(passport, academy_trust):
    """One revoked award makes the file fail; the report says which one, and why."""
    passport["staffPassport"]["statuses"]["urn:uuid:c1"] = {
        "status": "revoked",
        "asOf": "2026-11-20T09:00:00Z",
        "reason": "awarded in error",
    }
    report = verify_document(passport, now=NOW, trust=academy_trust)
    assert not report.verified
    failing = [c for c in report.credentials if not c.verified]
    assert [c.name for c in failing] == ["Data Champion"]
    assert failing[0].check("status").problem == "revoked"
    assert "awarded in error" in failing[0].check("status").reason


def test_a_passport_jwt_copy_is_verified_and_compared_with_the_embedded_credential(
    academy_key, passport, academy_trust
):
    """Each `jwts` entry is its own report, named "(JWT)", and must carry the same credential."""
    first = passport["verifiableCredential"][0]
    unsecured = {k: v for k, v in first.items() if k != "proof"}
    passport["staffPassport"]["jwts"] = {
        first["id"]: encode_vc_jwt(unsecured, academy_key, WEB_METHOD, SIGNED_AT)
    }
    report = verify_document(passport, now=NOW, trust=academy_trust)
    assert report.verified
    assert [c.name for c in report.credentials][-1] == "Information Governance (JWT)"
    assert report.credentials[-1].form == "vc+jwt"
    assert outcomes(report) == {"jwt_matches": ("passed", None)}

    other = {**unsecured, "name": "Something else"}
    passport["staffPassport"]["jwts"][first["id"]] = encode_vc_jwt(
        other, academy_key, WEB_METHOD, SIGNED_AT
    )
    mismatched = verify_document(passport, now=NOW, trust=academy_trust)
    assert not mismatched.verified
    assert mismatched.checks[0].outcome is Outcome.FAILED
    assert "different credential" in mismatched.checks[0].reason


def test_an_issuer_key_listed_only_in_the_file_vouches_for_nothing(passport):
    """The file lists the issuer and its key, but no pinned registry does: not recognised."""
    report = verify_document(passport, now=NOW)
    assert not report.verified
    first = report.credentials[0]
    assert first.check("proof").outcome is Outcome.UNKNOWN
    assert first.check("proof").problem == "key_not_listed"
    assert first.check("issuer").problem == "issuer_not_recognised"
    assert "passport trust add" in first.check("issuer").reason


def test_an_enveloped_jwt_inside_a_presentation_verifies(
    unsigned_credential, issuer_key, method, trust
):
    """A presentation may hold a credential as an `EnvelopedVerifiableCredential` data: URL."""
    token = encode_vc_jwt(unsigned_credential, issuer_key, method, SIGNED_AT)
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [
            {
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "type": ["EnvelopedVerifiableCredential"],
                "id": f"data:application/vc+jwt,{token}",
            }
        ],
    }
    report = verify_document(presentation, now=NOW, trust=trust)
    assert report.kind == "presentation"
    assert report.verified
    assert report.credentials[0].name == "Resuscitation Level 2"


def test_an_enveloped_credential_that_is_not_a_jwt_is_malformed():
    """An enveloped credential of another media type is named malformed, not silently skipped."""
    enveloped = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["EnvelopedVerifiableCredential"],
        "id": "data:application/vc+sd-jwt,abc",
    }
    report = verify_credential(enveloped, now=NOW)
    assert report.check("well_formed").problem == "malformed"
    assert "data:application/vc+jwt" in report.check("well_formed").reason
    assert report.check("proof").reason == "not checked: the credential is malformed"


def test_a_bare_compact_jwt_file_is_a_credential(unsigned_credential, issuer_key, method, trust):
    """A file holding only a compact JWT (with a trailing newline) is read as one credential."""
    token = encode_vc_jwt(unsigned_credential, issuer_key, method, SIGNED_AT)
    report = verify_document(f"{token}\n".encode(), now=NOW, trust=trust)
    assert report.kind == "credential"
    assert report.verified


def test_the_vector_credential_fails_only_for_its_issuer(jcs_vectors):
    """The W3C vector's signature holds; only the issuer check fails, for issuer_mismatch."""
    report = verify_credential(jcs_vectors.signed, now=NOW)
    assert {k: v for k, v in outcomes(report).items() if k != "ledger_inclusion"} == {
        "well_formed": ("passed", None),
        "proof": ("passed", None),
        "issuer": ("failed", "issuer_mismatch"),
        "key_valid_at_issuance": ("not_applicable", None),
        "validity_period": ("passed", None),
        "status": ("not_applicable", None),
    }
    assert "https://vc.example/issuers/5678" in report.check("issuer").reason


def test_a_recorded_revocation_is_honoured_when_the_status_list_is_missing(
    unsigned_credential, issuer_key, method
):
    """A credential with a status-list entry, recorded revoked, fails even with no list at hand."""
    unsigned_credential["credentialStatus"] = {
        "id": "https://passport.test/status/1#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": "https://passport.test/status/1",
    }
    signed = create_proof(unsigned_credential, issuer_key, method, SIGNED_AT)
    revoked = {signed["id"]: {"status": "revoked", "asOf": "2026-11-01T00:00:00Z"}}
    report = verify_credential(signed, now=NOW, statuses=revoked)
    assert report.check("status").problem == "revoked"
    active = {signed["id"]: {"status": "active", "asOf": "2026-11-01T00:00:00Z"}}
    unsigned_record = verify_credential(signed, now=NOW, statuses=active)
    assert unsigned_record.check("status").outcome is Outcome.UNKNOWN
    assert unsigned_record.check("status").problem == "status_unknown"
    assert not unsigned_record.verified


def test_an_impossible_date_is_malformed(unsigned_credential, issuer_key, method):
    """A validUntil of 30 February is refused by name rather than read as 'no expiry'."""
    unsigned_credential["validUntil"] = "2027-02-30T00:00:00Z"
    report = verify_credential(
        create_proof(unsigned_credential, issuer_key, method, SIGNED_AT), now=NOW
    )
    assert report.check("well_formed").problem == "malformed"
    assert "validUntil" in report.check("well_formed").reason


@pytest.mark.parametrize(
    "value", [float("nan"), float("inf"), 2**53 + 1], ids=["nan", "infinity", "int-no-double-holds"]
)
def test_numbers_json_cannot_canonicalise_fail_the_proof(unsigned_credential, issuer_key, value):
    """A credential holding a number RFC 8785 refuses fails its proof with that reason."""
    signed = create_proof(
        unsigned_credential,
        issuer_key,
        did_key_verification_method(issuer_key.public_key),
        SIGNED_AT,
    )
    signed["credentialSubject"]["score"] = value
    report = verify_credential(signed, now=NOW)
    assert report.check("proof").outcome is Outcome.FAILED
    assert "RFC 8785" in report.check("proof").reason


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"{" + b" " * (5 * 1024 * 1024) + b"}", "larger than 5 MB"),
        (b"[" * 200_000, "nested too deeply"),
        (b'{"type": ["VerifiableCredential"], "x": NaN}', "NaN is not a JSON number"),
        (b"null", "not an object"),
        (b"", "neither JSON nor a compact JWT"),
    ],
    ids=["too-large", "deep-nesting", "nan", "null", "empty"],
)
def test_unusable_files_are_refused_with_a_one_line_reason(data, message):
    """Input the verifier cannot read is MalformedInputError (exit 2), with one line saying why."""
    with pytest.raises(MalformedInputError, match=message) as caught:
        verify_document(data, now=NOW)
    assert "\n" not in str(caught.value)
    assert str(caught.value) in caught.value.diagnostics()


@pytest.mark.parametrize(
    ("member", "value"),
    [
        ("issuers", {"did:web:x": "b"}),
        ("issuers", ["did:web:x"]),
        ("issuers", [{"id": WEB_ISSUER, "keys": ["z6Mk"]}]),
        ("issuers", [{"id": WEB_ISSUER, "keys": {"k": 1}}]),
        ("statuses", ["revoked"]),
        ("statuses", {"urn:uuid:c0": 7}),
        ("jwts", ["a.b.c"]),
        ("jwts", {"urn:uuid:c0": "a.b.c"}),
        ("noteVerifierKeys", 5),
        ("statusLists", [1]),
        ("ledger", "x"),
    ],
)
def test_a_garbled_passport_extension_is_reported_not_crashed(passport, member, value):
    """A passport file with nonsense in its extension still yields a report, never a crash."""
    passport["staffPassport"][member] = value
    report = verify_document(passport, now=NOW)
    assert len(report.credentials) >= 2


def test_a_bare_string_status_is_read_as_that_status(passport, academy_trust):
    """A status written as a bare word ("revoked") is honoured, not ignored."""
    passport["staffPassport"]["statuses"]["urn:uuid:c0"] = "revoked"
    report = verify_document(passport, now=NOW, trust=academy_trust)
    assert report.credentials[0].check("status").problem == "revoked"


json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(
        ["VerifiableCredential", "did:key:z6Mk", "2026-13-01T00:00:00Z", "²", "a.b.c", ""]
    ),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), replacement=json_values)
@pytest.mark.parametrize("fixture", ["passport", "listed_passport"])
def test_no_passport_file_makes_the_verifier_raise(request, fixture, data, replacement):
    """Replacing any member of a passport file with any JSON value gives a report or a
    MalformedInputError, never another exception."""
    mutated = copy.deepcopy(request.getfixturevalue(fixture))
    path = data.draw(st.sampled_from(json_paths(mutated)[1:]))
    replace_at(mutated, path, replacement)
    try:
        report = verify_document(mutated, now=NOW)
    except VerifierError as exc:
        assert isinstance(exc, MalformedInputError)
        return
    report.to_dict()
    report.to_text()


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), replacement=json_values)
def test_no_signed_credential_makes_the_verifier_raise(
    unsigned_credential, issuer_key, method, data, replacement
):
    """Any member of a credential replaced by any JSON value, then properly signed, still
    yields a report of every check: the checks after the proof never raise either."""
    credential = copy.deepcopy(unsigned_credential)
    credential["credentialStatus"] = {
        "id": f"{LIST_URL}#4",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "4",
        "statusListCredential": LIST_URL,
    }
    path = data.draw(st.sampled_from(json_paths(credential)[1:]))
    replace_at(credential, path, replacement)
    try:
        signed = create_proof(credential, issuer_key, method, SIGNED_AT)
    except rfc8785.CanonicalizationError:
        reject()  # an issuer cannot sign what RFC 8785 cannot canonicalise
    lists = StatusLists(
        {LIST_URL: _status_list(issuer_key, {4}, unsigned_credential["issuer"], method)}, "test"
    )
    report = verify_credential(
        signed, now=NOW, statuses={"urn:uuid:x": {"status": "revoked"}}, status_lists=lists
    )
    assert [c.id for c in report.checks][:6] == [
        "well_formed",
        "proof",
        "issuer",
        "key_valid_at_issuance",
        "validity_period",
        "status",
    ]
    report.to_dict()


@pytest.mark.parametrize(
    "entry",
    [
        {"statusListIndex": "²"},
        {"statusListIndex": "-1"},
        {"statusListIndex": "99999999999"},
        {"statusListIndex": 4},
        {"statusSize": "²"},
        {"statusSize": "0"},
        {"statusPurpose": "suspension"},
    ],
    ids=repr,
)
def test_an_odd_status_entry_is_unknown_never_clear(unsigned_credential, issuer_key, method, entry):
    """A status entry the verifier cannot read with certainty makes the status unknown."""
    unsigned_credential["credentialStatus"] = {
        "id": f"{LIST_URL}#4",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "4",
        "statusListCredential": LIST_URL,
        **entry,
    }
    signed = create_proof(unsigned_credential, issuer_key, method, SIGNED_AT)
    lists = StatusLists(
        {LIST_URL: _status_list(issuer_key, set(), unsigned_credential["issuer"], method)}, "test"
    )
    report = verify_credential(signed, now=NOW, status_lists=lists)
    assert report.check("status").outcome is Outcome.UNKNOWN
    assert report.check("status").problem == "status_unknown"
