"""Request and response models of the programme API: modules combined into one award."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import AnyHttpUrl, Field, StringConstraints, model_validator

from issuers.schemas import ApiModel, LongText, Text

AchievementId = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
MAX_MODULES = 100


class OptionalModules(ApiModel):
    """Choose N modules from a list of achievements and/or any achievement carrying a tag."""

    choose: int = Field(ge=1, le=MAX_MODULES, description="How many optional modules are needed.")
    from_: list[AchievementId] = Field(
        default_factory=list, alias="from", max_length=MAX_MODULES, description="Achievement ids."
    )
    tags: list[Tag] = Field(
        default_factory=list,
        max_length=20,
        description="Any achievement of this issuer whose Open Badges `tag` holds one of these.",
    )

    @model_validator(mode="after")
    def _enough_to_choose_from(self) -> OptionalModules:
        if not self.from_ and not self.tags:
            raise ValueError("optional modules need a list ('from') or a group ('tags')")
        if not self.tags and self.choose > len(set(self.from_)):
            raise ValueError(
                f"optional asks to choose {self.choose} modules from only "
                f"{len(set(self.from_))}: list more modules or choose fewer"
            )
        return self


class Package(ApiModel):
    """What a learner must hold: core modules, optional modules, CPD hours."""

    core: list[AchievementId] = Field(default_factory=list, max_length=MAX_MODULES)
    optional: OptionalModules | None = None
    min_cpd_hours: float | None = Field(
        None, ge=0, le=10000, description="CPD credits earned in the window, at least."
    )

    def is_empty(self) -> bool:
        """Whether it asks for no module at all (anyone would satisfy it)."""
        return not self.core and self.optional is None


class Variant(Package):
    """A bespoke package for one professional group; any package satisfied earns the award."""

    professional_group: Text


class ProgrammeCreate(Package):
    """Define a programme: its own achievement, awarded by the ledger once the rules are met."""

    name: Text
    description: LongText
    criteria: LongText = Field(description="The criteria narrative of the programme award.")
    image: AnyHttpUrl | None = None
    variants: list[Variant] = Field(default_factory=list, max_length=20)
    equivalents: list[list[AchievementId]] = Field(
        default_factory=list,
        max_length=MAX_MODULES,
        description="Groups of achievements that count as one module (online and face to face).",
    )
    earned_from: date | None = Field(None, description="Modules earned before this do not count.")
    earned_until: date | None = Field(None, description="Modules earned after this do not count.")

    @model_validator(mode="after")
    def _coherent(self) -> ProgrammeCreate:
        if self.is_empty() and not self.variants:
            raise ValueError(
                "a programme needs core modules, optional modules or variants: "
                "one that asks for nothing would be awarded to everyone"
            )
        for variant in self.variants:
            if variant.is_empty():
                raise ValueError(
                    f"variant {variant.professional_group!r} asks for no module: "
                    "give it core or optional modules"
                )
        seen: set[str] = set()
        for group in self.equivalents:
            if len(set(group)) < 2:
                raise ValueError("each group of equivalents needs at least two achievements")
            if seen & set(group):
                raise ValueError(
                    f"achievement {sorted(seen & set(group))[0]} is in two groups of "
                    "equivalents: merge the groups"
                )
            seen.update(group)
        if self.earned_from and self.earned_until and self.earned_from > self.earned_until:
            raise ValueError("earnedFrom is after earnedUntil: the window would be empty")
        return self

    def rules(self) -> dict[str, Any]:
        """The rules as the `Programme.Defined` event stores them (`issuers.programme_rules`)."""
        packages = [] if self.is_empty() else [_package(self, None)]
        packages += [_package(v, v.professional_group) for v in self.variants]
        return {
            "packages": packages,
            "equivalents": [list(dict.fromkeys(g)) for g in self.equivalents],
            "earnedFrom": self.earned_from.isoformat() if self.earned_from else None,
            "earnedUntil": self.earned_until.isoformat() if self.earned_until else None,
        }


def _package(package: Package, group: str | None) -> dict[str, Any]:
    optional = package.optional
    return {
        "professionalGroup": group,
        "core": list(dict.fromkeys(package.core)),
        "optional": None
        if optional is None
        else {
            "choose": optional.choose,
            "from": list(dict.fromkeys(optional.from_)),
            "tags": list(dict.fromkeys(optional.tags)),
        },
        "minCpdHours": package.min_cpd_hours,
    }


class ProgrammeFlag(ApiModel):
    """A programme award whose module credential was revoked: the issuer decides what to do."""

    credential_id: str
    module_credential_id: str
    reason: str
    flagged_at: str


class ProgrammePublic(ApiModel):
    """A programme as the API shows it."""

    id: str
    achievement_id: str = Field(description="The achievement the programme awards.")
    name: str
    rules: dict[str, Any]
    flags: list[ProgrammeFlag] = Field(
        default_factory=list, description="Awards to review: a module they relied on was revoked."
    )
