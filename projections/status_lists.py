"""Status lists: index reservation before signing, and each list's bits kept by the projection.

A reservation is written before the credential exists, so two awards racing for the same
random index cannot both get it (the table's key refuses the second). The projection records
the same allocation from the log (`INSERT … ON CONFLICT DO NOTHING`), so a database rebuilt
from the log alone knows every index in use.

Each (issuer, purpose, list) has one row holding its bitstring and the time of the last status
change in the list. A status event flips at most one bit of each purpose's list in place, so
publishing a list reads one row, however many credentials the issuer has.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from projections.database import ReadModelDatabase, Transaction

LIST_SIZE = 131_072
FILL_LIMIT = int(LIST_SIZE * 0.9)  # past this, a new list: random picks stay cheap
ATTEMPTS = 32
PURPOSE_OF_STATUS = {"revoked": "revocation", "suspended": "suspension"}
STATUS_OF_EVENT = {
    "Passport.CredentialRevoked": "revoked",
    "Passport.CredentialSuspended": "suspended",
    "Passport.CredentialReinstated": "active",
}


@dataclass(frozen=True)
class ListState:
    """One published list as the read models hold it: its bits and its last change."""

    bits: bytes
    changed_at: str | None


def empty_bits() -> bytes:
    """The bits of a list where nothing is set."""
    return bytes(LIST_SIZE // 8)


def apply(tx: Transaction, event: Any, _position: int) -> None:
    """Flip the credential's bit in each purpose's list when its status changes."""
    status = STATUS_OF_EVENT.get(type(event).__qualname__)
    if status is None:
        return
    rows = tx.execute(
        "SELECT issuer_id, status_list, status_index FROM rm_credentials "
        "WHERE credential_id = ? AND learner_id = ?",
        (event.credential_id, str(event.originator_id)),
    )
    if not rows or rows[0][1] is None:
        return  # not ours to list (another passport holds that id), or no status entry
    issuer_id, list_no, index = str(rows[0][0]), int(rows[0][1]), int(rows[0][2])
    changed_at = event.timestamp.isoformat()
    for purpose in PURPOSE_OF_STATUS.values():
        _set_bit(tx, issuer_id, purpose, list_no, index, PURPOSE_OF_STATUS.get(status) == purpose)
        tx.execute(
            "UPDATE rm_status_lists SET changed_at = ? WHERE issuer_id = ? AND purpose = ? "
            "AND list_no = ? AND (changed_at IS NULL OR changed_at < ?)",
            (changed_at, issuer_id, purpose, list_no, changed_at),
        )


def _set_bit(
    tx: Transaction, issuer_id: str, purpose: str, list_no: int, index: int, value: bool
) -> None:
    key = (issuer_id, purpose, list_no)
    rows = tx.execute(
        "SELECT bits FROM rm_status_lists WHERE issuer_id = ? AND purpose = ? AND list_no = ?",
        key,
    )
    bits = bytearray(bytes(rows[0][0]) if rows else empty_bits())
    mask = 0x80 >> (index % 8)  # index 0 is the most significant bit of the first byte
    before = bits[index // 8]
    bits[index // 8] = before | mask if value else before & ~mask
    if not rows:
        tx.execute(
            "INSERT INTO rm_status_lists (issuer_id, purpose, list_no, bits) VALUES (?, ?, ?, ?)",
            (*key, bytes(bits)),
        )
    elif bits[index // 8] != before:
        tx.execute(
            "UPDATE rm_status_lists SET bits = ? WHERE issuer_id = ? AND purpose = ? "
            "AND list_no = ?",
            (bytes(bits), *key),
        )


class StatusIndexes:
    """Reserves status list positions for an issuer's credentials, and reads the lists."""

    def __init__(self, database: ReadModelDatabase, pick: Callable[[int], int]) -> None:
        self._database = database
        self._pick = pick

    def reserve(self, issuer_id: str, credential_id: str) -> tuple[int, int]:
        """A (list number, index) no other credential of this issuer holds."""
        with self._database.transaction() as tx:
            rows = tx.execute(
                "SELECT list_no, COUNT(*) FROM rm_status_allocations WHERE issuer_id = ? "
                "GROUP BY list_no ORDER BY list_no DESC LIMIT 1",
                (issuer_id,),
            )
            list_no = 1 if not rows else int(rows[0][0]) + (int(rows[0][1]) >= FILL_LIMIT)
            for _ in range(ATTEMPTS):
                index = self._pick(LIST_SIZE)
                taken = tx.execute(
                    "SELECT 1 FROM rm_status_allocations "
                    "WHERE issuer_id = ? AND list_no = ? AND idx = ?",
                    (issuer_id, list_no, index),
                )
                if not taken:
                    tx.execute(
                        "INSERT INTO rm_status_allocations (issuer_id, list_no, idx, "
                        "credential_id) VALUES (?, ?, ?, ?)",
                        (issuer_id, list_no, index, credential_id),
                    )
                    return list_no, index
        raise OverflowError(f"no free status list index for issuer {issuer_id}")

    def list_state(self, issuer_id: str, purpose: str, list_no: int) -> ListState | None:
        """The list's bits and last change; None if no credential was ever given a place in it.

        Two primary-key lookups, whatever the number of credentials.
        """
        with self._database.transaction() as tx:
            rows = tx.execute(
                "SELECT bits, changed_at FROM rm_status_lists "
                "WHERE issuer_id = ? AND purpose = ? AND list_no = ?",
                (issuer_id, purpose, list_no),
            )
            if rows:
                return ListState(bytes(rows[0][0]), rows[0][1])
            allocated = tx.execute(
                "SELECT 1 FROM rm_status_allocations WHERE issuer_id = ? AND list_no = ? LIMIT 1",
                (issuer_id, list_no),
            )
        return ListState(empty_bits(), None) if allocated or list_no == 1 else None
