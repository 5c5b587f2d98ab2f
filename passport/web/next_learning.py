"""The learner's "What to learn next": for a role they pick, each gap and what would fill it.

A gap is a requirement of the role their credentials do not meet today. What would fill it is
read by key: current achievements whose alignment shows the subject at the level needed
(`projections.alignments`), the programmes built from those achievements, and their ratings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from passport.compliance import HeldCredential, check_role
from passport.registry import own_trust
from passport.services import Services, utcnow
from projections import alignments, programmes
from projections.catalogue import Catalogue
from projections.reviews import RatingSummary, Reviews

PROGRAMMES_SHOWN = 5
UNRECOGNISED = "What you hold is from an issuer this role does not accept."


@dataclass(frozen=True)
class Option:
    """An achievement or programme in the catalogue that would fill a gap."""

    name: str
    issuer: str
    rating: str


@dataclass(frozen=True)
class Gap:
    """A requirement not met today, why, and what would fill it."""

    name: str
    why: str
    achievements: list[Option]
    programmes: list[Option]


@dataclass(frozen=True)
class NextSteps:
    """The role picked, how much of it is met, and the gaps."""

    role_name: str
    met: int
    total: int
    gaps: list[Gap]


def rating_words(summary: RatingSummary | None) -> str:
    """A rating summary as the catalogue words it."""
    if summary is None:
        return "Not rated yet"
    plural = "" if summary.reviews == 1 else "s"
    return f"{summary.average} out of 5 from {summary.reviews} verified learner{plural}"


def next_steps(
    services: Services, held: Sequence[HeldCredential], role_id: str, today: date
) -> NextSteps:
    """The role's gaps for these credentials today, each with what in the catalogue fills it."""
    catalogue = services.catalogue
    result = check_role(
        catalogue,
        role_id,
        services.recognition,
        held,
        as_of=today,
        aligned=own_trust(services, utcnow()).aligned_for,
    )
    met_states = ("met", "expires_before")
    open_ = [r for r in result.requirements if r.state.value not in met_states]
    found: list[tuple[Any, list[alignments.Offered], list[programmes.ProgrammeRecord]]] = []
    issuers: dict[str, str] = {}
    with services.read_models.read() as tx:
        for r in open_:
            subject = catalogue.subject(r.subject)
            least = r.level or 0
            pairs = [
                (subject.framework, code)
                for code, level in subject.alignment_codes().items()
                if level >= least
            ]
            offered = alignments.showing(tx, pairs)
            drawing = programmes.drawing_on(
                tx, [o.achievement_id for o in offered], [t for o in offered for t in o.tags]
            )
            drawing.sort(key=lambda p: (p.name, p.programme_id))
            found.append((r, offered, drawing[:PROGRAMMES_SHOWN]))
            issuers.update({o.achievement_id: o.issuer_name for o in offered})
    ratings = Reviews(services.read_models).summaries(
        [o.achievement_id for _, offered, _ in found for o in offered]
        + [p.achievement_id for _, _, drawing in found for p in drawing]
    )
    names = Catalogue(services.read_models).issuer_names(
        [p.issuer_id for _, _, d in found for p in d]
    )
    gaps = [
        Gap(
            _named(catalogue.subject(r.subject).levels, r.subject_name, r.level),
            _why(catalogue, held, r),
            [
                Option(o.name, o.issuer_name, rating_words(ratings.get(o.achievement_id)))
                for o in offered
            ],
            [
                Option(
                    p.name, names.get(p.issuer_id, ""), rating_words(ratings.get(p.achievement_id))
                )
                for p in drawing
            ],
        )
        for r, offered, drawing in found
    ]
    met = len(result.requirements) - len(open_)
    return NextSteps(result.role_name, met, len(result.requirements), gaps)


def _why(catalogue: Any, held: Sequence[HeldCredential], r: Any) -> str:
    """Why the requirement is not met, from the closest credential the learner holds."""
    if r.state.value == "met_by_unrecognised_issuer":
        return UNRECOGNISED
    shown = [catalogue.levels_shown(h.alignments).get(r.subject) for h in held]
    levels = [level for level in shown if level is not None]
    if not levels:
        return "You have no credential for this yet."
    if r.level and max(levels) < r.level:
        return f"What you hold is level {max(levels)}; this role needs level {r.level}."
    return "What you hold for this has lapsed or is not in force today."


def _named(levels: Sequence[int], name: str, level: int | None) -> str:
    if not level:
        return name
    return f"{name}, level {level}" + (" or higher" if max(levels) > level else "")
