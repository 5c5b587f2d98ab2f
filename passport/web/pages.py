"""The people-facing pages: the learner's passport (`learner_pages.py`, with `share_pages.py` and
`erase_pages.py`) and the employer's view of a share link with its role check
(`employer_pages.py`), gathered for the app.

Server-rendered (Jinja2) with the NHS design system, readable without script. An employer needs
only the share link (`/s/{token}`); the same address answers `Accept: application/json` with a
Verifiable Presentation.
"""

from __future__ import annotations

from fastapi import APIRouter

from passport.web import (
    catalogue,
    employer_pages,
    erase_pages,
    learner_pages,
    review_pages,
    share_pages,
)
from passport.web.cards import NoSuchLinkError, learner_from_link, no_such_link

router = APIRouter(include_in_schema=False)
router.include_router(learner_pages.router)
router.include_router(share_pages.router)
router.include_router(erase_pages.router)
router.include_router(employer_pages.router)
router.include_router(review_pages.router)
router.include_router(catalogue.router)
api = employer_pages.api

__all__ = ["NoSuchLinkError", "api", "learner_from_link", "no_such_link", "router"]
