"""The ids an order list already handed on: forgotten only when they can no longer come back, or kept as fingerprints."""

from __future__ import annotations

from datetime import UTC, datetime

from channels_app.adapters.id_sets import IdFingerprints, RecentIds


def at(second: int) -> datetime:
    return datetime(2026, 12, 3, 10, 0, second, tzinfo=UTC)


def test_ids_updated_before_the_floor_are_forgotten_the_rest_kept():
    seen = RecentIds()
    seen.add("A", at(1))
    seen.add("B", at(2))
    seen.add("C", at(2))
    seen.add("D", at(5))
    seen.forget_before(at(2))
    assert "A" not in seen
    assert "B" in seen and "C" in seen and "D" in seen  # updated at the floor itself: a restart lists them again
    assert len(seen) == 3


def test_an_id_listed_out_of_update_order_is_kept_until_the_ones_before_it_go():
    seen = RecentIds()
    seen.add("A", at(1))
    seen.add("LATE", at(9))  # listed before ids updated earlier
    seen.add("B", at(3))
    seen.forget_before(at(4))
    assert "A" not in seen
    assert "LATE" in seen and "B" in seen  # B waits behind LATE: kept longer, never dropped early
    seen.forget_before(at(10))
    assert len(seen) == 0


def test_adding_an_id_twice_keeps_its_first_update_time():
    seen = RecentIds()
    seen.add("A", at(1))
    seen.add("A", at(8))
    seen.forget_before(at(2))
    assert "A" not in seen


def test_fingerprints_hold_every_id_added_across_many_merges_and_no_other():
    ids = [f"2612{i:06d}ABCD" for i in range(10_000)]  # Shopee-like order_sn, more than two merge batches
    seen = IdFingerprints(ids[:9_000])
    for order_id in ids[9_000:]:
        seen.add(order_id)
    assert len(seen) == 10_000
    assert all(order_id in seen for order_id in ids)
    assert not any(f"2612{i:06d}ABCE" in seen for i in range(10_000))
    assert seen.meets_any(["nope", "2612000042ABCD"])
    assert not seen.meets_any(["nope", "2612000042ABCE"])
    assert not seen.meets_any([])


def test_an_id_added_again_is_counted_once():
    seen = IdFingerprints(["X", "Y"])
    seen.add("X")
    assert len(seen) == 2
    seen.add("Y")
    seen.add("Z")
    assert len(seen) == 3 and "Z" in seen
