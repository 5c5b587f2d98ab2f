"""Initial load: training records from an ESR or LMS report, validated, then recorded as awards.

The report is a CSV file (a row per completion: staff number, name, email, course code,
completion date; header names set by the mapping). A mapping file (JSON) says which issuer's
achievement each course code is. Every row is checked before anything is written; the rows are
then awarded through `Awarding.award_many` in chunks, so each credential is built and signed
exactly as an award is, with the completion date as its `validFrom`. A chunk's credentials,
idempotency keys and claims commit in one transaction: a kill leaves whole chunks only (and, if
it came while a chunk was signed, that chunk's status places reserved but unused). On
PostgreSQL a writer process records each chunk while the next is signed
(`issuers.award_pipeline`, `passport.writer_process`); with a `SigningPool`, credentials are
signed in its processes too.

A row's idempotency key is a keyed hash (ledger secret) of what makes it the same record:
staff number, course code and completion date. Importing a row again, or rerunning an import
that was killed, finds the credential id recorded the first time and records nothing twice.
"""

from __future__ import annotations

import contextlib
import csv
import json
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic.alias_generators import to_camel

from events.application import IssuerDetails
from events.errors import IssuerNotFoundError
from events.issuer import Issuer
from issuers.award_pipeline import Chunk, Chunker, PipelinedRecorder
from issuers.awarding import AwardRequest
from issuers.cohort import validate
from issuers.signing import SigningPool
from keys import normalise_identifier
from passport.services import Services
from passport.writer_process import WriterProcess, writer_processes

CHUNK = 500  # rows per atomic write
DIGEST_PURPOSE = "import-row"


class _Model(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )


class Columns(_Model):
    """The CSV header names of each field (defaults: an ESR competence report's)."""

    staff_number: str = "Employee Number"
    name: str = "Full Name"
    email: str = "Email Address"
    course_code: str = "Competence Code"
    completed_on: str = "Achieved Date"


class Course(_Model):
    """The achievement a course code is: its issuer (id or short name) and achievement id."""

    issuer: str = Field(min_length=1)
    achievement: str = Field(min_length=1)


class ImportMapping(_Model):
    """What a report's columns are, how its dates are written, and what each course code is."""

    columns: Columns = Columns()
    date_formats: list[str] = Field(default=["%Y-%m-%d", "%d/%m/%Y"], min_length=1)
    courses: dict[str, Course] = Field(min_length=1)

    @model_validator(mode="after")
    def _distinct_columns(self) -> ImportMapping:
        names = list(self.columns.model_dump().values())
        if len(set(names)) != len(names):
            raise ValueError("two fields are mapped to the same column")
        return self

    @classmethod
    def from_file(cls, path: Path) -> ImportMapping:
        """Read a mapping file, or `ValueError` saying what is wrong with it."""
        try:
            return cls.model_validate(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError(f"{path}: cannot be read ({exc.__class__.__name__})") from None
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: not JSON ({exc.msg}, line {exc.lineno})") from None
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "mapping"
            raise ValueError(f"{path}: {where}: {first['msg']}") from None


@dataclass(frozen=True)
class Refused:
    """A row that cannot be imported: its line in the file and why."""

    line: int
    reason: str


@dataclass(frozen=True)
class Planned:
    """A row ready to award."""

    line: int
    issuer_id: UUID
    request: AwardRequest


@dataclass
class Plan:
    """What an import would do: awards per achievement, refused rows, learners new and known."""

    rows: int = 0
    by_achievement: Counter[str] = field(default_factory=Counter)
    refused: list[Refused] = field(default_factory=list)
    new_learners: int = 0
    known_learners: int = 0
    repeated_rows: int = 0  # the same record more than once in the file: recorded once

    @property
    def awards(self) -> int:
        """How many credentials the import records at most (some may be recorded already)."""
        return sum(self.by_achievement.values())


class Importer:
    """Validates and records a report against a mapping."""

    def __init__(self, services: Services, mapping: ImportMapping) -> None:
        self._services = services
        self._mapping = mapping
        self._issuers = self._resolve_issuers()

    def _resolve_issuers(self) -> dict[str, IssuerDetails]:
        """Each course's issuer, refusing a mapping that names an unknown issuer or achievement."""
        found: dict[str, IssuerDetails] = {}
        for code, course in self._mapping.courses.items():
            try:
                issuer_id = UUID(course.issuer)
            except ValueError:
                issuer_id = Issuer.create_id(course.issuer)
            try:
                found[code] = self._services.ledger.issuer(issuer_id)
            except IssuerNotFoundError:
                raise ValueError(
                    f"course {code}: no issuer {course.issuer!r} (give its id or short name)"
                ) from None
            if course.achievement not in found[code].achievements:
                raise ValueError(
                    f"course {code}: issuer {course.issuer!r} has no achievement "
                    f"{course.achievement!r}"
                )
        return found

    def rows(self, path: Path) -> Iterator[Planned | Refused]:
        """Every data row of the report, checked: ready to award, or refused with its reason."""
        columns = self._mapping.columns
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header = set(reader.fieldnames or ())
            missing = [c for c in columns.model_dump().values() if c not in header]
            if missing:
                raise ValueError(
                    f"{path}: the header lacks column(s) {', '.join(missing)} "
                    '(name them in the mapping\'s "columns")'
                )
            block: list[tuple[int, dict[str, str | None]]] = []
            line = reader.line_num
            for record in reader:
                block.append((line + 1, record))
                line = reader.line_num
                if len(block) >= CHUNK:
                    yield from self._checked(block)
                    block = []
            yield from self._checked(block)

    def _checked(
        self, block: list[tuple[int, dict[str, str | None]]]
    ) -> Iterator[Planned | Refused]:
        """The block's rows checked, with whose records were erased read once for the block."""
        column = self._mapping.columns.staff_number
        staff = {(r.get(column) or "").strip() for _, r in block}
        erased = self._services.erased_among(staff)
        one_by_one = self._services.erased_staff()

        def was_erased(identifier: str) -> bool:
            return identifier in erased if identifier in staff else one_by_one(identifier)

        for line, record in block:
            yield self._check(line, record, was_erased)

    def _check(
        self, line: int, record: dict[str, str | None], erased: Callable[[str], bool]
    ) -> Planned | Refused:
        columns = self._mapping.columns

        def value(column: str) -> str:
            return (record.get(column) or "").strip()

        code = value(columns.course_code)
        course = self._mapping.courses.get(code)
        if course is None:
            return Refused(line, f"course code {code!r} is not in the mapping")
        completed = self._date(value(columns.completed_on))
        if completed is None:
            return Refused(
                line,
                f"completion date {value(columns.completed_on)!r} is not a date "
                f"({' or '.join(self._mapping.date_formats)})",
            )
        staff = value(columns.staff_number)
        issuer = self._issuers[code]
        row = {
            "achievementId": course.achievement,
            "learner": {
                "reference": staff,
                "staffIdentifier": staff,
                "name": value(columns.name),
                **({"email": value(columns.email)} if value(columns.email) else {}),
            },
            "earnedOn": completed.isoformat(),
        }
        content = json.dumps([normalise_identifier(staff), code, completed.isoformat()])
        key = "import/" + self._services.ledger.pseudonyms.record_digest(DIGEST_PURPOSE, content)
        valid, errors = validate([row], issuer, issuer.slug, key, erased)
        if errors:
            error = errors[0]
            return Refused(line, f"{_FIELDS.get(error.field, error.field)}: {error.message}")
        request = valid[0].request
        return Planned(line, issuer.id, _with_key(request, key))

    def _date(self, text: str) -> date | None:
        for pattern in self._mapping.date_formats:
            try:
                return datetime.strptime(text, pattern).date()
            except ValueError:
                continue
        return None

    def plan(self, path: Path) -> Plan:
        """What importing the report would do; nothing is written."""
        plan = Plan()
        keys: set[str] = set()
        learners: set[str] = set()
        pending: list[str] = []
        for row in self.rows(path):
            plan.rows += 1
            if isinstance(row, Refused):
                plan.refused.append(row)
                continue
            if row.request.idempotency_key in keys:
                plan.repeated_rows += 1
                continue
            keys.add(row.request.idempotency_key)
            definition = self._issuers_by_id(row.issuer_id).achievements[row.request.achievement_id]
            plan.by_achievement[str(definition["achievement"].get("name", ""))] += 1
            staff = normalise_identifier(row.request.learner.staff_identifier)
            if staff not in learners:
                learners.add(staff)
                pending.append(staff)
                if len(pending) >= CHUNK:
                    self._count_learners(plan, pending)
                    pending = []
        self._count_learners(plan, pending)
        return plan

    def _count_learners(self, plan: Plan, staff: list[str]) -> None:
        """Count which of these (distinct) learners are enrolled already, in one read."""
        known = len(self._services.ledger.known_learners(staff))
        plan.known_learners += known
        plan.new_learners += len(staff) - known

    def _issuers_by_id(self, issuer_id: UUID) -> IssuerDetails:
        return next(i for i in self._issuers.values() if i.id == issuer_id)

    def run(
        self,
        path: Path,
        at: datetime,
        progress: Callable[[int], None],
        *,
        pool: SigningPool | None = None,
        writers: Sequence[WriterProcess] = (),
    ) -> int:
        """Award every valid row in chunks (one transaction each); refused rows are skipped.
        With `writers`, each chunk is signed while those before it are written there
        (`issuers.award_pipeline`, `passport.writer_process`); with a `pool`, the credentials
        are signed in its processes.
        Returns how many rows were awarded (recorded now or found recorded before)."""
        recorder = PipelinedRecorder(self._services.awarding, at, progress, pool, writers)
        return recorder.record(self._chunks(path, progress, apart=max(1, len(writers))))

    def _chunks(self, path: Path, progress: Callable[[int], None], apart: int) -> Iterator[Chunk]:
        chunker = Chunker(CHUNK, apart)
        for row in self.rows(path):
            if isinstance(row, Refused):
                progress(1)
                continue
            yield from chunker.add(row.issuer_id, row.request)
        yield from chunker.rest()


def writers_for(
    services: Services, plan: Plan
) -> contextlib.AbstractContextManager[Sequence[WriterProcess]]:
    """Writer processes for an import of more than one chunk on PostgreSQL, else none: one
    SQLite file takes one writer at a time, and a small import ends before a process starts."""
    if services.settings.is_postgres and plan.awards > CHUNK:
        return writer_processes(services.settings)
    return contextlib.nullcontext(())


_FIELDS = {
    "learner.name": "name",
    "learner.email": "email",
    "learner.staffIdentifier": "staff number",
    "learner.reference": "staff number",
    "learner": "learner",
    "earnedOn": "completion date",
    "achievementId": "course",
}


def _with_key(request: AwardRequest, key: str) -> AwardRequest:
    """The request under the row's own key (the cohort validator appends a row number)."""
    return AwardRequest(
        request.achievement_id,
        request.learner,
        request.earned_on,
        request.credits_earned,
        key,
        request.cryptosuite,
    )
