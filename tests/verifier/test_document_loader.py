"""The document loader serves the bundled, pinned contexts byte for byte and nothing else."""

from __future__ import annotations

import hashlib
import json
from importlib import resources

import pytest

from verifier.document_loader import document_loader, load_context, pinned_contexts
from verifier.errors import UnknownContextError, VerifierError

OB_V3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


def _bundled(file: str) -> bytes:
    return resources.files("verifier.contexts").joinpath(file).read_bytes()


def test_every_bundled_context_has_its_pinned_sha256():
    """Each file index.json lists is bundled and hashes to the SHA-256 pinned beside it."""
    index = json.loads(_bundled("index.json"))
    assert len(index) == len(pinned_contexts()) >= 20
    for entry in index:
        assert hashlib.sha256(_bundled(entry["file"])).hexdigest() == entry["sha256"], entry["file"]


def test_the_contexts_our_credentials_use_are_bundled():
    """VCDM 2.0, Data Integrity, Multikey and Open Badges 3.0.3 load with no network."""
    for url in (
        "https://www.w3.org/ns/credentials/v2",
        "https://w3id.org/security/data-integrity/v2",
        "https://w3id.org/security/multikey/v1",
        OB_V3_CONTEXT,
    ):
        assert "@context" in load_context(url)


def test_a_loaded_context_is_a_copy_callers_cannot_spoil():
    """Changing what the loader returned leaves the next load untouched."""
    first = load_context(OB_V3_CONTEXT)
    first["@context"]["OpenBadgeCredential"] = "https://evil.example/"
    assert load_context(OB_V3_CONTEXT)["@context"]["OpenBadgeCredential"] != (
        "https://evil.example/"
    )


def test_pyld_gets_a_remote_document_it_may_cache():
    """The pyld-shaped answer names the URL and carries the parsed context, tagged static."""
    remote = document_loader("https://www.w3.org/ns/credentials/v2", {"headers": {}})
    assert remote["documentUrl"] == "https://www.w3.org/ns/credentials/v2"
    assert remote["tag"] == "static"
    assert remote["document"] == load_context("https://www.w3.org/ns/credentials/v2")


@pytest.mark.parametrize(
    "url",
    [
        "https://w3id.org/citizenship/v4rc1",
        "https://www.w3.org/ns/credentials/v2/",
        "http://www.w3.org/ns/credentials/v2",
        "file:///etc/passwd",
        "",
    ],
)
def test_any_other_url_is_refused_clearly(url):
    """A URL outside the index, even one character away from a pinned one, is refused by name."""
    with pytest.raises(UnknownContextError, match="not one of the bundled contexts") as caught:
        document_loader(url)
    assert isinstance(caught.value, VerifierError)
    assert caught.value.url == url
    assert "fetches" in caught.value.diagnostics()
