"""What the learner's and the employer's pages share: who a personal link belongs to, and a
credential as a page shows it (a card), in the order that needs action first."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Path, Request
from fastapi.responses import Response

from passport.compliance import HeldCredential
from passport.services import Services
from passport.web.deps import ServicesDep
from passport.web.html import error_page
from projections.views import PassportView

# Any text: a malformed token is just one more link that leads nowhere (the not-found page).
Token = Annotated[str, Path(description="The personal or share link's token.")]
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,100}")
STATUS_WORDS = {
    "valid": "Valid",
    "expiring": "Expiring soon",
    "expired": "Expired",
    "suspended": "Suspended",
    "revoked": "Revoked",
}
STATUS_TAGS = {
    "valid": "nhsuk-tag--green",
    "expiring": "nhsuk-tag--yellow",
    "expired": "nhsuk-tag--grey",
    "suspended": "nhsuk-tag--orange",
    "revoked": "nhsuk-tag--red",
}
# What needs the learner's (or employer's) action first: lost ones, then ones about to lapse.
ACTION_ORDER = {"revoked": 0, "suspended": 1, "expired": 2, "expiring": 3, "valid": 4}


def learner_from_link(services: Services, token: str) -> str | None:
    """The learner a personal link belongs to (None if no current link has this token)."""
    if not TOKEN_SHAPE.fullmatch(token):
        return None
    return services.sharing.learner_for(token)


class NoSuchLinkError(Exception):
    """The personal link (or what it names) leads nowhere: answered with the 404 page."""


def _linked_learner(token: Token, services: ServicesDep) -> str:
    learner_id = learner_from_link(services, token)
    if learner_id is None:
        raise NoSuchLinkError
    return learner_id


LinkedLearner = Annotated[str, Depends(_linked_learner)]


def no_such_link(request: Request, _: Exception | None = None) -> Response:
    """The page for a personal link that leads nowhere (the app's handler of `NoSuchLinkError`)."""
    return error_page(
        request,
        404,
        "This link does not work",
        "This personal link is not (or no longer) a way into a passport.",
        "If you replaced your link, use the newest one. If you have lost it, ask the academy "
        "that trained you to send you a new one.",
    )


@dataclass(frozen=True)
class CredentialCard:
    """One credential as a page shows it."""

    id: str
    slug: str
    name: str
    kind: str
    issuer: str
    valid_from: str
    valid_until: str | None
    status: str
    status_words: str
    reason: str | None
    counts_for: list[str]
    credits: float | None
    twin: bool = False
    """Another shown credential has the same name: the page tells them apart."""
    renewed: bool = False
    """Expired or expiring, but a later one of the same name is valid: nothing to do."""

    @property
    def needs_action(self) -> bool:
        """Whether the learner should act on it: lost, lapsed or about to lapse, not renewed."""
        return self.status in ("revoked", "suspended", "expired", "expiring") and not self.renewed

    @property
    def tag(self) -> str:
        """The NHS tag colour of its status."""
        return STATUS_TAGS.get(self.status, "nhsuk-tag--grey")


def documents_of(services: Services, learner_id: str) -> dict[str, dict[str, Any]]:
    """The learner's signed credentials by id."""
    return {c["id"]: c for c, _, _, _ in services.views.credentials_of(learner_id)}


def cards(view: PassportView, documents: Mapping[str, Mapping[str, Any]]) -> list[CredentialCard]:
    """The credentials among `documents`, what needs action first, then the soonest to lapse,
    then the newest; same-named ones marked as twins."""
    found = []
    for c in view.credentials:
        if c.id not in documents:
            continue
        achievement = documents[c.id].get("credentialSubject", {}).get("achievement", {})
        aligned = [a.get("targetName") for a in achievement.get("alignment") or []]
        counts_for = [str(a) for a in aligned if a] or [
            str(f) for f in [achievement.get("fieldOfStudy")] if f
        ]
        found.append(
            CredentialCard(
                id=c.id,
                slug=c.id.removeprefix("urn:uuid:"),
                name=c.name,
                kind=c.kind,
                issuer=c.issuer_name,
                valid_from=c.valid_from[:10],
                valid_until=c.valid_until[:10] if c.valid_until else None,
                status=c.status,
                status_words=STATUS_WORDS.get(c.status, c.status),
                reason=c.status_reason,
                counts_for=counts_for,
                credits=c.credits,
            )
        )
    names = [card.name for card in found]
    found = [
        replace(card, twin=names.count(card.name) > 1, renewed=_renewed(card, found))
        for card in found
    ]
    return sorted(
        found,
        key=lambda card: (
            ACTION_ORDER.get(card.status, 5) if not card.renewed else len(ACTION_ORDER),
            card.valid_until or "9999",
            _descending(card.valid_from),
            card.name,
        ),
    )


def _renewed(card: CredentialCard, cards: list[CredentialCard]) -> bool:
    """Whether a lapsing or lapsed credential has a later one of the same name that is valid."""
    return card.status in ("expired", "expiring") and any(
        other.name == card.name and other.status == "valid" and other.valid_from > card.valid_from
        for other in cards
    )


def _descending(day: str) -> str:
    """A sort key putting later ISO days first."""
    return "".join(chr(ord("9") - ord(ch) + ord("0")) if ch.isdigit() else ch for ch in day)


def held_credentials(
    services: Services,
    learner_id: str,
    documents: Mapping[str, Mapping[str, Any]],
    only: tuple[str, ...] | None = None,
) -> list[HeldCredential]:
    """The learner's credentials with their status history, replayed from the log."""
    history = services.ledger.status_history(UUID(learner_id))
    held = []
    for credential in documents.values():
        if only is not None and credential["id"] not in only:
            continue
        changes = history.get(credential["id"])
        issuer = credential.get("issuer", {})
        issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
        if changes and isinstance(issuer_id, str):
            held.append(
                HeldCredential(
                    credential=dict(credential), issuer_id=issuer_id, status_history=changes
                )
            )
    return held
