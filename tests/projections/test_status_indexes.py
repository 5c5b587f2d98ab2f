"""Status list places: reserved by a counter through a keyed permutation, never twice."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator

import pytest

from passport.services import Services
from passport.settings import Settings
from projections.status_lists import LIST_SIZE, StatusIndexes, permuted


def test_the_permutation_gives_every_index_of_a_list_exactly_once():
    """All 131,072 slots of a list map to 131,072 different indexes inside the list."""
    key = bytes(range(16))
    indexes = {permuted(slot, key) for slot in range(LIST_SIZE)}
    assert len(indexes) == LIST_SIZE
    assert min(indexes) == 0
    assert max(indexes) == LIST_SIZE - 1


def test_consecutive_places_do_not_reveal_the_order_of_issue():
    """The first places of a list are spread over it, not 0, 1, 2…; another key, another order."""
    first = [permuted(slot, b"k" * 16) for slot in range(8)]
    assert first != sorted(first)
    assert first != [permuted(slot, b"j" * 16) for slot in range(8)]


@pytest.fixture
def indexes(settings: Settings) -> Iterator[StatusIndexes]:
    services = Services.open(settings)
    yield services.status_indexes
    services.close()


def test_a_batch_gets_distinct_places_in_one_list(indexes):
    """Reserving a cohort's places at once gives each credential its own index in list 1."""
    places = indexes.reserve_many("issuer-a", [f"urn:uuid:{n}" for n in range(500)])
    assert len(set(places)) == 500
    assert {list_no for list_no, _ in places} == {1}
    assert all(0 <= index < LIST_SIZE for _, index in places)


def test_a_used_up_list_continues_in_the_next(indexes, settings):
    """Past the list's 131,072nd place the next reservations go to list 2, from its start."""
    indexes.reserve("issuer-a", "urn:uuid:first")
    services = Services.open(settings)
    with services.read_models.transaction() as tx:
        tx.execute(
            "UPDATE status_list_counters SET next_slot = ? WHERE issuer_id = ?",
            (LIST_SIZE - 2, "issuer-a"),
        )
    services.close()
    places = indexes.reserve_many("issuer-a", [f"urn:uuid:{n}" for n in range(5)])
    assert [list_no for list_no, _ in places] == [1, 1, 2, 2, 2]
    assert len(set(places)) == 5


def test_an_issuer_with_places_from_before_counters_starts_a_fresh_list(indexes, settings):
    """Places recorded without a counter (an older store, or replayed from the log) are never
    handed out again: the counter starts past the issuer's last list."""
    services = Services.open(settings)
    with services.read_models.transaction() as tx:
        for index in range(50):
            tx.execute(
                "INSERT INTO rm_status_allocations (issuer_id, list_no, idx, credential_id) "
                "VALUES ('issuer-b', 1, ?, ?)",
                (index, f"urn:uuid:old-{index}"),
            )
    services.close()
    assert indexes.reserve("issuer-b", "urn:uuid:new")[0] == 2


def test_concurrent_reservations_never_share_a_place(indexes):
    """Four writers reserving at once for one issuer all get different places."""
    results: list[list[tuple[int, int]]] = []

    def writer(n: int) -> None:
        ids = [f"urn:uuid:{n}-{i}-{secrets.token_hex(4)}" for i in range(100)]
        got = []
        for start in range(0, 100, 10):
            got += indexes.reserve_many("issuer-c", ids[start : start + 10])
        results.append(got)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [place for got in results for place in got]
    assert len(every) == 400
    assert len(set(every)) == 400
