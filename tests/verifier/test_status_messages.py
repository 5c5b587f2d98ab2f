"""Bitstring Status List v1.0 §2.1–3.2: `statusSize`, `statusMessage` and `statusReference`,
for our two-bit entries and for other issuers' lists, as the W3C status-list suite tests them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from keys import SigningKey
from tests.status_lists import signed_status_list
from verifier import Outcome, verify_credential
from verifier.checks import StatusLists
from verifier.eddsa_jcs_2022 import create_proof
from verifier.status_list import check_status

LIST_URL = "https://status.example/lists/8"
NOW = datetime(2026, 11, 23, tzinfo=UTC)
SIGNED_AT = datetime(2026, 2, 1, tzinfo=UTC)
# The spec's Example 2, completed to the four messages statusSize 2 requires.
BILL_OF_LADING = [
    {"status": "0x0", "message": "pending_review"},
    {"status": "0x1", "message": "accepted"},
    {"status": "0x2", "message": "rejected"},
    {"status": "0x3", "message": "undefined"},
]
OURS = [
    {"status": "0x0", "message": "valid"},
    {"status": "0x1", "message": "revoked"},
    {"status": "0x2", "message": "suspended"},
    {"status": "0x3", "message": "undefined"},
]


def _entry(messages: list[dict[str, str]] = OURS, **changes: Any) -> dict[str, Any]:
    entry = {
        "id": f"{LIST_URL}#492847",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "message",
        "statusListIndex": "492847",
        "statusSize": 2,
        "statusListCredential": LIST_URL,
        "statusMessage": messages,
        "statusReference": "https://example.org/status-dictionary/",
    }
    entry.update(changes)
    return {k: v for k, v in entry.items() if v is not None}


def _list(values: dict[int, int], entries: int = 524_288, **subject: Any) -> dict[str, Any]:
    """An unsigned two-bit list (checked here by `check_status`, which reads, not verifies)."""
    signed = signed_status_list(
        SigningKey.generate(),
        "did:key:z6Mk#z6Mk",
        issuer="did:key:z6Mk",
        url=LIST_URL,
        revoked=set(),
        purpose="message",
        status_size=2,
        values=values,
        entries=entries,
    )
    signed["credentialSubject"].update(subject)
    return signed


@pytest.mark.parametrize(("value", "message"), list(enumerate(m["message"] for m in OURS)))
def test_each_value_of_a_two_bit_entry_reads_as_its_message(value, message):
    """Entry 492847 of a two-bit list holds `value`: the result carries it and its message,
    and only 0 is clear (§3.2: valid is status 0)."""
    outcome = check_status(_entry(), _list({492847: value}), now=NOW)
    assert (outcome.value, outcome.message) == (value, message)
    assert outcome.state == ("clear" if value == 0 else "set")


def test_the_neighbours_bits_are_not_read():
    """Entries 492846 and 492848 set to 3 leave entry 492847 at 0: two bits per entry, no more."""
    outcome = check_status(_entry(), _list({492846: 3, 492848: 3}), now=NOW)
    assert (outcome.state, outcome.value) == ("clear", 0)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"statusSize": 0}, "integer greater than zero"),
        ({"statusSize": -1}, "integer greater than zero"),
        ({"statusSize": "2"}, "integer greater than zero"),
        ({"statusSize": True}, "integer greater than zero"),
        ({"statusSize": 2.0}, "integer greater than zero"),
        ({"statusSize": 9, "statusMessage": None}, "larger than the 8 bits"),
        ({"statusMessage": None}, "statusMessage must be present"),
        ({"statusMessage": OURS[:3]}, "has 3 messages; statusSize 2 needs 4"),
        ({"statusMessage": {"0x0": "valid"}}, "must be an array"),
        ({"statusMessage": [*OURS[:3], {"status": "0x1", "message": "x"}]}, "repeated"),
        ({"statusMessage": [*OURS[:3], {"status": "0x4", "message": "x"}]}, "beyond"),
        ({"statusMessage": [*OURS[:3], {"status": "3", "message": "x"}]}, "hexadecimal"),
        ({"statusMessage": [*OURS[:3], {"status": "0x3"}]}, "no message"),
        ({"statusMessage": [*OURS[:3], "0x3"]}, "status and message"),
        ({"statusReference": "not a url"}, "statusReference must be a URL"),
        ({"statusReference": []}, "statusReference must be a URL"),
        ({"statusReference": ["https://a.example/", 7]}, "statusReference must be a URL"),
    ],
    ids=repr,
)
def test_an_entry_that_breaks_a_rule_of_section_2_1_is_unknown(changes, reason):
    """Each MUST of §2.1 on statusSize, statusMessage and statusReference, broken, makes the
    status unknown (never valid), with the rule named."""
    outcome = check_status(_entry(**changes), _list({}), now=NOW)
    assert outcome.state == "unknown"
    assert reason in outcome.reason


def test_one_bit_entries_may_list_two_messages_and_urls_may_be_a_list():
    """statusMessage MAY be present for statusSize 1 (two messages), statusReference MAY be
    an array of URLs; without statusMessage a set bit reads "set"."""
    listed = [{"status": "0x0", "message": "fine"}, {"status": "0x1", "message": "withdrawn"}]
    entry = _entry(
        listed,
        statusSize=1,
        statusPurpose="revocation",
        statusReference=["https://a.example/why", "urn:example:status"],
    )
    one_bit = signed_status_list(
        SigningKey.generate(),
        "did:key:z#z",
        issuer="did:key:z",
        url=LIST_URL,
        revoked={492847},
        entries=524_288,
    )
    outcome = check_status(entry, one_bit, now=NOW)
    assert (outcome.state, outcome.message) == ("set", "withdrawn")
    plain = check_status({**entry, "statusMessage": None}, one_bit, now=NOW)
    assert (plain.state, plain.message) == ("set", "set")


@pytest.mark.parametrize(
    ("subject", "reason"),
    [
        ({"statusSize": 1}, "statusSize 1 is not the entry's 2"),
        ({"statusMessage": BILL_OF_LADING}, "statusMessage differs"),
        ({"statusMessages": BILL_OF_LADING}, "statusMessages differs"),
        ({"statusPurpose": "revocation"}, "is for 'revocation'"),
        ({"statusPurpose": ["revocation", "suspension"]}, "the entry for 'message'"),
    ],
    ids=repr,
)
def test_a_list_that_disagrees_with_the_entry_is_unknown(subject, reason):
    """A list may not give a value another meaning, another size or another purpose than the
    signed entry: such a list decides nothing."""
    outcome = check_status(_entry(), _list({492847: 1}, **subject), now=NOW)
    assert outcome.state == "unknown"
    assert reason in outcome.reason


def test_a_list_that_agrees_or_names_several_purposes_is_read():
    """A list stating the entry's own size and messages, or several purposes among which the
    entry's (§3.2: "might contain multiple status purposes"), is read."""
    agreeing = _list({492847: 2}, statusSize=2, statusMessage=OURS)
    assert check_status(_entry(), agreeing, now=NOW).message == "suspended"
    several = _list({492847: 1}, statusPurpose=["revocation", "message"])
    assert check_status(_entry(), several, now=NOW).message == "revoked"


def test_a_two_bit_list_needs_131072_entries_not_131072_bits():
    """§3.2: the bitstring's length divided by statusSize must reach 131,072: a 16 KiB list
    holds only 65,536 two-bit entries (STATUS_LIST_LENGTH_ERROR), so the status is unknown."""
    outcome = check_status(_entry(statusListIndex="7"), _list({}, entries=65_536), now=NOW)
    assert outcome.state == "unknown"
    assert "65536 entries of 2 bit(s); at least 131072" in outcome.reason


def test_an_index_past_the_last_two_bit_entry_is_unknown():
    """Index 131,072 of a list of 131,072 two-bit entries lies outside it (RANGE_ERROR)."""
    outcome = check_status(_entry(statusListIndex="131072"), _list({}, entries=131_072), now=NOW)
    assert outcome.state == "unknown"
    assert "beyond the list's 131072 entries" in outcome.reason


def _verified_status(
    issuer_key: SigningKey,
    method: str,
    credential: dict[str, Any],
    entry: dict[str, Any],
    values: dict[int, int],
) -> Any:
    credential["credentialStatus"] = entry
    signed = create_proof(credential, issuer_key, method, SIGNED_AT)
    listed = signed_status_list(
        issuer_key,
        method,
        issuer=credential["issuer"],
        url=LIST_URL,
        revoked=set(),
        purpose="message",
        status_size=2,
        values=values,
        entries=131_072 * 4,
    )
    report = verify_credential(signed, now=NOW, status_lists=StatusLists({LIST_URL: listed}, "t"))
    return report.check("status")


@pytest.mark.parametrize(
    ("messages", "value", "outcome", "problem", "said"),
    [
        (OURS, 0, Outcome.PASSED, None, "not revoked or suspended"),
        (OURS, 1, Outcome.FAILED, "revoked", "revoked, according to t"),
        (OURS, 2, Outcome.FAILED, "suspended", "suspended, according to t"),
        (OURS, 3, Outcome.FAILED, "status_message", "status 0x3 (undefined)"),
        (BILL_OF_LADING, 2, Outcome.FAILED, "status_message", "status 0x2 (rejected)"),
    ],
)
def test_a_signed_message_entry_is_reported_by_its_message(
    unsigned_credential, issuer_key, method, messages, value, outcome, problem, said
):
    """Through the whole verifier, with the list's proof checked: 0 passes, and any other value
    fails the status check naming revoked, suspended, or the issuer's own message."""
    checked = _verified_status(
        issuer_key, method, unsigned_credential, _entry(messages), {492847: value}
    )
    assert (checked.outcome, checked.problem) == (outcome, problem)
    assert said in checked.reason
