"""Public test credentials with stated outcomes (tests/corpus), run through our verifier."""

from __future__ import annotations

import functools
import json
import os
import re
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from keys import PublicKey, SigningKey
from tests.commands import PASSPORT
from tests.registries import entity, trusting
from verifier import DocumentReport, MalformedInputError, Policy, Trust, verify_document
from verifier.checks import StatusLists
from verifier.report import Outcome

CORPUS = Path(__file__).parents[1] / "corpus"
MANIFEST: dict[str, Any] = json.loads((CORPUS / "cases.json").read_text())
CASES: list[dict[str, Any]] = MANIFEST["cases"]
NOW = datetime.fromisoformat(MANIFEST["now"])
PROOF_NUMBER = re.compile(r"_\d+$")
CONFORMANCE = Path(__file__).parents[2] / "docs" / "conformance.md"


def _lists() -> StatusLists:
    """The status lists the corpus holds, by the URL each is served at."""
    held = MANIFEST["status_lists"].items()
    lists = {url: json.loads((CORPUS / name).read_text()) for url, name in held}
    return StatusLists(lists, "the corpus's lists")


def _document(case: dict[str, Any]) -> dict[str, Any]:
    """The case's file, with the change its source's test makes to it (`set`, `delete`)."""
    document: dict[str, Any] = json.loads((CORPUS / case["file"]).read_text())
    change = case.get("change", {})
    document.update(change.get("set", {}))
    for name in change.get("delete", []):
        document.pop(name, None)
    return document


@functools.cache
def _trust() -> Trust:
    """The corpus's policy, with a registry listing the keys the corpus gives out of band."""
    issuers = {k: v for k, v in MANIFEST["keys"].items() if k != "about"}
    entities = [
        entity(
            issuer,
            issuer,
            [(method, PublicKey.from_multibase(method.split("#", 1)[1])) for method in methods],
            recognised_from="2000-01-01T00:00:00Z",
        )
        for issuer, methods in issuers.items()
    ]
    return trusting(SigningKey.generate(), entities).with_policy(Policy(MANIFEST["policy"]))


def outcome(report: DocumentReport, scope: str | None = None) -> str:
    """`verified`, or the first check that did not pass: `failed:ID` or `cannot_check:ID` (each
    proof of a set, `proof_1`…, counts as `proof`). With scope `proof`, only the proof checks
    count: the source states that the proofs verify and claims nothing else."""
    checks = [c for credential in report.credentials for c in credential.checks]
    checks += report.checks
    if scope == "proof":
        checks = [c for c in checks if PROOF_NUMBER.sub("", c.id) == "proof"]
    for check in checks:
        if not check.good:
            kind = "failed" if check.outcome is Outcome.FAILED else "cannot_check"
            return f"{kind}:{PROOF_NUMBER.sub('', check.id)}"
    return "verified"


def ours(case: dict[str, Any]) -> str:
    """What our verifier says of one corpus case, as `outcome` words it (verified once a run)."""
    return _verdict(json.dumps(case, sort_keys=True))


@functools.cache
def _verdict(case_json: str) -> str:
    case = json.loads(case_json)
    try:
        report = verify_document(
            _document(case) if "change" in case else (CORPUS / case["file"]).read_bytes(),
            now=NOW,
            trust=_trust(),
            status_lists=_lists(),
        )
    except MalformedInputError:
        return "malformed"
    return outcome(report, case.get("scope"))


def _name(case: dict[str, Any]) -> str:
    return case["file"] + ("+change" if "change" in case else "")


@pytest.mark.parametrize("case", CASES, ids=[_name(c) for c in CASES])
def test_each_public_case_gets_its_stated_outcome_or_its_documented_refusal(
    case: dict[str, Any],
) -> None:
    """Each public credential gets the outcome its source states, or, where we differ on
    purpose, exactly the outcome docs/conformance.md records for it."""
    expected = case.get("disagree", {}).get("ours", case["expect"])
    assert ours(case) == expected, case["source_says"]


def test_the_agreement_counts_in_the_conformance_page_are_the_corpus_counts() -> None:
    """docs/conformance.md states how many corpus cases there are, how many agree on the check
    and how many on the verdict alone (verified or not), and all three are what the corpus
    gives now."""
    agree = sum(1 for case in CASES if ours(case) == case["expect"])
    verdicts = sum(1 for c in CASES if (ours(c) == "verified") == (c["expect"] == "verified"))
    stated = re.search(r"(\d+) cases, (\d+) agree \(the verdict alone: (\d+)\)", _page())
    assert stated is not None, "docs/conformance.md must say 'N cases, M agree (the verdict …)'"
    assert tuple(map(int, stated.groups())) == (len(CASES), agree, verdicts)


def _page() -> str:
    return " ".join(CONFORMANCE.read_text().split())


def test_every_corpus_file_is_a_case_and_has_a_source() -> None:
    """No fixture sits in tests/corpus without a stated outcome, and SOURCES.md names the
    source repository of every folder."""
    listed = {c["file"] for c in CASES} | set(MANIFEST["status_lists"].values())
    on_disk = {str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*.json") if p.name != "cases.json"}
    assert on_disk == listed
    sources = (CORPUS / "SOURCES.md").read_text()
    for folder in {name.split("/", 1)[0] for name in on_disk}:
        assert f"`{folder}/`" in sources, folder


SAMPLE_ENDINGS = ("-tampered.json", "-notYetValid.json", "basicOBv3.json")
SAMPLE = [c for c in CASES if c["file"].startswith("dcc-vc") and c["file"].endswith(SAMPLE_ENDINGS)]


@pytest.mark.parametrize("case", SAMPLE, ids=[c["file"] for c in SAMPLE])
def test_passport_verify_gives_the_stated_outcome_for_a_sample(
    case: dict[str, Any], tmp_path: Path
) -> None:
    """`passport verify --policy proof-only` on a file from the corpus exits 0 for a credential
    its source says verifies and 1 for one it says fails (tampered, not yet valid)."""
    env = {"PATH": os.environ.get("PATH", ""), "PASSPORT_TRUST_DIR": str(tmp_path / "trust")}
    done = subprocess.run(
        [
            PASSPORT,
            *("verify", str(CORPUS / case["file"]), "--policy", "proof-only", "--json"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == (0 if case["expect"] == "verified" else 1), done.stderr
    assert json.loads(done.stdout)["verified"] is (case["expect"] == "verified")
