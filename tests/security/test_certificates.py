"""Attacks on the files that carry credentials: baked badges (PNG, SVG) and PDF certificates."""

from __future__ import annotations

import io
import json
import struct
import zlib
from datetime import UTC, datetime
from typing import Any

import pytest
from fpdf import FPDF
from PIL import Image

from keys import SigningKey, did_key, did_key_verification_method
from passport.certificates.badges import badge_png, badge_svg
from passport.certificates.pdf import Attachment, credential_certificate
from projections.views import CredentialSummary
from tests.registries import did_key_issuer
from verifier import MalformedInputError, verify_document
from verifier.carried import NothingCarriedError, carried_in, verify_file
from verifier.eddsa_jcs_2022 import create_proof
from verifier.trust import Trust

NOW = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture
def key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture
def signed(key: SigningKey) -> dict[str, Any]:
    """A credential signed with eddsa-jcs-2022 by a did:key issuer."""
    credential = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/ns/credentials/examples/v2",
        ],
        "id": "urn:uuid:0b6b9e4c-4a0f-4f4e-9a57-7d5c1d7e0001",
        "type": ["VerifiableCredential"],
        "issuer": did_key(key.public_key),
        "name": "Resuscitation Level 2",
        "validFrom": "2026-01-01T00:00:00Z",
        "validUntil": "2027-01-01T00:00:00Z",
        "credentialSubject": {"id": "urn:example:learner", "completed": True},
    }
    method = did_key_verification_method(key.public_key)
    return create_proof(credential, key, method, datetime(2026, 1, 1, tzinfo=UTC))


@pytest.fixture
def trust(key: SigningKey) -> Trust:
    return did_key_issuer(key)


def _verify(data: bytes, trust: Trust) -> Any:
    report, _ = verify_file(data, lambda d: verify_document(d, now=NOW, trust=trust))
    return report


def _failed(report: Any) -> set[str]:
    return {k.id for c in report.credentials for k in c.checks if k.outcome.value == "failed"}


def _tampered(credential: dict[str, Any]) -> dict[str, Any]:
    return {**credential, "name": "Resuscitation Level 3"}


def _pdf(credential: dict[str, Any] | bytes) -> bytes:
    data = credential if isinstance(credential, bytes) else json.dumps(credential).encode()
    summary = CredentialSummary(
        id="urn:uuid:0b6b9e4c-4a0f-4f4e-9a57-7d5c1d7e0001",
        name="Resuscitation Level 2",
        kind="course",
        issuer_id="x",
        issuer_name="Test Academy",
        valid_from="2026-01-01T00:00:00Z",
        valid_until=None,
        credits=None,
        status="valid",
        status_reason=None,
    )
    attachment = Attachment("Resuscitation-Level-2-2026-01-01.json", data, "the credential")
    url = "https://passport.test/s/x"
    return credential_certificate(summary, "A Learner", attachment, url, NOW.date())


def test_untampered_baked_badges_and_certificate_verify(signed, trust):
    """Control: the same credential baked in a PNG, an SVG and a PDF verifies from each."""
    for data in (badge_png("Resus", signed), badge_svg("Resus", signed), _pdf(signed)):
        assert _verify(data, trust).verified


@pytest.mark.parametrize("bake", [badge_png, badge_svg])
def test_a_tampered_credential_in_a_baked_badge_fails_its_proof(bake, signed, trust):
    """A badge re-baked with an edited credential (checksums all correct) fails the proof."""
    report = _verify(bake("Resus", _tampered(signed)), trust)
    assert not report.verified
    assert "proof" in _failed(report)


def test_a_tampered_credential_attached_to_a_certificate_fails_its_proof(signed, trust):
    """A certificate whose attachment was edited fails the proof, whatever the print says."""
    report = _verify(_pdf(_tampered(signed)), trust)
    assert not report.verified
    assert "proof" in _failed(report)


def test_a_png_without_the_chunk_says_it_carries_nothing():
    """A plain PNG is refused as carrying no credential (unusable input, not a failure)."""
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, format="PNG")
    with pytest.raises(NothingCarriedError, match="carries no credential"):
        carried_in(out.getvalue())


def test_two_credential_chunks_in_one_png_are_refused(signed):
    """OB 3.0 §5.3.1 allows one openbadgecredential chunk: a second (smuggled) one is refused."""
    png = badge_png("Resus", signed)
    text = b"openbadgecredential\0\0\0\0\0" + b'{"forged": true}'
    chunk = struct.pack(">I", len(text)) + b"iTXt" + text
    chunk += struct.pack(">I", zlib.crc32(b"iTXt" + text))
    iend = png.rindex(b"IEND") - 4
    with pytest.raises(MalformedInputError, match="more than one"):
        carried_in(png[:iend] + chunk + png[iend:])


def test_a_png_chunk_claiming_more_bytes_than_the_file_holds_is_refused():
    """A chunk length of 4 GB in a tiny file is read as truncated, with nothing allocated."""
    fake = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 0xFFFFFFF0) + b"iTXt" + b"x" * 32
    with pytest.raises(MalformedInputError, match="truncated"):
        carried_in(fake)


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">
<openbadges:credential>&secret;</openbadges:credential></svg>"""
LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">
<openbadges:credential>&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;</openbadges:credential></svg>"""


@pytest.mark.parametrize("svg", [XXE, LAUGHS], ids=["external-entity", "entity-expansion"])
def test_an_svg_with_a_dtd_or_entities_is_refused_without_expanding_them(svg):
    """An SVG declaring entities (file read, billion laughs) is refused before any expansion."""
    with pytest.raises(MalformedInputError, match="DTD or entities") as refused:
        carried_in(svg)
    assert "root:" not in str(refused.value)


def test_an_svg_without_the_element_says_it_carries_nothing():
    """A plain SVG badge carries no credential, and says so."""
    plain = b'<svg xmlns="http://www.w3.org/2000/svg"><circle r="4"/></svg>'
    with pytest.raises(NothingCarriedError, match="carries no credential"):
        carried_in(plain)


def test_an_oversized_attachment_is_refused_without_inflating_it_all():
    """A few KB of deflate claiming 64 MB (a zip bomb) is refused at the 5 MB cap."""
    bomb = _pdf(b"\0" * (64 * 1024 * 1024))
    assert len(bomb) < 200_000
    with pytest.raises(MalformedInputError, match="larger than 5 MB"):
        carried_in(bomb)


def test_a_pdf_without_attachments_says_it_carries_nothing():
    """A PDF with no attached file is refused as carrying no credential."""
    pdf = FPDF()
    pdf.add_page()
    with pytest.raises(NothingCarriedError, match="no attached files"):
        carried_in(bytes(pdf.output()))
