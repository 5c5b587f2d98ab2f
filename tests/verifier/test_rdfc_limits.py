"""The RDFC-1.0 work limit: refuses what Digital Bazaar's rdf-canonize refuses by default, and
leaves what it accepts, and its canonical form, as they were."""

from __future__ import annotations

import pyoxigraph
import pytest

from tests.badges import open_badge
from verifier.eddsa_rdfc_2022 import canonical_nquads
from verifier.errors import CanonicalisationLimitError, ProofError
from verifier.nquads_templates import oxigraph_nquads
from verifier.rdfc_limits import MAX_BLANK_NODES, bound_canonicalisation

P = "<https://example.com/p>"
S = "<https://example.com/s>"


def _quads(text: str) -> list[pyoxigraph.Quad]:
    return list(pyoxigraph.parse(text, format=pyoxigraph.RdfFormat.N_QUADS))


def _clique(n: int) -> str:
    return "".join(f"_:n{i} {P} _:n{j} .\n" for i in range(n) for j in range(n) if i != j)


def _ring(n: int) -> str:
    return "".join(f"{S} {P} _:r{i} .\n_:r{i} {P} _:r{(i + 1) % n} .\n" for i in range(n))


def _chains(length: int) -> str:
    return "".join(
        f"{S} {P} _:c{k}x0 .\n"
        + "".join(f"_:c{k}x{i} {P} _:c{k}x{i + 1} .\n" for i in range(length))
        for k in range(2)
    )


def _leaves(count: int, depth: int) -> str:
    """`count` identical chains of `depth` blank nodes hanging from one IRI, ending in a literal."""
    lines = []
    for k in range(count):
        lines.append(f"{S} {P} _:l{k}x0 .\n")
        lines += [f"_:l{k}x{i} {P} _:l{k}x{i + 1} .\n" for i in range(depth)]
        lines.append(f'_:l{k}x{depth} {P} "same" .\n')
    return "".join(lines)


# rdf-canonize 5.0.0 (default maxWorkFactor 1) refuses each of these with "Maximum deep
# iterations exceeded"; we ran it on these N-Quads.
@pytest.mark.parametrize(
    "text",
    [
        _clique(2),
        _clique(3),
        _clique(10),
        _ring(2),
        _ring(3),
        _ring(6),
        _chains(3),
        _chains(200),
        _leaves(3, 3),
    ],
    ids=[
        "clique2",
        "clique3",
        "clique10",
        "ring2",
        "ring3",
        "ring6",
        "chains3",
        "chains200",
        "l3x3",
    ],
)
def test_graphs_rdf_canonize_refuses_are_refused(text):
    """Blank nodes told apart only by deep path hashing are refused before pyoxigraph runs."""
    with pytest.raises(CanonicalisationLimitError, match="cannot be told apart"):
        bound_canonicalisation(_quads(text))
    with pytest.raises(ProofError, match="cannot be told apart"):
        oxigraph_nquads_of(text)


def oxigraph_nquads_of(text: str) -> str:
    """Our canonical N-Quads of an N-Quads text (through JSON-LD-free pyoxigraph parsing)."""
    dataset = pyoxigraph.Dataset(_quads(text))
    expanded = pyoxigraph.serialize(dataset, format=pyoxigraph.RdfFormat.JSON_LD)
    assert isinstance(expanded, bytes)
    return oxigraph_nquads(expanded.decode("utf-8"))


# rdf-canonize 5.0.0 canonicalises each of these with its default limit.
@pytest.mark.parametrize(
    ("count", "depth"),
    [(2, 0), (40, 0), (2, 1), (5, 1), (2, 2), (20, 2)],
    ids=["2x0", "40x0", "2x1", "5x1", "2x2", "20x2"],
)
def test_identical_leaves_rdf_canonize_accepts_canonicalise_as_before(count, depth):
    """Repeated identical objects (equal first-degree hashes, no cycles) still canonicalise, to
    what pyoxigraph alone gives."""
    text = _leaves(count, depth)
    bound_canonicalisation(_quads(text))
    dataset = pyoxigraph.Dataset(_quads(text))
    dataset.canonicalize(pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0)
    alone = pyoxigraph.serialize(dataset, format=pyoxigraph.RdfFormat.N_QUADS)
    assert isinstance(alone, bytes)
    ours = oxigraph_nquads_of(text)
    assert ours == "".join(sorted(line + "\n" for line in alone.decode().split("\n") if line))
    assert ours.count("_:c14n") >= count * (depth + 1)


def test_repeated_quads_do_not_disguise_a_clique():
    """A clique whose nodes repeat some of their quads a different number of times each (the
    dataset holds each quad once, so they are still alike) is refused all the same."""
    nodes = 8
    repeats = "".join(f"_:n{i} {P} _:n{(i + 1) % nodes} .\n" * i for i in range(nodes))
    with pytest.raises(CanonicalisationLimitError):
        bound_canonicalisation(_quads(_clique(nodes) + repeats))


def test_more_blank_nodes_than_any_credential_needs_are_refused():
    """A dataset with more blank nodes than the limit is refused, saying how many it has."""
    text = "".join(f'{S} {P} _:u{i} .\n_:u{i} {P} "{i}" .\n' for i in range(MAX_BLANK_NODES + 1))
    with pytest.raises(CanonicalisationLimitError, match=f"{MAX_BLANK_NODES + 1} blank nodes"):
        bound_canonicalisation(_quads(text))


def test_a_presentation_of_many_alike_credentials_is_within_the_limit():
    """A hundred badges that differ only in their ids, in one presentation (their inner blank nodes
    alike, each related to its graph through several quads), canonicalise: rdf-canonize
    accepts this dataset too."""
    badge = open_badge("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK")
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [
            {**badge, "id": f"urn:uuid:{n:08d}-0000-4000-8000-000000000000"} for n in range(100)
        ],
    }
    assert canonical_nquads(presentation).count("\n") > 100 * 20
