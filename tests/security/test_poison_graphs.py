"""Poison graphs: a credential whose RDF canonicalisation would take for ever is refused fast."""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from keys import SigningKey, did_key, did_key_verification_method
from passport.settings import Settings
from tests.api_client import Api
from tests.passport.test_cli import run
from verifier import verify_credential
from verifier.data_integrity import proof_options, secured
from verifier.report import Outcome

NOW = datetime(2026, 12, 1, tzinfo=UTC)
KNOWS = "https://example.com/knows"


def poison_credential(nodes: int = 10, disguised: bool = False) -> dict[str, Any]:
    """A 2 kB credential of `nodes` blank nodes each linked to every other, with an
    `eddsa-rdfc-2022` proof by a fresh did:key. The signature is a real Ed25519 signature of
    that key, but over stand-in bytes: its true message, RDFC-1.0 of the clique, takes hours
    to compute, which is the attack (the verifier must refuse before it tries). `disguised`
    repeats node i's first link i times: the same RDF, other JSON."""
    key = SigningKey.generate()
    clique = [
        {
            "@id": f"_:n{i}",
            KNOWS: [{"@id": f"_:n{j}"} for j in range(nodes) if j != i]
            + [{"@id": f"_:n{(i + 1) % nodes}"}] * (i if disguised else 0),
        }
        for i in range(nodes)
    ]
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": did_key(key.public_key),
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {KNOWS: clique},
    }
    method = did_key_verification_method(key.public_key)
    options = proof_options("eddsa-rdfc-2022", method, NOW, "assertionMethod", None)
    stand_in = hashlib.sha512(json.dumps(credential).encode()).digest()
    return secured(credential, options, key.sign(stand_in), proof_as_array=False)


def _refusal(reason: str) -> bool:
    return "blank nodes cannot be told apart" in reason


def test_the_ten_node_clique_fails_its_proof_naming_the_canonicalisation_limit():
    """The library refuses the poison credential's proof with the named limit, not a hang."""
    credential = poison_credential(10)
    assert len(json.dumps(credential)) < 3000
    with ThreadPoolExecutor(1) as pool:
        report = pool.submit(verify_credential, credential, now=NOW).result(timeout=60)
    proof = next(c for c in report.checks if c.id == "proof")
    assert proof.outcome is Outcome.FAILED
    assert _refusal(proof.reason)
    assert not report.verified


def test_the_clique_disguised_by_repeated_links_is_refused_as_well():
    """Repeating links (a different number of times per node) does not slip the clique past."""
    with ThreadPoolExecutor(1) as pool:
        report = pool.submit(verify_credential, poison_credential(10, True), now=NOW).result(60)
    assert _refusal(report.check("proof").reason)


def test_healthz_answers_while_poison_credentials_are_verified(api: Api):
    """/credentials/verify refuses the clique with 400 naming the limit, and /healthz keeps
    answering while several of them are being verified (each used to hold the server for
    minutes; the client's timeout is a generous bound on one answer, for loaded CI machines)."""
    base = str(api.http.base_url)
    body = {"verifiableCredential": poison_credential(10)}
    with ThreadPoolExecutor(4) as pool, httpx.Client(base_url=base, timeout=5) as health:
        pending = [
            pool.submit(httpx.post, f"{base}/credentials/verify", json=body, timeout=60)
            for _ in range(8)
        ]
        while not all(p.done() for p in pending):
            assert health.get("/healthz").json() == {"status": "ok"}
        answers = [p.result() for p in pending]
    for answer in answers:
        assert answer.status_code == 400
        assert _refusal(answer.json()["problemDetails"][0]["detail"])


def test_a_presentation_holding_the_clique_names_the_limit(api: Api):
    """/presentations/verify judges the poison credential it holds as failed, naming the limit."""
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [poison_credential(10)],
    }
    answer = api.http.post("/presentations/verify", json={"presentation": presentation})
    assert answer.status_code == 200
    body = answer.json()
    assert body["verified"] is False
    (held,) = body["credentialResults"]
    proof = next(c for c in held["checks"] if c["id"] == "proof")
    assert proof["outcome"] == "failed"
    assert _refusal(proof["reason"])


def test_issuing_the_clique_is_refused_with_400(api: Api):
    """/credentials/issue will not sign a poison graph either: 400 naming the limit."""
    _, headers = api.register("Poison Academy")
    credential = {k: v for k, v in poison_credential(10).items() if k not in ("proof", "issuer")}
    answer = api.http.post("/credentials/issue", headers=headers, json={"credential": credential})
    assert answer.status_code == 400
    assert "blank nodes cannot be told apart" in answer.text


def test_passport_verify_refuses_the_clique_with_exit_1(settings: Settings, tmp_path: Path):
    """`passport verify FILE` prints the failed proof naming the limit and exits 1."""
    path = tmp_path / "poison.json"
    path.write_text(json.dumps(poison_credential(10)))
    done = run(settings, "verify", str(path))
    assert done.returncode == 1, done.stderr
    assert "blank nodes cannot be told apart" in done.stdout
