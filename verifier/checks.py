"""The named checks run on one credential. A check never raises: it returns its result."""

from __future__ import annotations

import base64
import functools
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from verifier.content_digest import content_digest
from verifier.data_integrity import verification_method_of
from verifier.data_model import credential_problems, is_v1, validity_dates
from verifier.errors import ProofError
from verifier.keyset import KeyInfo, KeySet, UnknownKeyError, parse_time
from verifier.merkle import MerkleProofError, leaf_hash, verify_inclusion
from verifier.proofs import list_proof_holds
from verifier.report import CheckResult, Outcome
from verifier.signed_note import Checkpoint, SignedNoteError, open_note
from verifier.status_list import ENTRY_TYPE, StatusOutcome, check_status
from verifier.trust import Policy, Recognition

NAMES = {
    "well_formed": "Well-formed credential",
    "proof": "Proof (signature)",
    "issuer": "Issuer",
    "key_valid_at_issuance": "Key valid when issued",
    "validity_period": "Validity period",
    "status": "Not revoked or suspended",
    "ledger_inclusion": "Recorded in the ledger",
}


def result(check_id: str, outcome: Outcome, reason: str, problem: str | None = None) -> CheckResult:
    """A check result with its plain-words name."""
    return CheckResult(check_id, NAMES[check_id], outcome, reason, problem)


def not_checked(check_id: str, because: str) -> CheckResult:
    """A check that applied but could not be judged because an earlier, fatal one failed."""
    return result(check_id, Outcome.UNKNOWN, f"not checked: {because}")


def issuer_id(credential: Mapping[str, Any]) -> str | None:
    """The credential's issuer id (a string, or the `id` of an issuer object)."""
    issuer = credential.get("issuer")
    if type(issuer) is dict or isinstance(issuer, Mapping):  # the exact type first: no ABC check
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def well_formed(credential: Any, *, legacy: bool = False) -> CheckResult:
    """VC Data Model 2.0 (or, with `legacy`, 1.1): the properties every credential must have,
    in the forms required."""
    problems = credential_problems(credential, legacy=legacy)
    if problems:
        return result("well_formed", Outcome.FAILED, "; ".join(problems), "malformed")
    model = "1.1" if legacy and is_v1(credential) else "2.0"
    return result(
        "well_formed", Outcome.PASSED, f"has the properties VC Data Model {model} requires"
    )


def issuer_controls_key(
    credential: Mapping[str, Any], method: str, recognition: Recognition, policy: Policy
) -> CheckResult:
    """The issuer must control the signing key, and a trusted registry must recognise it, for
    this kind of credential, when it was issued. Under the proof-only policy the recognition is
    reported but does not decide."""
    check = "issuer"
    issuer = issuer_id(credential) or ""
    controller = method.split("#", 1)[0]
    if controller != issuer:
        return result(
            check,
            Outcome.FAILED,
            f"signed with a key of {controller}, not of the issuer {issuer}",
            "issuer_mismatch",
        )
    if recognition.recognised:
        return result(check, Outcome.PASSED, recognition.reason)
    if policy is Policy.PROOF_ONLY:
        return CheckResult(
            check,
            NAMES[check],
            Outcome.FAILED,
            f"{recognition.reason} (reported only: the proof-only policy decides)",
            recognition.problem,
            decides=False,
        )
    return result(check, Outcome.FAILED, recognition.reason, recognition.problem)


def key_not_listed(issuer: str, method: str) -> CheckResult:
    """The key that signed is not one a trusted registry lists for the issuer."""
    return result(
        "key_valid_at_issuance",
        Outcome.FAILED,
        f"no registry this verifier trusts lists the key {method} for {issuer}",
        "key_not_listed",
    )


def key_valid_at(key: KeyInfo, issued_at: datetime | None) -> CheckResult:
    """The key must have been the issuer's, and not yet retired, when the credential was issued."""
    check = "key_valid_at_issuance"
    if key.valid_from is None and key.retired_at is None:
        return result(check, Outcome.NOT_APPLICABLE, "the key has no recorded validity period")
    if issued_at is None:
        return result(check, Outcome.UNKNOWN, "the credential does not say when it was issued")
    if key.valid_from is not None and issued_at < key.valid_from:
        return result(
            check,
            Outcome.FAILED,
            f"issued {issued_at:%Y-%m-%d %H:%M}, before the key was added "
            f"({key.valid_from:%Y-%m-%d %H:%M})",
            "key_retired",
        )
    if key.retired_at is not None and issued_at >= key.retired_at:
        return result(
            check,
            Outcome.FAILED,
            f"issued {issued_at:%Y-%m-%d %H:%M}, after the key was retired "
            f"({key.retired_at:%Y-%m-%d %H:%M})",
            "key_retired",
        )
    later = " (the key was retired later, which does not affect it)" if key.retired_at else ""
    return result(check, Outcome.PASSED, f"the key was current when it was issued{later}")


def validity_period(
    credential: Mapping[str, Any],
    now: datetime,
    *,
    not_before: datetime | None = None,
    expires: datetime | None = None,
) -> CheckResult:
    """`validFrom` <= now < `validUntil` (VCDM 2.0 §4.9; VCDM 1.1's `issuanceDate` and
    `expirationDate`, §4.6 and §4.8), narrowed by a JWT's `nbf` and `exp`."""
    check = "validity_period"
    start, end = validity_dates(credential)
    starts = [t for t in (start, not_before) if t is not None]
    ends = [t for t in (end, expires) if t is not None]
    valid_from = max(starts, default=None)
    valid_until = min(ends, default=None)
    if valid_from is not None and now < valid_from:
        return result(
            check, Outcome.FAILED, f"not valid until {valid_from:%d %B %Y}", "not_yet_valid"
        )
    if valid_until is not None and now >= valid_until:
        return result(check, Outcome.FAILED, f"expired on {valid_until:%d %B %Y}", "expired")
    if valid_until is not None:
        return result(check, Outcome.PASSED, f"valid until {valid_until:%d %B %Y}")
    return result(check, Outcome.PASSED, "valid, with no expiry date")


@dataclass(frozen=True)
class StatusLists:
    """Status list credentials at hand (by URL) and where they came from, for the reason text."""

    lists: Mapping[str, Mapping[str, Any]]
    source: str


def _entries(credential: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    declared = credential.get("credentialStatus")
    items = declared if isinstance(declared, list) else [declared] if declared else []
    return [e for e in items if isinstance(e, Mapping)]


def _checked_list(
    url: str, lists: StatusLists, issuer: str, keys: KeySet
) -> tuple[Mapping[str, Any] | None, str | None]:
    """The list credential if its proof holds and its issuer is the credential's issuer."""
    found = lists.lists.get(url)
    if found is None:
        return None, None
    if not isinstance(found, Mapping):
        return None, f"the status list {url} is not a credential"
    try:
        method = verification_method_of(found)
        if method.split("#", 1)[0] != issuer or issuer_id(found) != issuer:
            return None, f"the status list {url} is not signed by the credential's issuer"
        public_key = keys.resolve(method).public_key
        seen = _list_fingerprint(found, public_key.raw)
        if seen is None or seen not in _VERIFIED_LISTS:
            list_proof_holds(found, public_key)
            if seen is not None:
                _VERIFIED_LISTS.add(seen)
    except (ProofError, UnknownKeyError) as exc:
        return None, f"the status list {url} does not verify: {exc}"
    return found, None


class _VerifiedLists:
    """Fingerprints of status list credentials whose proof verified, most recent kept.

    One list serves thousands of credentials, and every verification of one of them checks
    the list's proof: the fingerprint (the key and an exact serialisation of the whole document,
    proof included) says this exact document verified before under this exact key.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._seen: OrderedDict[bytes, None] = OrderedDict()
        self._lock = threading.Lock()

    def __contains__(self, fingerprint: object) -> bool:
        with self._lock:
            if fingerprint in self._seen:
                self._seen.move_to_end(fingerprint)  # type: ignore[arg-type]
                return True
            return False

    def add(self, fingerprint: bytes) -> None:
        with self._lock:
            self._seen[fingerprint] = None
            while len(self._seen) > self._size:
                self._seen.popitem(last=False)


_VERIFIED_LISTS = _VerifiedLists(512)


def _list_fingerprint(document: Mapping[str, Any], key: bytes) -> bytes | None:
    # None for a document `content_digest` cannot write exactly (a mapping but a dict, a value
    # that is not plain data): list_proof_holds checks it every time, and says why.
    return content_digest(document, key) if type(document) is dict else None


def status(
    credential: Mapping[str, Any],
    recorded: Mapping[str, Any] | None,
    *,
    lists: StatusLists | None = None,
    keys: KeySet | None = None,
    now: datetime | None = None,
) -> CheckResult:
    """Revocation and suspension from the issuer's status lists or, for credentials without
    status list entries, as recorded in the passport file. Unknown is never reported as clear."""
    entries = [e for e in _entries(credential) if e.get("type") == ENTRY_TYPE]
    if entries and now is not None:
        from_lists = _from_lists(credential, entries, lists, keys or KeySet(), now)
        if from_lists.outcome is not Outcome.FAILED and recorded is not None:
            # The file's own record is unsigned: trusted to fail a credential, never to clear one.
            from_record = _from_record(recorded)
            if from_record.outcome is Outcome.FAILED:
                return from_record
        return from_lists
    if recorded is not None:
        return _from_record(recorded)
    if credential.get("credentialStatus"):
        return result(
            "status",
            Outcome.UNKNOWN,
            "the credential's status method is not supported offline",
            "status_unknown",
        )
    return result("status", Outcome.NOT_APPLICABLE, "the credential declares no status")


def _from_lists(
    credential: Mapping[str, Any],
    entries: list[Mapping[str, Any]],
    lists: StatusLists | None,
    keys: KeySet,
    now: datetime,
) -> CheckResult:
    issuer = issuer_id(credential) or ""
    source = lists.source if lists else "the status list"
    outcomes, problems, dated = [], [], []
    for entry in entries:
        url = str(entry.get("statusListCredential", ""))
        found, problem_text = (
            _checked_list(url, lists, issuer, keys) if lists is not None else (None, None)
        )
        if problem_text:
            problems.append(problem_text)
        if found is not None and (issued := parse_time(found.get("validFrom"))) is not None:
            dated.append(issued)
        outcomes.append(check_status(entry, found, now=now))
    # Revocation is final, so it speaks first when two entries are set.
    for outcome in sorted(outcomes, key=lambda o: _word(o) != "revoked"):
        if outcome.state == "set":
            word = _word(outcome)
            said = word or f"status {outcome.value:#x} ({outcome.message})"
            return result(
                "status",
                Outcome.FAILED,
                f"{said}, according to {source}",
                word or ("status_message" if outcome.purpose == "message" else "status_unknown"),
            )
    unknown = [o.reason for o in outcomes if o.state == "unknown"]
    if unknown:
        return result("status", Outcome.UNKNOWN, "; ".join(problems or unknown), "status_unknown")
    # A snapshot carries its age: the oldest list consulted says how current the answer is.
    as_of = _as_of(min(dated)) if dated else ""
    return result(
        "status", Outcome.PASSED, f"not revoked or suspended{as_of}, according to {source}"
    )


@functools.lru_cache(maxsize=256)  # one list's date, written for each of its credentials
def _as_of(moment: datetime) -> str:
    return f" as of {moment.astimezone(UTC):%d %B %Y %H:%M} UTC"


def _word(outcome: StatusOutcome) -> str | None:
    """The problem word of a set entry that says revoked or suspended: by its purpose (one-bit
    lists) or by its value's message (a `message` entry, such as ours: 0x1 revoked, 0x2
    suspended); None for any other message."""
    if outcome.purpose in ("revocation", "suspension"):
        return {"revocation": "revoked", "suspension": "suspended"}[outcome.purpose]
    return _MESSAGE_WORDS.get((outcome.message or "").strip().lower())


_MESSAGE_WORDS = {
    "revoked": "revoked",
    "revocation": "revoked",
    "suspended": "suspended",
    "suspension": "suspended",
}


def _from_record(recorded: Mapping[str, Any]) -> CheckResult:
    if not isinstance(recorded, Mapping):
        return result(
            "status", Outcome.UNKNOWN, "the recorded status is unreadable", "status_unknown"
        )
    state = recorded.get("status")
    as_of = recorded.get("asOf", "unknown time")
    reason = f": {recorded['reason']}" if recorded.get("reason") else ""
    if state == "active":
        return result(
            "status",
            Outcome.PASSED,
            f"neither revoked nor suspended, as recorded in the passport file at {as_of}",
        )
    if state in ("revoked", "suspended"):
        return result("status", Outcome.FAILED, f"{state}{reason}", str(state))
    return result("status", Outcome.UNKNOWN, f"unrecognised status {state!r}", "status_unknown")


def ledger_inclusion(
    credential: Mapping[str, Any],
    record: Mapping[str, Any] | None,
    note_keys: list[str],
    token: str | None = None,
) -> CheckResult:
    """The credential's issuing event is a leaf of the ledger's signed Merkle tree (RFC 9162),
    and that leaf's entry holds this very credential."""
    check = "ledger_inclusion"
    if record is None:
        return result(check, Outcome.NOT_APPLICABLE, "the file carries no ledger proof for it")
    try:
        checkpoint = Checkpoint.parse(open_note(str(record["checkpoint"]), note_keys))
        entry = base64.b64decode(str(record["entry"]), validate=True)
        path = [base64.b64decode(p, validate=True) for p in record["inclusionPath"]]
        verify_inclusion(
            leaf_hash(entry), int(record["leafIndex"]), checkpoint.size, path, checkpoint.root
        )
        body = json.loads(entry)["event"]["body"]
    except (SignedNoteError, MerkleProofError, KeyError, TypeError, ValueError) as exc:
        return result(
            check, Outcome.FAILED, f"the ledger proof does not hold: {exc}", "not_in_ledger"
        )
    recorded = body.get("jwt") if token is not None else body.get("credential")
    if recorded != (token if token is not None else dict(credential)):
        return result(
            check,
            Outcome.FAILED,
            "the ledger recorded a different credential under this entry",
            "not_in_ledger",
        )
    return result(
        check,
        Outcome.PASSED,
        f"leaf {record['leafIndex']} of the ledger's tree of "
        f"{checkpoint.size}, in a checkpoint signed by {checkpoint.origin}",
    )
