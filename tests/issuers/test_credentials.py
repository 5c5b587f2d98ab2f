"""The unsigned Open Badges 3.0 credential: shape, learner privacy, dates and credits."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone

from issuers.credentials import (
    achievement_document,
    add_months,
    open_badge_credential,
)
from keys import Pseudonyms
from verifier.timestamps import xsd_datetime

PSEUDONYMS = Pseudonyms(b"learner-ids-secret".ljust(32, b"."), b"identity-secret".ljust(32, b"."))


def _credential(**overrides: object) -> dict[str, object]:
    achievement = achievement_document(
        "7b0c6a52-0000-4000-8000-000000000001",
        "Information Governance",
        "IG training",
        "Pass the assessment",
        "training",
        None,
        "Core Skills Training Framework",
    )
    fields: dict[str, object] = {
        "credential_id": "11111111-2222-4333-8444-555555555555",
        "issuer_did": "did:web:passport.test:issuers:nhsda",
        "issuer_name": "NHS Digital Academy",
        "issuer_url": "https://academy.example",
        "achievement": achievement,
        "identity_hash": PSEUDONYMS.identity_hash("ESR-40012345"),
        "earned_on": date(2026, 1, 31),
        "refresher_months": 12,
        "credits_earned": None,
    }
    fields.update(overrides)
    return open_badge_credential(**fields)  # type: ignore[arg-type]


def test_identity_hash_is_an_hmac_sha256_in_the_open_badges_form():
    """`identityHash` is `sha256$` + hex HMAC-SHA256 of the normalised identifier under the
    ledger's secret (openssl agrees), the same for any spelling of the identifier."""
    # printf 'ESR-40012345' | openssl dgst -sha256 -hmac 'identity-secret.................'
    expected = "sha256$14fd2ef55ec16b02bafe0975489ed7026a8b0954bdd7fe4fa2c5f0ac15e058bf"
    assert PSEUDONYMS.identity_hash("ESR-40012345") == expected
    assert PSEUDONYMS.identity_hash(" esr-40012345 ") == PSEUDONYMS.identity_hash("ESR-40012345")


def test_credential_names_the_learner_only_by_keyed_hash():
    """Neither the staff identifier nor a salt to test guesses with appears in the credential."""
    credential = _credential()
    text = json.dumps(credential)
    assert "ESR-40012345" not in text
    subject = credential["credentialSubject"]
    assert isinstance(subject, dict)
    assert subject["identifier"] == [
        {
            "type": "IdentityObject",
            "identityHash": PSEUDONYMS.identity_hash("ESR-40012345"),
            "identityType": "identifier",
            "hashed": True,
        }
    ]


def test_credential_is_a_vcdm2_open_badge_with_contexts_in_order():
    """VCDM 2.0 context first, then Open Badges 3.0; types and issuer Profile as the specs say."""
    credential = _credential()
    assert credential["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["issuer"] == {
        "id": "did:web:passport.test:issuers:nhsda",
        "type": ["Profile"],
        "name": "NHS Digital Academy",
        "url": "https://academy.example",
    }
    assert credential["id"] == "urn:uuid:11111111-2222-4333-8444-555555555555"


def test_refresher_period_sets_valid_until_and_none_leaves_it_open():
    """A 12-month refresher makes the award expire a year after it was earned."""
    assert _credential()["validFrom"] == "2026-01-31T00:00:00Z"
    assert _credential()["validUntil"] == "2027-01-31T00:00:00Z"
    assert "validUntil" not in _credential(refresher_months=None)


def test_cpd_credits_are_floats_on_achievement_and_subject():
    """`creditsAvailable` and `creditsEarned` are floats, as Open Badges 3.0 types them."""
    achievement = achievement_document("id", "Masterclass", "d", "c", "cpd", 3, None)
    assert achievement["creditsAvailable"] == 3.0
    assert isinstance(achievement["creditsAvailable"], float)
    assert achievement["achievementType"] == "Course"
    subject = _credential(achievement=achievement, credits_earned=3)["credentialSubject"]
    assert isinstance(subject, dict)
    assert isinstance(subject["creditsEarned"], float)


def test_month_arithmetic_clamps_to_the_end_of_short_months():
    """31 January plus one month is 28 February (29 in a leap year)."""
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 11, 30), 36) == date(2029, 11, 30)


def test_datetimes_are_xsd_utc_with_z():
    """Times are written in UTC with a `Z`, seconds precision, as VCDM 2.0 examples show."""
    moment = datetime(2026, 3, 3, 9, 30, 15, 999, tzinfo=timezone(timedelta(hours=1)))
    assert xsd_datetime(moment) == "2026-03-03T08:30:15Z"
    assert xsd_datetime(datetime(2026, 3, 3, tzinfo=UTC)) == "2026-03-03T00:00:00Z"
