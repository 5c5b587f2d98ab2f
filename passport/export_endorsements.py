"""Endorsements carried in a passport file, so a verifier checks them with the credentials."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from projections.endorsements import Endorsements


def carry_endorsements(
    endorsements: Endorsements,
    bundle: dict[str, Any],
    learner_id: str,
    status_list_at: Callable[[str], dict[str, Any] | None],
) -> None:
    """Add the active endorsements of the bundle's credentials (of their achievements or their
    issuers) to its `verifiableCredential`, with their JWTs, statuses and status lists, and
    `staffPassport.endorsements`: each credential id's endorsement ids."""
    extras: dict[str, Any] = bundle["staffPassport"]
    held = {c["id"] for c in bundle["verifiableCredential"] if isinstance(c, dict)}
    by_credential = endorsements.for_learner(learner_id)
    carried: dict[str, Any] = {}
    links: dict[str, list[str]] = {}
    for credential_id, found in sorted(by_credential.items()):
        if credential_id not in held or not found:
            continue
        links[credential_id] = [e.credential_id for e in found]
        for e in found:
            carried[e.credential_id] = e
    as_of = extras.get("exportedAt")
    for endorsement_id, e in carried.items():
        bundle["verifiableCredential"].append(e.credential)
        extras.setdefault("jwts", {})[endorsement_id] = e.jwt
        extras.setdefault("statuses", {})[endorsement_id] = {
            "status": e.status,
            "asOf": as_of,
            "reason": None,
        }
        entry = e.credential.get("credentialStatus")
        url = entry.get("statusListCredential") if isinstance(entry, dict) else None
        lists: dict[str, Any] = extras.setdefault("statusLists", {})
        if isinstance(url, str) and url not in lists:
            document = status_list_at(url)
            if document is not None:
                lists[url] = document
    extras["endorsements"] = links
