"""The page a printed certificate's QR code opens: is this one credential genuine and current?

Public, keyed by the credential's random id (printed on nothing else, not guessable), and it
shows no person: only the achievement, issuer, dates and the verifier's checks, run as an
employer's own verifier would run them on the one-credential passport file the PDF carries.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from passport.publishing import passport_file
from passport.registry import own_trust
from passport.services import utcnow
from passport.web.certificates import one_credential
from passport.web.deps import ServicesDep
from passport.web.html import error_page, page
from passport.web.verdicts import OUTCOME_TAGS, OUTCOME_WORDS, who
from passport.words import long_date
from verifier import Policy, verify_document

router = APIRouter(include_in_schema=False)
Slug = Annotated[str, Path(description="The credential's id, without `urn:uuid:`.")]
SLUG_SHAPE = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


@router.get("/c/{slug}")
def certificate_check(request: Request, slug: Slug, services: ServicesDep) -> Response:
    """The verdict on one credential, for whoever scanned its certificate."""
    record = (
        services.views.credential(f"urn:uuid:{slug}") if re.fullmatch(SLUG_SHAPE, slug) else None
    )
    now = utcnow()
    bundle = passport_file(services, record["learner_id"], now) if record else None
    if record is None or not bundle:
        return error_page(
            request,
            404,
            "We cannot find this certificate",
            "Check that the whole address was copied. A certificate's QR code opens this page.",
        )
    carried = one_credential(bundle, record["credential"]["id"], None)
    trust = own_trust(services, now, Policy(services.settings.verify_policy))
    report = next(
        r
        for r in verify_document(carried, now=now, trust=trust).credentials
        if r.form != "vc+jwt" and r.credential_id == record["credential"]["id"]
    )
    credential: dict[str, Any] = record["credential"]
    context = {
        "name": report.name or credential.get("name", "A credential"),
        "verified": report.verified,
        "who": who(report),
        "issued": long_date(str(credential.get("validFrom", now.isoformat()))),
        "until": long_date(str(credential["validUntil"])) if credential.get("validUntil") else None,
        "checks": [
            {
                "name": c.name,
                "words": OUTCOME_WORDS.get(c.outcome.value, c.outcome.value),
                "outcome": c.outcome.value,
                "tag": OUTCOME_TAGS.get(c.outcome.value, "nhsuk-tag--grey"),
                "reason": c.reason,
            }
            for c in report.checks
        ],
        "checked_on": long_date(now.date()),
    }
    return page(request, "certificate_check.html", context)
