"""A learner's personal data as the log holds it: sealed under a data key of their own.

Name, email and staff identifier are sealed together in the `Enrolled` event; the free-text
reason of a status change is sealed on its own. The keys sit outside the log, in a vault;
erasing a learner destroys their key, so every sealed value of theirs stays in the log, still
signed and still hashed into the Merkle tree, but can never be read again.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from keys import DataKey, SealedDataError

PERSONAL_FIELD = "personal"
REASON_FIELD = "reason"


@dataclass(frozen=True)
class PersonalData:
    """What identifies a learner as a person; never written to the log in plain text."""

    name: str
    email: str
    staff_identifier: str

    def seal(self, key: DataKey) -> str:
        """The sealed form the `Enrolled` event carries."""
        plain = {"name": self.name, "email": self.email, "staffIdentifier": self.staff_identifier}
        return key.seal(PERSONAL_FIELD, json.dumps(plain, ensure_ascii=False))

    @classmethod
    def open(cls, key: DataKey | None, sealed: str) -> PersonalData | None:
        """The plain data, or None once the learner's key is destroyed (erased)."""
        if key is None or not sealed:
            return None
        plain = json.loads(key.open(PERSONAL_FIELD, sealed))
        return cls(plain["name"], plain["email"], plain["staffIdentifier"])


def open_reason(key: DataKey | None, sealed: str | None) -> str | None:
    """A status change's reason, or None once erased (or if none was given)."""
    if key is None or not sealed:
        return None
    try:
        return key.open(REASON_FIELD, sealed)
    except SealedDataError:
        return None


class PersonalDataVault(Protocol):
    """Where learners' data keys are kept, outside the log."""

    def keys_for(self, owners: Collection[UUID], *, create: bool) -> Mapping[UUID, DataKey]:
        """The data keys of these learners; with `create`, a new key for any that has none.

        A learner whose key was destroyed is absent from the result, even with `create`.
        """
        ...

    def destroy(self, owner: UUID) -> None:
        """Destroy the learner's key for good (erasure); nothing happens if it is gone."""
        ...
