"""Digital Bazaar's verifier reads our one two-bit status entry: the proof over an Open Badge
carrying it verifies in @digitalbazaar/vc (JSON-LD in safe mode), in both cryptosuites."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from typing import Any

import pytest

from issuers.status_list import status_entry
from tests.interop.test_digital_bazaar import BADGES, CREATED, INTEROP, KEY, METHOD, NOW, SUITES

LIST_URL = "https://passport.test/status/interop-academy/message/1"


def _verdicts(credentials: list[dict[str, Any]]) -> list[dict[str, Any]]:
    node = shutil.which("node")
    if node is None or not (INTEROP / "node_modules" / ".package-lock.json").exists():
        pytest.skip("the Digital Bazaar interop libraries are not installed (test_digital_bazaar)")
    payload = {"now": NOW.isoformat(), "acceptStatus": True, "credentials": credentials}
    done = subprocess.run(
        [node, str(INTEROP / "verify.mjs")],
        cwd=INTEROP,
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    verdicts: list[dict[str, Any]] = json.loads(done.stdout)
    return verdicts


def test_an_open_badge_with_our_status_entry_verifies_in_digital_bazaars_verifier():
    """Signed with our status entry (statusSize, statusMessage, statusReference), each suite's
    proof verifies in vc.js; the same credential with a message changed after signing does
    not."""
    unsigned = copy.deepcopy(BADGES["plain"])
    unsigned["credentialStatus"] = status_entry(
        LIST_URL, 94567, "https://passport.test/status/meanings"
    )
    signed = [
        create(unsigned, KEY, METHOD, CREATED, proof_as_array=True) for create in SUITES.values()
    ]
    relabelled = [copy.deepcopy(credential) for credential in signed]
    for credential in relabelled:
        credential["credentialStatus"]["statusMessage"][1]["message"] = "valid"
    verdicts = _verdicts([*signed, *relabelled])
    assert verdicts[: len(signed)] == [{"verified": True, "errors": []}] * len(signed)
    assert all(v["verified"] is False for v in verdicts[len(signed) :])
