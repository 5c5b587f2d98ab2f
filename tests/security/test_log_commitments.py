"""The public log proves inclusion without handing out the credential: commitments for anyone,
the entry only for whoever shows they hold the credential (issue 12, item 3)."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import httpx
import pytest
import rfc8785

from passport.demo import seed_demo
from passport.erasure import erase_learner
from passport.services import Services
from passport.settings import Settings
from tests.passport.server import serving


@pytest.fixture
def erased_credential(settings: Settings) -> Iterator[tuple[httpx.Client, dict[str, Any], str]]:
    """The demo served over HTTP after one learner was erased: (client, one of that learner's
    credentials as handed out earlier, its vc+jwt form)."""
    services = Services.open(settings)
    try:
        demo = seed_demo(services, datetime.now(UTC))
        learner_id = UUID(str(demo.learners[1]["id"]))
        credential_id, record = next(iter(services.ledger.learner(learner_id).credentials.items()))
        credential, jwt = record["credential"], record["jwt"]
        assert credential["id"] == credential_id
        erase_learner(services, learner_id, by="operator", reason="asked")
    finally:
        services.close()
    with serving(settings) as base, httpx.Client(base_url=base, timeout=30) as http:
        yield http, credential, jwt


def _digest(document: Any) -> str:
    return hashlib.sha256(rfc8785.dumps(document)).hexdigest()


def test_the_public_inclusion_proof_of_an_erased_learners_credential_holds_no_credential(
    erased_credential,
):
    """The attack: fetch an erased learner's inclusion proof anonymously and read the credential
    with its identity hash. Now the answer is the leaf hash, its path and a checkpoint; nothing
    of the credential, its subject or the passport's id."""
    http, credential, _ = erased_credential
    answer = http.get("/log/proof/inclusion", params={"credential_id": credential["id"]})
    assert answer.status_code == 200
    proof = answer.json()
    assert set(proof) == {
        "leafIndex",
        "treeSize",
        "leafHash",
        "inclusionPath",
        "checkpoint",
        "noteVerifierKeys",
    }
    identity_hash = credential["credentialSubject"]["identifier"][0]["identityHash"]
    assert identity_hash.removeprefix("sha256$") not in answer.text
    assert "identityHash" not in answer.text and "salt" not in answer.text
    assert len(base64.b64decode(proof["leafHash"])) == 32


def test_the_holder_gets_the_entry_and_it_is_the_committed_leaf(erased_credential):
    """Posting the credential (JSON or its vc+jwt), or passing its hash, adds the entry; the
    entry hashes (RFC 9162: SHA-256 of 0x00 and the entry) to the public leaf hash."""
    http, credential, jwt = erased_credential
    public = http.get("/log/proof/inclusion", params={"credential_id": credential["id"]}).json()
    by_hash = http.get(
        "/log/proof/inclusion",
        params={"credential_id": credential["id"], "credential_hash": _digest(credential)},
    ).json()
    posted = http.post("/log/proof/inclusion", json={"credential": credential}).json()
    posted_jwt = http.post("/log/proof/inclusion", json={"credential": jwt}).json()
    entries = {by_hash["entry"], posted["entry"], posted_jwt["entry"]}
    assert len(entries) == 1
    entry = base64.b64decode(entries.pop())
    assert hashlib.sha256(b"\x00" + entry).digest() == base64.b64decode(public["leafHash"])
    assert json.loads(entry)["event"]["body"]["credential"] == credential


def test_a_wrong_or_altered_credential_gets_no_entry(erased_credential):
    """A guessed hash, or the credential with its subject changed, is refused with 403 and no
    entry; a post without an id to look up is 422."""
    http, credential, _ = erased_credential
    guessed = http.get(
        "/log/proof/inclusion",
        params={"credential_id": credential["id"], "credential_hash": "0" * 64},
    )
    assert guessed.status_code == 403
    assert "entry" not in guessed.text
    altered = json.loads(json.dumps(credential))
    altered["credentialSubject"]["identifier"][0]["identityHash"] = "sha256$" + "1" * 64
    refused = http.post("/log/proof/inclusion", json={"credential": altered})
    assert refused.status_code == 403
    assert "entry" not in refused.text
    anonymous = {k: v for k, v in credential.items() if k != "id"}
    assert http.post("/log/proof/inclusion", json={"credential": anonymous}).status_code == 422
    assert http.post("/log/proof/inclusion", json={"credential": "not-a-jwt"}).status_code == 422
