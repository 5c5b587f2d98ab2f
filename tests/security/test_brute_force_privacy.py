"""Someone who wants the names back: a million staff-number guesses against everything public.

Issue 12, item 3: the public inclusion proof carried the credential with its `identityHash` and
`salt`, learner ids were `uuid5` of the staff number under a namespace written in the code, and
credential ids came from idempotency keys, so every demo credential could be fetched and every
learner named by hashing candidate staff numbers. The attacker here reads our code (so knows the
old namespaces and formats), collects every public response for a demo ledger with an erased
learner, and tries a million staff numbers in the ways an unkeyed hash can be tried.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import httpx
import pytest

from events.issuer import Issuer
from events.passport import PASSPORT_NAMESPACE
from issuers.awarding import LEGACY_AWARD_NAMESPACE
from passport.demo import AWARDS, DEMO_SLUG, LEARNERS, seed_demo
from passport.demo_programmes import LEARNER_MODULES
from passport.erasure import erase_learner
from passport.services import Services
from passport.settings import Settings
from tests.passport.server import serving

ERASED = "Daniel Hughes"  # ESR-40012345: inside the guessed range below
GUESSES = 1_000_000
HEX64 = re.compile(r"[0-9a-fA-F]{64}")
UUIDS = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def candidates() -> Iterator[str]:
    """A million ESR-style numbers around the demo's, then every demo learner's own identifier."""
    for n in range(GUESSES):
        yield f"ESR-40{n:06d}"
    for identifier, _, _ in LEARNERS:
        yield identifier


class Corpus:
    """Everything an attacker could read: texts, and inside them hex digests, uuids and salts."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.digests: set[str] = set()
        self.uuids: set[str] = set()
        self.salts: set[str] = set()

    def add(self, text: str) -> None:
        """Add a response body, and whatever JSON or base64 inside it decodes to."""
        self.texts.append(text)
        self.digests.update(d.lower() for d in HEX64.findall(text))
        self.uuids.update(u.lower() for u in UUIDS.findall(text))
        with contextlib.suppress(ValueError):
            self._walk(json.loads(text))

    def _walk(self, value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "salt" and isinstance(item, str):
                    self.salts.add(item)
                self._walk(item)
        elif isinstance(value, list):
            for item in value:
                self._walk(item)
        elif isinstance(value, str) and len(value) > 40 and " " not in value:
            for part in value.split("."):  # base64 log entries, and each segment of a JWT
                try:
                    decoded = base64.urlsafe_b64decode(
                        part.replace("+", "-").replace("/", "_") + "=" * (-len(part) % 4)
                    )
                    self.add(decoded.decode())
                except (binascii.Error, UnicodeDecodeError, ValueError):
                    continue


def _uuid5_text(namespace: UUID, name: str) -> str:
    """`uuid5` as RFC 9562 §5.5 defines it, written out (faster than `uuid.uuid5` in a loop)."""
    raw = bytearray(hashlib.sha1(namespace.bytes + name.encode()).digest()[:16])  # noqa: S324
    raw[6] = (raw[6] & 0x0F) | 0x50
    raw[8] = (raw[8] & 0x3F) | 0x80
    return str(UUID(bytes=bytes(raw)))


def crack(corpus: Corpus, guesses: Iterable[str]) -> list[tuple[str, str]]:
    """Every guess some public value gives away, with how: plain and salted SHA-256 (with every
    salt found), and the uuid5 learner ids of the code's namespace (and the URL namespace)."""
    found: list[tuple[str, str]] = []
    salts = sorted(corpus.salts)
    for guess in guesses:
        for form in {guess, guess.upper(), guess.lower()}:
            data = form.encode()
            if hashlib.sha256(data).hexdigest() in corpus.digests:
                found.append((guess, "sha256"))
            for salt in salts:
                if hashlib.sha256(data + salt.encode()).hexdigest() in corpus.digests:
                    found.append((guess, f"sha256 salted with {salt}"))
            for namespace in (PASSPORT_NAMESPACE, NAMESPACE_URL):
                if _uuid5_text(namespace, form) in corpus.uuids:
                    found.append((guess, "uuid5 id"))
    return found


def _public_corpus(settings: Settings) -> tuple[Corpus, list[str], dict[str, str]]:
    """Seed the demo, erase one learner, and collect every public answer over real HTTP; also
    returns every credential id (as if leaked) and the learners' ids by name."""
    services = Services.open(settings)
    try:
        demo = seed_demo(services, datetime.now(UTC))
        by_name = {str(x["name"]): x for x in demo.learners}
        erase_learner(services, UUID(str(by_name[ERASED]["id"])), by="operator", reason="asked")
        credential_ids = [
            cid
            for learner in demo.learners
            for cid in services.ledger.learner(UUID(str(learner["id"]))).credentials
        ]
    finally:
        services.close()
    corpus = Corpus()
    with serving(settings) as base, httpx.Client(base_url=base, timeout=30) as http:
        for name, learner in by_name.items():
            share = str(learner["share_url"]).split("/s/", 1)[1]
            json_page = http.get(f"/s/{share}", headers={"Accept": "application/json"})
            html_page = http.get(f"/s/{share}", headers={"Accept": "text/html"})
            if name == ERASED:  # erasure deleted their links
                assert json_page.status_code == html_page.status_code == 404
            else:
                assert json_page.status_code == html_page.status_code == 200
            corpus.add(json_page.text)
            corpus.add(html_page.text)
            shared = json_page.json().get("verifiableCredential", []) if name != ERASED else []
            for credential in shared[:2]:
                verified = http.post(
                    "/credentials/verify", json={"verifiableCredential": credential}
                )
                corpus.add(verified.text)
        for cid in credential_ids:
            for event in ("issued", "status"):
                answer = http.get(
                    "/log/proof/inclusion", params={"credential_id": cid, "event": event}
                )
                assert answer.status_code in (200, 404), answer.text
                corpus.add(answer.text)
        checkpoint = http.get("/log/checkpoint")
        size = int(checkpoint.text.splitlines()[1])
        for path in (
            f"/issuers/{DEMO_SLUG}/did.json",
            f"/status/{DEMO_SLUG}/revocation/1",
            f"/status/{DEMO_SLUG}/suspension/1",
            "/log/key",
            f"/log/proof/consistency?first=1&second={size}",
            "/openapi.json",
        ):
            answer = http.get(path)
            assert answer.status_code == 200, (path, answer.text)
            corpus.add(answer.text)
        corpus.add(checkpoint.text)
    return corpus, credential_ids, {name: str(x["id"]) for name, x in by_name.items()}


@pytest.fixture
def public(settings: Settings) -> tuple[Corpus, list[str], dict[str, str]]:
    """The demo ledger's public answers, one learner erased."""
    return _public_corpus(settings)


def test_a_million_staff_number_guesses_find_nobody_in_anything_public(public):
    """No public answer (share pages, inclusion proofs, status lists, checkpoints, DID document,
    verification results, the credentials themselves) confirms any guessed staff number, and
    no name or email appears in them; the same search finds a salted hash when one is there."""
    corpus, credential_ids, learner_ids = public
    # every award by hand, the EPR skills modules and the certificate the ledger awarded
    assert len(credential_ids) == len(AWARDS) + len(LEARNER_MODULES) + 1
    assert corpus.digests, "the corpus holds hashes to test guesses against"
    # The shared log entries were decoded: the sharers' passport ids are public, yet keyed.
    assert {i for n, i in learner_ids.items() if n != ERASED} <= corpus.uuids
    assert not corpus.salts, f"salts published: {sorted(corpus.salts)[:3]}"
    assert crack(corpus, candidates()) == []
    text = "\n".join(corpus.texts)
    for identifier, name, email in LEARNERS:
        assert identifier not in text
        assert email not in text
        if name == ERASED:
            assert name not in text

    # The same search against what the ledger published before: a salted identity hash and a
    # uuid5 learner id are found at once.
    planted = Corpus()
    planted.add(
        json.dumps(
            {
                "identityHash": "sha256$"
                + hashlib.sha256(b"ESR-40012345" + b"9f8e7d6c").hexdigest(),
                "salt": "9f8e7d6c",
                "aggregateId": str(uuid5(PASSPORT_NAMESPACE, "ESR-40012346")),
            }
        )
    )
    found = crack(planted, (f"ESR-4001{n:04d}" for n in range(10_000)))
    assert ("ESR-40012345", "sha256 salted with 9f8e7d6c") in found
    assert ("ESR-40012346", "uuid5 id") in found


def test_credential_ids_are_not_derived_from_idempotency_keys(settings):
    """Every demo credential id is a random (version 4) UUID, none is the uuid5 of the issuer
    and its idempotency key any more, and those derived ids open nothing in the log."""
    services = Services.open(settings)
    try:
        demo = seed_demo(services, datetime.now(UTC))
        credential_ids = [
            cid
            for learner in demo.learners
            for cid in services.ledger.learner(UUID(str(learner["id"]))).credentials
        ]
        issuer_id = services.ledger.issuer(Issuer.create_id(DEMO_SLUG)).id
    finally:
        services.close()
    derived = {
        f"urn:uuid:{uuid5(LEGACY_AWARD_NAMESPACE, f'{issuer_id}:demo-{n}')}"
        for n in range(len(AWARDS))
    }
    assert not derived & set(credential_ids)
    assert {UUID(c.removeprefix("urn:uuid:")).version for c in credential_ids} == {4}
    with serving(settings) as base, httpx.Client(base_url=base, timeout=30) as http:
        for guessed in derived:
            answer = http.get("/log/proof/inclusion", params={"credential_id": guessed})
            assert answer.status_code == 404
