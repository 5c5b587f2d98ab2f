"""Registry copies that travel in passport files: a newer one signed by a pinned key is used and
kept; an older one (rollback) and one signed by an unpinned key are ignored."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from keys import SigningKey, did_key, did_key_verification_method
from tests.registries import entity, registry_document
from tests.security.employer import passport_cli
from verifier.eddsa_jcs_2022 import create_proof

V2 = "https://www.w3.org/ns/credentials/v2"


def _credential(key: SigningKey, name: str) -> dict[str, Any]:
    """A credential from the did:key issuer `key`, named `name`."""
    unsigned = {
        "@context": [V2],
        "id": "urn:uuid:00000000-0000-4000-8000-0000000000c1",
        "type": ["VerifiableCredential"],
        "issuer": {"id": did_key(key.public_key), "name": name},
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "urn:example:learner", "name": "Basic Life Support"},
    }
    at = datetime(2026, 1, 2, tzinfo=UTC)
    return create_proof(unsigned, key, did_key_verification_method(key.public_key), at)


def _passport(credential: dict[str, Any], registry: dict[str, Any] | None) -> dict[str, Any]:
    extension = {"registry": registry} if registry is not None else {}
    return {
        "@context": [V2],
        "type": ["VerifiablePresentation", "StaffPassport"],
        "verifiableCredential": [credential],
        "staffPassport": extension,
    }


def _pin(desk: Path, document: dict[str, Any], key: SigningKey) -> None:
    (desk / "registry.json").write_text(json.dumps(document))
    added = passport_cli(
        desk, "trust", "add", "registry.json", "--fingerprint", key.public_key.multibase
    )
    assert added.returncode == 0, added.stderr
    (desk / "registry.json").unlink()


def _save(desk: Path, name: str, content: dict[str, Any]) -> str:
    (desk / name).write_text(json.dumps(content))
    return name


def _pinned_version(desk: Path) -> str:
    return passport_cli(desk, "trust", "list").stdout


def test_a_newer_copy_signed_by_the_pinned_key_is_used_and_kept(tmp_path):
    """Version 1 is pinned; a passport carries version 2, which recognises a new academy: its
    credential verifies, the line says so, and a later file without the copy still verifies."""
    registry_key, old_academy, new_academy = (SigningKey.generate() for _ in range(3))
    first = [entity(did_key(old_academy.public_key), "Old Academy")]
    second = [*first, entity(did_key(new_academy.public_key), "New Academy")]
    _pin(tmp_path, registry_document(registry_key, first, version=1), registry_key)
    credential = _credential(new_academy, "New Academy")
    carried = registry_document(registry_key, second, version=2)
    with_copy = passport_cli(
        tmp_path, "verify", _save(tmp_path, "with.json", _passport(credential, carried))
    )
    assert with_copy.returncode == 0, with_copy.stdout + with_copy.stderr
    assert "version 2 carried in the file" in with_copy.stderr
    assert "kept in the trust store" in with_copy.stderr
    assert "version 2" in _pinned_version(tmp_path)
    bare = passport_cli(
        tmp_path, "verify", _save(tmp_path, "bare.json", _passport(credential, None))
    )
    assert bare.returncode == 0, bare.stdout + bare.stderr


def test_an_older_copy_is_ignored_as_a_rollback(tmp_path):
    """Version 2 (which dropped an academy) is pinned; a file carries version 1, which still
    recognised it: ignored as a rollback, the academy stays unrecognised, version 2 stays."""
    registry_key, dropped = SigningKey.generate(), SigningKey.generate()
    _pin(tmp_path, registry_document(registry_key, [], version=2), registry_key)
    old = registry_document(registry_key, [entity(did_key(dropped.public_key), "Dropped")])
    credential = _credential(dropped, "Dropped")
    result = passport_cli(
        tmp_path,
        "verify",
        _save(tmp_path, "old.json", _passport(credential, old)),
        "--json",
    )
    assert result.returncode == 1
    assert "version 1 is older than version 2 already pinned (rollback)" in result.stderr
    checks = {c["id"]: c for c in json.loads(result.stdout)["credentials"][0]["checks"]}
    assert checks["issuer"]["problem"] == "issuer_not_recognised"
    assert "version 2" in _pinned_version(tmp_path)


def test_a_copy_signed_by_an_unpinned_key_is_ignored_with_a_warning(tmp_path):
    """An attacker's own registry, recognising their did:key as "NHS Digital Academy", rides in
    the file: a warning line, nothing kept, and the issuer is not recognised."""
    registry_key, attacker = SigningKey.generate(), SigningKey.generate()
    _pin(tmp_path, registry_document(registry_key, [], version=1), registry_key)
    forged = registry_document(
        attacker,
        [entity(did_key(attacker.public_key), "NHS Digital Academy")],
        version=99,
    )
    credential = _credential(attacker, "NHS Digital Academy")
    result = passport_cli(
        tmp_path,
        "verify",
        _save(tmp_path, "forged.json", _passport(credential, forged)),
        "--json",
    )
    assert result.returncode == 1
    assert result.stderr.startswith("warning: ignoring the registry copy in the file")
    assert "not a pinned registry key" in result.stderr
    checks = {c["id"]: c for c in json.loads(result.stdout)["credentials"][0]["checks"]}
    assert checks["issuer"]["problem"] == "issuer_not_recognised"
    listed = _pinned_version(tmp_path)
    assert "version 1" in listed
    assert attacker.public_key.multibase not in listed
