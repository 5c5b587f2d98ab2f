"""Canonical N-Quads templates give exactly what pyoxigraph gives on pyld's expansion.

The oracle is the path without templates: pyld expands the document itself and pyoxigraph
canonicalises the expansion. `canonical_nquads` must return the same text, or raise the same
error, whatever values are put into the places a template leaves open.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from keys import SigningKey, did_key
from tests.badges import open_badge
from tests.verifier.conftest import VECTORS, json_paths, replace_at
from verifier import eddsa_rdfc_2022
from verifier.eddsa_rdfc_2022 import canonical_nquads
from verifier.nquads_templates import QuadTemplate, oxigraph_nquads


def _open_badge() -> dict[str, Any]:
    """An unsigned OpenBadgeCredential as `issuers/` builds it, issued by the vectors' key."""
    key_pair = json.loads((VECTORS / "keyPair.json").read_text())
    key = SigningKey.from_private_multibase(key_pair["privateKeyMultibase"])
    return open_badge(did_key(key.public_key))


# Seven blank nodes, two of them (the evidence) alike but for their values, and one (the
# subject) with two values of one property: the same value twice makes two of its quads one.
_BLANK_NODES: dict[str, Any] = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://www.w3.org/ns/credentials/examples/v2",
    ],
    "type": ["VerifiableCredential"],
    "issuer": {"id": "did:example:issuer", "name": "Issuer"},
    "validFrom": "2023-01-01T00:00:00Z",
    "credentialSubject": {
        "name": ["Subject", "Alumna"],
        "alumniOf": {"name": "School", "location": {"name": "Town"}},
    },
    "evidence": [
        {"name": "first", "description": "one"},
        {"name": "second", "description": "two"},
    ],
    "termsOfUse": {"type": "ExampleTerms", "name": "terms"},
}

SHAPES: dict[str, dict[str, Any]] = {
    "vector": json.loads((VECTORS / "unsigned.json").read_text()),
    "vector proof configuration": json.loads(
        (VECTORS / "eddsa-rdfc-2022" / "proofConfigDataInt.json").read_text()
    ),
    "open badge": _open_badge(),
    "blank nodes": _BLANK_NODES,
}


def _slots(document: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The places of the document's strings that a template may leave open: not its contexts
    or types, which shape the expansion."""
    return [
        path
        for path in json_paths(document)[1:]
        if isinstance(_at(document, path), str)
        and not {"@context", "type", "@type"}.intersection(step for step in path)
    ]


def _at(document: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        document = document[step]
    return document


def _outcome(canonicalise: Any, document: dict[str, Any]) -> tuple[str, str]:
    try:
        return "N-Quads", canonicalise(copy.deepcopy(document))
    except Exception as exc:  # the error is part of the outcome: its type and its message
        return type(exc).__name__, str(exc)


def _oracle(document: dict[str, Any]) -> str:
    """pyoxigraph on pyld's own expansion: no expansion template, no N-Quads template."""
    return oxigraph_nquads(eddsa_rdfc_2022._pyld_expanded_json(document))


def _quad_template(document: dict[str, Any]) -> tuple[QuadTemplate, list[str]] | None:
    """The cached N-Quads template of the document's shape and its values, when there is one."""
    templated = eddsa_rdfc_2022._templated(document)
    if templated is None:
        return None
    template, values = templated
    quads = template._quads
    return (quads, values) if isinstance(quads, QuadTemplate) else None


def _assert_as_oracle(document: dict[str, Any]) -> None:
    assert _outcome(canonical_nquads, document) == _outcome(_oracle, document)


# Characters that N-Quads escapes, or that pyoxigraph or the templates treat apart.
_AWKWARD = list('"\\\n\r\t\b\f\x00\x01\x0b\x1f\x7f\ufffe\uffff\u2028\ud800\udfff\ue000')
_AWKWARD += list(" <>{}|^`%:/#?@_[]é日😀")
_characters = st.one_of(st.sampled_from(_AWKWARD), st.characters())  # surrogates included
_IRI_STARTS = [
    "urn:",
    "urn:uuid:",
    "did:key:",
    "did:example:",
    "https://",
    "http://",
    "HTTP://",
    "mailto:",
    "tag:",
    "xsd:",
    "_:",
    "a:",
]
_STRINGS = [
    "",
    "@id",
    "@type",
    "name",
    "identifier",
    "VerifiableCredential",
    "relative/iri",
    "#fragment",
    "_:b0",
    "xsd:string",
    "true",
    "3",
    "2026-03-01T00:00:00Z",
    "https://academy.example",
    "https://a.example/p?q=1#f",
    "http://[::1]/",
    "http://[bad/",
    "http://a:b:c/",
    "urn:a b",
    "urn:a%41",
    "urn:a%zz",
    "urn:é",
    "http://例え.jp/",
    "urn:a\n",
    "urn:\ue000",
    "\ue0000\ue000",
    "urn:uuid:6f1c2a9e-2f1b-4c1e-9d55-3b0f2c7a0001",
    "x" * 300,
]
# Printable ASCII that IRIs are made of: with a scheme in front, an IRI or (a `%` not followed
# by two hex digits, a `[` in a path, a second `#`) not one, to pyoxigraph.
_IRI_CHARACTERS = "aZ09-._~%:/?#[]@!$&'()*+,;="
values = st.one_of(
    st.text(_characters, max_size=12),
    st.builds(str.__add__, st.sampled_from(_IRI_STARTS), st.text(_characters, max_size=10)),
    st.builds(
        str.__add__,
        st.sampled_from(_IRI_STARTS),
        st.text(st.sampled_from(_IRI_CHARACTERS), max_size=10),
    ),
    st.sampled_from(_STRINGS),
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
@pytest.mark.parametrize("shape", list(SHAPES))
def test_any_values_in_a_credential_canonicalise_as_pyoxigraph_on_pyld(shape, data):
    """Values put into the open places of a real credential, some the same value twice (which
    can make two quads one, or two blank nodes alike): the oracle's N-Quads, or its error."""
    document = copy.deepcopy(SHAPES[shape])
    slots = _slots(document)
    originals = [_at(document, path) for path in slots]
    # A few new values, each possibly put in several places, and the document's own values
    # moved to other places.
    fresh = data.draw(st.lists(values, min_size=1, max_size=3), label="values")
    changes = data.draw(
        st.lists(
            st.tuples(st.sampled_from(slots), st.sampled_from(fresh + originals)),
            min_size=1,
            max_size=6,
        ),
        label="changes",
    )
    for path, value in changes:
        replace_at(document, path, value)
    expected = _outcome(_oracle, document)
    assert _outcome(canonical_nquads, document) == expected
    if expected[0] == "N-Quads":
        quads = _quad_template(document)
        taken = quads is not None and quads[0].canonical_nquads(quads[1]) is not None
        event("N-Quads template" if taken else "pyoxigraph")
    else:
        event("an error")


@pytest.mark.parametrize("shape", list(SHAPES))
def test_the_credentials_as_they_are_take_the_template_path(shape):
    """The fast path is taken for each shape itself, so the tests above are not only testing
    the fallback: the cache holds a built N-Quads template, and it gives the oracle's text."""
    document = SHAPES[shape]
    expected = _oracle(document)
    assert canonical_nquads(document) == expected
    quads = _quad_template(document)
    assert quads is not None
    quad_template, values = quads
    assert quad_template.canonical_nquads(values) == expected
    if shape in ("open badge", "blank nodes"):
        assert quad_template.blanks >= 3  # blank nodes labelled by first-degree hashes


def _badge_with_two_quads_made_one() -> dict[str, Any]:
    """The issuer and the achievement one node with one name: two quads the same."""
    document = copy.deepcopy(SHAPES["open badge"])
    achievement = document["credentialSubject"]["achievement"]
    document["issuer"]["id"] = achievement["id"]
    document["issuer"]["name"] = achievement["name"]
    return document


def _evidence_alike() -> dict[str, Any]:
    """Two blank nodes with the same first-degree hash: only N-degree hashes tell them apart."""
    document = copy.deepcopy(_BLANK_NODES)
    document["evidence"] = [{"name": "same", "description": "same"} for _ in range(2)]
    return document


def _subject_named_twice_alike() -> dict[str, Any]:
    """Two quads of a blank node made one: RDFC-1.0 hashes the node's quads once each."""
    document = copy.deepcopy(_BLANK_NODES)
    document["credentialSubject"]["name"] = ["Subject", "Subject"]
    return document


def _evidence_swapped() -> dict[str, Any]:
    document = copy.deepcopy(_BLANK_NODES)
    document["evidence"] = [document["evidence"][1], document["evidence"][0]]
    return document


@pytest.mark.parametrize(
    "build",
    [
        _badge_with_two_quads_made_one,
        _evidence_alike,
        _subject_named_twice_alike,
        _evidence_swapped,
    ],
)
def test_repeated_values_canonicalise_as_pyoxigraph_on_pyld(build):
    """Values that merge quads or make blank nodes alike: the fallback, or the template, agrees."""
    _assert_as_oracle(build())


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("id",), "urn:a b"),  # not an IRI to pyoxigraph: its parser drops the node
        (("id",), "urn:é"),  # not plain ASCII
        (("name",), "lone \ud800 surrogate"),
        (("name",), 'every "escape" \\ \n\r\t\b\f\x00\x7f\ufffe\uffff\u2028'),
        (("issuer", "url"), "not a URL at all"),
        (("id",), "relative/iri"),
    ],
)
def test_awkward_values_in_a_badge_canonicalise_as_pyoxigraph_on_pyld(path, value):
    document = copy.deepcopy(SHAPES["open badge"])
    canonical_nquads(document)  # the badge's templates, built
    replace_at(document, path, value)
    _assert_as_oracle(document)
