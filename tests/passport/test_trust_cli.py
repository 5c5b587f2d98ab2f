"""`passport trust` and `passport verify` against pinned registries, as an employer runs them."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from events.issuer import AchievementKind
from issuers.awarding import Learner
from keys import SigningKey, did_key, did_key_verification_method
from passport.registry import WELL_KNOWN_PATH
from passport.services import REGISTRY_ROLE, Services
from tests.api_client import ACHIEVEMENT, Api, award_body
from tests.commands import PASSPORT
from tests.passport.server import free_port, serving
from verifier.eddsa_jcs_2022 import create_proof


def employer(cwd: Path, *args: str, base: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run `passport ARGS…` as an employer: no ledger, no key store, only a trust directory
    (and, for `--online`, the ledger's address)."""
    env = {"PATH": os.environ.get("PATH", ""), "PASSPORT_TRUST_DIR": str(cwd / "trust")}
    if base is not None:
        env["PASSPORT_BASE_URL"] = base
    return subprocess.run(
        [PASSPORT, *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def award(api: Api, settings) -> dict[str, Any]:
    """An award as the issuer API returns it, and the registry key told to employers."""
    account, token = api.register("Digital Academy")
    base = f"/api/v1/issuers/{account['id']}"
    achievement = api.http.post(f"{base}/achievements", headers=token, json=ACHIEVEMENT).json()
    made = api.http.post(f"{base}/awards", headers=token, json=award_body(achievement["id"]))
    assert made.status_code == 201, made.text
    services = Services.open(settings)
    try:
        fingerprint = services.key_store.role_keys(REGISTRY_ROLE)[-1]
    finally:
        services.close()
    return {**made.json(), "fingerprint": fingerprint}


def _save(folder: Path, name: str, content: Any) -> Path:
    path = folder / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def test_a_saved_award_verifies_with_nothing_but_a_pinned_registry(settings, tmp_path):
    """The credential the award API returned, saved as JSON and as a JWT, in a directory holding
    only the registry pinned by its key: offline, the issuer, its key and the proof are trusted
    and the status is unknown (never "not revoked"); `--online` reads the ledger's status lists
    and the credential verifies. Without the pinned registry nobody vouches for the issuer."""
    port = free_port()
    live = settings.model_copy(update={"base_url": f"http://127.0.0.1:{port}"})
    services = Services.open(live)
    try:
        now = datetime.now(UTC)
        issuer = services.awarding.register_issuer(
            "academy", "Digital Academy", "https://a.example", now
        )
        achievement = services.awarding.define_achievement(
            issuer.id,
            name="Fire Safety",
            description="d",
            criteria="c",
            kind=AchievementKind.TRAINING,
        )
        award = services.awarding.award(
            issuer.id, achievement, Learner("ESR-1", "A", "a@x"), earned_on=date.today(), at=now
        )
        fingerprint = services.key_store.role_keys(REGISTRY_ROLE)[-1]
    finally:
        services.close()
    desk = tmp_path / "employer"
    desk.mkdir()
    as_json = _save(desk, "award.json", award.credential)
    as_jwt = _save(desk, "award.jwt", award.jwt)
    unpinned = employer(desk, "verify", str(as_json), "--json")
    assert unpinned.returncode == 1
    checks = {c["id"]: c for c in json.loads(unpinned.stdout)["credentials"][0]["checks"]}
    assert checks["issuer"]["problem"] == "issuer_not_recognised"
    with serving(live, port) as base:
        published = httpx.get(f"{base}{WELL_KNOWN_PATH}", timeout=60).json()
        registry = _save(tmp_path, "registry.json", published)
        added = employer(desk, "trust", "add", str(registry), "--fingerprint", fingerprint)
        assert added.returncode == 0, added.stderr
        assert "trusting Staff Passport registry at 127.0.0.1" in added.stdout
        registry.unlink()  # from now on only the pinned copy
        for saved in (as_json, as_jwt):
            offline = json.loads(employer(desk, "verify", str(saved), "--json").stdout)
            checks = {c["id"]: c for c in offline["credentials"][0]["checks"]}
            assert checks["issuer"]["reason"] == (
                "issued by Digital Academy, recognised by Staff Passport registry at "
                f"127.0.0.1:{port}"
            )
            assert {checks[c]["outcome"] for c in ("proof", "issuer", "key_valid_at_issuance")} == {
                "passed"
            }
            assert checks["status"]["outcome"] == "unknown"
            online = employer(desk, "verify", str(saved), "--online", base=base)
            assert online.returncode == 0, online.stdout + online.stderr
            assert "policy: registry" in online.stdout
    listed = employer(desk, "trust", "list")
    assert fingerprint in listed.stdout
    assert employer(desk, "trust", "remove", fingerprint).returncode == 0
    assert employer(desk, "verify", str(as_json)).returncode == 1


def test_a_did_key_nobody_lists_fails_with_a_line_on_how_to_trust_unless_proof_only(tmp_path):
    """Exit 1 and `issuer_not_recognised` under the registry policy, with the command that
    would trust an issuer; `--policy proof-only` lets the proof decide and says so."""
    key = SigningKey.generate()
    unsigned = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:00000000-0000-4000-8000-0000000000ab",
        "type": ["VerifiableCredential"],
        "issuer": {"id": did_key(key.public_key), "name": "NHS Digital Academy"},
        "credentialSubject": {"id": "urn:example:learner", "name": "Basic Life Support"},
    }
    signed = create_proof(
        unsigned, key, did_key_verification_method(key.public_key), datetime.now(UTC)
    )
    saved = _save(tmp_path, "impostor.json", signed)
    refused = employer(tmp_path, "verify", str(saved))
    assert refused.returncode == 1
    assert "nobody this verifier trusts vouches for" in refused.stdout
    assert "passport trust add URL --fingerprint KEY" in refused.stdout
    lenient = employer(tmp_path, "verify", str(saved), "--policy", "proof-only", "--json")
    assert lenient.returncode == 0, lenient.stdout
    assert json.loads(lenient.stdout)["policy"] == "proof-only"
    bad = employer(tmp_path, "verify", str(saved), "--policy", "anything")
    assert (bad.returncode, bad.stderr.strip()) == (
        2,
        "error: unknown policy 'anything': use registry or proof-only",
    )


def test_an_unpinned_signer_an_older_version_and_plain_http_are_refused(api, award, tmp_path):
    """`trust add` refuses a registry not signed by the key given, an older version than the
    one pinned (rollback), and a URL that is not HTTPS; each in one line, exit 2."""
    older = _save(tmp_path, "older.json", api.http.get(WELL_KNOWN_PATH).json())
    api.register("Another Academy")  # the registry changes: a newer version
    newest = _save(tmp_path, "newest.json", api.http.get(WELL_KNOWN_PATH).json())
    assert (
        json.loads(newest.read_text())["credentialSubject"]["version"]
        > json.loads(older.read_text())["credentialSubject"]["version"]
    )
    other = SigningKey.generate().public_key.multibase
    wrong = employer(tmp_path, "trust", "add", str(newest), "--fingerprint", other)
    assert wrong.returncode == 2
    assert "not a pinned registry key" in wrong.stderr
    assert (
        employer(
            tmp_path, "trust", "add", str(newest), "--fingerprint", award["fingerprint"]
        ).returncode
        == 0
    )
    rollback = employer(tmp_path, "trust", "add", str(older), "--fingerprint", award["fingerprint"])
    assert rollback.returncode == 2
    assert "refusing a rollback" in rollback.stderr
    assert len(rollback.stderr.strip().splitlines()) == 1
    plain = employer(
        tmp_path,
        "trust",
        "add",
        "http://registry.example/r.json",
        "--fingerprint",
        award["fingerprint"],
    )
    assert plain.returncode == 2
    assert "HTTPS only" in plain.stderr
