"""The role check and CPD revalidation, against the catalogue as written in passport/data.

Expected values come from the catalogue's rules: the registered nurse (adult) needs the eleven
CSTF subjects at the levels listed in NURSE; Resuscitation level 2 is refreshed yearly and
Safeguarding Adults level 2 every three years; the data analyst needs the Data Champion award.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from issuers.credentials import achievement_document, open_badge_credential
from passport.compliance import (
    CPD_FRAMEWORK,
    INDIVIDUAL,
    PARTICIPATORY,
    CatalogueError,
    CredentialStatus,
    HeldCredential,
    Recognition,
    RequirementState,
    RoleCheck,
    UnknownRoleError,
    Verdict,
    check_role,
    cpd_hours_by_year,
    default_catalogue,
    default_recognition,
    load_catalogue,
    load_recognition,
    revalidation_progress,
)

CSTF = "Core Skills Training Framework"
ACADEMY = "did:web:digital-academy.example.nhs.uk"
ELSEWHERE = "did:web:training.example.com"
NURSE = "registered-nurse-adult"
ANALYST = "data-analyst"
# The registered nurse (adult) role as the catalogue defines it: subject code to level.
NURSE_LEVELS = {
    "CSTF-EDHR": 1,
    "CSTF-HSW": 1,
    "CSTF-CR": 1,
    "CSTF-FIRE": 1,
    "CSTF-IPC": 2,
    "CSTF-MH": 2,
    "CSTF-SGA": 2,
    "CSTF-PREVENT": 3,
    "CSTF-SGC": 2,
    "CSTF-RESUS": 2,
    "CSTF-IGDS": 1,
}
EARNED = date(2025, 1, 15)
TODAY = date(2025, 6, 1)


def alignment(framework: str, code: str) -> dict[str, Any]:
    """An Open Badges 3.0 Alignment."""
    return {
        "type": ["Alignment"],
        "targetName": code,
        "targetUrl": "https://www.skillsforhealth.org.uk/",
        "targetFramework": framework,
        "targetCode": code,
        "targetType": "ceasn:Competency",
    }


def held(
    *codes: str,
    framework: str = CSTF,
    earned_on: date = EARNED,
    issuer: str = ACADEMY,
    refresher_months: int | None = None,
    issued_at: datetime | None = None,
    changes: tuple[tuple[datetime, CredentialStatus], ...] = (),
    credits: float | None = None,
    achievement_type: str | None = None,
) -> HeldCredential:
    """A credential whose achievement aligns to `codes`, built the way the issuer builds it."""
    achievement = achievement_document(
        str(uuid4()),
        " + ".join(codes) or "CPD",
        "Training.",
        "Complete it.",
        "training",
        None,
        None,
    )
    achievement["alignment"] = [alignment(framework, code) for code in codes]
    if achievement_type:
        achievement["achievementType"] = achievement_type
    credential = open_badge_credential(
        credential_id=str(uuid4()),
        issuer_did=issuer,
        issuer_name="An issuer",
        issuer_url="https://issuer.example",
        achievement=achievement,
        identity_hash="sha256$c0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ff",
        earned_on=earned_on,
        refresher_months=refresher_months,
        credits_earned=credits,
    )
    issued = issued_at or datetime.combine(earned_on, time(9), UTC)
    return HeldCredential(
        credential=credential, issuer_id=issuer, status_history=[(issued, "active"), *changes]
    )


def nurse_credentials(**replace: HeldCredential | None) -> list[HeldCredential]:
    """One credential per nurse requirement at the required level; `replace` swaps or drops."""
    chosen: dict[str, HeldCredential | None] = {
        code: held(f"{code}-L{level}") for code, level in NURSE_LEVELS.items()
    }
    chosen.update(replace)
    return [c for c in chosen.values() if c is not None]


def check(
    credentials: list[HeldCredential],
    role: str = NURSE,
    as_of: date = TODAY,
    expires_before: date | None = None,
    recognition: Recognition | None = None,
) -> RoleCheck:
    """The role check against the shipped catalogue."""
    return check_role(
        default_catalogue(),
        role,
        recognition or default_recognition(),
        credentials,
        as_of=as_of,
        expires_before=expires_before,
    )


def state_of(result: RoleCheck, subject: str) -> RequirementState:
    """One requirement's state."""
    return next(r.state for r in result.requirements if r.subject == subject)


def at(day: date, hour: int = 9) -> datetime:
    """A moment on a day (UTC)."""
    return datetime.combine(day, time(hour), UTC)


def only_academy() -> Recognition:
    """An organisation that accepts only the academy, for every subject."""
    return Recognition.model_validate(
        {"organisation": "A trust", "rules": [{"subjects": "any", "issuers": [ACADEMY]}]}
    )


# --- the catalogue as shipped


def test_the_nurse_role_needs_all_eleven_cstf_subjects() -> None:
    catalogue = default_catalogue()
    requirements = catalogue.role(NURSE).requirements
    assert {r.subject: r.level for r in requirements} == NURSE_LEVELS
    assert {catalogue.subject(r.subject).framework for r in requirements} == {CSTF}
    assert {r.subject for r in catalogue.role("administrative-officer").requirements} <= set(
        NURSE_LEVELS
    )


def test_the_shipped_files_load_from_a_path_as_an_organisation_would() -> None:
    data = Path(__file__).parents[2] / "passport" / "data"
    catalogue = load_catalogue(data / "roles.json")
    assert catalogue == default_catalogue()
    assert load_recognition(data / "recognition.json", catalogue) == default_recognition()


# --- the role check


def test_all_requirements_met() -> None:
    credentials = nurse_credentials()
    result = check(credentials)
    assert result.verdict is Verdict.MET
    assert {r.state for r in result.requirements} == {RequirementState.MET}
    by_subject = {r.subject: r for r in result.requirements}
    # Resuscitation level 2 is refreshed yearly, Safeguarding Adults level 2 every 3 years.
    assert by_subject["CSTF-RESUS"].lapses_on == date(2026, 1, 15)
    assert by_subject["CSTF-SGA"].lapses_on == date(2028, 1, 15)
    assert by_subject["CSTF-RESUS"].credential_id == credentials[9].id
    assert by_subject["CSTF-RESUS"].issuer_id == ACADEMY


def test_a_higher_level_meets_a_lower_requirement() -> None:
    result = check(nurse_credentials(**{"CSTF-RESUS": held("CSTF-RESUS-L3")}))
    assert state_of(result, "CSTF-RESUS") is RequirementState.MET


def test_one_requirement_missing() -> None:
    result = check(nurse_credentials(**{"CSTF-RESUS": None}))
    assert result.verdict is Verdict.NOT_MET
    missing = [r for r in result.requirements if r.state is RequirementState.MISSING]
    assert [(r.subject, r.credential_id) for r in missing] == [("CSTF-RESUS", None)]


@pytest.mark.parametrize(
    ("framework", "code"),
    [
        (CSTF, "CSTF-RESUS-L1"),  # below the level required
        (CSTF, "CSTF-RESUS"),  # a levelled subject needs its level in the code
        ("Some other framework", "CSTF-RESUS-L2"),  # the framework must match too
    ],
)
def test_a_credential_that_does_not_show_the_level_leaves_it_missing(
    framework: str, code: str
) -> None:
    result = check(nurse_credentials(**{"CSTF-RESUS": held(code, framework=framework)}))
    assert state_of(result, "CSTF-RESUS") is RequirementState.MISSING


def test_met_by_an_unrecognised_issuer() -> None:
    outsider = held("CSTF-RESUS-L2", issuer=ELSEWHERE)
    result = check(nurse_credentials(**{"CSTF-RESUS": outsider}), recognition=only_academy())
    resus = next(r for r in result.requirements if r.subject == "CSTF-RESUS")
    assert resus.state is RequirementState.MET_BY_UNRECOGNISED_ISSUER
    assert (resus.issuer_id, resus.credential_id) == (ELSEWHERE, outsider.id)
    assert result.verdict is Verdict.NOT_MET
    assert check([outsider], as_of=TODAY).requirements[9].state is RequirementState.MET


def test_recognition_is_per_subject_and_a_recognised_issuer_wins() -> None:
    recognition = Recognition.model_validate(
        {
            "organisation": "A trust",
            "rules": [
                {"subjects": "any", "issuers": [ACADEMY]},
                {"subjects": ["CSTF-IGDS"], "issuers": [ELSEWHERE]},
            ],
        }
    )
    ig = held("CSTF-IGDS-L1", issuer=ELSEWHERE)
    later_outsider = held("CSTF-RESUS-L2", issuer=ELSEWHERE, earned_on=date(2025, 5, 1))
    credentials = [*nurse_credentials(**{"CSTF-IGDS": ig}), later_outsider]
    result = check(credentials, recognition=recognition)
    assert state_of(result, "CSTF-IGDS") is RequirementState.MET
    resus = next(r for r in result.requirements if r.subject == "CSTF-RESUS")
    assert (resus.state, resus.issuer_id) == (RequirementState.MET, ACADEMY)


def test_expires_before_a_chosen_date() -> None:
    # Resuscitation earned 15 January 2025, yearly: it counts up to 14 January 2026.
    credentials = nurse_credentials()
    lapsing = check(credentials, expires_before=date(2026, 1, 15))
    assert state_of(lapsing, "CSTF-RESUS") is RequirementState.EXPIRES_BEFORE
    assert state_of(lapsing, "CSTF-SGA") is RequirementState.MET
    assert lapsing.verdict is Verdict.EXPIRES_BEFORE
    assert check(credentials, expires_before=date(2026, 1, 14)).verdict is Verdict.MET


def test_the_refresher_period_cuts_short_a_longer_lived_credential() -> None:
    # The credential says two years; the nurse role refreshes Fire Safety yearly.
    fire = held("CSTF-FIRE-L1", refresher_months=24)
    result = check(nurse_credentials(**{"CSTF-FIRE": fire}))
    assert next(r for r in result.requirements if r.subject == "CSTF-FIRE").lapses_on == date(
        2026, 1, 15
    )


def test_the_credentials_own_expiry_cuts_short_a_longer_refresher() -> None:
    # Safeguarding Adults is refreshed every 3 years, but this credential ends after one.
    sga = held("CSTF-SGA-L2", refresher_months=12)
    result = check(nurse_credentials(**{"CSTF-SGA": sga}), as_of=date(2026, 1, 15))
    assert state_of(result, "CSTF-SGA") is RequirementState.MISSING


def test_as_of_a_past_date_met_then_lapsed_now() -> None:
    resus = held("CSTF-RESUS-L2", earned_on=date(2024, 3, 4))
    credentials = nurse_credentials(**{"CSTF-RESUS": resus})
    # Earned 4 March 2024, refreshed yearly: met on 3 March 2025, lapsed from 4 March.
    assert state_of(check(credentials, as_of=date(2025, 3, 3)), "CSTF-RESUS") is (
        RequirementState.MET
    )
    assert state_of(check(credentials, as_of=date(2025, 3, 4)), "CSTF-RESUS") is (
        RequirementState.MISSING
    )
    assert state_of(check(credentials), "CSTF-RESUS") is RequirementState.MISSING


def test_revoked_after_the_date_still_counts_at_the_date() -> None:
    resus = held("CSTF-RESUS-L2", changes=((at(date(2025, 3, 4)), "revoked"),))
    credentials = nurse_credentials(**{"CSTF-RESUS": resus})
    assert check(credentials, as_of=date(2025, 3, 3)).verdict is Verdict.MET
    assert state_of(check(credentials, as_of=date(2025, 3, 4)), "CSTF-RESUS") is (
        RequirementState.MISSING
    )


def test_suspended_at_the_date_does_not_count_until_reinstated() -> None:
    changes: tuple[tuple[datetime, CredentialStatus], ...] = (
        (at(date(2025, 2, 1)), "suspended"),
        (at(date(2025, 2, 10)), "active"),
    )
    credentials = nurse_credentials(**{"CSTF-RESUS": held("CSTF-RESUS-L2", changes=changes)})
    assert check(credentials, as_of=date(2025, 2, 5)).verdict is Verdict.NOT_MET
    assert check(credentials, as_of=date(2025, 2, 10)).verdict is Verdict.MET


def test_earned_before_the_date_counts_even_if_recorded_later() -> None:
    """Issue 13 #6: as of a day, what counts is when the training was done: a credential earned
    in January but recorded in the ledger on 10 March meets the requirement as of 9 March, and
    the result says when it was recorded."""
    late = held("CSTF-RESUS-L2", issued_at=at(date(2025, 3, 10)))
    credentials = nurse_credentials(**{"CSTF-RESUS": late})
    before = check(credentials, as_of=date(2025, 3, 9))
    resus = next(r for r in before.requirements if r.subject == "CSTF-RESUS")
    assert resus.state is RequirementState.MET
    assert resus.recorded_on == date(2025, 3, 10)
    after = check(credentials, as_of=date(2025, 3, 10))
    assert after.verdict is Verdict.MET
    assert next(r for r in after.requirements if r.subject == "CSTF-RESUS").recorded_on is None


def test_valid_from_after_the_date_does_not_count() -> None:
    credentials = nurse_credentials(**{"CSTF-RESUS": held("CSTF-RESUS-L2", earned_on=TODAY)})
    assert check(credentials, as_of=date(2025, 5, 31)).verdict is Verdict.NOT_MET
    assert check(credentials, as_of=TODAY).verdict is Verdict.MET


def test_the_data_analyst_role_met_by_a_data_champion_credential() -> None:
    champion = held("DATA-CHAMPION", framework="NHS Digital Academy")
    result = check([champion, held("CSTF-IGDS-L1")], role=ANALYST)
    assert result.verdict is Verdict.MET
    first = result.requirements[0]
    assert (first.subject, first.credential_id, first.lapses_on) == (
        "DATA-CHAMPION",
        champion.id,
        None,
    )
    wrong_framework = held("DATA-CHAMPION", framework=CSTF)
    assert check([wrong_framework, held("CSTF-IGDS-L1")], role=ANALYST).verdict is (Verdict.NOT_MET)


def test_unknown_role_and_backwards_dates_are_refused() -> None:
    with pytest.raises(UnknownRoleError):
        check([], role="astronaut")
    with pytest.raises(ValueError, match="before as_of"):
        check([], expires_before=date(2025, 5, 31))


def test_a_status_history_must_start_with_the_issue() -> None:
    with pytest.raises(ValueError, match="first status change"):
        held("CSTF-RESUS-L2", issued_at=at(date(2025, 3, 1)), changes=((at(EARNED), "revoked"),))


# --- malformed organisation files


def write(tmp_path: Path, document: Any) -> Path:
    """A JSON file in the test's directory."""
    path = tmp_path / "catalogue.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return path


def a_catalogue(requirement: dict[str, Any]) -> dict[str, Any]:
    """A one-subject, one-role catalogue with the given requirement."""
    return {
        "subjects": [
            {"code": "CSTF-RESUS", "name": "Resuscitation", "framework": CSTF, "levels": [1, 2, 3]}
        ],
        "roles": [{"id": "porter", "name": "Porter", "requirements": [requirement]}],
    }


@pytest.mark.parametrize(
    ("requirement", "names"),
    [
        (
            {"subject": "CSTF-RESUS", "level": 0, "refresher_months": 12},
            "roles.0.requirements.0.level",
        ),
        (
            {"subject": "CSTF-RESUS", "level": 4, "refresher_months": 12},
            "roles.0.requirements.0.level",
        ),
        (
            {"subject": "CSTF-FIREZ", "level": 1, "refresher_months": 12},
            "roles.0.requirements.0.subject",
        ),
        (
            {"subject": "CSTF-RESUS", "level": 2, "refresher_month": 12},
            "roles.0.requirements.0.refresher_month",
        ),
    ],
)
def test_a_malformed_catalogue_names_the_bad_field(
    tmp_path: Path, requirement: dict[str, Any], names: str
) -> None:
    path = write(tmp_path, a_catalogue(requirement))
    with pytest.raises(CatalogueError, match=f"^{re.escape(str(path))}: .*{re.escape(names)}: "):
        load_catalogue(path)


def test_a_catalogue_that_is_not_json_says_so(tmp_path: Path) -> None:
    path = write(tmp_path, '{"subjects": [')
    with pytest.raises(CatalogueError, match="Invalid JSON"):
        load_catalogue(path)


def test_a_malformed_recognition_names_the_bad_field(tmp_path: Path) -> None:
    unknown_subject = {
        "organisation": "A trust",
        "rules": [{"subjects": ["CSTF-X"], "issuers": "any"}],
    }
    with pytest.raises(
        CatalogueError, match=re.escape("rules.0.subjects: unknown subject 'CSTF-X'")
    ):
        load_recognition(write(tmp_path, unknown_subject), default_catalogue())
    not_a_did = {"organisation": "A trust", "rules": [{"subjects": "any", "issuers": ["academy"]}]}
    with pytest.raises(CatalogueError, match=re.escape("rules.0: issuer 'academy' is not a DID")):
        load_recognition(write(tmp_path, not_a_did))


# --- CPD


def cpd(
    hours: float,
    earned_on: date,
    achievement_type: str = "ext:Workshop",
    marker: str | None = None,
    changes: tuple[tuple[datetime, CredentialStatus], ...] = (),
) -> HeldCredential:
    """A CPD credential of `hours` credits, participatory by type or by an explicit marker."""
    codes = (marker,) if marker else ()
    return held(
        *codes,
        framework=CPD_FRAMEWORK,
        earned_on=earned_on,
        credits=hours,
        achievement_type=achievement_type,
        changes=changes,
    )


REVALIDATION = date(2026, 4, 1)  # the cycle is 1 April 2023 to 31 March 2026


def test_cpd_cycle_met() -> None:
    credentials = [
        cpd(12, date(2024, 5, 1)),
        cpd(8, date(2025, 2, 1), "ext:Conference"),
        cpd(15, date(2025, 9, 1), "Course"),
    ]
    cycle = revalidation_progress(credentials, revalidation_date=REVALIDATION, as_of=REVALIDATION)
    assert (cycle.total_hours, cycle.participatory_hours) == (35, 20)
    assert (cycle.required_hours, cycle.required_participatory_hours) == (35, 20)
    assert cycle.window_start == date(2023, 4, 1)
    assert cycle.met


def test_cpd_cycle_not_met_on_participatory_hours() -> None:
    credentials = [
        cpd(11, date(2024, 5, 1)),
        cpd(8, date(2025, 2, 1), "ext:Conference"),
        cpd(16, date(2025, 9, 1), "Course"),
    ]
    cycle = revalidation_progress(credentials, revalidation_date=REVALIDATION, as_of=REVALIDATION)
    assert (cycle.total_hours, cycle.participatory_hours) == (35, 19)
    assert not cycle.met


def test_hours_still_needed_cover_the_participatory_part() -> None:
    """NMC: 35 hours, 20 of them participatory. With 7 participatory hours 28 more are needed,
    13 of them participatory; with 34 hours of courses alone, 20 more participatory hours are
    needed (not 1), since the total is met only once those are earned."""
    some = [cpd(3.5, date(2024, 5, 1)), cpd(3.5, date(2025, 2, 1), "ext:Conference")]
    cycle = revalidation_progress(some, revalidation_date=REVALIDATION, as_of=REVALIDATION)
    assert (cycle.hours_needed, cycle.participatory_hours_needed) == (28, 13)
    courses = [cpd(34, date(2024, 5, 1), "Course")]
    cycle = revalidation_progress(courses, revalidation_date=REVALIDATION, as_of=REVALIDATION)
    assert (cycle.hours_needed, cycle.participatory_hours_needed) == (20, 20)
    enough = [cpd(20, date(2024, 5, 1)), cpd(15, date(2024, 6, 1), "Course")]
    cycle = revalidation_progress(enough, revalidation_date=REVALIDATION, as_of=REVALIDATION)
    assert (cycle.hours_needed, cycle.participatory_hours_needed, cycle.met) == (0, 0, True)


def test_an_explicit_marker_overrides_the_achievement_type() -> None:
    credentials = [
        cpd(20, date(2024, 5, 1), "Course", marker=PARTICIPATORY),
        cpd(15, date(2024, 6, 1), "ext:Workshop", marker=INDIVIDUAL),
    ]
    cycle = revalidation_progress(credentials, revalidation_date=REVALIDATION, as_of=REVALIDATION)
    assert (cycle.total_hours, cycle.participatory_hours, cycle.met) == (35, 20, True)


def test_cpd_cycle_window_and_status() -> None:
    credentials = [
        cpd(1, date(2023, 3, 31)),  # the day before the cycle: out
        cpd(2, date(2023, 4, 1)),  # its first day: in
        cpd(4, date(2026, 3, 31)),  # its last day: in
        cpd(8, REVALIDATION),  # the revalidation day itself: out
        cpd(16, date(2024, 1, 1), changes=((at(date(2025, 1, 1)), "revoked"),)),
    ]
    now = revalidation_progress(credentials, revalidation_date=REVALIDATION, as_of=REVALIDATION)
    assert now.total_hours == 6
    then = revalidation_progress(
        credentials, revalidation_date=REVALIDATION, as_of=date(2024, 12, 31)
    )
    # As of 31 December 2024 the revoked one still counted, and later ones were not yet earned.
    assert then.total_hours == 18


def test_cpd_hours_by_nhs_year_split_at_1_april() -> None:
    credentials = [
        cpd(3.5, date(2025, 3, 31)),
        cpd(7, date(2025, 4, 1)),
        cpd(1.5, date(2026, 3, 31)),
        cpd(2, date(2025, 4, 2), changes=((at(date(2025, 5, 1)), "revoked"),)),
        held("CSTF-IGDS-L1", earned_on=date(2025, 6, 1)),  # no credits: not CPD
    ]
    assert cpd_hours_by_year(credentials, as_of=date(2026, 4, 1)) == {
        "2024/25": 3.5,
        "2025/26": 8.5,
    }
    assert cpd_hours_by_year(credentials, as_of=date(2025, 4, 1)) == {
        "2024/25": 3.5,
        "2025/26": 7,
    }
