"""Request and response models of the issuer API (kept apart from the domain's own models)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from events.issuer import AchievementKind

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
Email = Annotated[str, StringConstraints(max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
# How far ahead of this server's clock a date may be and still count as "now" (clocks differ).
MAX_CLOCK_SKEW = timedelta(minutes=5)


def future_date_problem(name: str, moment: datetime, now: datetime) -> str | None:
    """Why `moment`, the value of the field `name`, cannot be an award or issue date: it is later
    than `now` beyond the clock skew allowed. None when it is not."""
    if moment <= now + MAX_CLOCK_SKEW:
        return None
    return (
        f"{name} is in the future ({moment:%Y-%m-%d %H:%M} UTC; it is {now:%Y-%m-%d %H:%M} UTC "
        "now): an award records what was already earned, so give a date up to today (UTC)"
    )


class ApiModel(BaseModel):
    """camelCase on the wire (as Open Badges 3.0), snake_case in Python; unknown fields refused."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class TokenResponse(BaseModel):
    """RFC 6749 §5.1 access token response."""

    access_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - the scheme name
    expires_in: int


class OAuthError(BaseModel):
    """RFC 6749 §5.2 error response."""

    error: str
    error_description: str | None = None


class IssuerCreate(ApiModel):
    """Register an academy."""

    name: Text
    url: AnyHttpUrl
    did_method: Literal["web", "key"] = Field(
        "web",
        description="web: a did:web under this ledger, whose keys rotate. key: the did:key of "
        "the issuer's one key, resolvable offline by anyone (the W3C EdDSA suite needs it); "
        "it can never rotate.",
    )


class IssuerAccountPublic(BaseModel):
    """A registered issuer and its API credentials; the secret is shown this once only."""

    id: str
    did: str
    client_id: str
    client_secret: str


class IssuerKeyPublic(ApiModel):
    """One of the issuer's keys and when it could sign."""

    id: str
    public_key_multibase: str
    valid_from: str
    retired_at: str | None


class IssuerPublic(ApiModel):
    """An issuer as the API shows it."""

    id: str
    name: str
    url: str
    did: str
    keys: list[IssuerKeyPublic]


class Alignment(ApiModel):
    """Open Badges 3.0 `Alignment`: a framework the achievement maps to (e.g. a CSTF subject)."""

    target_name: Text
    target_url: AnyHttpUrl
    target_framework: Text | None = None
    target_code: Text | None = None
    target_description: LongText | None = None


class AchievementCreate(ApiModel):
    """Define (or, with PUT, publish a new version of) an achievement."""

    name: Text
    description: LongText
    criteria: LongText = Field(description="The criteria narrative: what earns it.")
    kind: AchievementKind = Field(description="training, badge or cpd")
    image: AnyHttpUrl | None = None
    achievement_type: Text | None = Field(
        None, description="Open Badges 3.0 achievementType; defaults from the kind."
    )
    credits_available: float | None = Field(
        None,
        ge=0,
        le=1000,
        title="CPD hours available",
        description="The CPD hours the achievement is worth (Open Badges 3.0 creditsAvailable).",
    )
    field_of_study: Text | None = None
    alignment: list[Alignment] = Field(default_factory=list, max_length=50)
    refresher_months: int | None = Field(
        None, ge=1, le=240, description="Months until an award expires; none: it never does."
    )


class AchievementPublic(ApiModel):
    """An achievement as the API shows it."""

    id: str
    version: int
    retired: bool
    kind: str
    refresher_months: int | None
    achievement: dict[str, Any] = Field(description="The Open Badges 3.0 Achievement.")


class LearnerRef(ApiModel):
    """Who an award is for. A staff identifier (ESR, NMC, GMC…) follows them across trusts."""

    reference: Text = Field(description="The academy's own learner reference.")
    staff_identifier: Text | None = Field(None, description="ESR number or registration number.")
    email: (
        Annotated[str, StringConstraints(max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")] | None
    ) = None
    name: Text

    @model_validator(mode="after")
    def _identifiable(self) -> LearnerRef:
        if not self.staff_identifier and not self.email:
            raise ValueError("give the learner's staffIdentifier or email")
        return self


class AwardCreate(ApiModel):
    """Award an achievement to one learner."""

    achievement_id: Text
    learner: LearnerRef
    earned_on: date = Field(description="When it was earned: today (UTC) or earlier.")
    credits_earned: float | None = Field(
        None,
        ge=0,
        le=1000,
        title="CPD hours earned",
        description="The CPD hours this learner earned (Open Badges 3.0 creditsEarned).",
    )
    cryptosuite: Literal["eddsa-jcs-2022", "eddsa-rdfc-2022"] = Field(
        "eddsa-jcs-2022",
        description="The Data Integrity proof: eddsa-rdfc-2022 is what Open Badges wallets and "
        "1EdTech certification expect; eddsa-jcs-2022 is faster to verify.",
    )

    @field_validator("earned_on")
    @classmethod
    def _not_in_future(cls, earned_on: date) -> date:
        # The credential's validFrom is the start of that day in UTC.
        start = datetime.combine(earned_on, time(), UTC)
        problem = future_date_problem("earnedOn", start, datetime.now(UTC))
        if problem is not None:
            raise ValueError(problem)
        return earned_on


class AwardPublic(ApiModel):
    """An issued credential, in both securing forms."""

    credential_id: str
    learner_id: str
    status: str
    credential: dict[str, Any]
    jwt: str


class CohortCreate(ApiModel):
    """A whole cohort: up to 10,000 awards, validated row by row before anything is written."""

    mode: Literal["all-or-nothing", "per-row"] = Field(
        "all-or-nothing",
        description="all-or-nothing: any bad row stops the whole cohort (422, nothing issued); "
        "per-row: good rows are awarded, bad rows reported.",
    )
    awards: list[dict[str, Any]] = Field(
        min_length=1, max_length=10_000, description="Rows in the shape of a single award."
    )


class RowProblem(BaseModel):
    """Why one row was refused (rows count from 1)."""

    row: int | None
    field: str | None
    message: str


class JobPublic(ApiModel):
    """A cohort job's progress."""

    id: str
    status: str = Field(description="running, completed, completed_with_errors or failed")
    mode: str
    total: int
    done: int
    errors: list[RowProblem]


class StatusChange(ApiModel):
    """Why a credential is revoked, suspended or reinstated."""

    reason: Reason
