"""A cohort being signed holds no write lock: other awards, even a retry of its rows, go through."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import date, datetime

from events.issuer import AchievementKind
from issuers.awarding import Award, AwardRequest, Learner
from issuers.signing import Secured, SigningPool, Unsigned, secure_all
from keys import SigningKey
from passport.services import Services
from tests.issuers.academy import NOW, register_academy

WAIT = 60  # seconds: a guard against hanging should a lock be held, not a measurement


class _PausedPool(SigningPool):
    """Signs for real in this process, then waits (while the cohort is between its reservation
    and its write) until the other awards are done."""

    def __init__(self, others_done: threading.Event) -> None:  # no worker processes
        self.jobs = 1
        self.signing = threading.Event()
        self.others_done = others_done
        self.others_done_while_signing = False

    def secure_all(
        self, documents: Sequence[Unsigned], key: SigningKey, key_id: str, at: datetime
    ) -> list[Secured]:
        secured = secure_all(documents, key, key_id, at)
        self.signing.set()
        self.others_done_while_signing = self.others_done.wait(WAIT)
        return secured

    def close(self) -> None:
        """Nothing to stop."""


def _rows(achievement: str, prefix: str, count: int) -> list[AwardRequest]:
    return [
        AwardRequest(
            achievement,
            Learner(f"{prefix}-{n}", f"Learner {n}", ""),
            date(2026, 1, 5),
            None,
            f"{prefix}-key-{n}",
        )
        for n in range(count)
    ]


def test_a_cohort_being_signed_does_not_stall_other_awards(services: Services) -> None:
    """While one issuer's cohort is being signed, another issuer's award and a second award of
    the same issuer are recorded (no "database is locked", no wait for the cohort), and then
    the cohort is recorded whole, every credential with a status place of its own."""
    big_issuer, big_achievement = register_academy(services)
    other = services.awarding.register_issuer("other", "Other", "https://o.example", NOW)
    other_achievement = services.awarding.define_achievement(
        other.id,
        name="Fire Safety",
        description="FS",
        criteria="Pass",
        kind=AchievementKind.TRAINING,
    )
    others_done = threading.Event()
    pool = _PausedPool(others_done)
    cohort: list[Award] = []
    failures: list[BaseException] = []

    def award_cohort() -> None:
        try:
            cohort.extend(
                services.awarding.award_many(
                    big_issuer, _rows(big_achievement, "COHORT", 60), at=NOW, pool=pool
                )
            )
        except BaseException as error:  # reported by the assertion below
            failures.append(error)
            pool.signing.set()

    thread = threading.Thread(target=award_cohort)
    thread.start()
    try:
        assert pool.signing.wait(WAIT), failures
        other_award = services.awarding.award(
            other.id,
            other_achievement,
            Learner("ESR-9", "Nine", ""),
            earned_on=date(2026, 1, 6),
            at=NOW,
        )
        same_issuer = services.awarding.award(
            big_issuer,
            big_achievement,
            Learner("ESR-8", "Eight", ""),
            earned_on=date(2026, 1, 6),
            at=NOW,
        )
    finally:
        others_done.set()
        thread.join()
    assert not failures
    assert pool.others_done_while_signing
    assert services.ledger.learner(other_award.learner_id).credentials
    assert len(cohort) == 60
    places = {
        (
            a.credential["credentialStatus"]["statusListCredential"],
            a.credential["credentialStatus"]["statusListIndex"],
        )
        for a in [*cohort, same_issuer]
    }
    assert len(places) == 61
    for award in cohort:
        assert award.credential_id in services.ledger.learner(award.learner_id).credentials


def test_a_key_recorded_while_its_cohort_is_signed_is_recorded_once(services: Services) -> None:
    """A retry of one of a cohort's rows, recorded while the cohort is being signed, wins: the
    cohort then records its other rows, returns that row's credential as recorded, and the
    learner holds it once; every credential has a status place of its own."""
    issuer, achievement = register_academy(services)
    others_done = threading.Event()
    pool = _PausedPool(others_done)
    rows = _rows(achievement, "RACE", 3)
    cohort: list[Award] = []
    failures: list[BaseException] = []

    def award_cohort() -> None:
        try:
            cohort.extend(services.awarding.award_many(issuer, rows, at=NOW, pool=pool))
        except BaseException as error:  # reported by the assertion below
            failures.append(error)
            pool.signing.set()

    thread = threading.Thread(target=award_cohort)
    thread.start()
    try:
        assert pool.signing.wait(WAIT), failures
        first = services.awarding.award(
            issuer,
            achievement,
            rows[1].learner,
            earned_on=rows[1].earned_on,
            at=NOW,
            idempotency_key=rows[1].idempotency_key,
        )
    finally:
        others_done.set()
        thread.join()
    assert not failures
    assert [a.credential_id for a in cohort][1] == first.credential_id
    assert cohort[1].credential == first.credential
    assert list(services.ledger.learner(first.learner_id).credentials) == [first.credential_id]
    places = {a.credential["credentialStatus"]["statusListIndex"] for a in cohort}
    assert len(places) == 3
    with services.read_models.read() as tx:
        keys = tx.execute("SELECT COUNT(*) FROM award_idempotency_keys")[0][0]
    assert keys == 3
