"""One atomic write of awards, planned without replaying the passports it appends to."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from events.claim import CredentialClaim
from events.errors import LearnerErasedError
from events.passport import Passport, credential_issued_after
from events.personal_data import PersonalData
from keys import DataKey


@dataclass(frozen=True)
class AwardEntry:
    """One signed credential to record, with who it is for (enrolled on first award)."""

    staff_identifier: str
    name: str
    email: str
    credential_id: str
    issuer_id: UUID
    achievement_id: str
    kind: str
    credential: dict[str, Any]
    jwt: str
    request: str = ""  # digest of the award request, kept in the credential id's claim


@dataclass
class AwardWrite:
    """What to save: new (or replayed legacy) passports, events appended after known versions,
    and one claim per credential newly recorded."""

    passports: dict[UUID, Passport] = field(default_factory=dict)
    events: list[Passport.CredentialIssued] = field(default_factory=list)
    claims: list[CredentialClaim] = field(default_factory=list)

    def objects(self) -> list[Any]:
        """Everything to save, in one write."""
        return [*self.passports.values(), *self.events, *self.claims]


def plan_awards(
    entries: Sequence[AwardEntry],
    heads: Mapping[str, tuple[UUID, StoredEvent | None]],
    keys: Mapping[UUID, DataKey],
    *,
    claimed_by: Callable[[str], UUID | None],
    replay: Callable[[UUID], Passport],
    identity_hash: Callable[[str], str],
) -> AwardWrite:
    """The write recording `entries`, given each staff identifier's passport id and last stored
    event (`heads`; None for a new learner) and the learners' data keys.

    A passport under a keyed id whose last event is its erasure, or whose key is gone (every
    such passport got a key at enrolment, so it was destroyed), is refused
    (`LearnerErasedError`). A credential id claimed by the same passport is a retry and skipped;
    one claimed elsewhere is left for the claim's write to refuse. Only passports under a legacy
    id are replayed (`replay`): they may hold credentials recorded before claims existed.
    """
    write = AwardWrite()
    versions: dict[UUID, int] = {}
    seen: set[str] = set()
    for e in entries:
        passport_id, head = heads[e.staff_identifier]
        if e.credential_id in seen:
            continue
        seen.add(e.credential_id)
        fields: dict[str, Any] = {
            "credential_id": e.credential_id,
            "issuer_id": str(e.issuer_id),
            "achievement_id": e.achievement_id,
            "kind": e.kind,
            "credential": e.credential,
            "jwt": e.jwt,
        }
        if head is None:
            passport = write.passports.get(passport_id) or Passport(
                id=passport_id,
                identity_hash=identity_hash(e.staff_identifier),
                salt="",
                personal=PersonalData(e.name, e.email, e.staff_identifier).seal(keys[passport_id]),
            )
            write.passports[passport_id] = passport
            passport.issue_credential(**fields)
        elif passport_id == Passport.legacy_id(e.staff_identifier):
            passport = write.passports.get(passport_id) or replay(passport_id)
            write.passports[passport_id] = passport
            if e.credential_id in passport.credentials:
                continue
            passport.issue_credential(**fields)  # refuses an erased passport
        elif head.topic.endswith("Passport.Erased") or passport_id not in keys:
            raise LearnerErasedError(passport_id)
        else:
            if claimed_by(e.credential_id) == passport_id:
                continue  # recorded here by an earlier attempt
            version = versions.get(passport_id, head.originator_version)
            versions[passport_id] = version + 1
            write.events.append(credential_issued_after(passport_id, version, **fields))
        write.claims.append(
            CredentialClaim(
                credential_id=e.credential_id, learner_id=str(passport_id), request=e.request
            )
        )
    return write
