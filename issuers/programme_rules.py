"""Whether the credentials a learner holds satisfy a programme, and which ones it relies on.

The rules, as the `Programme.Defined` event stores them (JSON, camelCase):

    {"packages": [{"professionalGroup": null | "nursing",      # null: the standard package
                   "core": [achievement ids],                   # every one required
                   "optional": {"choose": N, "from": [achievement ids], "tags": [tags]} | null,
                   "minCpdHours": hours | null}],               # credits of every counted award
     "equivalents": [[achievement ids that count as one module]],   # online and face to face
     "earnedFrom": "YYYY-MM-DD" | null, "earnedUntil": "YYYY-MM-DD" | null}

A learner satisfies the programme when they satisfy any one package (the first, in order, that
they do). The choice is deterministic: among equivalent credentials, and among optional modules,
the earliest earned (then the smallest credential id) is used, so every process, in any order of
arrival, reaches the same award.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

STANDARD = "standard"


@dataclass(frozen=True)
class Held:
    """An active credential of the learner, as the rules see it."""

    credential_id: str
    achievement_id: str
    name: str
    earned_on: date
    credits: float
    tags: frozenset[str]


@dataclass(frozen=True)
class Satisfied:
    """How a learner met a programme: the package, and the credentials it relied on."""

    package: str
    core: tuple[Held, ...]
    optional: tuple[Held, ...]
    cpd_hours: float

    @property
    def earned_on(self) -> date:
        """The day the last credential relied on was earned: when the programme was met."""
        return max(h.earned_on for h in (*self.core, *self.optional))


def referenced_achievements(rules: Mapping[str, Any]) -> set[str]:
    """Every achievement id the rules name (core, optional, equivalents)."""
    ids: set[str] = set()
    for package in rules.get("packages", []):
        ids.update(package.get("core", []))
        ids.update((package.get("optional") or {}).get("from", []))
    for group in rules.get("equivalents", []):
        ids.update(group)
    return ids


def referenced_tags(rules: Mapping[str, Any]) -> set[str]:
    """Every tag an optional choice draws from."""
    return {
        tag
        for package in rules.get("packages", [])
        for tag in (package.get("optional") or {}).get("tags", [])
    }


def _canonical(rules: Mapping[str, Any]) -> dict[str, str]:
    """Each achievement in an equivalence group mapped to the group's first member."""
    return {member: group[0] for group in rules.get("equivalents", []) for member in group}


def _in_window(rules: Mapping[str, Any], day: date) -> bool:
    start, end = rules.get("earnedFrom"), rules.get("earnedUntil")
    return (start is None or day >= date.fromisoformat(start)) and (
        end is None or day <= date.fromisoformat(end)
    )


def _order(held: Held) -> tuple[date, str]:
    return held.earned_on, held.credential_id


def evaluate(rules: Mapping[str, Any], held: Iterable[Held]) -> Satisfied | None:
    """The first package the learner's active credentials satisfy, or None."""
    canonical = _canonical(rules)
    counted = sorted((h for h in held if _in_window(rules, h.earned_on)), key=_order)
    by_module: dict[str, Held] = {}
    for h in counted:
        by_module.setdefault(canonical.get(h.achievement_id, h.achievement_id), h)
    cpd_hours = sum(h.credits for h in counted)
    for package in rules.get("packages", []):
        result = _package(package, canonical, by_module, cpd_hours)
        if result is not None:
            return result
    return None


def _package(
    package: Mapping[str, Any],
    canonical: Mapping[str, str],
    by_module: Mapping[str, Held],
    cpd_hours: float,
) -> Satisfied | None:
    core_modules = list(dict.fromkeys(canonical.get(a, a) for a in package.get("core", [])))
    if any(m not in by_module for m in core_modules):
        return None
    minimum = package.get("minCpdHours")
    if minimum is not None and cpd_hours < float(minimum):
        return None
    chosen: Sequence[Held] = ()
    optional = package.get("optional")
    if optional:
        listed = {canonical.get(a, a) for a in optional.get("from", [])}
        tags = set(optional.get("tags", []))
        candidates = sorted(
            (
                h
                for module, h in by_module.items()
                if module not in core_modules and (module in listed or h.tags & tags)
            ),
            key=_order,
        )
        if len(candidates) < int(optional["choose"]):
            return None
        chosen = candidates[: int(optional["choose"])]
    core = tuple(by_module[m] for m in core_modules)
    if not core and not chosen:
        return None
    return Satisfied(
        package=package.get("professionalGroup") or STANDARD,
        core=core,
        optional=tuple(chosen),
        cpd_hours=cpd_hours,
    )


def evidence(satisfied: Satisfied) -> list[dict[str, Any]]:
    """Open Badges 3.0 `Evidence` entries naming each module credential relied on."""
    entries = []
    for role, items in (("core", satisfied.core), ("optional", satisfied.optional)):
        for h in items:
            entries.append(
                {
                    "id": h.credential_id,
                    "type": ["Evidence"],
                    "name": h.name,
                    "description": f"{role.capitalize()} module of the {satisfied.package} "
                    f"package, earned on {h.earned_on.isoformat()}",
                }
            )
    return entries
