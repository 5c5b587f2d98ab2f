"""A proof that verified once is remembered by its exact bytes, never by its credential's id
(issue 16): a credential changed after the share page (or `POST /credentials/verify`) has
verified it, keeping its id and its proof, fails there at once."""

from __future__ import annotations

import copy
import json
import sqlite3
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from keys import PublicKey, SigningKey
from passport.settings import Settings
from tests.security.web_helpers import links_for, served
from verifier import eddsa_jcs_2022
from verifier.errors import ProofError
from verifier.verified_proofs import VerifiedProofs

VECTORS = Path(__file__).parents[1] / "data" / "vc-di-eddsa"

JSON = {"Accept": "application/json"}
HTML = {"Accept": "text/html"}
GENUINE = "Genuine and current"


def _rewrite_stored(settings: Settings, credential_id: str, document: dict[str, Any]) -> None:
    """Change the credential the read models serve, as someone with database access could."""
    text = json.dumps(document)
    if settings.is_postgres:
        with psycopg.connect(settings.postgres_conninfo(), autocommit=True) as conn:
            conn.execute(
                "UPDATE rm_credentials SET credential = %s WHERE credential_id = %s",
                (text, credential_id),
            )
        return
    lite = sqlite3.connect(settings.sqlite_path)
    try:
        with lite:
            lite.execute(
                "UPDATE rm_credentials SET credential = ? WHERE credential_id = ?",
                (text, credential_id),
            )
    finally:
        lite.close()


def _card(page: str, credential_id: str) -> str:
    """The share page's card of one credential (its HTML, up to the next card)."""
    cards = page.split('<li class="nhsuk-card credential"')[1:]
    found = [card for card in cards if credential_id in card]
    assert len(found) == 1, f"no single card for {credential_id}"
    return found[0].split("</li>")[0]


def _tampered(credential: dict[str, Any]) -> dict[str, Any]:
    """The same credential (same id, same proof) with one signed word changed."""
    changed = copy.deepcopy(credential)
    changed["credentialSubject"]["achievement"]["description"] += " (and more)"
    return changed


def test_a_credential_changed_after_the_share_page_verified_it_fails_there(settings, seeded):
    """The share page verifies a credential (genuine); its stored bytes are then changed under
    the same id; the next page shows that card as not confirmed, and the verdict says so."""
    links = links_for(settings, seeded["Grace Mensah"])
    with served(settings) as base, httpx.Client(base_url=base, timeout=30) as http:
        credential = http.get(links.share, headers=JSON).json()["verifiableCredential"][0]
        before = http.get(links.share, headers=HTML)
        assert before.status_code == 200
        assert GENUINE in _card(before.text, credential["id"])

        _rewrite_stored(settings, credential["id"], _tampered(credential))

        served_now = http.get(links.share, headers=JSON).json()["verifiableCredential"]
        assert _tampered(credential) in served_now  # the page is given the changed bytes
        after = http.get(links.share, headers=HTML)
        assert after.status_code == 200
        card = _card(after.text, credential["id"])
        assert GENUINE not in card
        assert "Not genuine: it does not match what its issuer signed" in card
        assert "signature does not match" in card
        assert "app-verdict-ok" not in after.text


def test_verify_refuses_a_changed_copy_of_a_credential_it_just_verified(settings, seeded):
    """`POST /credentials/verify` passes a genuine credential, then gets the same credential
    (same id, same proof) with one signed word changed: 400, its proof failed."""
    links = links_for(settings, seeded["Grace Mensah"])
    with served(settings) as base, httpx.Client(base_url=base, timeout=30) as http:
        credential = http.get(links.share, headers=JSON).json()["verifiableCredential"][0]
        genuine = http.post("/credentials/verify", json={"verifiableCredential": credential})
        assert genuine.status_code == 200, genuine.text
        assert genuine.json()["verified"] is True

        forged = http.post(
            "/credentials/verify", json={"verifiableCredential": _tampered(credential)}
        )
        assert forged.status_code == 400
        body = forged.json()
        assert body["verified"] is False
        proof = next(c for c in body["results"] if c["id"] == "proof")
        assert proof["outcome"] == "failed"
        assert "signature does not match" in proof["reason"]
        # and the genuine one still passes: nothing about it was unlearned or poisoned
        again = http.post("/credentials/verify", json={"verifiableCredential": credential})
        assert again.status_code == 200


def _vector() -> tuple[dict[str, Any], dict[str, Any], PublicKey]:
    """The W3C eddsa-jcs-2022 vector: the document without its proof, the proof, the key."""
    signed = json.loads((VECTORS / "eddsa-jcs-2022" / "signedJCS.json").read_text())
    pair = json.loads((VECTORS / "keyPair.json").read_text())
    key = SigningKey.from_private_multibase(pair["privateKeyMultibase"]).public_key
    return {k: v for k, v in signed.items() if k != "proof"}, signed["proof"], key


def _check(cache: VerifiedProofs, document: Any, proof: Any, key: PublicKey) -> None:
    cache.verify(
        eddsa_jcs_2022.verify_proof_over,
        eddsa_jcs_2022.CRYPTOSUITE,
        document,
        proof,
        key,
        "assertionMethod",
    )


def test_a_remembered_proof_is_checked_again_under_another_key_or_for_other_bytes():
    """Once the W3C vector verified, an equal copy is remembered, but the same document under
    another key fails, and so does the document with one signed value changed."""
    document, proof, key = _vector()
    cache = VerifiedProofs(16)
    _check(cache, document, proof, key)
    _check(cache, copy.deepcopy(document), copy.deepcopy(proof), key)  # equal copy: remembered
    assert len(cache) == 1
    with pytest.raises(ProofError):
        _check(cache, document, proof, SigningKey.generate().public_key)
    changed = copy.deepcopy(document)
    changed["credentialSubject"]["alumniOf"] = "Example University, changed"
    with pytest.raises(ProofError):
        _check(cache, changed, proof, key)
    assert len(cache) == 1


def test_the_cache_keeps_a_bounded_number_of_proofs():
    """However many distinct documents verify, no more than the cache's size are kept."""
    document, proof, key = _vector()
    cache = VerifiedProofs(2)
    items = list(document.items())
    for shift in range(len(items)):  # the same content, members in another order: another entry
        _check(cache, dict(items[shift:] + items[:shift]), proof, key)
    assert len(items) > 2
    assert len(cache) == 2
