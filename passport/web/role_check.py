"""The role check on the employer's page: reading its form (dates as day, month and year, with
the design system's error messages), and explaining every requirement in plain words."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from passport.compliance import HeldCredential, RoleCheck, check_role
from passport.compliance.roles import RequirementResult, lapses_on
from passport.registry import own_trust
from passport.services import Services, utcnow
from passport.sharing import ShareLink
from passport.web.cards import documents_of, held_credentials
from passport.web.verdicts import CheckedCredential
from passport.words import long_date

Parts = tuple[str | None, str | None, str | None]
STATE_WORDS = {
    "met": "Met",
    "expires_before": "Met, but lapses before your date",
    "met_by_unrecognised_issuer": "Not met: issuer not accepted",
    "missing": "Missing",
}
STATE_TAGS = {
    "met": "nhsuk-tag--green",
    "expires_before": "nhsuk-tag--yellow",
    "met_by_unrecognised_issuer": "nhsuk-tag--orange",
    "missing": "nhsuk-tag--red",
}


def read_day(parts: Parts, what: str) -> tuple[date | None, str | None, str]:
    """A date input's day, month and year: (the day or None, an error or None, ISO text)."""
    day, month, year = (p.strip() if p else "" for p in parts)
    if not (day or month or year):
        return None, None, ""
    if not (day and month and year):
        return None, f"{what} must include a day, month and year", ""
    if not all(re.fullmatch(r"[0-9]{1,2}", p) for p in (day, month)) or not re.fullmatch(
        r"[0-9]{4}", year
    ):
        return None, f"{what} must be a real date, like 5 2 2027", ""
    try:
        found = date(int(year), int(month), int(day))
    except ValueError:
        return None, f"{what} must be a real date, like 5 2 2027", ""
    return found, None, found.isoformat()


@dataclass
class RoleCheckForm:
    """What the employer asked (or nothing yet), with an error per field that is wrong."""

    submitted: bool = False
    role: str = ""
    as_of: date | None = None
    before: date | None = None
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(
        cls,
        role: str | None,
        as_of: Parts,
        before: Parts,
        as_of_iso: str | None,
        before_iso: str | None,
        known_roles: Sequence[str],
    ) -> RoleCheckForm:
        """The form from the query (date parts, or ISO dates from an older link)."""
        submitted = role is not None
        form = cls(submitted=submitted, role=role or "")
        if not submitted:
            return form
        if as_of_iso and not any(as_of):
            as_of = _parts(as_of_iso)
        if before_iso and not any(before):
            before = _parts(before_iso)
        for name, parts in (("as-of", as_of), ("before", before)):
            form.values.update(
                {
                    f"{name}-{k}": (v or "")
                    for k, v in zip(("day", "month", "year"), parts, strict=True)
                }
            )
        if form.role not in known_roles:
            form.errors["role"] = "Select the role to check against"
        form.as_of, error, _ = read_day(as_of, "The date to check on")
        if error:
            form.errors["as-of-day"] = error
        form.before, error, _ = read_day(before, "The date things must last until")
        if error:
            form.errors["before-day"] = error
        elif form.before and form.before < (form.as_of or utcnow().date()):
            form.errors["before-day"] = (
                "The date things must last until must be the same as or after the date to check on"
            )
        return form


def _parts(iso: str) -> Parts:
    try:
        day = date.fromisoformat(iso)
    except ValueError:
        return (iso, iso, iso)  # reported as not a real date
    return (str(day.day), str(day.month), str(day.year))


def role_check(
    services: Services, link: ShareLink, role: str, as_of: date, before: date | None
) -> RoleCheck:
    """The shared credentials checked against a role."""
    documents = documents_of(services, link.learner_id)
    held = held_credentials(services, link.learner_id, documents, link.credential_ids)
    return check_role(
        services.catalogue,
        role,
        services.recognition,
        held,
        as_of=as_of,
        expires_before=before,
        aligned=own_trust(services, utcnow()).aligned_for,
    )


@dataclass(frozen=True)
class Explained:
    """One requirement as the page shows it."""

    requirement: RequirementResult
    name: str
    words: str
    tag: str
    credential_slug: str | None
    credential_name: str | None
    explanation: str


@dataclass(frozen=True)
class ExplainedCheck:
    """The whole role check as the page shows it."""

    check: RoleCheck
    met: int
    total: int
    requirements: list[Explained]


def explained(
    services: Services, link: ShareLink, result: RoleCheck, checked: Sequence[CheckedCredential]
) -> ExplainedCheck:
    """Each requirement with the credential that met it, or why none did."""
    documents = documents_of(services, link.learner_id)
    held = held_credentials(services, link.learner_id, documents, link.credential_ids)
    names = {c.card.id: (c.card.slug, _told_apart(c)) for c in checked}
    rows = []
    for r in result.requirements:
        name = r.subject_name + (f", level {r.level}" if r.level else "")
        slug, credential = names.get(r.credential_id or "", (None, None))
        rows.append(
            Explained(
                r,
                name,
                STATE_WORDS[r.state.value],
                STATE_TAGS[r.state.value],
                slug,
                credential,
                _explanation(services, r, held, result, link, credential),
            )
        )
    met = sum(1 for r in result.requirements if r.state.value in ("met", "expires_before"))
    return ExplainedCheck(result, met, len(result.requirements), rows)


def _told_apart(c: CheckedCredential) -> str:
    card = c.card
    return f"{card.name} ({long_date(card.valid_from)})" if card.twin else card.name


def _explanation(
    services: Services,
    r: RequirementResult,
    held: Sequence[HeldCredential],
    result: RoleCheck,
    link: ShareLink,
    credential: str | None,
) -> str:
    as_of = long_date(result.as_of)
    recorded = (
        f" Earned before {as_of}, recorded {long_date(r.recorded_on)}." if r.recorded_on else ""
    )
    lapse = f" Lapses {long_date(r.lapses_on)}." if r.lapses_on else ""
    state = r.state.value
    if state == "met":
        return f"Met by {credential}.{lapse}{recorded}"
    if state == "expires_before":
        return f"Met by {credential}, but it lapses on {long_date(r.lapses_on)}.{recorded}"
    if state == "met_by_unrecognised_issuer":
        return (
            f"{credential} covers this, but its issuer is not one {result.organisation} "
            "accepts for it."
        )
    return _why_missing(services, r, held, result, link)


def _why_missing(
    services: Services,
    r: RequirementResult,
    held: Sequence[HeldCredential],
    result: RoleCheck,
    link: ShareLink,
) -> str:
    """Why no shared credential meets the requirement, from the closest one to it."""
    catalogue = services.catalogue
    as_of = result.as_of
    requirement = next(
        q for q in catalogue.role(result.role_id).requirements if q.subject == r.subject
    )
    reasons = []
    for h in held:
        level = catalogue.levels_shown(h.alignments).get(r.subject)
        if level is None:
            continue
        name = str(h.credential.get("name", "A credential"))
        if level < requirement.least_level:
            reasons.append(f"{name} is level {level}; this role needs level {r.level} or higher.")
        elif h.earned_on > as_of:
            reasons.append(f"{name} was earned on {long_date(h.earned_on)}, after that day.")
        elif not h.in_force_on(as_of):
            reasons.append(f"{name} was {h.status_on(as_of)} on {long_date(as_of)}.")
        else:
            lapsed = lapses_on(h, r.refresher_months)
            why = f"every {r.refresher_months} months" if r.refresher_months else "by its expiry"
            reasons.append(f"{name} lapsed on {long_date(lapsed)} (needed {why}).")
    if reasons:
        return " ".join(reasons)
    if link.credential_ids is not None:
        return (
            f"None of the shared credentials covers {r.subject_name}. "
            "They may hold one they did not share."
        )
    return f"No credential in this passport covers {r.subject_name}."
