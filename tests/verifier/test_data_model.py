"""The VC Data Model 2.0's normative statements, each broken once, each named by its section.

The base documents are shaped as the specification's own examples (the university degree
credential of §4, the language value objects of §4.6, the presentation of §4.13), so a rule
that refused them would be refusing the standard.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from verifier.checks import well_formed
from verifier.data_model import credential_problems, presentation_problems
from verifier.presentation import well_formed as presentation_well_formed
from verifier.report import Outcome

V2 = "https://www.w3.org/ns/credentials/v2"
EXAMPLES = "https://www.w3.org/ns/credentials/examples/v2"


def example_credential() -> dict[str, Any]:
    """The university degree credential of the VCDM 2.0 §4 examples, unsigned."""
    return {
        "@context": [V2, EXAMPLES],
        "id": "http://university.example/credentials/3732",
        "type": ["VerifiableCredential", "ExampleDegreeCredential"],
        "issuer": "https://university.example/issuers/565049",
        "validFrom": "2010-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
            "degree": {"type": "ExampleBachelorDegree", "name": "Bachelor of Science and Arts"},
        },
    }


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        document[key] = value

    return change


def _drop(key: str) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        del document[key]

    return change


BROKEN = [
    ("no context", _drop("@context"), "§4.3"),
    ("context is a string", _set("@context", V2), "§4.3"),
    ("v2 context not first", _set("@context", [EXAMPLES, V2]), "§4.3"),
    ("a later context is a number", _set("@context", [V2, 7]), "§4.3"),
    ("id is not a URL", _set("id", "credential 3732"), "§4.4"),
    ("id is a list", _set("id", ["urn:uuid:1"]), "§4.4"),
    ("no type", _drop("type"), "§4.5"),
    ("type lacks VerifiableCredential", _set("type", ["ExampleDegreeCredential"]), "§4.5"),
    ("a type is not a string", _set("type", ["VerifiableCredential", 5]), "§4.5"),
    ("name is a number", _set("name", 12), "§4.6"),
    ("name without @value", _set("name", {"@language": "en"}), "§4.6"),
    ("bad @language", _set("name", {"@value": "Degree", "@language": "en english"}), "§4.6"),
    ("bad @direction", _set("description", {"@value": "x", "@direction": "up"}), "§4.6"),
    (
        "a value object with another key",
        _set("name", {"@value": "Example", "@language": "en", "url": "did:example:credential"}),
        "§4.6",
    ),
    (
        "issuer description with another key",
        _set("issuer", {"id": "did:example:1", "description": {"@value": "x", "url": "y"}}),
        "§4.6",
    ),
    ("no issuer", _drop("issuer"), "§4.7"),
    ("issuer is not a URL", _set("issuer", "University of Example"), "§4.7"),
    ("issuer with a newline after it", _set("issuer", "did:example:76e1\n"), "§4.7"),
    ("issuer object without id", _set("issuer", {"name": "Example University"}), "§4.7"),
    ("issuer name not a string", _set("issuer", {"id": "did:example:1", "name": 3}), "§4.6"),
    ("no credentialSubject", _drop("credentialSubject"), "§4.8"),
    ("empty credentialSubject", _set("credentialSubject", {}), "§4.8"),
    ("a subject is a string", _set("credentialSubject", ["did:example:1"]), "§4.8"),
    ("subject id is not a URL", _set("credentialSubject", {"id": "Pat", "a": 1}), "§4.8"),
    ("validFrom without time zone", _set("validFrom", "2010-01-01T00:00:00"), "§4.9"),
    ("validFrom as a date", _set("validFrom", "2010-01-01"), "§4.9"),
    ("validFrom with a newline after it", _set("validFrom", "2010-01-01T00:00:00Z\n"), "§4.9"),
    ("@language and a newline", _set("name", {"@value": "x", "@language": "en\n"}), "§4.6"),
    ("validUntil impossible", _set("validUntil", "2010-02-30T00:00:00Z"), "§4.9"),
    ("validFrom after validUntil", _set("validUntil", "2009-12-31T23:59:59Z"), "§4.9"),
    ("status without type", _set("credentialStatus", {"id": "https://x.example/1"}), "§4.10"),
    ("status id not a URL", _set("credentialStatus", {"id": "1", "type": "T"}), "§4.10"),
    ("status type a number", _set("credentialStatus", {"id": "urn:s:1", "type": 2}), "§4.10"),
    (
        "status with two ids",
        _set("credentialStatus", {"id": ["urn:a", "urn:b"], "type": "T"}),
        "§4.10",
    ),
    ("an empty termsOfUse", _set("termsOfUse", {}), "§5.5"),
    ("subject with two ids", _set("credentialSubject", {"id": ["did:ex:1", "did:ex:2"]}), "§4.8"),
    (
        "an empty subject beside another",
        _set("credentialSubject", [{"id": "did:ex:1"}, {}]),
        "§4.8",
    ),
    ("schema without id", _set("credentialSchema", {"type": "JsonSchema"}), "§4.11"),
    ("schema without type", _set("credentialSchema", [{"id": "https://s.example/1"}]), "§4.11"),
    ("proof without type", _set("proof", {"cryptosuite": "eddsa-rdfc-2022"}), "§4.12"),
    ("refreshService without type", _set("refreshService", {"id": "https://r.ex"}), "§5.4"),
    ("termsOfUse without type", _set("termsOfUse", [{"id": "https://t.example"}]), "§5.5"),
    ("evidence without type", _set("evidence", [{"id": "https://e.example/1"}]), "§5.6"),
    ("evidence is a string", _set("evidence", "https://e.example/1"), "§5.6"),
    (
        "relatedResource without digest",
        _set("relatedResource", [{"id": "https://www.w3.org/ns/credentials/v2"}]),
        "§5.3",
    ),
    (
        "relatedResource listed twice",
        _set(
            "relatedResource",
            [{"id": "https://a.example/x", "digestSRI": "sha384-abc"}] * 2,
        ),
        "§5.3",
    ),
]


@pytest.mark.parametrize(("change", "section"), [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_each_broken_rule_fails_well_formed_naming_its_section(change, section):
    """The verifier (and the issuer, which runs the same check) says which rule is broken."""
    credential = example_credential()
    change(credential)
    shape = well_formed(credential)
    assert shape.outcome is Outcome.FAILED
    assert shape.problem == "malformed"
    assert f"(VCDM 2.0 {section})" in shape.reason


ACCEPTED = [
    ("the example as published", lambda c: None),
    (
        "language value objects (§4.6)",
        _set(
            "name",
            [
                {"@value": "Example University", "@language": "en"},
                {"@value": "Université Exemple", "@language": "fr-CA"},
                {"@value": "جامعة المثال", "@language": "ar-EG", "@direction": "rtl"},
            ],
        ),
    ),
    ("issuer as an object", _set("issuer", {"id": "did:example:76e1", "name": "Example U"})),
    (
        "several subjects",
        _set("credentialSubject", [{"id": "did:example:1", "a": 1}, {"b": 2}]),
    ),
    ("an inline context", _set("@context", [V2, {"@vocab": "https://extension.example/#"}])),
    ("an offset time zone", _set("validUntil", "2030-01-01T00:00:00+01:00")),
    ("milliseconds", _set("validFrom", "2009-02-26T01:02:58.447Z")),
    ("a subject that is only an id", _set("credentialSubject", {"id": "did:example:1"})),
    ("a type given as a URL", _set("type", ["VerifiableCredential", "https://ex.example/#T"])),
    ("a status of another kind", _set("credentialStatus", {"type": "CredentialStatusList2017"})),
    ("evidence as a list", _set("evidence", [{"type": "DocumentVerification2018"}])),
    (
        "digests on a related resource",
        _set("relatedResource", [{"id": "https://a.example/x", "digestMultibase": "uEi"}]),
    ),
    ("a status entry", _set("credentialStatus", {"type": "BitstringStatusListEntry"})),
    (
        "a schema",
        _set("credentialSchema", {"id": "https://s.example/1", "type": "JsonSchema"}),
    ),
]


@pytest.mark.parametrize("change", [a[1] for a in ACCEPTED], ids=[a[0] for a in ACCEPTED])
def test_the_forms_the_specification_allows_are_well_formed(change):
    credential = example_credential()
    change(credential)
    assert credential_problems(credential) == []
    assert well_formed(credential).outcome is Outcome.PASSED


def test_every_broken_rule_is_reported_not_only_the_first():
    """An issuer fixing a credential sees all that is wrong at once."""
    credential = example_credential()
    credential["validFrom"] = "yesterday"
    del credential["issuer"]
    problems = credential_problems(credential)
    assert [p[p.index("(") :] for p in problems] == ["(VCDM 2.0 §4.7)", "(VCDM 2.0 §4.9)"]


def test_something_that_is_not_an_object_is_not_a_credential():
    assert "JSON object" in well_formed(["VerifiableCredential"]).reason


def example_presentation() -> dict[str, Any]:
    """A presentation as in VCDM 2.0 §4.13, holding the example credential."""
    return {
        "@context": [V2, EXAMPLES],
        "id": "urn:uuid:3978344f-8596-4c3a-a978-8fcaba3903c5",
        "type": ["VerifiablePresentation", "ExamplePresentation"],
        "holder": "did:example:ebfeb1f712ebc6f1c276e12ec21",
        "verifiableCredential": [example_credential()],
    }


@pytest.mark.parametrize(
    ("change", "section"),
    [
        (_set("@context", [EXAMPLES]), "§4.3"),
        (_set("type", ["VerifiableCredential"]), "§4.5"),
        (_set("holder", {"name": "Pat"}), "§4.13"),
        (_set("id", "presentation one"), "§4.4"),
        (_set("verifiableCredential", ["a credential"]), "§4.13"),
        (_set("termsOfUse", {"id": "https://t.example"}), "§5.5"),
    ],
)
def test_a_presentation_breaking_a_rule_is_malformed(change, section):
    presentation = example_presentation()
    assert presentation_problems(presentation) == []
    change(presentation)
    shape = presentation_well_formed(presentation)
    assert shape.outcome is Outcome.FAILED
    assert f"(VCDM 2.0 {section})" in shape.reason


def test_the_rules_do_not_change_the_document():
    credential = example_credential()
    before = copy.deepcopy(credential)
    credential_problems(credential)
    assert credential == before
