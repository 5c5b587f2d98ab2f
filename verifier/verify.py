"""Verifies credentials, presentations and passport files, offline, as a list of named checks.

For each credential, in order:
1. well_formed — VC Data Model 2.0 §4 required properties (fatal: nothing else is judged);
2. proof — the Data Integrity `eddsa-rdfc-2022` or `eddsa-jcs-2022` proof (vc-di-eddsa §3.2,
   §3.3; JSON-LD contexts only from the bundled, pinned set) or the `vc+jwt` signature
   (VC-JOSE-COSE §3.1.1, EdDSA only: no algorithm confusion, RFC 8725 §3.1) holds for the key
   the proof names (fatal: the content is not trusted otherwise);
3. issuer — the issuer controls that key (as vc.js requires) and a registry the verifier
   trusts (`verifier.trust`) recognised it, for this kind of credential, when it was issued;
   keys, issuers, note keys and status lists inside a file are hints, never trusted for that;
4. key_valid_at_issuance — the registry lists the key as the issuer's, not retired when the
   credential was issued (rotation: a key retired later does not invalidate earlier ones);
5. validity_period — `validFrom` <= now < `validUntil` (VCDM 2.0 §4.9), and for a JWT also its
   `nbf` and `exp` (RFC 7519 §4.1.4-5), with one clock for all;
6. status — revoked or suspended as recorded, by status lists signed with a key the registry
   lists for the issuer; a status that cannot be checked is `unknown`;
7. ledger_inclusion — an inclusion proof against a checkpoint signed by a note key the registry
   lists.
Nothing here opens a network connection or reads a database. The steps live in
`verifier.credential_forms` (the two forms), `verifier.registry_checks` (steps 3-7),
`verifier.presentation_files` (presentations and passport files) and `verifier.verify_context`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from verifier.checks import StatusLists
from verifier.credential_forms import verify_credential
from verifier.did_web import DidDocuments
from verifier.errors import MalformedInputError
from verifier.json_text import JsonTextError, read_json
from verifier.presentation_files import (
    is_enveloped_presentation,
    verify_presentation,
    verify_presentation_file,
)
from verifier.report import DocumentReport
from verifier.trust import Trust
from verifier.verify_context import LedgerProofs, ProofExpectations, document_types

__all__ = [
    "MAX_INPUT_BYTES",
    "LedgerProofs",
    "ProofExpectations",
    "parse_document",
    "verify_credential",
    "verify_document",
    "verify_presentation",
]

MAX_INPUT_BYTES = 5 * 1024 * 1024


def parse_document(data: bytes | str | Mapping[str, Any]) -> Mapping[str, Any] | str:
    """Read a file's content: a JSON object, or a compact JWT. Anything else is malformed."""
    if isinstance(data, Mapping):
        return data
    if len(data) > MAX_INPUT_BYTES or (
        isinstance(data, str) and len(data.encode("utf-8", "surrogatepass")) > MAX_INPUT_BYTES
    ):
        raise MalformedInputError(f"input is larger than {MAX_INPUT_BYTES // (1024 * 1024)} MB")
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError:
        raise MalformedInputError("input is not UTF-8 text") from None
    stripped = text.strip()
    if stripped.count(".") == 2 and not stripped.startswith(("{", "[")):
        return stripped
    try:
        parsed = read_json(stripped)
    except JsonTextError as exc:
        raise MalformedInputError(f"input is not JSON every tool reads alike: {exc}") from None
    except json.JSONDecodeError as exc:
        raise MalformedInputError(f"input is neither JSON nor a compact JWT ({exc.msg})") from None
    except RecursionError:
        raise MalformedInputError("input is JSON nested too deeply to read") from None
    if not isinstance(parsed, dict):
        raise MalformedInputError("input is JSON but not an object")
    return parsed


def verify_document(
    data: bytes | str | Mapping[str, Any],
    *,
    now: datetime,
    trust: Trust | None = None,
    status_lists: StatusLists | None = None,
    did_documents: DidDocuments | None = None,
) -> DocumentReport:
    """Verify whatever the file holds: a credential, a presentation or a passport file.

    `status_lists`, when given, replaces the lists a passport file carries (e.g. lists just
    fetched from the ledger that published them); `did_documents` is as `verify_credential`'s.
    """
    document = parse_document(data)
    trust = trust or Trust()
    if is_enveloped_presentation(document):
        report = verify_presentation(
            document,
            now=now,
            trust=trust,
            status_lists=status_lists,
            did_documents=did_documents,
        )
        return DocumentReport("presentation", report.credentials, report.checks)

    def single(credential: Mapping[str, Any] | str) -> DocumentReport:
        report = verify_credential(
            credential,
            now=now,
            trust=trust,
            status_lists=status_lists,
            did_documents=did_documents,
        )
        return DocumentReport("credential", (report,))

    if isinstance(document, str):
        return single(document)
    types = document_types(document)
    if "VerifiablePresentation" in types:
        return verify_presentation_file(
            document, now, trust, "StaffPassport" in types, status_lists, did_documents
        )
    if "VerifiableCredential" in types or "EnvelopedVerifiableCredential" in types:
        return single(document)
    raise MalformedInputError(
        "unknown format: expected a VerifiableCredential, a VerifiablePresentation or a JWT"
    )
