"""The issuer API router: the OAuth token endpoint, issuers and achievements, awards, cohorts,
programmes, maintenance rules, endorsements and reviews, each from its own module."""

from __future__ import annotations

from fastapi import APIRouter

from issuers import (
    achievements_api,
    awards_api,
    cohorts_api,
    endorsements_api,
    maintenance_api,
    oauth_api,
    programmes_api,
    reviews_api,
)

router = APIRouter()
router.include_router(oauth_api.router)
router.include_router(achievements_api.router)
router.include_router(awards_api.router)
router.include_router(cohorts_api.router)
router.include_router(programmes_api.router)
router.include_router(maintenance_api.router)
router.include_router(endorsements_api.router)
router.include_router(reviews_api.router)
