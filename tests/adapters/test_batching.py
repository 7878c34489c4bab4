"""The batching helpers every adapter uses: `chunked` and `split_until_accepted`.

Expectations are written out by hand (which batches are sent, in which order,
what comes back), not computed with the helper's own arithmetic.
"""

from __future__ import annotations

import pytest

from channels_app.adapters.base import chunked, split_until_accepted
from omnisync.lib.http import ApiError


class Platform:
    """A fake endpoint: records every batch sent; refuses per the rules given."""

    def __init__(self, *, bad=(), cap=None, other=None):
        self.bad = set(bad)
        self.cap = cap
        self.other = other
        self.sent: list[list[int]] = []

    def send(self, batch):
        self.sent.append(list(batch))
        if self.other is not None:
            raise self.other
        if self.cap is not None and len(batch) > self.cap:
            raise ApiError("too many", code="TOO_BIG", http_status=413)
        if self.bad & set(batch):
            raise ApiError("one of them is wrong", code="BAD")
        return [("ok", i) for i in batch]


def too_big(err):
    return err.code == "TOO_BIG"


def one_bad(err):
    return err.code == "BAD"


def report(item, err):
    return [(f"refused {err.code}", item)]


def spans(sent):
    """Each batch as (first, last + 1), checking it is a run of consecutive items."""
    out = []
    for batch in sent:
        assert batch == list(range(batch[0], batch[0] + len(batch)))
        out.append((batch[0], batch[-1] + 1))
    return out


def test_two_bad_members_among_fifty_are_bisected_out_and_reported_in_place():
    platform = Platform(bad={7, 31})
    got = list(split_until_accepted(list(range(50)), platform.send, too_big=too_big, one_bad=one_bad,
                                    on_single_refused=report))
    assert spans(platform.sent) == [
        (0, 50),   # refused: holds 7 and 31
        (0, 25),   # refused: holds 7
        (0, 12),   # refused: holds 7
        (0, 6),    # accepted
        (6, 12),   # refused
        (6, 9),    # refused
        (6, 7),    # accepted
        (7, 9),    # refused
        (7, 8),    # refused alone: 7 is reported
        (8, 9),    # accepted
        (9, 12),   # accepted
        (12, 25),  # accepted
        (25, 50),  # refused: holds 31
        (25, 37),  # refused
        (25, 31),  # accepted
        (31, 37),  # refused
        (31, 34),  # refused
        (31, 32),  # refused alone: 31 is reported
        (32, 34),  # accepted
        (34, 37),  # accepted
        (37, 50),  # accepted
    ]
    assert len(platform.sent) == 21
    expected = [("ok", i) for i in range(7)] + [("refused BAD", 7)] + [("ok", i) for i in range(8, 31)]
    expected += [("refused BAD", 31)] + [("ok", i) for i in range(32, 50)]
    assert got == expected


def test_a_batch_too_big_for_the_platform_is_halved():
    platform = Platform(cap=25)
    got = list(split_until_accepted(list(range(50)), platform.send, too_big=too_big, one_bad=one_bad))
    assert [len(b) for b in platform.sent] == [50, 25, 25]
    assert spans(platform.sent) == [(0, 50), (0, 25), (25, 50)]
    assert got == [("ok", i) for i in range(50)]


def test_halving_goes_on_while_the_halves_are_still_too_big():
    platform = Platform(cap=2)
    got = list(split_until_accepted([0, 1, 2, 3, 4], platform.send, too_big=too_big))
    assert platform.sent == [[0, 1, 2, 3, 4], [0, 1], [2, 3, 4], [2], [3, 4]]
    assert got == [("ok", 0), ("ok", 1), ("ok", 2), ("ok", 3), ("ok", 4)]


def test_an_accepted_batch_costs_one_call():
    platform = Platform(bad={99}, cap=50)
    got = list(split_until_accepted(list(range(50)), platform.send, too_big=too_big, one_bad=one_bad,
                                    on_single_refused=report))
    assert platform.sent == [list(range(50))]
    assert got == [("ok", i) for i in range(50)]


def test_an_error_that_is_neither_propagates_after_one_call():
    refusal = ApiError("signature is wrong", code="IncompleteSignature")
    platform = Platform(other=refusal)
    with pytest.raises(ApiError) as caught:
        list(split_until_accepted(list(range(50)), platform.send, too_big=too_big, one_bad=one_bad,
                                  on_single_refused=report))
    assert caught.value is refusal
    assert len(platform.sent) == 1


def test_a_transient_error_is_not_retried_here():
    busy = ApiError("busy", code="901", transient=True)
    platform = Platform(other=busy)
    with pytest.raises(ApiError) as caught:
        list(split_until_accepted([1, 2, 3], platform.send, too_big=too_big, one_bad=one_bad, on_single_refused=report))
    assert caught.value is busy
    assert platform.sent == [[1, 2, 3]]


def test_no_items_no_call():
    platform = Platform()
    assert list(split_until_accepted([], platform.send, too_big=too_big, one_bad=one_bad, on_single_refused=report)) == []
    assert platform.sent == []


def test_one_item_still_too_big_raises():
    platform = Platform(cap=0)
    with pytest.raises(ApiError) as caught:
        list(split_until_accepted([0, 1], platform.send, too_big=too_big, one_bad=one_bad, on_single_refused=report))
    assert caught.value.code == "TOO_BIG"
    assert platform.sent == [[0, 1], [0]]


def test_a_lone_bad_member_raises_when_there_is_no_way_to_report_it():
    platform = Platform(bad={1})
    with pytest.raises(ApiError) as caught:
        list(split_until_accepted([0, 1], platform.send, one_bad=one_bad))
    assert caught.value.code == "BAD"
    assert platform.sent == [[0, 1], [0], [1]]


def test_without_predicates_every_refusal_propagates():
    platform = Platform(bad={3})
    with pytest.raises(ApiError):
        list(split_until_accepted([1, 2, 3, 4], platform.send))
    assert platform.sent == [[1, 2, 3, 4]]


def test_results_of_an_accepted_half_come_before_the_next_half_is_sent():
    platform = Platform(bad={3})
    results = split_until_accepted([0, 1, 2, 3], platform.send, one_bad=one_bad, on_single_refused=report)
    assert next(results) == ("ok", 0)
    assert platform.sent == [[0, 1, 2, 3], [0, 1]]
    assert list(results) == [("ok", 1), ("ok", 2), ("refused BAD", 3)]
    assert platform.sent == [[0, 1, 2, 3], [0, 1], [2, 3], [2], [3]]


def test_a_report_may_leave_the_lone_member_out():
    platform = Platform(bad={0})
    got = list(split_until_accepted([0, 1, 2], platform.send, one_bad=one_bad, on_single_refused=lambda item, err: ()))
    assert got == [("ok", 1), ("ok", 2)]
    assert platform.sent == [[0, 1, 2], [0], [1, 2]]


@pytest.mark.parametrize(("count", "size", "expected"), [
    (0, 3, []),
    (2, 3, [[0, 1]]),
    (6, 3, [[0, 1, 2], [3, 4, 5]]),
    (7, 3, [[0, 1, 2], [3, 4, 5], [6]]),
])
def test_chunked_gives_fixed_size_batches_and_a_shorter_last(count, size, expected):
    assert [list(c) for c in chunked(list(range(count)), size)] == expected
