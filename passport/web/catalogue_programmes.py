"""The catalogue's programmes: what each requires (core modules, a choice, CPD hours) in words."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any
from urllib.parse import urlencode

from issuers.programme_rules import referenced_achievements
from passport.services import Services
from passport.words import long_date
from projections.catalogue import Catalogue, ProgrammeListing
from projections.reviews import RatingSummary, Reviews


def _listed(names: list[str]) -> str:
    if len(names) < 2:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _either(names: list[str]) -> str:
    if len(names) < 2:
        return "".join(names)
    return ", ".join(names[:-1]) + " or " + names[-1]


def _hours(value: float) -> str:
    return f"{value:g} hour" + ("" if value == 1 else "s")


def package_words(package: Mapping[str, Any], names: Mapping[str, str]) -> list[str]:
    """One package's requirements, a sentence each."""
    words = []
    core = [names.get(a, "a module no longer listed") for a in package.get("core") or []]
    if core:
        words.append(f"Core module{'s' if len(core) > 1 else ''}: {_listed(core)}.")
    optional = package.get("optional") or {}
    if optional:
        pool = [names.get(a, "a module no longer listed") for a in optional.get("from") or []]
        pool += [f"any module tagged ‘{t}’" for t in optional.get("tags") or []]
        words.append(f"Choose {optional.get('choose')} of: {_either(pool)}.")
    minimum = package.get("minCpdHours")
    if isinstance(minimum, int | float):
        words.append(f"At least {_hours(float(minimum))} of CPD.")
    return words


def _words(rules: Mapping[str, Any], names: Mapping[str, str]) -> list[dict[str, Any]]:
    packages = []
    for package in rules.get("packages") or []:
        group = package.get("professionalGroup")
        packages.append(
            {
                "professionalGroup": group,
                "title": f"For {group} staff" if group else "For everyone",
                "requires": package_words(package, names),
            }
        )
    return packages


def _general(rules: Mapping[str, Any], names: Mapping[str, str]) -> list[str]:
    notes = [
        _either([names.get(a, "a module no longer listed") for a in group])
        + " count as the same module."
        for group in rules.get("equivalents") or []
    ]
    start, end = rules.get("earnedFrom"), rules.get("earnedUntil")
    if start:
        notes.append(f"Modules count if earned on or after {long_date(date.fromisoformat(start))}.")
    if end:
        notes.append(f"Modules count if earned on or before {long_date(date.fromisoformat(end))}.")
    return notes


def programme_entry(
    p: ProgrammeListing, names: Mapping[str, str], rating: RatingSummary | None
) -> dict[str, Any]:
    """One programme as JSON-ready data, with its requirements in words."""
    return {
        "id": p.programme_id,
        "achievementId": p.achievement_id,
        "name": p.name,
        "issuer": p.issuer_name,
        "packages": _words(p.rules, names),
        "notes": _general(p.rules, names),
        "rating": ({"average": rating.average, "reviews": rating.reviews} if rating else None),
    }


def programmes_page(
    services: Services, after: tuple[str, str] | None
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of the catalogue's programmes, and the link to the next page (or None)."""
    catalogue = Catalogue(services.read_models)
    listed, more = catalogue.programmes(after)
    names = catalogue.names([a for p in listed for a in referenced_achievements(p.rules)])
    ratings = Reviews(services.read_models).summaries([p.achievement_id for p in listed])
    entries = [programme_entry(p, names, ratings.get(p.achievement_id)) for p in listed]
    last = listed[-1] if listed and more else None
    link = (
        "/catalogue?"
        + urlencode({"programmes_after": last.name, "programmes_after_id": last.programme_id})
        if last
        else None
    )
    return entries, link
