"""`one_read`: a request's reads share one read-only transaction, yet each still sees what was
committed before it, and writes inside the block still commit (issue 16, the share page)."""

from __future__ import annotations

from uuid import uuid4

import pytest

from keys import KeyWrapper
from passport.services import Services
from projections.personal_data import SqlVault


def _vault(services: Services) -> SqlVault:
    """A vault on the same database (its own key-encryption key: it opens only its own keys)."""
    return SqlVault(services.read_models, KeyWrapper(bytes(range(32))))


def _probe_table(services: Services) -> None:
    with services.read_models.transaction() as tx:
        tx.execute("CREATE TABLE one_read_probe (n INTEGER NOT NULL)")


def _count(services: Services) -> int:
    with services.read_models.read() as tx:
        return int(tx.execute("SELECT COUNT(*) FROM one_read_probe")[0][0])


def test_a_read_in_the_block_sees_a_write_committed_after_the_block_began(services):
    """A row committed during the block (here by a write made inside it, on its own
    transaction) is seen by the next read in the block: sharing never serves stale rows."""
    _probe_table(services)
    with services.read_models.one_read():
        assert _count(services) == 0
        with services.read_models.transaction() as tx:
            tx.execute("INSERT INTO one_read_probe (n) VALUES (1)")
        assert _count(services) == 1
    assert _count(services) == 1


@pytest.mark.postgres
def test_reads_in_the_block_share_one_transaction_on_postgresql(services):
    """On PostgreSQL every read in the block runs in the same transaction on the same
    connection (one BEGIN, one COMMIT), and reads after the block get their own again."""
    if not services.read_models.is_postgres:
        pytest.skip("SQLite reads cost no round trip: nothing is shared there")

    def transaction_id() -> tuple[int, str]:
        with services.read_models.read() as tx:
            row = tx.execute("SELECT pg_backend_pid(), txid_current()::text")[0]
        return int(row[0]), str(row[1])

    with services.read_models.one_read():
        first, second = transaction_id(), transaction_id()
    assert first == second
    assert transaction_id()[1] != first[1]


def test_a_failed_block_leaves_the_next_reads_working(services):
    """An error inside the block rolls its read back; reads afterwards answer as before."""
    _probe_table(services)
    with pytest.raises(RuntimeError), services.read_models.one_read():
        _count(services)
        raise RuntimeError("the request failed")
    with services.read_models.one_read():
        assert _count(services) == 0


def test_what_a_block_remembers_lives_as_long_as_the_block(services):
    """A read remembered in one block (a learner's data key) is read afresh in the next: after
    the learner's key is destroyed, the next block finds none."""
    vault, learner = _vault(services), uuid4()
    made = vault.keys_for([learner], create=True)
    with services.read_models.one_read():
        assert vault.open_keys([str(learner)]).keys() == {str(learner)}
        assert vault.open_keys([str(learner)]).keys() == {str(learner)}
    vault.destroy(learner)
    with services.read_models.one_read():
        assert vault.open_keys([str(learner)]) == {}
    assert services.read_models.memo() is None
    assert made.keys() == {learner}


def test_a_key_made_inside_a_block_is_seen_by_a_later_read_in_it(services):
    """A learner with no key yet is read (none), a key is made in the same block, and the next
    read in the block finds it rather than the remembered absence."""
    vault, learner = _vault(services), uuid4()
    with services.read_models.one_read():
        assert vault.open_keys([str(learner)]) == {}
        vault.keys_for([learner], create=True)
        assert vault.open_keys([str(learner)]).keys() == {str(learner)}
