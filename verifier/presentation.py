"""Holder-signed presentations: the presentation's own checks, and signing one as a holder.

A verifiable presentation (VCDM 2.0 §4.13) is checked, before the credentials it holds, for:
1. presentation_well_formed — the properties VCDM 2.0 requires of a presentation (fatal);
2. presentation_proof — the holder's Data Integrity proof (`eddsa-rdfc-2022`, `eddsa-jcs-2022`
   or `Ed25519Signature2020`, proof purpose `authentication`) holds for the key it names: a
   did:key by computation, any other key only from the key set given; an `expires` in the past
   fails it. A proof set or chain (Data Integrity §2.1.2, §2.1.3) passes only if every proof
   does, each reported as `presentation_proof_1`… (`verifier.holder_proofs`);
3. holder — a key that signed is the named holder's (VC API: "the holder in the presentation
   matches the verification method used in the presentation's proof");
4. challenge, domain — every proof was made for this verifier's `challenge` and `domain`
   (Data Integrity §4.3 step 5-6; §2.1.1): a presentation replayed to another verifier, or with
   another challenge, fails here. Both are covered by the signature, so changing them fails 2.

An enveloped presentation (VC-JOSE-COSE §3.1.2: an `EnvelopedVerifiablePresentation` whose id is
`data:application/vp+jwt,<JWS>`, or the bare compact `vp+jwt`) is the same presentation secured
as a JWT: its payload is judged by 1, the JWS (EdDSA only, the holder's `kid`) by 2 with the
JWT's `exp` and `nbf`, and its `nonce` and `aud` claims stand for the challenge and domain.
Nothing here opens a network connection.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeGuard

from keys import SigningKey
from verifier import eddsa_rdfc_2022
from verifier.checks import issuer_id, validity_period
from verifier.checks import result as credential_result
from verifier.checks import well_formed as credential_well_formed
from verifier.cryptosuites import CRYPTOSUITES
from verifier.data_model import VC_V2_CONTEXT, id_of, presentation_problems
from verifier.errors import ProofError
from verifier.holder_proofs import (
    PROOF_PURPOSE,
    HolderProofs,
    data_integrity_proofs,
    jwt_proof,
)
from verifier.jose import (
    VP_DATA_URL,
    VP_MEDIA_TYPE,
    CompactJws,
    conflicting_presentation_claim,
    parse_compact,
    presentation_of,
)
from verifier.keyset import KeySet
from verifier.report import GOOD, CheckResult, CredentialReport, Outcome, find_check
from verifier.timestamps import xsd_datetime

ENVELOPED_PRESENTATION = "EnvelopedVerifiablePresentation"
NAMES = {
    "presentation_well_formed": "Well-formed presentation",
    "presentation_proof": "Holder's proof (signature)",
    "holder": "Holder",
    "challenge": "Challenge",
    "domain": "Domain",
}
CHECKS = tuple(NAMES)


def _result(check: str, outcome: Outcome, reason: str, problem: str | None = None) -> CheckResult:
    return CheckResult(check, NAMES[check], outcome, reason, problem)


def holder_id(presentation: Mapping[str, Any]) -> str | None:
    """The presentation's holder: a URL, or the `id` of a holder object."""
    holder = id_of(presentation.get("holder"))
    return holder if isinstance(holder, str) else None


def held_credentials(presentation: Mapping[str, Any]) -> list[Any]:
    """The `verifiableCredential` member as a list (one credential may be given bare)."""
    held = presentation.get("verifiableCredential")
    if held is None:
        return []
    return held if isinstance(held, list) else [held]


def _types(document: Mapping[str, Any]) -> list[Any]:
    types = document.get("type")
    return types if isinstance(types, list) else [types]


@dataclass(frozen=True)
class Opened:
    """A presentation as received, opened: the presentation itself (an enveloped one's JWT
    payload, not yet trusted), the JWS that secures it, or why it could not be opened."""

    presentation: Any
    jws: CompactJws | None = None
    error: str | None = None


def _envelope_error(envelope: Mapping[str, Any]) -> str | None:
    context = envelope.get("@context")
    # One URL may stand alone, as VCDM 2.0's own enveloped presentation example writes it.
    contexts = context if isinstance(context, list) else [context]
    if not contexts or contexts[0] != VC_V2_CONTEXT:
        return (
            f"an enveloped presentation's @context must be {VC_V2_CONTEXT}, or a list whose "
            "first item is it (VCDM 2.0 §4.3)"
        )
    ident = envelope.get("id")
    if not isinstance(ident, str) or not ident.startswith(VP_DATA_URL):
        return (
            f"an enveloped presentation's id must be a {VP_DATA_URL}… URL: only {VP_MEDIA_TYPE} "
            "is supported (VC-JOSE-COSE §3.1.2)"
        )
    return None


def open_presentation(presentation: Any) -> Opened:
    """Open an enveloped presentation (an `EnvelopedVerifiablePresentation` or a compact
    `vp+jwt`) to the presentation it carries; any other input is returned as it is."""
    if isinstance(presentation, Opened):
        return presentation
    if isinstance(presentation, str):
        token = presentation.strip()
    elif isinstance(presentation, Mapping) and ENVELOPED_PRESENTATION in _types(presentation):
        error = _envelope_error(presentation)
        if error is not None:
            return Opened(None, error=error)
        token = str(presentation["id"]).removeprefix(VP_DATA_URL)
    else:
        return Opened(presentation)
    try:
        jws = parse_compact(token)
        return Opened(presentation_of(jws), jws)
    except ProofError as exc:
        return Opened(None, error=f"enveloped presentation: {exc}")
    except (ValueError, RecursionError):  # e.g. a signature segment of impossible length
        return Opened(None, error="enveloped presentation: not a compact JWT")


def is_self_asserted(credential: Any) -> TypeGuard[Mapping[str, Any]]:
    """A credential in a presentation with no proof of its own (not enveloped either): only the
    presentation's proof can secure it, as the holder's own claims (VCDM 2.0 §4.13.4)."""
    return (
        isinstance(credential, Mapping)
        and "proof" not in credential
        and "EnvelopedVerifiableCredential" not in _types(credential)
    )


def self_asserted_checks(
    credential: Mapping[str, Any], presentation: PresentationReport, now: datetime
) -> tuple[CheckResult, ...]:
    """The checks of a credential the holder asserts: well formed, secured by the
    presentation's proof only when the holder who signed it is the credential's issuer, and
    within its validity period."""
    shape = credential_well_formed(credential)
    if shape.outcome is not Outcome.PASSED:
        reason = "not checked: the credential is malformed"
        return (shape, credential_result("proof", Outcome.UNKNOWN, reason))
    issuer = issuer_id(credential)
    holder = presentation.check("holder")
    if holder.outcome is not Outcome.PASSED or issuer != presentation.holder:
        return (
            shape,
            credential_result(
                "proof",
                Outcome.FAILED,
                f"the credential has no proof of its own, and the presentation's proof secures "
                f"it only as the holder's own claims: its issuer {issuer} must be the holder "
                f"{presentation.holder}, who signed the presentation (VCDM 2.0 §4.13.4)",
                "missing_proof",
            ),
        )
    return (
        shape,
        credential_result(
            "proof",
            Outcome.PASSED,
            f"self-asserted by the holder {issuer}: secured by the presentation's proof "
            "(VCDM 2.0 §4.13.4)",
        ),
        validity_period(credential, now),
    )


def well_formed(presentation: Any) -> CheckResult:
    """VC Data Model 2.0 §4.13: what every presentation must be."""
    problems = presentation_problems(presentation)
    if not problems and not all(isinstance(c, Mapping) for c in held_credentials(presentation)):
        problems = [
            "each verifiableCredential must be a credential object, or an "
            "EnvelopedVerifiableCredential object (VCDM 2.0 §4.13)"
        ]
    if problems:
        return _result("presentation_well_formed", Outcome.FAILED, "; ".join(problems), "malformed")
    return _result(
        "presentation_well_formed", Outcome.PASSED, "has the properties VC Data Model 2.0 requires"
    )


def _holder(presentation: Mapping[str, Any], found: HolderProofs) -> CheckResult:
    holder = holder_id(presentation)
    if not found.signers:
        return _result(
            "holder", Outcome.NOT_APPLICABLE, "no holder's proof binds the presentation to anyone"
        )
    signers = ", ".join(dict.fromkeys(found.signers))
    if holder is None and any(is_self_asserted(c) for c in held_credentials(presentation)):
        return _result(
            "holder",
            Outcome.FAILED,
            "the presentation holds a credential with no proof of its own, secured only by the "
            "presentation's proof, so it must name its holder (VCDM 2.0 §4.13.4)",
            "missing_holder",
        )
    if holder is None:
        return _result(
            "holder",
            Outcome.NOT_APPLICABLE,
            f"the presentation names no holder; it is signed by {signers}",
        )
    if holder not in found.signers:
        return _result(
            "holder",
            Outcome.FAILED,
            f"signed with a key of {signers}, not of the holder {holder}",
            "holder_mismatch",
        )
    if found.result.outcome is not Outcome.PASSED:
        return _result(
            "holder", Outcome.UNKNOWN, f"names {holder}, but the holder's proof did not verify"
        )
    others = [s for s in dict.fromkeys(found.signers) if s != holder]
    also = f", with proofs by {', '.join(others)} too" if others else ""
    return _result("holder", Outcome.PASSED, f"presented and signed by {holder}{also}")


def _bound(check: str, expected: str | None, found: HolderProofs) -> CheckResult:
    """Each proof's `challenge` or `domain` against the verifier's (Data Integrity §4.3: every
    proof of a set or chain is verified with the same options); for a `vp+jwt`, its `nonce` or
    `aud` claim."""
    count = len(found.proofs)
    given = [p.get(check) for p in found.proofs]
    if expected is None:
        reason = f"the verifier asked for no {check}"
        offered = next((g for g in given if g is not None), None)
        if offered is not None:
            reason += f"; the proof's {check} {offered!r} was not compared with anything"
        return _result(check, Outcome.NOT_APPLICABLE, reason)
    if not count:
        return _result(
            check,
            Outcome.FAILED,
            f"the verifier requires {check} {expected!r}, but no holder's proof carries it",
            f"missing_{check}",
        )
    for number, value in enumerate(given, start=1):
        which = "the holder's proof" if count == 1 else f"proof {number} of {count}"
        if value is None:
            return _result(
                check,
                Outcome.FAILED,
                f"the verifier requires {check} {expected!r}; {which} has no {check}",
                f"missing_{check}",
            )
        # A proof's domain may be one string or a set of them (Data Integrity §2.1).
        if expected not in (value if isinstance(value, list) else [value]):
            made = "the proof" if count == 1 else which
            other = "request (replayed)" if check == "challenge" else "verifier"
            return _result(
                check,
                Outcome.FAILED,
                f"{made} was made for {check} {value!r}, not {expected!r}: the presentation "
                f"was made for another {other}",
                f"{check}_mismatch",
            )
    if found.result.outcome is not Outcome.PASSED:
        return _result(
            check,
            Outcome.UNKNOWN,
            f"the proof names {check} {expected!r}, but the holder's proof did not verify",
        )
    return _result(check, Outcome.PASSED, f"the holder's proof was made for {check} {expected!r}")


def presentation_checks(
    presentation: Any,
    *,
    now: datetime,
    challenge: str | None = None,
    domain: str | None = None,
    require_proof: bool = True,
    key_set: KeySet | None = None,
) -> tuple[CheckResult, ...]:
    """The presentation's own named checks, in order; the credentials it holds are not judged.

    `presentation` may be enveloped (an `EnvelopedVerifiablePresentation` or a compact
    `vp+jwt`), or already opened with `open_presentation`.
    """
    opened = open_presentation(presentation)
    if opened.error is not None:
        shape = _result("presentation_well_formed", Outcome.FAILED, opened.error, "malformed")
    else:
        shape = well_formed(opened.presentation)
    if shape.outcome is Outcome.PASSED and opened.jws is not None:
        conflict = conflicting_presentation_claim(opened.jws, opened.presentation)
        if conflict is not None:
            shape = _result("presentation_well_formed", Outcome.FAILED, conflict, "malformed")
    if shape.outcome is not Outcome.PASSED:
        reason = "not checked: the presentation is malformed"
        return (shape, *(_result(c, Outcome.UNKNOWN, reason) for c in CHECKS[1:]))
    document: Mapping[str, Any] = opened.presentation
    if opened.jws is not None:
        found = jwt_proof(opened.jws, key_set or KeySet(), now)
    else:
        found = data_integrity_proofs(document, key_set or KeySet(), now, require_proof)
    return (
        shape,
        found.result,
        *found.each,
        _holder(document, found),
        _bound("challenge", challenge, found),
        _bound("domain", domain, found),
    )


@dataclass(frozen=True)
class PresentationReport:
    """The presentation's own checks and the report of each credential it holds."""

    checks: tuple[CheckResult, ...]
    credentials: tuple[CredentialReport, ...]
    holder: str | None = None
    # The protected header of an enveloped (`vp+jwt`) presentation's JWS; None otherwise.
    jose_header: Mapping[str, Any] | None = None

    @property
    def presentation_verified(self) -> bool:
        """The presentation's own checks all passed or did not apply."""
        return all(c.outcome in GOOD for c in self.checks)

    @property
    def verified(self) -> bool:
        """The presentation and every credential in it verified (an unsigned, empty one never)."""
        signed = any(
            c.id == "presentation_proof" and c.outcome is Outcome.PASSED for c in self.checks
        )
        return (
            self.presentation_verified
            and (signed or bool(self.credentials))
            and all(c.verified for c in self.credentials)
        )

    @property
    def well_formed(self) -> bool:
        """Whether the presentation could be read as one at all."""
        return self.check("presentation_well_formed").outcome is Outcome.PASSED

    def check(self, check_id: str) -> CheckResult:
        """The result of one of the presentation's checks; `KeyError` if no such check ran."""
        return find_check(self.checks, check_id)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "verified": self.verified,
            "holder": self.holder,
            "checks": [c.to_dict() for c in self.checks],
            "credentials": [c.to_dict() for c in self.credentials],
        }


def sign_presentation(
    presentation: Mapping[str, Any],
    key: SigningKey,
    verification_method: str,
    created: datetime,
    *,
    challenge: str | None = None,
    domain: str | None = None,
    expires: datetime | None = None,
    cryptosuite: str = eddsa_rdfc_2022.CRYPTOSUITE,
) -> dict[str, Any]:
    """The presentation secured by its holder (proof purpose `authentication`), with the
    verifier's `challenge` and `domain` in the proof, as a wallet answers a request."""
    if cryptosuite not in CRYPTOSUITES:
        raise ValueError(f"unsupported cryptosuite {cryptosuite!r}")
    bound = {"expires": xsd_datetime(expires) if expires else None}
    bound |= {"challenge": challenge, "domain": domain}
    return CRYPTOSUITES[cryptosuite].create_proof(
        dict(presentation),
        key,
        verification_method,
        created,
        PROOF_PURPOSE,
        extra_options={k: v for k, v in bound.items() if v is not None},
    )
