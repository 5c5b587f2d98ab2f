""" "Accredited by …" on the learner's and the employer's pages, from the endorsements held.

An endorsement is an accreditation only when the registry recognised its issuer as an
accrediting body on the day it was given (`Trust.accredits`); any other endorsement (one made
before the role existed, or carried in a file from elsewhere) is shown as "Endorsed by", never
as accreditation.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from passport.registry import own_trust
from passport.services import Services, utcnow
from projections.endorsements import Endorsements
from verifier.trust import Trust
from verifier.verify import verify_document


@dataclass(frozen=True)
class Accreditation:
    """One endorsement of a credential's achievement or academy, as a page shows it."""

    endorser: str
    comment: str
    verified: bool = True
    why: str = ""  # for the employer: why it could not be confirmed
    accredited: bool = True  # given by a recognised accrediting body; else a plain endorsement


def is_accreditation(trust: Trust, endorsement: Mapping[str, Any]) -> bool:
    """Whether the endorsement's issuer was a recognised accrediting body when it was given."""
    issuer = endorsement.get("issuer")
    did = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    try:
        given = datetime.fromisoformat(str(endorsement.get("validFrom")).replace("Z", "+00:00"))
    except ValueError:
        return False
    return isinstance(did, str) and given.tzinfo is not None and trust.accredits(did, given)


def accreditations_of(services: Services, learner_id: str) -> dict[str, list[Accreditation]]:
    """The learner's credentials' active endorsements, as the ledger records them, each marked
    an accreditation or not by this ledger's own registry."""
    found = Endorsements(services.read_models).for_learner(learner_id)
    trust = own_trust(services, utcnow())
    return {
        credential_id: [
            Accreditation(
                e.endorser_name, e.comment, accredited=is_accreditation(trust, e.credential)
            )
            for e in endorsements
        ]
        for credential_id, endorsements in found.items()
        if endorsements
    }


def _endorser(credential: Mapping[str, Any]) -> str:
    issuer = credential.get("issuer")
    name = issuer.get("name") if isinstance(issuer, dict) else None
    return str(name or issuer or "an unnamed body")


def checked_accreditations(
    presentation: Mapping[str, Any], now: datetime, trust: Trust
) -> dict[str, list[Accreditation]]:
    """The endorsements a shared passport carries, each verified as the employer's own
    verifier would (from what the file carries), by the credential they accredit."""
    extras = presentation.get("staffPassport") or {}
    links = extras.get("endorsements") or {}
    documents = {
        c["id"]: c
        for c in presentation.get("verifiableCredential") or []
        if isinstance(c, dict) and "EndorsementCredential" in (c.get("type") or [])
    }
    if not documents or not isinstance(links, dict):
        return {}
    carried = {k: v for k, v in extras.items() if k != "jwts"}
    report = verify_document(
        {
            **presentation,
            "verifiableCredential": list(documents.values()),
            "staffPassport": carried,
        },
        now=now,
        trust=trust,
    )
    reports = {r.credential_id: r for r in report.credentials}
    shown: dict[str, list[Accreditation]] = {}
    for credential_id, endorsement_ids in links.items():
        for endorsement_id in endorsement_ids if isinstance(endorsement_ids, list) else []:
            document, checked = documents.get(endorsement_id), reports.get(endorsement_id)
            if document is None or checked is None:
                continue
            failed = [c.reason for c in checked.checks if not c.good]
            subject = document.get("credentialSubject") or {}
            shown.setdefault(str(credential_id), []).append(
                Accreditation(
                    endorser=_endorser(document),
                    comment=str(subject.get("endorsementComment") or ""),
                    verified=checked.verified,
                    why="; ".join(failed) or "it could not be checked",
                    accredited=checked.verified and is_accreditation(trust, document),
                )
            )
    return shown


def endorsement_links(bundle: Mapping[str, Any], shared: Collection[str]) -> dict[str, Any]:
    """The file's `staffPassport.endorsements` cut down to these credentials."""
    extras = bundle.get("staffPassport") or {}
    return {k: v for k, v in (extras.get("endorsements") or {}).items() if k in shared}


def shared_with_endorsements(shared: Collection[str], bundle: dict[str, Any]) -> set[str]:
    """The credential ids a link shares, with the endorsements of those credentials; the file's
    endorsement links are cut down to the shared credentials (no other credential id shows)."""
    extras: dict[str, Any] = bundle.get("staffPassport") or {}
    links = endorsement_links(bundle, shared)
    if "endorsements" in extras:
        extras["endorsements"] = links
    return set(shared) | {e for ids in links.values() for e in ids}
