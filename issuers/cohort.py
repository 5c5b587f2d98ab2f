"""A whole cohort at once: rows from JSON or CSV, every row validated before anything is written."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import ValidationError

from events.application import IssuerDetails
from issuers.awarding import AwardRequest, Learner
from issuers.schemas import AwardCreate

MAX_ROWS = 10_000
CSV_COLUMNS = (
    "achievementId",
    "reference",
    "staffIdentifier",
    "email",
    "name",
    "earnedOn",
    "creditsEarned",
)


class Mode(StrEnum):
    """What to do with a cohort holding bad rows."""

    ALL_OR_NOTHING = "all-or-nothing"
    PER_ROW = "per-row"


@dataclass(frozen=True)
class RowError:
    """Why one row (numbered from 1, as a spreadsheet shows data rows) was refused."""

    row: int
    field: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"row": self.row, "field": self.field, "message": self.message}


@dataclass(frozen=True)
class ValidRow:
    """A row that passed validation, ready to award."""

    row: int
    request: AwardRequest


def csv_rows(text: str) -> list[dict[str, Any]]:
    """The rows of a CSV export, keyed by the header; nested into the JSON award shape."""
    reader = csv.DictReader(io.StringIO(text))
    missing = {"achievementId", "reference", "name", "earnedOn"} - set(reader.fieldnames or ())
    if missing:
        raise ValueError(
            f"the CSV header lacks column(s): {', '.join(sorted(missing))} "
            f"(expected {', '.join(CSV_COLUMNS)})"
        )
    rows = []
    for record in reader:
        value = {k: (v.strip() if isinstance(v, str) else v) for k, v in record.items() if k}
        learner = {
            k: value[k] for k in ("reference", "staffIdentifier", "email", "name") if value.get(k)
        }
        row: dict[str, Any] = {
            "achievementId": value.get("achievementId"),
            "learner": learner,
            "earnedOn": value.get("earnedOn"),
        }
        if value.get("creditsEarned"):
            row["creditsEarned"] = value["creditsEarned"]
        rows.append(row)
        if len(rows) > MAX_ROWS:
            break
    return rows


def validate(
    rows: Iterable[Mapping[str, Any]],
    issuer: IssuerDetails,
    slug: str,
    batch_key: str,
    erased: Callable[[str], bool] = lambda _: False,
    *,
    erased_among: Callable[[Collection[str]], set[str]] | None = None,
) -> tuple[list[ValidRow], list[RowError]]:
    """Check every row (shape, achievement, learner not erased); return good rows and reasons.

    With `erased_among`, whose records were erased is read once for all the rows (a cohort of
    thousands of rows then costs one read, not one per row); else `erased` asks row by row.
    """
    shaped: list[tuple[int, AwardCreate, str]] = []
    errors: list[RowError] = []
    for number, raw in enumerate(rows, start=1):
        try:
            award = AwardCreate.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "row"
            errors.append(RowError(number, field, first["msg"]))
            continue
        definition = issuer.achievements.get(award.achievement_id)
        if definition is None or definition["retired"]:
            state = "is retired" if definition else "does not exist"
            errors.append(
                RowError(number, "achievementId", f"achievement {award.achievement_id} {state}")
            )
            continue
        staff = award.learner.staff_identifier or f"{slug}:{award.learner.reference}"
        shaped.append((number, award, staff))
    if erased_among is not None:
        gone = erased_among({staff for _, _, staff in shaped})
        erased = gone.__contains__
    valid: list[ValidRow] = []
    for number, award, staff in shaped:
        if erased(staff):
            errors.append(RowError(number, "learner", "this learner's record was erased"))
            continue
        learner = Learner(staff, award.learner.name, award.learner.email or "")
        valid.append(
            ValidRow(
                number,
                AwardRequest(
                    award.achievement_id,
                    learner,
                    award.earned_on,
                    award.credits_earned,
                    f"{batch_key}#row-{number}",
                    award.cryptosuite,
                ),
            )
        )
    errors.sort(key=lambda e: e.row)
    return valid, errors
