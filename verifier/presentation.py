"""Holder-signed presentations: the presentation's own checks, and signing one as a holder.

A verifiable presentation (VCDM 2.0 §4.13) is checked, before the credentials it holds, for:
1. presentation_well_formed — the properties VCDM 2.0 requires of a presentation (fatal);
2. presentation_proof — the holder's Data Integrity proof (`eddsa-rdfc-2022` or
   `eddsa-jcs-2022`, proof purpose `authentication`) holds for the key it names: a did:key by
   computation, any other key only from the key set given; an `expires` in the past fails it;
3. holder — the key that signed is the named holder's (VC API: "the holder in the presentation
   matches the verification method used in the presentation's proof");
4. challenge, domain — the proof was made for this verifier's `challenge` and `domain`
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
from verifier.data_integrity import single_proof, unsecured
from verifier.data_model import VC_V2_CONTEXT, id_of, presentation_problems, proof_time
from verifier.errors import ProofError, UnknownContextError
from verifier.jose import (
    VP_DATA_URL,
    VP_MEDIA_TYPE,
    CompactJws,
    conflicting_presentation_claim,
    numeric_date,
    numeric_date_problem,
    parse_compact,
    presentation_of,
    verify_compact,
)
from verifier.keyset import KeySet, UnknownKeyError, controller_of
from verifier.proofs import VERIFIERS, suite_of
from verifier.report import GOOD, CheckResult, CredentialReport, Outcome, find_check
from verifier.timestamps import xsd_datetime

PROOF_PURPOSE = "authentication"
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


@dataclass(frozen=True)
class _Proof:
    """What the holder's proof check found: its result, the proof, and the key's controller."""

    result: CheckResult
    proof: Mapping[str, Any] | None = None
    signer: str | None = None


def _unsigned(require_proof: bool) -> CheckResult:
    if require_proof:
        return _result(
            "presentation_proof",
            Outcome.FAILED,
            "the presentation carries no proof by its holder (an unsigned presentation "
            "is verified only when sent as `presentation`)",
            "missing_proof",
        )
    return _result(
        "presentation_proof", Outcome.NOT_APPLICABLE, "the presentation is not signed by a holder"
    )


def _signature(
    presentation: Mapping[str, Any], proof: Mapping[str, Any], key_set: KeySet, now: datetime
) -> CheckResult:
    """The proof's signature with the key it names, then its `expires`."""
    check = "presentation_proof"
    method, suite = str(proof["verificationMethod"]), suite_of(proof)
    verify = VERIFIERS.get(suite)
    if verify is None:  # before any key look-up
        return _result(check, Outcome.FAILED, f"unsupported cryptosuite {suite}", "bad_signature")
    try:
        key = key_set.resolve(method)
        verify(unsecured(presentation), proof, key.public_key, PROOF_PURPOSE)
    except (UnknownKeyError, UnknownContextError) as exc:
        return _result(check, Outcome.UNKNOWN, f"cannot check the holder's signature: {exc}")
    except ProofError as exc:
        return _result(check, Outcome.FAILED, str(exc), "bad_signature")
    if "expires" in proof:
        expires = proof_time(proof["expires"])
        if expires is None:
            reason = "the proof's expires is not a date and time with a time zone"
            return _result(check, Outcome.FAILED, reason, "malformed")
        if now >= expires:
            reason = f"the holder's proof expired at {expires:%Y-%m-%d %H:%M} UTC"
            return _result(check, Outcome.FAILED, reason, "proof_expired")
    return _result(check, Outcome.PASSED, f"{suite} signature verifies with {method}")


def _proof(
    presentation: Mapping[str, Any], key_set: KeySet, now: datetime, require_proof: bool
) -> _Proof:
    if presentation.get("proof") is None:
        return _Proof(_unsigned(require_proof))
    try:
        proof = single_proof(presentation)
    except ProofError as exc:
        return _Proof(_result("presentation_proof", Outcome.FAILED, str(exc), "bad_signature"))
    method = proof.get("verificationMethod")
    if not isinstance(method, str) or not method:
        reason = "proof has no verificationMethod"
        return _Proof(_result("presentation_proof", Outcome.FAILED, reason, "malformed"))
    return _Proof(_signature(presentation, proof, key_set, now), proof, controller_of(method))


# The JWT claims that carry a Data Integrity proof's `challenge` and `domain`.
JWT_BINDINGS = {"challenge": "nonce", "domain": "aud"}


def _jwt_signature(jws: CompactJws, key_set: KeySet, now: datetime) -> CheckResult:
    """The `vp+jwt` signature (EdDSA only, with the key its `kid` names), then `exp`, `nbf`."""
    check = "presentation_proof"
    try:
        kid = verify_compact(jws, lambda method: key_set.resolve(method).public_key)
    except UnknownKeyError as exc:
        return _result(check, Outcome.UNKNOWN, f"cannot check the holder's signature: {exc}")
    except ProofError as exc:
        reason = (  # verify_compact speaks of credentials; here the holder signed
            str(exc)
            .replace("the credential's content", "the presentation's content")
            .replace("the issuer's key", "the holder's key")
        )
        return _result(check, Outcome.FAILED, reason, "bad_signature")
    unreadable = numeric_date_problem(jws.claims)
    if unreadable is not None:
        return _result(check, Outcome.FAILED, unreadable, "malformed")
    expires, not_before = numeric_date(jws.claims.get("exp")), numeric_date(jws.claims.get("nbf"))
    if expires is not None and now >= expires:
        reason = f"the holder's {VP_MEDIA_TYPE} expired at {expires:%Y-%m-%d %H:%M} UTC"
        return _result(check, Outcome.FAILED, reason, "proof_expired")
    if not_before is not None and now < not_before:
        reason = f"the holder's {VP_MEDIA_TYPE} is not valid before {not_before:%Y-%m-%d %H:%M} UTC"
        return _result(check, Outcome.FAILED, reason, "not_yet_valid")
    return _result(check, Outcome.PASSED, f"{VP_MEDIA_TYPE} EdDSA signature verifies with {kid}")


def _jwt_proof(jws: CompactJws, key_set: KeySet, now: datetime) -> _Proof:
    """The holder's JWS as a proof: its `nonce` and `aud` stand for `challenge` and `domain`."""
    bound = {name: jws.claims[claim] for name, claim in JWT_BINDINGS.items() if claim in jws.claims}
    kid = jws.header.get("kid")
    signer = controller_of(kid) if isinstance(kid, str) and kid else None
    return _Proof(_jwt_signature(jws, key_set, now), bound, signer)


def _holder(presentation: Mapping[str, Any], found: _Proof) -> CheckResult:
    holder = holder_id(presentation)
    if found.signer is None:
        return _result(
            "holder", Outcome.NOT_APPLICABLE, "no holder's proof binds the presentation to anyone"
        )
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
            f"the presentation names no holder; it is signed by {found.signer}",
        )
    if holder != found.signer:
        return _result(
            "holder",
            Outcome.FAILED,
            f"signed with a key of {found.signer}, not of the holder {holder}",
            "holder_mismatch",
        )
    if found.result.outcome is not Outcome.PASSED:
        return _result(
            "holder", Outcome.UNKNOWN, f"names {holder}, but the holder's proof did not verify"
        )
    return _result("holder", Outcome.PASSED, f"presented and signed by {holder}")


def _bound(check: str, expected: str | None, found: _Proof) -> CheckResult:
    """The proof's `challenge` or `domain` against the verifier's (Data Integrity §4.3); for a
    `vp+jwt`, its `nonce` or `aud` claim."""
    given = found.proof.get(check) if found.proof is not None else None
    if expected is None:
        reason = f"the verifier asked for no {check}"
        if given is not None:
            reason += f"; the proof's {check} {given!r} was not compared with anything"
        return _result(check, Outcome.NOT_APPLICABLE, reason)
    if found.proof is None:
        return _result(
            check,
            Outcome.FAILED,
            f"the verifier requires {check} {expected!r}, but no holder's proof carries it",
            f"missing_{check}",
        )
    if given is None:
        return _result(
            check,
            Outcome.FAILED,
            f"the verifier requires {check} {expected!r}; the holder's proof has no {check}",
            f"missing_{check}",
        )
    # A proof's domain may be one string or a set of them (Data Integrity §2.1).
    values = given if isinstance(given, list) else [given]
    if expected not in values:
        return _result(
            check,
            Outcome.FAILED,
            f"the proof was made for {check} {given!r}, not {expected!r}: the presentation "
            f"was made for another {'request (replayed)' if check == 'challenge' else 'verifier'}",
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
        found = _jwt_proof(opened.jws, key_set or KeySet(), now)
    else:
        found = _proof(document, key_set or KeySet(), now, require_proof)
    return (
        shape,
        found.result,
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
