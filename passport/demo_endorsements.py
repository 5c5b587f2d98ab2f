"""Demo accreditation: a professional body endorses Digital Academy programmes."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from issuers.endorsements import Endorsing
from passport.services import Services

ACCREDITOR_SLUG = "faculty-clinical-informatics-demo"
ENDORSED = {
    "foundation": "Meets the Faculty of Clinical Informatics core competencies for digital "
    "health practitioners.",
    "data-champion": "Recognised as CPD towards Faculty of Clinical Informatics membership.",
}


def seed_endorsements(
    services: Services, academy_id: UUID, achievement_ids: dict[str, str], now: datetime
) -> None:
    """Register the demo accrediting body and endorse the academy's achievements in `ENDORSED`."""
    body = services.awarding.register_issuer(
        ACCREDITOR_SLUG,
        "Faculty of Clinical Informatics (demo)",
        "https://informatics.example.org.uk",
        now - timedelta(days=800),
    )
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
