"""The transparency log over HTTP: signed checkpoints, inclusion and consistency proofs, audit."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from typing import Any
from uuid import UUID

import rfc8785

from passport.log import checkpoints
from passport.services import Services
from passport.settings import Settings
from projections.merkle_log import log_entry
from tests.passport.server import serving
from tests.passport.test_cli import run
from verifier.merkle import verify_consistency, verify_inclusion
from verifier.signed_note import Checkpoint, open_note


def independent_root(entries: list[bytes]) -> bytes:
    """RFC 6962 §2.1 MTH written out directly, to check the ledger's incremental tree."""
    if not entries:
        return hashlib.sha256(b"").digest()
    if len(entries) == 1:
        return hashlib.sha256(b"\x00" + entries[0]).digest()
    k = 1 << ((len(entries) - 1).bit_length() - 1)
    return hashlib.sha256(
        b"\x01" + independent_root(entries[:k]) + independent_root(entries[k:])
    ).digest()


def _entries(settings: Settings) -> list[bytes]:
    services = Services.open(settings)
    try:
        return [log_entry(e) for e in services.ledger.recorder.select_notifications(1, 10_000)]
    finally:
        services.close()


def test_checkpoint_is_signed_and_its_root_is_the_rfc6962_root_of_the_log(client, settings):
    """The published checkpoint opens with the ledger's key and commits to every event."""
    assert run(settings, "log", "checkpoint").returncode == 0
    note = client.get("/log/checkpoint").text
    keys = client.get("/log/key").text.splitlines()
    checkpoint = Checkpoint.parse(open_note(note, keys))
    assert checkpoint.origin == "passport.test/log"
    entries = _entries(settings)
    # the demo's 82 (52 by hand, 15 of its programme, 1 upkeep rule, 14 of accreditation and
    # reviews: the body's registry entry and its recognition as an accrediting body among them)
    # and the operator's client
    assert checkpoint.size == len(entries) == 83
    assert checkpoint.root == independent_root(entries)


def _digest(credential: Any) -> str:
    """SHA-256 of the credential's RFC 8785 canonical JSON, written out with the reference
    implementation (`rfc8785`) rather than ours."""
    return hashlib.sha256(rfc8785.dumps(credential)).hexdigest()


def test_a_credentials_inclusion_proof_verifies_without_our_code(client, seeded):
    """The holder of a credential gets its log entry, index, path and checkpoint, and they prove
    the credential is in the log; anyone else gets the leaf hash and the same proof."""
    bundle = client.get(f"/api/v1/learners/{seeded['Priya Raman']}/export").json()
    credential = bundle["verifiableCredential"][0]
    proof = client.get(
        "/log/proof/inclusion",
        params={"credential_id": credential["id"], "credential_hash": _digest(credential)},
    ).json()
    entry = base64.b64decode(proof["entry"])
    assert json.loads(entry)["event"]["body"]["credential"] == credential
    checkpoint = Checkpoint.parse(open_note(proof["checkpoint"], proof["noteVerifierKeys"]))
    leaf = hashlib.sha256(b"\x00" + entry).digest()
    assert base64.b64decode(proof["leafHash"]) == leaf
    verify_inclusion(
        leaf,
        proof["leafIndex"],
        checkpoint.size,
        [base64.b64decode(p) for p in proof["inclusionPath"]],
        checkpoint.root,
    )
    public = client.get("/log/proof/inclusion", params={"credential_id": credential["id"]}).json()
    assert "entry" not in public
    assert {k: v for k, v in proof.items() if k != "entry"} == public
    posted = client.post("/log/proof/inclusion", json={"credential": credential}).json()
    assert posted["entry"] == proof["entry"]
    assert (
        client.get("/log/proof/inclusion", params={"credential_id": "urn:uuid:nope"}).status_code
        == 404
    )


def test_a_passport_files_proofs_are_those_the_log_gives_one_by_one(client, settings, seeded):
    """The proofs a passport file carries (read for all its credentials at once) are, for every
    credential, exactly what the inclusion endpoint gives its holder, and each verifies."""
    assert run(settings, "log", "checkpoint").returncode == 0
    bundle = client.get(f"/api/v1/learners/{seeded['Priya Raman']}/export").json()
    carried = bundle["staffPassport"]["ledger"]
    assert len(carried) == len(bundle["verifiableCredential"]) >= 2
    for credential in bundle["verifiableCredential"]:
        one = client.get(
            "/log/proof/inclusion",
            params={"credential_id": credential["id"], "credential_hash": _digest(credential)},
        ).json()
        assert {k: v for k, v in one.items() if k != "noteVerifierKeys"} == carried[
            credential["id"]
        ]
        checkpoint = Checkpoint.parse(open_note(one["checkpoint"], one["noteVerifierKeys"]))
        verify_inclusion(
            hashlib.sha256(b"\x00" + base64.b64decode(one["entry"])).digest(),
            one["leafIndex"],
            checkpoint.size,
            [base64.b64decode(p) for p in one["inclusionPath"]],
            checkpoint.root,
        )


def test_a_revocation_is_proven_in_the_log_too(client, seeded):
    """The latest status event of a revoked credential has its own inclusion proof; a credential
    whose status never changed has none (404 that says so)."""
    view = client.get(f"/api/v1/learners/{seeded['Tomasz Nowak']}/passport").json()
    by_status = {c["status"]: c["id"] for c in view["credentials"]}
    revoked = by_status["revoked"]
    exported = client.get(f"/api/v1/learners/{seeded['Tomasz Nowak']}/export").json()
    held = next(c for c in exported["verifiableCredential"] if c["id"] == revoked)
    proof = client.post("/log/proof/inclusion", json={"credential": held, "event": "status"}).json()
    entry = json.loads(base64.b64decode(proof["entry"]))
    assert entry["topic"].endswith("Passport.CredentialRevoked")
    assert entry["event"]["body"]["credential_id"] == revoked
    issued = client.get("/log/proof/inclusion", params={"credential_id": revoked}).json()
    assert issued["leafIndex"] < proof["leafIndex"]
    checkpoint = Checkpoint.parse(open_note(proof["checkpoint"], proof["noteVerifierKeys"]))
    verify_inclusion(
        hashlib.sha256(b"\x00" + base64.b64decode(proof["entry"])).digest(),
        proof["leafIndex"],
        checkpoint.size,
        [base64.b64decode(p) for p in proof["inclusionPath"]],
        checkpoint.root,
    )
    unchanged = next(c["id"] for c in view["credentials"] if c["status"] != "revoked")
    never = client.get(
        "/log/proof/inclusion", params={"credential_id": unchanged, "event": "status"}
    )
    assert never.status_code == 404
    assert "never changed status" in never.json()["detail"]


def test_checkpoints_stay_consistent_as_the_log_grows(client, settings, seeded):
    """A later checkpoint extends an earlier one, as its consistency proof shows."""
    keys = client.get("/log/key").text.splitlines()
    assert run(settings, "log", "checkpoint").returncode == 0
    first = Checkpoint.parse(open_note(client.get("/log/checkpoint").text, keys))
    services = Services.open(settings)
    try:
        learner = UUID(seeded["Amira Okafor"])
        credential_id = next(iter(services.ledger.learner(learner).credentials))
        services.ledger.suspend_credential(learner, credential_id, "audit")
    finally:
        services.close()
    assert run(settings, "log", "checkpoint").returncode == 0
    second = Checkpoint.parse(open_note(client.get("/log/checkpoint").text, keys))
    assert second.size == first.size + 1
    proof = client.get(
        "/log/proof/consistency", params={"first": first.size, "second": second.size}
    ).json()
    verify_consistency(
        first.size,
        second.size,
        [base64.b64decode(p) for p in proof["proof"]],
        first.root,
        second.root,
    )
    assert (
        client.get("/log/proof/consistency", params={"first": 5, "second": 10_000}).status_code
        == 422
    )


def test_audit_notices_a_tree_that_no_longer_matches_the_log(settings, seeded):
    """Changing a stored tree leaf is caught: audit exits 1 and names the event."""
    assert run(settings, "log", "checkpoint").returncode == 0
    services = Services.open(settings)
    try:
        with services.read_models.transaction() as tx:
            tx.execute(
                "UPDATE rm_merkle_nodes SET hash = ? WHERE level = 0 AND idx = 3", ("00" * 32,)
            )
    finally:
        services.close()
    done = run(settings, "audit")
    assert done.returncode == 1
    assert "no longer hashes to leaf 3" in done.stdout


def _publish_row(settings: Settings, size: int, root_hash: bytes) -> None:
    """A checkpoint row as if published at `size` (the table takes inserts, never updates)."""
    services = Services.open(settings)
    try:
        with services.read_models.transaction() as tx:
            tx.execute(
                "INSERT INTO log_checkpoints (size, root, note, published_at) VALUES (?, ?, ?, ?)",
                (size, root_hash.hex(), "-", "2026-01-01T00:00:00+00:00"),
            )
    finally:
        services.close()


def test_audit_checks_each_checkpoint_root_against_the_rfc6962_root_of_the_log(settings, seeded):
    """Audit recomputes the root at every published size: a checkpoint at size 5 whose root is
    RFC 6962's MTH of the first five entries (written out independently) agrees; one at size 7
    with another root is named as the log no longer matching it."""
    entries = _entries(settings)
    _publish_row(settings, 5, independent_root(entries[:5]))
    done = run(settings, "audit")
    assert done.returncode == 0, done.stdout
    assert "matches the log and all 1 published checkpoints" in done.stdout
    _publish_row(settings, 7, independent_root(entries[:6]))
    done = run(settings, "audit")
    assert done.returncode == 1
    assert "TAMPERED: the log no longer matches the checkpoint published at size 7" in done.stdout


def test_audit_notices_a_log_shorter_than_a_checkpoint(settings, seeded):
    """A checkpoint beyond the log's end (events deleted since it was published) is tampering."""
    size = len(_entries(settings))
    _publish_row(settings, size + 5, hashlib.sha256(b"elsewhere").digest())
    done = run(settings, "audit")
    assert done.returncode == 1
    assert f"the log is shorter ({size}) than a published checkpoint ({size + 5})" in done.stdout


def _wait_for_checkpoint(settings: Settings, size: int) -> list[int]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        services = Services.open(settings)
        try:
            sizes = [s for s, _, _ in checkpoints(services)]
        finally:
            services.close()
        if size in sizes:
            return sizes
        time.sleep(0.1)
    raise AssertionError(f"no checkpoint of size {size} was signed on schedule: {sizes}")


def test_the_server_signs_checkpoints_on_a_schedule(settings, seeded):
    """With no request asking for one, the serving ledger signs the grown log on schedule."""
    frequent = settings.model_copy(update={"checkpoint_interval": 0.2})
    with serving(frequent):
        assert _wait_for_checkpoint(settings, 82) == [82]
        services = Services.open(settings)
        try:
            learner = UUID(seeded["Grace Mensah"])
            credential_id = next(iter(services.ledger.learner(learner).credentials))
            services.ledger.suspend_credential(learner, credential_id, "scheduled")
        finally:
            services.close()
        assert _wait_for_checkpoint(settings, 83) == [82, 83]
