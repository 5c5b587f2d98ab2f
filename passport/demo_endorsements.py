"""Demo accreditation and reviews: a professional body endorses Digital Academy programmes,
and learners who hold them rate them."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from issuers.endorsements import Endorsing
from passport import registry
from passport.services import Services
from verifier.timestamps import xsd_datetime

ACCREDITOR_SLUG = "faculty-clinical-informatics-demo"
ENDORSED = {
    "foundation": "Meets the Faculty of Clinical Informatics core competencies for digital "
    "health practitioners.",
    "data-champion": "Recognised as CPD towards Faculty of Clinical Informatics membership.",
}


# (staff identifier of a demo learner, achievement key, rating, review)
REVIEWS = [
    ("NMC-18A2345E", "foundation", 5, "Gave me the words to work with our digital team."),
    ("GMC-7712345", "epr", 4, "Hands-on; the go-live rehearsal helped most."),
    ("ESR-40012345", "data-champion", 5, "Practical, and I use it every week."),
    ("NMC-09C8765W", "data-champion", 3, ""),
    ("NMC-18A2345E", "masterclass", 4, "Short and to the point."),
]


def seed_endorsements(
    services: Services, academy_id: UUID, achievement_ids: dict[str, str], now: datetime
) -> None:
    """Register the demo accrediting body and recognise it as one in the registry, endorse the
    academy's achievements in `ENDORSED`, and record the demo learners' `REVIEWS`."""
    body = services.awarding.register_issuer(
        ACCREDITOR_SLUG,
        "Faculty of Clinical Informatics (demo)",
        "https://informatics.example.org.uk",
        now - timedelta(days=800),
    )
    # Recognised as an accrediting body from its registration: only then may it endorse.
    registry.accredit(services, body.did, start=xsd_datetime(now - timedelta(days=800)), until=None)
    endorsing = Endorsing(
        services.ledger, services.key_store, services.awarding, services.status_indexes
    )
    for key, comment in ENDORSED.items():
        if key in achievement_ids:
            endorsing.endorse(
                body.id,
                issuer_id=academy_id,
                achievement_id=achievement_ids[key],
                comment=comment,
                at=now - timedelta(days=30),
            )
    _seed_reviews(services, achievement_ids)


def _seed_reviews(services: Services, achievement_ids: dict[str, str]) -> None:
    for staff, key, rating, text in REVIEWS:
        learner = services.ledger.learner_id_for(staff)
        held = services.ledger.learner(learner).credentials
        credential = next(
            cid for cid, c in held.items() if c["achievement_id"] == achievement_ids.get(key)
        )
        services.ledger.write_review(learner, credential, rating, text)
