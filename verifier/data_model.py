"""The normative statements of the VC Data Model 2.0 that a document's shape can break.

Each rule returns what is wrong, in words that name the property, what it must be and the
section that says so; a document that breaks none is well formed. Issuers run the same rules
before signing, so nothing we sign breaks them either.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from verifier.eddsa_rdfc_2022 import canonical_nquads
from verifier.errors import ProofError, UnknownContextError
from verifier.keyset import parse_time

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
VC_V1_CONTEXT = "https://www.w3.org/2018/credentials/v1"
URL_LIKE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+\Z")  # \Z: no newline after the end
# XML Schema dateTimeStamp: a dateTime whose time zone is required (VCDM 2.0 §4.9).
XSD_DATETIME_STAMP = re.compile(
    r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})\Z"
)
# A dateTime whose time zone is missing: Data Integrity §2.1 says such a proof `created` or
# `expires` "MUST be interpreted as UTC" (w3c/vc-data-integrity#294), and the suites accept it.
XSD_DATETIME_NO_ZONE = re.compile(r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?\Z")
# A well-formed BCP 47 language tag, in the shape JSON-LD's @language accepts.
LANGUAGE_TAG = re.compile(r"^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*\Z")
DIRECTIONS = ("ltr", "rtl")
VALUE_OBJECT_KEYS = frozenset({"@value", "@language", "@direction"})

Rule = Callable[[Mapping[str, Any]], Iterator[str]]


def is_url(value: Any) -> bool:
    """A string in the shape of an absolute URL (scheme, colon, no white space)."""
    return isinstance(value, str) and bool(URL_LIKE.match(value))


def is_stamp(value: Any) -> bool:
    """An XML Schema dateTimeStamp: a real date and time, with its time zone."""
    return (
        isinstance(value, str)
        and bool(XSD_DATETIME_STAMP.match(value))
        and parse_time(value) is not None
    )


def proof_time(value: Any) -> datetime | None:
    """A proof's `created` or `expires`: a dateTimeStamp, or a dateTime without a time zone
    read as UTC (Data Integrity §2.1); None when it is neither."""
    stamp = parse_time(value)
    if stamp is not None or not (isinstance(value, str) and XSD_DATETIME_NO_ZONE.match(value)):
        return stamp if is_stamp(value) else None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    except ValueError:
        return None


def one_or_more(value: Any) -> list[Any]:
    """The values of a property that may hold one value or a list of them."""
    return value if isinstance(value, list) else [value]


def id_of(value: Any) -> Any:
    """A property that is a URL, or an object whose `id` is that URL."""
    return value.get("id") if isinstance(value, Mapping) else value


def _context(document: Mapping[str, Any]) -> Iterator[str]:
    context = document.get("@context")
    if not isinstance(context, list) or not context or context[0] != VC_V2_CONTEXT:
        yield f"@context must be a list whose first item is {VC_V2_CONTEXT} (VCDM 2.0 §4.3)"
        return
    if not all(isinstance(item, Mapping) or is_url(item) for item in context[1:]):
        yield "each later @context item must be a URL or a context object (VCDM 2.0 §4.3)"


def _id(document: Mapping[str, Any]) -> Iterator[str]:
    if "id" in document and not is_url(document["id"]):
        yield "id must be a single URL (VCDM 2.0 §4.4)"


def _is_type(value: Any) -> bool:
    """A `type` value: one term or URL, or a non-empty list of them, each a string."""
    values = one_or_more(value)
    return bool(values) and all(isinstance(v, str) and v for v in values)


def _types_of(required: str) -> Rule:
    def rule(document: Mapping[str, Any]) -> Iterator[str]:
        # One or more terms (VCDM 2.0 §4.5, VCDM 1.1 §4.3): the required type alone may be
        # written as a single string.
        types = one_or_more(document.get("type"))
        if required not in types:
            yield f"type must be {required}, or a list including it (VCDM 2.0 §4.5)"
        elif not _is_type(types):
            yield "each type must be a term or a URL, written as a string (VCDM 2.0 §4.5)"

    return rule


def _language_values(name: str, value: Any) -> Iterator[str]:
    for item in one_or_more(value):
        if isinstance(item, str):
            continue
        if not isinstance(item, Mapping) or not isinstance(item.get("@value"), str):
            yield (
                f"{name} must be a string, or a language value object with a string @value "
                "(VCDM 2.0 §4.6)"
            )
            return
        extra = sorted(set(item) - VALUE_OBJECT_KEYS)
        if extra:
            yield (
                f"{name} is a language value object and may hold only @value, @language and "
                f"@direction, not {', '.join(extra)} (VCDM 2.0 §4.6)"
            )
            return
        language, direction = item.get("@language"), item.get("@direction")
        if language is not None and not (
            isinstance(language, str) and LANGUAGE_TAG.match(language)
        ):
            yield f"{name}'s @language must be a BCP 47 language tag (VCDM 2.0 §4.6)"
            return
        if direction is not None and direction not in DIRECTIONS:
            yield f"{name}'s @direction must be ltr or rtl (VCDM 2.0 §4.6)"
            return


def _names(document: Mapping[str, Any]) -> Iterator[str]:
    for name in ("name", "description"):
        if name in document:
            yield from _language_values(name, document[name])


def _issuer(document: Mapping[str, Any]) -> Iterator[str]:
    issuer = document.get("issuer")
    if not is_url(id_of(issuer)):
        yield "issuer must be a URL, or an object whose id is a URL (VCDM 2.0 §4.7)"
    elif isinstance(issuer, Mapping):
        for name in ("name", "description"):
            if name in issuer:
                yield from (f"issuer {p}" for p in _language_values(name, issuer[name]))


def _subject(document: Mapping[str, Any]) -> Iterator[str]:
    subjects = document.get("credentialSubject")
    if not isinstance(subjects, Mapping | list) or not subjects:
        yield "credentialSubject must be present (VCDM 2.0 §4.8)"
        return
    for subject in one_or_more(subjects):
        if not isinstance(subject, Mapping) or not subject:
            yield "each credentialSubject must be an object making a claim (VCDM 2.0 §4.8)"
            return
        if "id" in subject and not is_url(subject["id"]):
            yield "credentialSubject id must be a URL (VCDM 2.0 §4.8)"
            return


def _validity(document: Mapping[str, Any]) -> Iterator[str]:
    times: dict[str, datetime] = {}
    for name in ("validFrom", "validUntil"):
        if name not in document:
            continue
        value = document[name]
        if not (isinstance(value, str) and XSD_DATETIME_STAMP.match(value)):
            yield f"{name} must be an XML Schema dateTime with a time zone (VCDM 2.0 §4.9)"
            continue
        parsed = parse_time(value)
        if parsed is None:
            yield f"{name} {value!r} is not a real date and time (VCDM 2.0 §4.9)"
            continue
        times[name] = parsed
    if len(times) == 2 and times["validFrom"] > times["validUntil"]:
        yield "validFrom must not be later than validUntil (VCDM 2.0 §4.9)"


def _v1_context(document: Mapping[str, Any]) -> Iterator[str]:
    context = one_or_more(document.get("@context"))
    if not all(isinstance(item, Mapping) or is_url(item) for item in context[1:]):
        yield "each later @context item must be a URL or a context object (VCDM 1.1 §4.1)"


def _v1_dates(document: Mapping[str, Any]) -> Iterator[str]:
    if "issuanceDate" not in document:
        yield "issuanceDate must be present (VCDM 1.1 §4.6)"
    times: dict[str, datetime] = {}
    for name, section in (("issuanceDate", "§4.6"), ("expirationDate", "§4.8")):
        if name in document:
            if not is_stamp(document[name]):
                yield f"{name} must be an XML Schema dateTime with a time zone (VCDM 1.1 {section})"
                continue
            times[name] = parse_time(document[name])  # type: ignore[assignment]
    if len(times) == 2 and times["issuanceDate"] > times["expirationDate"]:
        yield "issuanceDate must not be later than expirationDate (VCDM 1.1 §4.8)"


def _typed_objects(name: str, section: str, *, id_required: bool = False) -> Rule:
    """A property whose values are objects that must each say their type (and maybe id)."""

    def rule(document: Mapping[str, Any]) -> Iterator[str]:
        if name not in document:
            return
        for item in one_or_more(document[name]):
            if not isinstance(item, Mapping):
                yield f"each {name} must be an object (VCDM 2.0 {section})"
                return
            if not _is_type(item.get("type")):
                yield (
                    f"each {name} must have a type: a term or URL, or a list of them "
                    f"(VCDM 2.0 {section})"
                )
                return
            if (id_required or "id" in item) and not is_url(item.get("id")):
                needs = "must have an id that is a URL" if id_required else "id must be a URL"
                yield f"each {name} {needs} (VCDM 2.0 {section})"
                return

    return rule


def _related_resources(document: Mapping[str, Any]) -> Iterator[str]:
    if "relatedResource" not in document:
        return
    seen: set[str] = set()
    for item in one_or_more(document["relatedResource"]):
        if not isinstance(item, Mapping) or not is_url(item.get("id")):
            yield "each relatedResource must be an object whose id is a URL (VCDM 2.0 §5.3)"
            return
        if not any(isinstance(item.get(d), str) for d in ("digestSRI", "digestMultibase")):
            yield "each relatedResource must have digestSRI or digestMultibase (VCDM 2.0 §5.3)"
            return
        if item["id"] in seen:
            yield f"relatedResource lists {item['id']} more than once (VCDM 2.0 §5.3)"
            return
        seen.add(item["id"])


def _proof_times(document: Mapping[str, Any]) -> Iterator[str]:
    for proof in one_or_more(document.get("proof")):
        if not isinstance(proof, Mapping):
            continue
        for name in ("created", "expires"):
            if name in proof and proof_time(proof[name]) is None:
                yield (
                    f"proof {name} must be an XML Schema dateTime, with a time zone (one "
                    "without is read as UTC) (Data Integrity §2.1)"
                )
                return


COMMON_RULES: tuple[Rule, ...] = (
    _id,
    _names,
    _typed_objects("proof", "§4.12"),
    _proof_times,
    _typed_objects("termsOfUse", "§5.5"),
    _typed_objects("evidence", "§5.6"),
    _related_resources,
)

CREDENTIAL_RULES: tuple[Rule, ...] = (
    _context,
    _types_of("VerifiableCredential"),
    _issuer,
    _subject,
    _validity,
    _typed_objects("credentialStatus", "§4.10"),
    _typed_objects("credentialSchema", "§4.11", id_required=True),
    _typed_objects("refreshService", "§5.4"),
    *COMMON_RULES,
)


# VCDM 1.1, as Open Badges 3.0 was first published and many wallets still issue: verified, never
# issued here. Its dates are `issuanceDate`/`expirationDate`; the rest is judged as in 2.0.
V1_CREDENTIAL_RULES: tuple[Rule, ...] = (
    _v1_context,
    _types_of("VerifiableCredential"),
    _issuer,
    _subject,
    _v1_dates,
    _typed_objects("credentialStatus", "§4.10"),
    _typed_objects("credentialSchema", "§4.11", id_required=True),
    _typed_objects("refreshService", "§5.4"),
    *COMMON_RULES,
)


def validity_dates(credential: Mapping[str, Any]) -> tuple[datetime | None, datetime | None]:
    """When the credential says it starts and stops being valid: `validFrom`/`validUntil`, or
    VCDM 1.1's `issuanceDate`/`expirationDate` (vc.js judges those the same way)."""
    if is_v1(credential):
        return parse_time(credential.get("issuanceDate")), parse_time(
            credential.get("expirationDate")
        )
    return parse_time(credential.get("validFrom")), parse_time(credential.get("validUntil"))


def is_v1(document: Any) -> bool:
    """Whether the document's first @context is VCDM 1.1's (`credentials/v1`)."""
    if not isinstance(document, Mapping):
        return False
    return one_or_more(document.get("@context"))[:1] == [VC_V1_CONTEXT]


def _holder(document: Mapping[str, Any]) -> Iterator[str]:
    if "holder" in document and not is_url(id_of(document["holder"])):
        yield "holder must be a URL, or an object whose id is a URL (VCDM 2.0 §4.13)"


PRESENTATION_RULES: tuple[Rule, ...] = (
    _context,
    _types_of("VerifiablePresentation"),
    _holder,
    *COMMON_RULES,
)
V1_PRESENTATION_RULES: tuple[Rule, ...] = (
    _v1_context,
    _types_of("VerifiablePresentation"),
    _holder,
    *COMMON_RULES,
)


def broken_rules(document: Any, rules: tuple[Rule, ...]) -> list[str]:
    """Every rule the document breaks, in the order of the specification's sections."""
    if not isinstance(document, Mapping):
        return ["it must be a JSON object (VCDM 2.0 §4)"]
    return [problem for rule in rules for problem in rule(document)]


def credential_problems(credential: Any, *, legacy: bool = False) -> list[str]:
    """The VCDM 2.0 rules a credential breaks; none when it is well formed. With `legacy`, a
    VCDM 1.1 credential is judged by the 1.1 rules instead (verifiers; issuers sign 2.0 only)."""
    if legacy and is_v1(credential):
        return broken_rules(credential, V1_CREDENTIAL_RULES)
    return broken_rules(credential, CREDENTIAL_RULES)


def presentation_problems(presentation: Any) -> list[str]:
    """The VCDM 2.0 (or 1.1) rules a presentation breaks (its credentials are judged alone)."""
    if is_v1(presentation):
        return broken_rules(presentation, V1_PRESENTATION_RULES)
    return broken_rules(presentation, PRESENTATION_RULES)


def json_ld_problems(document: Mapping[str, Any]) -> list[str]:
    """What stops a well-formed document being read as JSON-LD with the bundled contexts: a
    context that is not bundled (none is ever fetched), a term no context defines, a protected
    term redefined, an IRI that is not absolute. Issuers check this before signing in either
    cryptosuite; an `eddsa-rdfc-2022` proof cannot verify without it."""
    try:
        canonical_nquads(document)
    except UnknownContextError as exc:
        return [f"{exc} (VCDM 2.0 §4.3)"]
    except ProofError as exc:
        return [f"{exc} (VCDM 2.0 §4.3, §5.2)"]
    return []
