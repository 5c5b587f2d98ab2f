"""did:web for recognised issuers: their own DID document, fetched over real HTTPS, must agree
with the trusted registry; nothing in a file can make the verifier fetch anything."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from keys import SigningKey
from passport.did_web import MAX_TTL_SECONDS, DidWebFetcher, ttl_of
from tests.passport.server import free_port
from tests.registries import entity, trusting
from tests.security.did_web_host import Host, https_host
from verifier import Outcome, Trust, verify_document
from verifier.eddsa_jcs_2022 import create_proof

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
SIGNED_AT = datetime(2026, 2, 1, tzinfo=UTC)
V2 = "https://www.w3.org/ns/credentials/v2"
OB3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
PATH = ("issuers", "faraway")
DOCUMENT_PATH = "/issuers/faraway/did.json"


@pytest.fixture
def host(tmp_path: Path) -> Iterator[Host]:
    """The academy's own web host: HTTPS on loopback, its CA in a file."""
    with https_host(tmp_path) as served:
        yield served


@pytest.fixture
def key_1() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture
def key_2() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture
def trust(host: Host, key_1: SigningKey) -> Trust:
    """The employer's pinned registry recognises the academy with key-1 only."""
    did = host.did(*PATH)
    return trusting(
        SigningKey.generate(),
        [entity(did, "Faraway Academy", [(f"{did}#key-1", key_1.public_key)])],
    )


def did_document(did: str, keys: list[tuple[str, SigningKey]]) -> dict[str, Any]:
    """A DID document listing these Multikeys (W3C DID 1.0, Controlled Identifiers' Multikey)."""
    methods = [
        {
            "id": f"{did}#{name}",
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": key.public_key.multibase,
        }
        for name, key in keys
    ]
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [m["id"] for m in methods],
    }


def publish(host: Host, document: dict[str, Any], headers: dict[str, str] | None = None) -> None:
    """The academy's host serves this DID document where did:web says it is."""
    body = json.dumps(document).encode()
    host.answers[DOCUMENT_PATH] = (
        200,
        {"Content-Type": "application/did+json", **(headers or {})},
        body,
    )


def credential(did: str, key: SigningKey, method: str) -> dict[str, Any]:
    """An Open Badges credential from the academy, signed with `method`."""
    unsigned = {
        "@context": [V2, OB3],
        "id": "urn:uuid:7d4a1c2e-0000-4000-8000-000000000001",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": did, "type": ["Profile"], "name": "Faraway Academy"},
        "name": "Information Governance",
        "validFrom": "2026-01-15T00:00:00Z",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "urn:uuid:7d4a1c2e-1111-4000-8000-000000000001",
                "type": ["Achievement"],
                "name": "Information Governance",
            },
        },
    }
    return create_proof(unsigned, key, method, SIGNED_AT)


def test_keys_that_agree_verify_and_the_report_says_where_it_looked(host, trust, key_1):
    """The document at https://localhost:PORT/issuers/faraway/did.json lists key-1, as the
    registry does: verified, and the check names the document's URL."""
    did = host.did(*PATH)
    publish(host, did_document(did, [("key-1", key_1)]))
    report = verify_document(
        credential(did, key_1, f"{did}#key-1"),
        now=NOW,
        trust=trust,
        did_documents=DidWebFetcher(host.ca_file),
    )
    assert report.verified, report.to_text()
    check = report.credentials[0].check("did_document")
    assert check.outcome is Outcome.PASSED
    assert host.url(DOCUMENT_PATH) in check.reason
    assert host.requests == [DOCUMENT_PATH]


def test_a_key_only_the_did_document_lists_is_not_trusted(host, trust, key_1, key_2):
    """Whoever controls the academy's web host adds key-2 to its DID document and signs with
    it: the registry does not list key-2, so the credential is refused as `key_not_listed`."""
    did = host.did(*PATH)
    publish(host, did_document(did, [("key-1", key_1), ("key-2", key_2)]))
    report = verify_document(
        credential(did, key_2, f"{did}#key-2"),
        now=NOW,
        trust=trust,
        did_documents=DidWebFetcher(host.ca_file),
    )
    assert not report.verified
    checks = report.credentials[0]
    assert checks.check("proof").problem == "key_not_listed"
    document = checks.check("did_document")
    assert (document.outcome, document.problem) == (Outcome.FAILED, "key_not_listed")
    assert "no registry this verifier trusts" in document.reason


def test_a_registry_key_missing_from_the_issuers_document_is_reported(host, trust, key_1, key_2):
    """The academy's own document no longer lists key-1, which the registry lists and which
    signed the credential: reported and refused (`key_not_in_did_document`)."""
    did = host.did(*PATH)
    publish(host, did_document(did, [("key-2", key_2)]))
    report = verify_document(
        credential(did, key_1, f"{did}#key-1"),
        now=NOW,
        trust=trust,
        did_documents=DidWebFetcher(host.ca_file),
    )
    assert not report.verified
    document = report.credentials[0].check("did_document")
    assert (document.outcome, document.problem) == (Outcome.FAILED, "key_not_in_did_document")
    assert f"{did}#key-1" in document.reason


def _falls_back(report: Any, words: str) -> None:
    assert report.verified, report.to_text()  # the registry's keys decide
    check = report.credentials[0].check("did_document")
    assert check.outcome is Outcome.UNKNOWN
    assert not check.decides
    assert check.reason.startswith("cannot check online: ")
    assert words in check.reason


def test_a_redirect_off_the_domain_is_not_followed(host, trust, key_1, key_2, tmp_path):
    """The academy's host redirects to another host serving a document with key-2: the
    redirect is refused, the other host is never asked, and the registry decides."""
    did = host.did(*PATH)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    with https_host(elsewhere) as other:
        publish(other, did_document(did, [("key-1", key_1), ("key-2", key_2)]))
        host.answers[DOCUMENT_PATH] = (302, {"Location": other.url(DOCUMENT_PATH)}, b"")
        report = verify_document(
            credential(did, key_1, f"{did}#key-1"),
            now=NOW,
            trust=trust,
            did_documents=DidWebFetcher(host.ca_file),
        )
        _falls_back(report, "redirects are not followed")
        assert other.requests == []


def test_an_oversized_document_is_refused(host, trust, key_1):
    """A DID document larger than the cap is not read; the registry decides."""
    did = host.did(*PATH)
    huge = did_document(did, [("key-1", key_1)])
    huge["padding"] = "x" * (200 * 1024)
    publish(host, huge)
    report = verify_document(
        credential(did, key_1, f"{did}#key-1"),
        now=NOW,
        trust=trust,
        did_documents=DidWebFetcher(host.ca_file),
    )
    _falls_back(report, "larger than")


def test_an_unreachable_host_says_it_cannot_check_online_and_uses_the_registry(key_1):
    """Nothing listens at the academy's port: "cannot check online", verified by the registry."""
    did = f"did:web:localhost%3A{free_port()}:issuers:faraway"
    trust = trusting(
        SigningKey.generate(),
        [entity(did, "Faraway Academy", [(f"{did}#key-1", key_1.public_key)])],
    )
    report = verify_document(
        credential(did, key_1, f"{did}#key-1"),
        now=NOW,
        trust=trust,
        did_documents=DidWebFetcher(),
    )
    _falls_back(report, "cannot reach")


def test_a_certificate_from_an_authority_not_configured_is_refused(host, trust, key_1):
    """Without PASSPORT_FETCH_CA_FILE naming the throwaway CA, the host's certificate is not
    trusted: nothing is read from it, and the registry decides."""
    did = host.did(*PATH)
    publish(host, did_document(did, [("key-1", key_1)]))
    report = verify_document(
        credential(did, key_1, f"{did}#key-1"), now=NOW, trust=trust, did_documents=DidWebFetcher()
    )
    _falls_back(report, "cannot reach")


def test_an_issuer_no_registry_lists_triggers_no_fetch(host, key_1):
    """A credential from a did:web nobody recognises is `issuer_not_recognised`, and its host is
    never contacted: an untrusted file cannot make the verifier reach anywhere."""
    did = host.did(*PATH)
    publish(host, did_document(did, [("key-1", key_1)]))
    nobody = trusting(SigningKey.generate(), [])
    report = verify_document(
        credential(did, key_1, f"{did}#key-1"),
        now=NOW,
        trust=nobody,
        did_documents=DidWebFetcher(host.ca_file),
    )
    assert not report.verified
    assert report.credentials[0].check("issuer").problem == "issuer_not_recognised"
    assert host.requests == []


def test_documents_are_cached_for_a_bounded_time(host, trust, key_1):
    """Two verifications fetch the document once; a year-long max-age is kept an hour at most,
    and no-store not at all."""
    did = host.did(*PATH)
    publish(host, did_document(did, [("key-1", key_1)]), {"Cache-Control": "max-age=31536000"})
    fetcher = DidWebFetcher(host.ca_file)
    for _ in range(2):
        report = verify_document(
            credential(did, key_1, f"{did}#key-1"), now=NOW, trust=trust, did_documents=fetcher
        )
        assert report.verified, report.to_text()
    assert host.requests == [DOCUMENT_PATH]
    assert ttl_of("public, max-age=31536000") == MAX_TTL_SECONDS == 3600
    assert ttl_of("no-store") == 0
