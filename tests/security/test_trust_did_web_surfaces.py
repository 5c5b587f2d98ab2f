"""did:web on each surface: `passport verify` offline and `--online`, and the server's VC API,
against a recognised issuer's real HTTPS host."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from keys import SigningKey
from passport import registry
from passport.services import Services
from passport.settings import Settings
from tests.api_client import Api
from tests.registries import entity, registry_document
from tests.security.did_web_host import Host, https_host
from tests.security.employer import passport_cli
from tests.security.test_trust_did_web import DOCUMENT_PATH, PATH, credential, did_document, publish

V2 = "https://www.w3.org/ns/credentials/v2"


@pytest.fixture
def host(tmp_path: Path) -> Iterator[Host]:
    """The academy's own web host: HTTPS on loopback, its CA in a file."""
    directory = tmp_path / "host"
    directory.mkdir()
    with https_host(directory) as served:
        yield served


def _checks(output: str) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in json.loads(output)["credentials"][0]["checks"]}


def test_the_cli_fetches_a_recognised_issuers_document_only_online(host, tmp_path):
    """Offline nothing is fetched and the pinned registry decides; `--online` reads the
    academy's DID document (CA from PASSPORT_FETCH_CA_FILE): agreeing keys verify (exit 0), a
    key only the document lists is `key_not_listed` (exit 1)."""
    key_1, key_2, registry_key = SigningKey.generate(), SigningKey.generate(), SigningKey.generate()
    did = host.did(*PATH)
    pinned = registry_document(
        registry_key, [entity(did, "Faraway Academy", [(f"{did}#key-1", key_1.public_key)])]
    )
    (tmp_path / "registry.json").write_text(json.dumps(pinned))
    fingerprint = registry_key.public_key.multibase
    added = passport_cli(tmp_path, "trust", "add", "registry.json", "--fingerprint", fingerprint)
    assert added.returncode == 0, added.stderr
    publish(host, did_document(did, [("key-1", key_1), ("key-2", key_2)]))
    (tmp_path / "genuine.json").write_text(json.dumps(credential(did, key_1, f"{did}#key-1")))
    (tmp_path / "forged.json").write_text(json.dumps(credential(did, key_2, f"{did}#key-2")))

    offline = passport_cli(tmp_path, "verify", "genuine.json", "--json", ca_file=host.ca_file)
    assert offline.returncode == 0, offline.stdout + offline.stderr
    assert "did_document" not in _checks(offline.stdout)
    assert host.requests == []

    online = passport_cli(
        tmp_path, "verify", "genuine.json", "--online", "--json", ca_file=host.ca_file
    )
    assert online.returncode == 0, online.stdout + online.stderr
    assert _checks(online.stdout)["did_document"]["outcome"] == "passed"
    assert host.requests == [DOCUMENT_PATH]

    forged = passport_cli(tmp_path, "verify", "forged.json", "--online", ca_file=host.ca_file)
    assert forged.returncode == 1
    assert "NOT VALID" in forged.stdout
    assert "no registry this verifier trusts" in forged.stdout


def test_the_cli_online_says_it_cannot_check_when_the_host_is_unreachable(host, tmp_path):
    """The academy's host answers 503: "cannot check online", and the pinned registry decides
    (exit 0)."""
    key_1, registry_key = SigningKey.generate(), SigningKey.generate()
    did = host.did(*PATH)
    pinned = registry_document(
        registry_key, [entity(did, "Faraway Academy", [(f"{did}#key-1", key_1.public_key)])]
    )
    (tmp_path / "registry.json").write_text(json.dumps(pinned))
    passport_cli(
        tmp_path,
        "trust",
        "add",
        "registry.json",
        "--fingerprint",
        registry_key.public_key.multibase,
    )
    host.answers[DOCUMENT_PATH] = (503, {}, b"down")
    (tmp_path / "genuine.json").write_text(json.dumps(credential(did, key_1, f"{did}#key-1")))
    online = passport_cli(tmp_path, "verify", "genuine.json", "--online", ca_file=host.ca_file)
    assert online.returncode == 0, online.stdout + online.stderr
    assert "cannot check online: " in online.stdout
    assert "HTTP 503" in online.stdout


@pytest.fixture
def settings(settings: Settings, host: Host) -> Settings:
    """The server trusts the academy's host's certificate authority for fetches."""
    return settings.model_copy(update={"fetch_ca_file": host.ca_file})


@pytest.fixture
def keys() -> tuple[SigningKey, SigningKey]:
    return SigningKey.generate(), SigningKey.generate()


@pytest.fixture
def recognised(settings: Settings, host: Host, keys: tuple[SigningKey, SigningKey]) -> str:
    """The operator recognises the faraway academy, with key-1, for anything, since 2020."""
    did = host.did(*PATH)
    services = Services.open(settings)
    try:
        since = "2020-01-01T00:00:00Z"
        method = {
            "id": f"{did}#key-1",
            "publicKeyMultibase": keys[0].public_key.multibase,
            "validFrom": since,
        }
        registry.recognise(
            services,
            did,
            "Faraway Academy",
            url=host.url("/"),
            role="issuer",
            at=since,
            keys=[method],
            accredited_by=[],
        )
        registry.align(services, did, achievement_type=None, subject=None, start=since, until=None)
        registry.published_registry(services, datetime.now(UTC))
    finally:
        services.close()
    return did


def _results(response: Any) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in response.json()["results"]}


def test_the_vc_api_checks_a_recognised_issuers_document(api: Api, host, recognised, keys):
    """/credentials/verify fetches the recognised academy's DID document: agreeing keys give
    200 with the check passed; a key only the document lists is 400 `key_not_listed`; a held
    credential in /presentations/verify is judged the same way."""
    key_1, key_2 = keys
    did = recognised
    publish(host, did_document(did, [("key-1", key_1), ("key-2", key_2)]))
    genuine = api.http.post(
        "/credentials/verify",
        json={"verifiableCredential": credential(did, key_1, f"{did}#key-1")},
    )
    assert genuine.status_code == 200, genuine.text
    assert _results(genuine)["did_document"]["outcome"] == "passed"
    forged = credential(did, key_2, f"{did}#key-2")
    refused = api.http.post("/credentials/verify", json={"verifiableCredential": forged})
    assert refused.status_code == 400, refused.text
    assert _results(refused)["did_document"]["problem"] == "key_not_listed"
    presentation = {"@context": [V2], "type": ["VerifiablePresentation"]}
    held = api.http.post(
        "/presentations/verify",
        json={"presentation": {**presentation, "verifiableCredential": [forged]}},
    )
    assert held.status_code == 200
    assert held.json()["verified"] is False
    checks = {c["id"]: c for c in held.json()["credentialResults"][0]["checks"]}
    assert checks["did_document"]["problem"] == "key_not_listed"


def test_the_vc_api_fetches_nothing_for_an_issuer_it_does_not_recognise(api: Api, host, keys):
    """A did:web credential from an issuer the registry does not list: refused as not
    recognised, and its host is never contacted by the server."""
    did = host.did("issuers", "unknown")
    response = api.http.post(
        "/credentials/verify",
        json={"verifiableCredential": credential(did, keys[0], f"{did}#key-1")},
    )
    assert response.status_code == 400
    assert _results(response)["issuer"]["problem"] == "issuer_not_recognised"
    assert host.requests == []


def test_pinning_a_registry_over_https_uses_the_configured_authorities(host, tmp_path):
    """`passport trust add https://…` checks the registry host's certificate against
    PASSPORT_FETCH_CA_FILE: with the throwaway CA it pins; without it, one line says the fetch
    failed (exit 2) and nothing is pinned."""
    registry_key = SigningKey.generate()
    document = registry_document(registry_key, [])
    path = "/.well-known/passport-registry.json"
    host.answers[path] = (200, {"Content-Type": "application/json"}, json.dumps(document).encode())
    fingerprint = registry_key.public_key.multibase
    untrusted = passport_cli(tmp_path, "trust", "add", host.url(path), "--fingerprint", fingerprint)
    assert untrusted.returncode == 2
    assert untrusted.stderr.startswith(f"error: cannot fetch {host.url(path)}")
    assert fingerprint not in passport_cli(tmp_path, "trust", "list").stdout
    pinned = passport_cli(
        tmp_path, "trust", "add", host.url(path), "--fingerprint", fingerprint, ca_file=host.ca_file
    )
    assert pinned.returncode == 0, pinned.stderr
    assert fingerprint in passport_cli(tmp_path, "trust", "list").stdout
