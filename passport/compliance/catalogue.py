"""The role catalogue and an organisation's recognition rule: data, validated at the edge.

A subject (e.g. the CSTF's Resuscitation) has a stable code, the framework it belongs to and the
levels it has. A credential shows it covers a subject at a level through an Open Badges 3.0
alignment on its achievement: `targetFramework` is the subject's framework and `targetCode` is
`<code>-L<level>` for a levelled subject (`CSTF-RESUS-L2`) or `<code>` for an unlevelled one
(`DATA-CHAMPION`). Matching is exact and case-sensitive; a bare `CSTF-RESUS` does not count.

A role is a list of requirements: a subject, the least level accepted and a refresher period.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal, Self, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveInt,
    PrivateAttr,
    ValidationError,
    model_validator,
)
from pydantic_core import ErrorDetails

ANY: Literal["any"] = "any"
REGISTRY: Literal["registry"] = "registry"  # issuers the trusted registry aligns for the subject
SUBJECT_CODE = r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$"
_LEVEL_SUFFIX = re.compile(r"-L\d+$")

Model = TypeVar("Model", bound=BaseModel)
Aligned = Callable[[str, str], bool]  # (issuer DID, subject code) -> aligned in the registry


class CatalogueError(ValueError):
    """A catalogue or recognition file that cannot be used; the message names file and field."""

    def __init__(self, source: str, problems: list[str]) -> None:
        super().__init__(f"{source}: " + "; ".join(problems))
        self.source = source
        self.problems = problems


class UnknownRoleError(LookupError):
    """The catalogue has no role with this id."""


class _Data(BaseModel):
    """Catalogue data: unknown fields are typos, and typos are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Subject(_Data):
    """A subject of a framework, e.g. CSTF Resuscitation with levels 1 to 3."""

    code: str = Field(pattern=SUBJECT_CODE)
    name: str = Field(min_length=1)
    framework: str = Field(min_length=1)
    levels: list[PositiveInt] = Field(default_factory=list)
    """The levels the subject has, ascending; empty for an award without levels."""

    @model_validator(mode="after")
    def _codes_stay_unambiguous(self) -> Self:
        if _LEVEL_SUFFIX.search(self.code):
            raise ValueError(f"code {self.code!r} must not end like a level suffix (-L<n>)")
        if self.levels != sorted(set(self.levels)):
            raise ValueError(f"levels of {self.code} must be ascending and distinct")
        return self

    def alignment_codes(self) -> dict[str, int]:
        """Each `targetCode` that shows this subject, with the level it shows (0: unlevelled)."""
        if not self.levels:
            return {self.code: 0}
        return {f"{self.code}-L{level}": level for level in self.levels}


class Requirement(_Data):
    """A subject at a level (None for an unlevelled subject) with a refresher period."""

    subject: str
    level: PositiveInt | None
    refresher_months: PositiveInt | None
    """How long a credential counts after its validFrom; None: until its own validUntil."""

    @property
    def least_level(self) -> int:
        """The least level that meets it, 0 for an unlevelled subject."""
        return self.level or 0


class Role(_Data):
    """A role an employer checks a passport against."""

    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    name: str = Field(min_length=1)
    description: str = ""
    requirements: list[Requirement] = Field(min_length=1)


class Catalogue(_Data):
    """The subjects and the roles built from them."""

    about: str = ""
    subjects: list[Subject] = Field(min_length=1)
    roles: list[Role]
    _lookup: dict[tuple[str, str], tuple[str, int]] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        problems = [*_duplicate_codes(self), *_duplicate_roles(self), *_bad_requirements(self)]
        if problems:
            raise ValueError("; ".join(problems))
        self._lookup = {
            (s.framework, target_code): (s.code, level)
            for s in self.subjects
            for target_code, level in s.alignment_codes().items()
        }
        return self

    def subject(self, code: str) -> Subject:
        """The subject with this code (KeyError if none)."""
        return self._subjects()[code]

    def role(self, role_id: str) -> Role:
        """The role with this id."""
        for role in self.roles:
            if role.id == role_id:
                return role
        raise UnknownRoleError(role_id)

    def levels_shown(self, alignments: Iterable[tuple[str | None, str | None]]) -> dict[str, int]:
        """The subjects some (targetFramework, targetCode) pairs show, each at its highest level."""
        shown: dict[str, int] = {}
        for framework, code in alignments:
            match = self._lookup.get((framework or "", code or ""))
            if match is not None:
                subject, level = match
                shown[subject] = max(level, shown.get(subject, level))
        return shown

    def _subjects(self) -> dict[str, Subject]:
        return {s.code: s for s in self.subjects}


def _duplicates(keys: Iterable[str], where: str) -> list[str]:
    """`where` formatted with each repeated key's position and the key itself."""
    seen: set[str] = set()
    problems = []
    for i, key in enumerate(keys):
        if key in seen:
            problems.append(where.format(i=i, key=key))
        seen.add(key)
    return problems


def _duplicate_codes(catalogue: Catalogue) -> list[str]:
    codes = (s.code for s in catalogue.subjects)
    return _duplicates(codes, "subjects.{i}.code: duplicate subject code {key!r}")


def _duplicate_roles(catalogue: Catalogue) -> list[str]:
    return _duplicates((r.id for r in catalogue.roles), "roles.{i}.id: duplicate role id {key!r}")


def _bad_requirements(catalogue: Catalogue) -> list[str]:
    subjects = catalogue._subjects()
    problems = []
    for i, role in enumerate(catalogue.roles):
        seen: set[str] = set()
        for j, requirement in enumerate(role.requirements):
            where = f"roles.{i}.requirements.{j}"
            subject = subjects.get(requirement.subject)
            if subject is None:
                problems.append(f"{where}.subject: unknown subject {requirement.subject!r}")
                continue
            if requirement.subject in seen:
                problems.append(f"{where}.subject: {requirement.subject} required twice")
            seen.add(requirement.subject)
            problems.extend(_bad_level(where, subject, requirement.level))
    return problems


def _bad_level(where: str, subject: Subject, level: int | None) -> list[str]:
    if not subject.levels and level is not None:
        return [f"{where}.level: {subject.code} has no levels; use null"]
    if subject.levels and level not in subject.levels:
        return [f"{where}.level: {subject.code} has levels {subject.levels}, not {level}"]
    return []


class RecognitionRule(_Data):
    """Issuers (DIDs, "any", or "registry": those the issuer registry aligns for the subject on
    the day they issued) an organisation accepts for subjects (codes, or "any")."""

    subjects: Literal["any"] | list[str]
    issuers: Literal["any", "registry"] | list[str]
    note: str = ""

    @model_validator(mode="after")
    def _issuers_are_dids(self) -> Self:
        if not isinstance(self.issuers, str):
            for issuer in self.issuers:
                if not issuer.startswith("did:"):
                    raise ValueError(f'issuer {issuer!r} is not a DID (nor "any")')
        return self

    def covers(self, issuer_id: str, subject: str, aligned: Aligned | None = None) -> bool:
        """Whether this rule accepts the issuer for the subject (`aligned` answers for a
        "registry" rule; without it such a rule accepts nobody)."""
        subjects_ok = self.subjects == ANY or subject in self.subjects
        if self.issuers == REGISTRY:
            return subjects_ok and aligned is not None and aligned(issuer_id, subject)
        return subjects_ok and (self.issuers == ANY or issuer_id in self.issuers)


class Recognition(_Data):
    """An organisation's recognition rule: an issuer is accepted for a subject if a rule says so."""

    organisation: str = Field(min_length=1)
    about: str = ""
    rules: list[RecognitionRule]

    def accepts(self, issuer_id: str, subject: str, aligned: Aligned | None = None) -> bool:
        """Whether the organisation accepts this issuer's credentials for this subject."""
        return any(rule.covers(issuer_id, subject, aligned) for rule in self.rules)

    def unknown_subjects(self, catalogue: Catalogue) -> list[str]:
        """Each subject code the rules name that the catalogue lacks, with where it is."""
        known = {s.code for s in catalogue.subjects}
        return [
            f"rules.{i}.subjects: unknown subject {code!r}"
            for i, rule in enumerate(self.rules)
            if rule.subjects != ANY
            for code in rule.subjects
            if code not in known
        ]


def load_catalogue(path: Path) -> Catalogue:
    """An organisation's role catalogue from a JSON file; CatalogueError if it is malformed."""
    return _parse(Catalogue, _read(path), str(path))


def load_recognition(path: Path, catalogue: Catalogue | None = None) -> Recognition:
    """An organisation's recognition rule from a JSON file, its subjects checked if given one."""
    recognition = _parse(Recognition, _read(path), str(path))
    unknown = recognition.unknown_subjects(catalogue) if catalogue else []
    if unknown:
        raise CatalogueError(str(path), unknown)
    return recognition


@cache
def default_catalogue() -> Catalogue:
    """The catalogue shipped with the package (passport/data/roles.json)."""
    text = resources.files("passport").joinpath("data/roles.json").read_text(encoding="utf-8")
    return _parse(Catalogue, text, "passport/data/roles.json")


@cache
def default_recognition() -> Recognition:
    """The recognition rule shipped with the package: every issuer, every subject."""
    text = resources.files("passport").joinpath("data/recognition.json").read_text("utf-8")
    return _parse(Recognition, text, "passport/data/recognition.json")


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise CatalogueError(str(path), [f"cannot read: {error.strerror}"]) from error


def _parse(model: type[Model], text: str, source: str) -> Model:
    try:
        return model.model_validate_json(text)
    except ValidationError as error:
        raise CatalogueError(source, [_describe(e) for e in error.errors()]) from error


def _describe(error: ErrorDetails) -> str:
    """`roles.0.requirements.1.level: Input should be greater than 0`, or the bare message."""
    where = ".".join(str(part) for part in error["loc"])
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message
