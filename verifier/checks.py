"""The named checks run on one credential. A check never raises: it returns its result."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from verifier.keyset import KeyInfo, parse_time
from verifier.report import CheckResult, Outcome

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
XSD_DATETIME = re.compile(r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
URL_LIKE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$")

NAMES = {
    "well_formed": "Well-formed credential",
    "proof": "Proof (signature)",
    "issuer": "Issuer",
    "key_valid_at_issuance": "Key valid when issued",
    "validity_period": "Validity period",
    "status": "Not revoked or suspended",
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
    if isinstance(issuer, Mapping):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def well_formed(credential: Any) -> CheckResult:  # noqa: PLR0911 - one return per rule
    """VC Data Model 2.0 §4: the properties every credential must have, in the forms required."""
    check = "well_formed"

    def broken(rule: str) -> CheckResult:
        return result(check, Outcome.FAILED, rule, "malformed")

    if not isinstance(credential, Mapping):
        return broken("a credential must be a JSON object")
    context = credential.get("@context")
    if not isinstance(context, list) or not context or context[0] != VC_V2_CONTEXT:
        return broken(
            f"@context must be a list whose first item is {VC_V2_CONTEXT} (VCDM 2.0 §4.3)"
        )
    types = credential.get("type")
    if not isinstance(types, list) or "VerifiableCredential" not in types:
        return broken("type must be a list including VerifiableCredential (VCDM 2.0 §4.5)")
    issuer = issuer_id(credential)
    if issuer is None or not URL_LIKE.match(issuer):
        return broken("issuer must be a URL, or an object whose id is a URL (VCDM 2.0 §4.7)")
    if "id" in credential and not (
        isinstance(credential["id"], str) and URL_LIKE.match(credential["id"])
    ):
        return broken("id must be a URL (VCDM 2.0 §4.4)")
    subject = credential.get("credentialSubject")
    if not isinstance(subject, Mapping | list) or not subject:
        return broken("credentialSubject must be present (VCDM 2.0 §4.8)")
    for field in ("validFrom", "validUntil"):
        value = credential.get(field)
        if value is not None and not (isinstance(value, str) and XSD_DATETIME.match(value)):
            return broken(
                f"{field} must be an XML Schema dateTime with a time zone (VCDM 2.0 §4.9)"
            )
    return result(check, Outcome.PASSED, "has the properties VC Data Model 2.0 requires")


def issuer_controls_key(credential: Mapping[str, Any], method: str, known: bool) -> CheckResult:
    """The issuer must control the signing key, and be an issuer we know."""
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
    if not known:
        return result(
            check,
            Outcome.FAILED,
            f"issuer {issuer} is not known to this verifier",
            "unknown_issuer",
        )
    return result(check, Outcome.PASSED, f"issued and signed by {issuer}")


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


def validity_period(credential: Mapping[str, Any], now: datetime) -> CheckResult:
    """`validFrom` <= now < `validUntil` (VCDM 2.0 §4.9)."""
    check = "validity_period"
    valid_from = parse_time(credential.get("validFrom"))
    valid_until = parse_time(credential.get("validUntil"))
    if valid_from is not None and now < valid_from:
        return result(
            check, Outcome.FAILED, f"not valid until {valid_from:%d %B %Y}", "not_yet_valid"
        )
    if valid_until is not None and now >= valid_until:
        return result(check, Outcome.FAILED, f"expired on {valid_until:%d %B %Y}", "expired")
    if valid_until is not None:
        return result(check, Outcome.PASSED, f"valid until {valid_until:%d %B %Y}")
    return result(check, Outcome.PASSED, "valid, with no expiry date")


def status(credential: Mapping[str, Any], recorded: Mapping[str, Any] | None) -> CheckResult:
    """Revocation and suspension, as far as the information at hand says. Unknown is not 'clear'."""
    check = "status"
    declared = credential.get("credentialStatus")
    if recorded is None:
        if declared:
            return result(
                check,
                Outcome.UNKNOWN,
                "the credential has a status entry but its status list is not available offline",
                "status_unknown",
            )
        return result(check, Outcome.NOT_APPLICABLE, "the credential declares no status")
    state = recorded.get("status")
    as_of = recorded.get("asOf", "unknown time")
    reason = f": {recorded['reason']}" if recorded.get("reason") else ""
    if state == "active":
        return result(
            check,
            Outcome.PASSED,
            f"neither revoked nor suspended, as recorded in the passport file at {as_of}",
        )
    if state in ("revoked", "suspended"):
        return result(check, Outcome.FAILED, f"{state}{reason}", state)
    return result(check, Outcome.UNKNOWN, f"unrecognised status {state!r}", "status_unknown")
