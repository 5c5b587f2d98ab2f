"""Status lists: index reservation before signing, and each list's bits kept by the projection.

A reservation is written before the credential exists, so no two credentials of an issuer
ever hold the same place (the table's key refuses a second). The projection records
the same allocation from the log (`INSERT … ON CONFLICT DO NOTHING`), so a database rebuilt
from the log alone knows every index in use.

Each (issuer, purpose, list) has one row holding its bitstring and the time of the last status
change in the list. Credentials carry one two-bit `message` entry (0 valid, 1 revoked,
2 suspended); credentials issued before carry a one-bit `revocation` and a one-bit `suspension`
entry at the same place of two lists. A status event rewrites the credential's place in the
lists its entries name, in place, so publishing a list reads one row, however many credentials
the issuer has.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from projections.batch_writes import write
from projections.database import ReadModelDatabase, Transaction

LIST_SIZE = 131_072
INSERT_CHUNK = 200  # rows per INSERT: SQLite allows 32,766 parameters, PostgreSQL 65,535
PURPOSE_OF_STATUS = {"revoked": "revocation", "suspended": "suspension"}
LEGACY_PURPOSES = tuple(PURPOSE_OF_STATUS.values())
MESSAGE = "message"
STATUS_SIZE = 2  # bits per entry of a `message` list: the fewest that hold three values
VALUE_OF_STATUS = {"active": 0, "revoked": 1, "suspended": 2}
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


def bits_per_entry(purpose: str) -> int:
    """How many bits one credential's status takes in a list of this purpose."""
    return STATUS_SIZE if purpose == MESSAGE else 1


def empty_bits(purpose: str = "revocation") -> bytes:
    """The bits of a list where nothing is set."""
    return bytes(LIST_SIZE * bits_per_entry(purpose) // 8)


def purposes_of(credential: Any) -> tuple[str, ...]:
    """The purposes of the lists a credential's status entries name: its one `message` entry,
    or the `revocation` and `suspension` entries of credentials issued before."""
    declared = credential.get("credentialStatus") if isinstance(credential, dict) else None
    if isinstance(declared, dict) and declared.get("statusPurpose") == MESSAGE:
        return (MESSAGE,)
    return LEGACY_PURPOSES


def apply(tx: Transaction, event: Any, _position: int) -> None:
    """Open an issuer's lists when a credential is first placed in them; write the credential's
    status at its place in each list its entries name when its status changes."""
    kind = type(event).__qualname__
    if kind == "Passport.CredentialIssued":
        _open_lists(tx, event)
        return
    status = STATUS_OF_EVENT.get(kind)
    if status is None:
        return
    rows = tx.execute(
        "SELECT issuer_id, status_list, status_index, credential FROM rm_credentials "
        "WHERE credential_id = ? AND learner_id = ?",
        (event.credential_id, str(event.originator_id)),
    )
    if not rows or rows[0][1] is None:
        return  # not ours to list (another passport holds that id), or no status entry
    issuer_id, list_no, index = str(rows[0][0]), int(rows[0][1]), int(rows[0][2])
    changed_at = event.timestamp.isoformat()
    for purpose in purposes_of(_parsed(rows[0][3])):
        if purpose == MESSAGE:
            value = VALUE_OF_STATUS[status]
        else:
            value = int(PURPOSE_OF_STATUS.get(status) == purpose)
        _set_value(tx, (issuer_id, purpose, list_no), index, value)
        tx.execute(
            "UPDATE rm_status_lists SET changed_at = ? WHERE issuer_id = ? AND purpose = ? "
            "AND list_no = ? AND (changed_at IS NULL OR changed_at < ?)",
            (changed_at, issuer_id, purpose, list_no, changed_at),
        )


def _parsed(text: Any) -> Any:
    try:
        return json.loads(str(text))
    except ValueError:
        return None


def _open_lists(tx: Transaction, event: Any) -> None:
    for purpose in purposes_of(event.credential):
        # No bits yet (NULL: all clear), so opening a list writes a few bytes, not 16 KiB; one
        # statement reads the credential's place (only if this passport holds it) and opens it.
        write(
            tx,
            "INSERT INTO rm_status_lists (issuer_id, purpose, list_no, bits) "
            "SELECT issuer_id, ?, status_list, NULL FROM rm_credentials "
            "WHERE credential_id = ? AND learner_id = ? AND status_list IS NOT NULL "
            "ON CONFLICT (issuer_id, purpose, list_no) DO NOTHING",
            (purpose, event.credential_id, str(event.originator_id)),
        )


def _set_value(tx: Transaction, key: tuple[str, str, int], index: int, value: int) -> None:
    """Write `value` in the `index`-th entry of the list (its bits from the most significant
    down: index 0 starts at the most significant bit of the first byte)."""
    rows = tx.execute(
        "SELECT bits FROM rm_status_lists WHERE issuer_id = ? AND purpose = ? AND list_no = ?",
        key,
    )
    size = bits_per_entry(key[1])
    stored = rows[0][0] if rows else None
    bits = bytearray(bytes(stored) if stored is not None else empty_bits(key[1]))
    before = bytes(bits)
    for offset in range(size):
        position = index * size + offset
        mask = 0x80 >> (position % 8)
        if (value >> (size - 1 - offset)) & 1:
            bits[position // 8] |= mask
        else:
            bits[position // 8] &= ~mask
    if not rows:
        tx.execute(
            "INSERT INTO rm_status_lists (issuer_id, purpose, list_no, bits) VALUES (?, ?, ?, ?)",
            (*key, bytes(bits)),
        )
    elif bytes(bits) != before or stored is None:
        tx.execute(
            "UPDATE rm_status_lists SET bits = ? WHERE issuer_id = ? AND purpose = ? "
            "AND list_no = ?",
            (bytes(bits), *key),
        )


def permuted(slot: int, key: bytes) -> int:
    """The list index of the `slot`-th reservation: a keyed pseudo-random permutation of
    [0, LIST_SIZE) (a four-round Feistel network on 18 bits, cycle-walked into range), so
    indexes come out in no telling order yet never twice."""
    value = slot
    while True:
        left, right = value >> 9, value & 0x1FF
        for round_no in range(4):
            digest = hashlib.blake2b(
                right.to_bytes(2, "big"), key=key, person=bytes([round_no]) * 16, digest_size=2
            ).digest()
            left, right = right, left ^ (int.from_bytes(digest, "big") & 0x1FF)
        value = (left << 9) | right
        if value < LIST_SIZE:
            return value


class StatusIndexes:
    """Reserves status list positions for an issuer's credentials, and reads the lists.

    Each issuer has a counter (`status_list_counters`: its current list, the next slot, the
    list's permutation key); reserving n places moves the counter by n and maps each slot
    through the permutation, in one transaction: the same cost at the first award and the
    millionth.
    """

    def __init__(self, database: ReadModelDatabase, pick: Callable[[int], int]) -> None:
        self._database = database
        self._pick = pick

    def reserve(self, issuer_id: str, credential_id: str) -> tuple[int, int]:
        """A (list number, index) no other credential of this issuer holds."""
        return self.reserve_many(issuer_id, [credential_id])[0]

    def reserve_many(self, issuer_id: str, credential_ids: Sequence[str]) -> list[tuple[int, int]]:
        """A (list number, index) for each credential, none held by another, in one
        transaction."""
        places: dict[str, tuple[int, int]] = {}
        with self._database.transaction() as tx:
            while missing := [c for c in credential_ids if c not in places]:
                slots = self._take_slots(tx, issuer_id, len(missing))
                rows = [
                    (issuer_id, list_no, permuted(slot, key), credential_id)
                    for credential_id, (list_no, slot, key) in zip(missing, slots, strict=True)
                ]
                places.update(self._allocate(tx, rows))
        return [places[c] for c in credential_ids]

    def _allocate(
        self, tx: Transaction, rows: list[tuple[str, int, int, str]]
    ) -> dict[str, tuple[int, int]]:
        """Insert (issuer, list, index, credential) allocations; the places taken now (an index
        held already is skipped, and its credential tries again)."""
        if self._database.is_postgres:
            # Arrays: one short statement however many rows (see projections.idempotency).
            taken = tx.execute(
                "INSERT INTO rm_status_allocations (issuer_id, list_no, idx, credential_id) "
                "SELECT ?, l, i, c FROM unnest(?::integer[], ?::integer[], ?::text[]) "
                "AS t(l, i, c) ON CONFLICT (issuer_id, list_no, idx) DO NOTHING "
                "RETURNING credential_id, list_no, idx",
                (rows[0][0], [r[1] for r in rows], [r[2] for r in rows], [r[3] for r in rows]),
            )
            return {str(r[0]): (int(r[1]), int(r[2])) for r in taken}
        inserted: list[tuple[Any, ...]] = []
        for start in range(0, len(rows), INSERT_CHUNK):
            chunk = rows[start : start + INSERT_CHUNK]
            marks = ", ".join(["(?, ?, ?, ?)"] * len(chunk))
            inserted += tx.execute(
                "INSERT INTO rm_status_allocations (issuer_id, list_no, idx, "  # noqa: S608
                f"credential_id) VALUES {marks} ON CONFLICT (issuer_id, list_no, idx) "
                "DO NOTHING RETURNING credential_id, list_no, idx",
                [value for row in chunk for value in row],
            )
        return {str(r[0]): (int(r[1]), int(r[2])) for r in inserted}

    def _take_slots(
        self, tx: Transaction, issuer_id: str, count: int
    ) -> list[tuple[int, int, bytes]]:
        """`count` (list number, slot, permutation key), moving the issuer's counter on and
        starting a new list (with a new key) when one is used up."""
        taken: list[tuple[int, int, bytes]] = []
        while len(taken) < count:
            want = count - len(taken)
            rows = tx.execute(
                "UPDATE status_list_counters SET next_slot = next_slot + ? WHERE issuer_id = ? "
                "RETURNING list_no, next_slot, permutation_key",
                (want, issuer_id),
            )
            if not rows:
                self._start_counter(tx, issuer_id)
                continue
            list_no, end, key = int(rows[0][0]), int(rows[0][1]), bytes.fromhex(rows[0][2])
            first = end - want
            taken += [(list_no, slot, key) for slot in range(first, min(end, LIST_SIZE))]
            if end >= LIST_SIZE:
                tx.execute(
                    "UPDATE status_list_counters SET list_no = ?, next_slot = 0, "
                    "permutation_key = ? WHERE issuer_id = ?",
                    (list_no + 1, self._new_key(), issuer_id),
                )
        return taken

    def _start_counter(self, tx: Transaction, issuer_id: str) -> None:
        """An issuer's first reservation: list 1, or past the lists it already has (a store
        from before counters, or allocations replayed from the log)."""
        rows = tx.execute(
            "SELECT list_no FROM rm_status_allocations WHERE issuer_id = ? "
            "ORDER BY list_no DESC LIMIT 1",
            (issuer_id,),
        )
        list_no = int(rows[0][0]) + 1 if rows else 1
        tx.execute(
            "INSERT INTO status_list_counters (issuer_id, list_no, next_slot, permutation_key) "
            "VALUES (?, ?, 0, ?) ON CONFLICT (issuer_id) DO NOTHING",
            (issuer_id, list_no, self._new_key()),
        )

    def _new_key(self) -> str:
        return b"".join(self._pick(1 << 64).to_bytes(8, "big") for _ in range(2)).hex()

    def list_state(self, issuer_id: str, purpose: str, list_no: int) -> ListState | None:
        """The list's bits and last change; None if no credential was ever recorded in it
        (list 1 always exists). One primary-key lookup, whatever the number of credentials."""
        with self._database.read() as tx:
            rows = tx.execute(
                "SELECT bits, changed_at FROM rm_status_lists "
                "WHERE issuer_id = ? AND purpose = ? AND list_no = ?",
                (issuer_id, purpose, list_no),
            )
        if rows:
            return ListState(
                bytes(rows[0][0]) if rows[0][0] is not None else empty_bits(purpose), rows[0][1]
            )
        return ListState(empty_bits(purpose), None) if list_no == 1 else None
