"""The portable passport: a Verifiable Presentation plus what verifies it offline."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from issuers.credentials import VC_V2_CONTEXT
from projections.views import Views
from verifier.timestamps import xsd_datetime


def issuers_document(views: Views, dids: set[str] | None = None) -> list[dict[str, Any]]:
    """The issuers (all, or those with the given DIDs) with their key histories, as exported."""
    return [
        {
            "id": i.did,
            "name": i.name,
            "keys": [
                {
                    "id": k.id,
                    "publicKeyMultibase": k.public_key_multibase,
                    "validFrom": k.valid_from,
                    "retiredAt": k.retired_at,
                }
                for k in i.keys
            ],
        }
        for i in views.issuers()
        if dids is None or i.did in dids
    ]


def _status_entries(credential: dict[str, Any]) -> list[Any]:
    """One status object (as issued now) or a list of them (as issued before)."""
    declared = credential.get("credentialStatus")
    return declared if isinstance(declared, list) else [declared] if declared else []


def _status_lists(
    held: list[tuple[dict[str, Any], str, str, str | None]],
    status_list_at: Callable[[str], dict[str, Any] | None],
) -> dict[str, Any]:
    urls = sorted(
        {
            entry["statusListCredential"]
            for credential, _, _, _ in held
            for entry in _status_entries(credential)
            if isinstance(entry, dict) and isinstance(entry.get("statusListCredential"), str)
        }
    )
    found = {url: status_list_at(url) for url in urls}
    return {url: document for url, document in found.items() if document is not None}


def export_passport(
    views: Views,
    learner_id: str,
    at: datetime,
    status_list_at: Callable[[str], dict[str, Any] | None] = lambda _: None,
) -> dict[str, Any] | None:
    """The learner's passport bundle, or None if there is no such learner.

    `status_list_at` gives the signed status list at a URL, so the file carries every list its
    credentials point to and their status can be checked offline.
    """
    if not views.learners_exist(learner_id):
        return None
    held = views.credentials_of(learner_id)
    issuers = issuers_document(views, {c["issuer"]["id"] for c, _, _, _ in held})
    as_of = xsd_datetime(at)
    return {
        "@context": [VC_V2_CONTEXT],
        "type": ["VerifiablePresentation", "StaffPassport"],
        "id": f"urn:uuid:{uuid.uuid4()}",
        "verifiableCredential": [credential for credential, _, _, _ in held],
        "staffPassport": {
            "exportedAt": as_of,
            "issuers": issuers,
            "statuses": {
                credential["id"]: {"status": status, "asOf": as_of, "reason": reason}
                for credential, _, status, reason in held
            },
            "jwts": {credential["id"]: jwt for credential, jwt, _, _ in held},
            "statusLists": _status_lists(held, status_list_at),
        },
    }
