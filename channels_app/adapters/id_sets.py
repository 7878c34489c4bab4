"""The ids an order list has already handed on, held in memory that does not grow with the run.

A run of 100,000 orders used to keep every order id it had read in a set of
strings, some 110 bytes an id, only to skip an order listed twice. Two shapes
replace it, each for the kind of list it serves:

- `RecentIds`, for a list read in update-time order (TikTok Shop, Lazada,
  WooCommerce, Shopify). When such a list shifts, reading starts again from a
  floor: an update time at or before the last page read. An order whose update
  time lies before every floor still possible can never be listed again in this
  window: a change moves its update time past the window's end. So those ids are
  forgotten (`forget_before`), and what is kept is the last pages' ids. Exact.
- `IdFingerprints`, for a list in no documented order (Shopee), where a reading
  may have to be repeated and must then skip every order already met. Each id is
  kept as its 64-bit hash in a sorted array, 8 bytes an id. Two different ids of
  one run share a fingerprint with a chance of about n²/2⁶⁵ (3 in 10 billion for
  100,000 ids); the class says where the adapter may rely on it.
"""

from __future__ import annotations

import heapq
from array import array
from bisect import bisect_left
from collections import deque
from collections.abc import Iterable
from typing import Any


class RecentIds:
    """Ids handed on from a list in update-time order, each with its update time; the old ones forgotten."""

    __slots__ = ("_ids", "_order")

    def __init__(self) -> None:
        self._ids: set[str] = set()
        self._order: deque[tuple[Any, str]] = deque()

    def __contains__(self, order_id: str) -> bool:
        return order_id in self._ids

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, order_id: str, updated: Any) -> None:
        if order_id not in self._ids:
            self._ids.add(order_id)
            self._order.append((updated, order_id))

    def forget_before(self, floor: Any) -> None:
        """Forget the ids updated before `floor`, the earliest update time any later reading of this window asks for.

        The ids were added in list order, which is update-time order, so the
        old ones are at the front. One listed out of order stays until those
        before it go: kept a little longer, never forgotten too early.
        """
        order, ids = self._order, self._ids
        while order and order[0][0] < floor:
            ids.discard(order.popleft()[1])


class IdFingerprints:
    """A set of ids kept as 64-bit fingerprints (Python's keyed string hash): 8 bytes an id instead of ~110.

    Used where a reading is repeated and must skip what an earlier one met
    (Shopee). A false "already met" is the one possible error: two ids of one
    run with the same 64-bit hash. The hash is keyed afresh in every process,
    so no id can be chosen to collide, and for n ids the chance is about
    n²/2⁶⁵: 3 in 10 billion at 100,000 orders. Where a false answer would skip
    an order, the caller asks only on the rare repeated reading, not on every
    list; where it would cost a needless reading, it may ask freely. An answer
    "not met" is always exact.

    New fingerprints wait in a small set and are merged into the sorted array
    in batches, so adding stays cheap and the array is rebuilt O(n / batch) times.
    """

    __slots__ = ("_recent", "_sorted")

    #: Fingerprints held in the set before a merge (about 300 KB at most).
    BATCH = 4096

    def __init__(self, ids: Iterable[str] = ()) -> None:
        self._sorted = array("q")
        self._recent: set[int] = set()
        for order_id in ids:
            self.add(order_id)

    def __len__(self) -> int:
        self._merge()
        return len(self._sorted)

    def __contains__(self, order_id: str) -> bool:
        key = hash(order_id)
        if key in self._recent:
            return True
        keys = self._sorted
        i = bisect_left(keys, key)
        return i < len(keys) and keys[i] == key

    def add(self, order_id: str) -> None:
        self._recent.add(hash(order_id))
        if len(self._recent) >= self.BATCH:
            self._merge()

    def meets_any(self, order_ids: Iterable[str]) -> bool:
        """Whether any of `order_ids` is in the set."""
        return any(order_id in self for order_id in order_ids)

    def _merge(self) -> None:
        if not self._recent:
            return
        keys = self._sorted
        fresh = sorted(key for key in self._recent if not _holds(keys, key))
        self._sorted = array("q", heapq.merge(keys, fresh))
        self._recent = set()


def _holds(keys: array, key: int) -> bool:
    i = bisect_left(keys, key)
    return i < len(keys) and keys[i] == key
