"""Status list indexes: random, never reused, reserved before a credential is signed.

A reservation is written before the credential exists, so two awards racing for the same
random index cannot both get it (the table's key refuses the second). The projection records
the same allocation from the log (`INSERT … ON CONFLICT DO NOTHING`), so a database rebuilt
from the log alone knows every index in use.
"""

from __future__ import annotations

from collections.abc import Callable

from projections.database import ReadModelDatabase

LIST_SIZE = 131_072
FILL_LIMIT = int(LIST_SIZE * 0.9)  # past this, a new list: random picks stay cheap
ATTEMPTS = 32


class StatusIndexes:
    """Reserves status list positions for an issuer's credentials."""

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

    def set_bits(self, issuer_id: str, list_no: int, status: str) -> list[int]:
        """The indexes in one list whose credentials currently have this status."""
        with self._database.transaction() as tx:
            rows = tx.execute(
                "SELECT status_index FROM rm_credentials WHERE issuer_id = ? "
                "AND status_list = ? AND status = ?",
                (issuer_id, list_no, status),
            )
        return [int(r[0]) for r in rows]

    def set_bits_exist(self, issuer_id: str, list_no: int) -> bool:
        """Whether any credential of the issuer was given a place in this list."""
        with self._database.transaction() as tx:
            rows = tx.execute(
                "SELECT 1 FROM rm_status_allocations WHERE issuer_id = ? AND list_no = ? LIMIT 1",
                (issuer_id, list_no),
            )
        return bool(rows)

    def last_change(self, issuer_id: str, list_no: int) -> str | None:
        """When a credential in the list last changed status (None if never)."""
        with self._database.transaction() as tx:
            rows = tx.execute(
                "SELECT MAX(status_changed_at) FROM rm_credentials WHERE issuer_id = ? "
                "AND status_list = ?",
                (issuer_id, list_no),
            )
        return rows[0][0] if rows and rows[0][0] else None
