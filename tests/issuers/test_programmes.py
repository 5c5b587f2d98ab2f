"""Programmes awarded by the ledger itself, exactly once, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from jsonschema import Draft201909Validator
from referencing import Registry
from referencing.exceptions import NoSuchResource

from events.issuer import AchievementKind
from issuers.awarding import AwardRequest, Learner
from issuers.programme_awarder import ProgrammeAwarder
from issuers.programme_schemas import ProgrammeCreate
from issuers.programmes import define_programme
from passport.services import Services, utcnow
from passport.settings import Settings
from projections import programmes

SCHEMA_FILE = (
    Path(__file__).parents[3]
    / "shared"
    / "ob3-schema"
    / "ob_v3p0_achievementcredential_schema.json"
)
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
AMIRA = Learner("NMC-18A2345E", "Amira Okafor", "amira@example.nhs.net")
MODULES = ("epr", "epr-online", "data", "safety", "cyber", "nursing-informatics")


@dataclass
class Academy:
    """An issuer with EPR skills modules and a programme built from them."""

    services: Services
    issuer_id: UUID
    modules: dict[str, str]
    programme_id: UUID | None = None

    def define(self, **rules: Any) -> UUID:
        body = {
            "name": "Digital Academy Online Foundation Certificate",
            "description": "EPR skills for every member of staff.",
            "criteria": "Complete the core EPR module and two optional modules.",
            **rules,
        }
        self.programme_id = define_programme(
            self.services.ledger, self.issuer_id, ProgrammeCreate.model_validate(body)
        )
        return self.programme_id

    def standard(self) -> UUID:
        """Core EPR (face to face or online count as one), choose two of data, safety, cyber."""
        m = self.modules
        return self.define(
            core=[m["epr"]],
            optional={"choose": 2, "from": [m["data"], m["safety"], m["cyber"]]},
            equivalents=[[m["epr"], m["epr-online"]]],
        )

    def award(self, *keys: str, learner: Learner = AMIRA, days_ago: int = 30) -> list[str]:
        requests = [
            AwardRequest(
                self.modules[k],
                learner,
                NOW.date() - timedelta(days=days_ago),
                2.0,
                f"{k}-{days_ago}-{learner.staff_identifier}",
            )
            for i, k in enumerate(keys)
        ]
        awards = self.services.awarding.award_many(self.issuer_id, requests, at=NOW)
        return [a.credential_id for a in awards]

    def awarder(self, services: Services | None = None) -> ProgrammeAwarder:
        s = services or self.services
        return ProgrammeAwarder(s.ledger, s.awarding, s.read_models, s.projections, utcnow)

    def programme_credentials(self, learner: Learner = AMIRA) -> list[tuple[dict[str, Any], str]]:
        assert self.programme_id is not None
        self.services.projections.catch_up()
        learner_id = str(self.services.ledger.learner_id_for(learner.staff_identifier))
        with self.services.read_models.read() as tx:
            record = programmes.programme(tx, str(self.programme_id))
        assert record is not None
        return [
            (credential, status)
            for credential, _, status, _ in self.services.views.credentials_of(learner_id)
            if credential["credentialSubject"]["achievement"]["id"]
            == f"urn:uuid:{record.achievement_id}"
        ]


@pytest.fixture
def academy(settings: Settings) -> Iterator[Academy]:
    services = Services.open(settings)
    issuer = services.awarding.register_issuer(
        "digital-academy", "NHS Digital Academy", "https://academy.example", NOW
    )
    modules = {
        key: services.awarding.define_achievement(
            issuer.id,
            name=f"EPR skills: {key}",
            description=f"The {key} module.",
            criteria="Complete the module.",
            kind=AchievementKind.CPD,
            credits_available=2.0,
        )
        for key in MODULES
    }
    yield Academy(services, issuer.id, modules)
    services.close()


def _validator() -> Draft201909Validator:
    def offline(uri: str) -> Any:
        raise NoSuchResource(ref=uri)  # type: ignore[call-arg]

    return Draft201909Validator(
        json.loads(SCHEMA_FILE.read_text()),
        registry=Registry(retrieve=offline),  # type: ignore[call-arg]
    )


def test_modules_arriving_in_one_cohort_earn_the_programme_once_with_evidence(academy):
    """Core and two optional modules recorded in one write give one programme credential whose
    evidence names those three module credentials, valid against the OB 3.0 schema."""
    academy.standard()
    held = academy.award("epr", "data", "safety")
    academy.awarder().run_until_idle()
    awarded = academy.programme_credentials()
    assert len(awarded) == 1
    credential, status = awarded[0]
    assert status == "active"
    assert sorted(e["id"] for e in credential["evidence"]) == sorted(held)
    assert all(e["type"] == ["Evidence"] for e in credential["evidence"])
    assert credential["issuer"]["name"] == "NHS Digital Academy"
    assert credential["validFrom"] == f"{(NOW.date() - timedelta(days=30)).isoformat()}T00:00:00Z"
    assert list(_validator().iter_errors(credential)) == []


def test_modules_out_of_order_earn_it_once_only_when_the_last_arrives(academy):
    """Optional modules first, the core module (its online version) last: nothing until the core
    arrives, then one award, and later modules award nothing more."""
    academy.standard()
    academy.award("cyber", days_ago=40)
    academy.awarder().run_until_idle()
    academy.award("data", days_ago=20)
    academy.awarder().run_until_idle()
    assert academy.programme_credentials() == []
    online = academy.award("epr-online", days_ago=10)
    academy.awarder().run_until_idle()
    academy.award("safety", days_ago=5)
    academy.awarder().run_until_idle()
    awarded = academy.programme_credentials()
    assert len(awarded) == 1
    evidence = {e["id"] for e in awarded[0][0]["evidence"]}
    assert online[0] in evidence
    assert len(evidence) == 3


def test_face_to_face_and_online_versions_count_as_one_module(academy):
    """Holding a module in both forms and one optional module is not two optional modules."""
    m = academy.modules
    academy.define(
        core=[m["data"]],
        optional={"choose": 2, "from": [m["epr"], m["epr-online"], m["cyber"]]},
        equivalents=[[m["epr"], m["epr-online"]]],
    )
    academy.award("data", "epr", "epr-online")
    academy.awarder().run_until_idle()
    assert academy.programme_credentials() == []
    academy.award("cyber")
    academy.awarder().run_until_idle()
    assert len(academy.programme_credentials()) == 1


def test_two_awarders_at_once_award_once(academy, settings):
    """Two processes' awarders following the same log at the same moment record one award."""
    academy.standard()
    academy.award("epr", "data", "cyber")
    academy.services.projections.catch_up()
    others = [Services.open(settings) for _ in range(2)]
    try:
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []

        def run(services: Services) -> None:
            try:
                barrier.wait()
                academy.awarder(services).run_until_idle()
            except BaseException as error:
                errors.append(error)

        threads = [threading.Thread(target=run, args=(s,)) for s in others]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
    finally:
        for s in others:
            s.close()
    assert len(academy.programme_credentials()) == 1


def test_a_rebuild_and_a_fresh_follower_do_not_award_again(academy):
    """After the read models are rebuilt and the awarder starts over from the log's beginning,
    the learner still holds the programme credential once."""
    academy.standard()
    academy.award("epr", "data", "cyber")
    academy.awarder().run_until_idle()
    assert len(academy.programme_credentials()) == 1
    academy.services.projections.rebuild()
    with academy.services.read_models.transaction() as tx:
        tx.execute("DELETE FROM rm_tracking WHERE name = 'programme-awarder'")
    academy.awarder().run_until_idle()
    assert len(academy.programme_credentials()) == 1


def test_revoking_a_module_flags_the_programme_award_and_revokes_nothing(academy):
    """A revoked module the award relied on is flagged once for the issuer; the programme
    credential stays active until the issuer decides."""
    programme_id = academy.standard()
    held = academy.award("epr", "data", "safety")
    academy.awarder().run_until_idle()
    (credential, _) = academy.programme_credentials()[0]
    learner_id = academy.services.ledger.learner_id_for(AMIRA.staff_identifier)
    academy.services.ledger.revoke_credential(learner_id, held[1], "Assessment not passed.")
    academy.awarder().run_until_idle()
    academy.awarder().run_until_idle()
    with academy.services.read_models.read() as tx:
        flags = programmes.flags(tx, str(programme_id))
    assert [(f["credentialId"], f["moduleCredentialId"]) for f in flags] == [
        (credential["id"], held[1])
    ]
    assert "was revoked" in flags[0]["reason"]
    assert [status for _, status in academy.programme_credentials()] == ["active"]


def test_a_variant_for_a_professional_group_earns_the_programme(academy):
    """A learner who meets the nursing package (not the standard one) is awarded, and the
    evidence says which package they met."""
    m = academy.modules
    academy.define(
        core=[m["epr"]],
        optional={"choose": 2, "from": [m["data"], m["safety"]]},
        variants=[{"professionalGroup": "nursing", "core": [m["nursing-informatics"], m["cyber"]]}],
    )
    academy.award("nursing-informatics", "cyber")
    academy.awarder().run_until_idle()
    (credential, _) = academy.programme_credentials()[0]
    assert all("nursing package" in e["description"] for e in credential["evidence"])


def test_modules_outside_the_window_or_short_of_cpd_hours_do_not_count(academy):
    """A module earned before the window opens does not count, nor do too few CPD hours."""
    m = academy.modules
    academy.define(
        core=[m["epr"], m["data"]],
        minCpdHours=5,
        earnedFrom=(NOW.date() - timedelta(days=100)).isoformat(),
    )
    academy.award("epr", days_ago=200)
    academy.award("data", days_ago=10)
    academy.awarder().run_until_idle()
    assert academy.programme_credentials() == []
    academy.award("epr", days_ago=3)  # the core is met in the window, with 4 of 5 CPD hours
    academy.awarder().run_until_idle()
    assert academy.programme_credentials() == []
    academy.award("cyber", days_ago=1)  # 6 hours in the window
    academy.awarder().run_until_idle()
    assert len(academy.programme_credentials()) == 1


def test_a_programme_defined_later_awards_those_already_holding_its_modules(academy):
    """Learners who completed the modules before the programme existed receive it too."""
    academy.award("epr", "safety", "cyber")
    academy.awarder().run_until_idle()
    academy.standard()
    academy.awarder().run_until_idle()
    assert len(academy.programme_credentials()) == 1


def test_programme_rules_are_stored_as_defined(academy):
    """The signed event keeps the rules as JSON the read models and the API show back."""
    programme_id = academy.standard()
    academy.services.projections.catch_up()
    with academy.services.read_models.read() as tx:
        record = programmes.programme(tx, str(programme_id))
    assert record is not None
    m = academy.modules
    assert record.rules == {
        "packages": [
            {
                "professionalGroup": None,
                "core": [m["epr"]],
                "optional": {"choose": 2, "from": [m["data"], m["safety"], m["cyber"]], "tags": []},
                "minCpdHours": None,
            }
        ],
        "equivalents": [[m["epr"], m["epr-online"]]],
        "earnedFrom": None,
        "earnedUntil": None,
    }
