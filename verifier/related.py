"""`relatedResource` digests (VCDM 2.0 §5.3) checked against the resources this verifier holds.

The verifier holds the bundled, pinned JSON-LD contexts (`verifier.document_loader`): a related
resource with one of their URLs is hashed from the bundled bytes and compared with its
`digestSRI` (SRI §3.5: `sha256-`, `sha384-` or `sha512-` and base64) and its `digestMultibase`
(multibase `u` base64url or `z` base58btc, of the bare digest or of a multihash). Any other
resource "cannot be checked": nothing is fetched, and that alone does not decide the verdict.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping
from importlib import resources
from typing import Any

from keys.multibase import b58decode
from verifier.data_model import one_or_more
from verifier.document_loader import CONTEXTS_PACKAGE, pinned_contexts
from verifier.report import CheckResult, Outcome

CHECK = "related_resources"
NAME = "Related resources unchanged"
SRI_ALGORITHMS = {"sha256": "sha256", "sha384": "sha384", "sha512": "sha512"}
# Multihash codes (multicodec table) of the SHA-2 digests.
MULTIHASH = {0x12: "sha256", 0x20: "sha384", 0x13: "sha512"}
BY_LENGTH = {32: "sha256", 48: "sha384", 64: "sha512"}


def _held(url: str) -> bytes | None:
    pinned = pinned_contexts().get(url)
    if pinned is None:
        return None
    return resources.files(CONTEXTS_PACKAGE).joinpath(pinned.file).read_bytes()


def _sri_matches(expression: str, content: bytes) -> bool:
    """Whether any hash of the SRI metadata (space-separated `alg-base64`) matches."""
    for token in expression.split():
        algorithm, _, value = token.partition("-")
        name = SRI_ALGORITHMS.get(algorithm.lower())
        if name is None:
            continue
        expected = base64.b64encode(hashlib.new(name, content).digest()).decode()
        if hmac.compare_digest(value.split("?", 1)[0], expected):
            return True
    return False


def _multibase_matches(value: str, content: bytes) -> bool:
    try:
        if value.startswith("u"):
            raw = base64.urlsafe_b64decode(value[1:] + "=" * (-len(value[1:]) % 4))
        elif value.startswith("z"):
            raw = b58decode(value[1:])
        else:
            return False
    except (ValueError, binascii.Error):
        return False
    name = BY_LENGTH.get(len(raw))
    if len(raw) >= 2 and raw[0] in MULTIHASH and raw[1] == len(raw) - 2:  # a multihash
        name, raw = MULTIHASH[raw[0]], raw[2:]
    if name is None:
        return False
    return hmac.compare_digest(hashlib.new(name, content).digest(), raw)


def related_resources(credential: Mapping[str, Any]) -> CheckResult | None:
    """The check of the credential's related resources, or None when it names none."""
    if "relatedResource" not in credential:
        return None
    wrong: list[str] = []
    checked: list[str] = []
    unheld: list[str] = []
    for item in one_or_more(credential["relatedResource"]):
        if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
            continue  # `well_formed` has refused it already
        url = item["id"]
        content = _held(url)
        if content is None:
            unheld.append(url)
            continue
        tests = [
            (name, test)
            for name, test in (("digestSRI", _sri_matches), ("digestMultibase", _multibase_matches))
            if isinstance(item.get(name), str)
        ]
        if all(test(item[name], content) for name, test in tests):
            checked.append(url)
        else:
            wrong.append(url)
    if wrong:
        return CheckResult(
            CHECK,
            NAME,
            Outcome.FAILED,
            f"the digest of {wrong[0]} does not match the resource (VCDM 2.0 §5.3)",
            "digest_mismatch",
        )
    if unheld:
        return CheckResult(
            CHECK,
            NAME,
            Outcome.UNKNOWN,
            f"cannot check {', '.join(unheld)}: this verifier does not hold it and fetches "
            f"nothing (reported only){'; ' + str(len(checked)) + ' checked' if checked else ''}",
            decides=False,
        )
    return CheckResult(
        CHECK, NAME, Outcome.PASSED, f"the digests of {', '.join(checked)} match our copies"
    )
