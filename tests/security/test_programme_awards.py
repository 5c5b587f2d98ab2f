"""Attacks on programmes: borrowed modules, programmes for everyone, forged modules, erasure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from events.issuer import AchievementKind
from issuers.awarding import Learner
from issuers.programme_awarder import ProgrammeAwarder
from issuers.programme_schemas import ProgrammeCreate
from issuers.programmes import define_programme
from passport.services import Services, utcnow
from tests.api_client import ACHIEVEMENT

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
AMIRA = Learner("NMC-18A2345E", "Amira Okafor", "amira@example.nhs.net")


def _academy(services: Services, slug: str, count: int) -> tuple[str, list[str]]:
    issuer = services.awarding.register_issuer(slug, slug, "https://academy.example", NOW)
    ids = [
        services.awarding.define_achievement(
            issuer.id,
            name=f"module {n}",
            description="A module.",
            criteria="Complete it.",
            kind=AchievementKind.TRAINING,
        )
        for n in range(count)
    ]
    return str(issuer.id), ids


def _programme(core: list[str]) -> ProgrammeCreate:
    return ProgrammeCreate.model_validate(
        {"name": "Certificate", "description": "d", "criteria": "c", "core": core}
    )


def _programme_awards(services: Services) -> int:
    ProgrammeAwarder(
        services.ledger, services.awarding, services.read_models, services.projections, utcnow
    ).run_until_idle()
    with services.read_models.read() as tx:
        rows = tx.execute(
            "SELECT COUNT(*) FROM rm_credentials c JOIN rm_programmes p "
            "ON p.achievement_id = c.achievement_id"
        )
    return int(rows[0][0])


def test_an_issuer_cannot_build_a_programme_from_another_issuers_modules(services):
    """Naming a module of another academy is refused: a programme vouches only for its
    issuer's own modules, so nobody can award on the strength of someone else's."""
    mine, _ = _academy(services, "mine", 1)
    _, theirs = _academy(services, "theirs", 1)
    with pytest.raises(ValueError, match="is not one of this issuer's achievements"):
        define_programme(services.ledger, UUID(mine), _programme(theirs))


def test_a_programme_that_asks_for_nothing_is_refused():
    """A programme with no module would be awarded to every learner: refused at the edge."""
    with pytest.raises(ValueError, match="would be awarded to everyone"):
        ProgrammeCreate.model_validate({"name": "n", "description": "d", "criteria": "c"})


def test_absurdly_large_definitions_are_refused():
    """Lists beyond the documented bounds are refused, so a definition cannot make every
    evaluation expensive."""
    with pytest.raises(ValueError, match="at most 100 items"):
        ProgrammeCreate.model_validate(
            {
                "name": "n",
                "description": "d",
                "criteria": "c",
                "core": [f"m{n}" for n in range(101)],
            }
        )
    with pytest.raises(ValueError, match="less than or equal to 100"):
        ProgrammeCreate.model_validate(
            {
                "name": "n",
                "description": "d",
                "criteria": "c",
                "optional": {"choose": 101, "tags": ["epr"]},
            }
        )


def test_a_credential_issued_through_the_vc_api_naming_a_module_earns_nothing(services):
    """A credential whose body claims a module's achievement (any document can) does not count:
    only awards the ledger recorded for that achievement do."""
    issuer_id, (module,) = _academy(services, "academy", 1)
    define_programme(services.ledger, UUID(issuer_id), _programme([module]))
    forged = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": services.ledger.issuer(UUID(issuer_id)).did, "type": ["Profile"]},
        "validFrom": "2026-11-01T00:00:00Z",
        "name": ACHIEVEMENT["name"],
        "credentialSubject": {
            "id": "did:example:holder",
            "type": ["AchievementSubject"],
            "achievement": {"id": f"urn:uuid:{module}", "type": ["Achievement"], "name": "x"},
        },
    }
    services.awarding.issue_document(UUID(issuer_id), forged, NOW)
    assert _programme_awards(services) == 0


def test_an_erased_learner_is_not_awarded_a_programme(services):
    """A learner erased before a programme was defined gets nothing from it, and the awarder
    keeps going for everyone else."""
    issuer_id, (module,) = _academy(services, "academy", 1)
    bob = Learner("ESR-1234567", "Bob Smith", "bob@example.nhs.net")
    for learner in (AMIRA, bob):
        services.awarding.award(
            UUID(issuer_id), module, learner, earned_on=NOW.date() - timedelta(days=3), at=NOW
        )
    erased = services.ledger.learner_id_for(AMIRA.staff_identifier)
    services.ledger.erase_learner(erased, "operator", "UK GDPR request")
    define_programme(services.ledger, UUID(issuer_id), _programme([module]))
    assert _programme_awards(services) == 1
    with services.read_models.read() as tx:
        rows = tx.execute(
            "SELECT COUNT(*) FROM rm_credentials WHERE learner_id = ?", (str(erased),)
        )
    assert rows[0][0] == 1
