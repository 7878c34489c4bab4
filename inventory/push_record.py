"""What an Update Inventory run writes on its listings: each push's answer, then what the read-back shows.

A pushed listing's row records the quantity pushed, when, and its push
state: PENDING (the platform said yes, not yet read back), CONFIRMED (read
back at the target), NOT_APPLIED (said yes, still shows something else) or
FAILED (refused). The read-back is the run's last round of requests, and
the writes around it are time in which none is in flight; so the answers of
the last push chunk are not written on their own before the read-back
starts: each pushed listing's row is written once, with the chunk of
listings the read-back stored it in, already CONFIRMED when it shows its
target. Whatever ends the read-back (an error included), a pushed listing
whose row is not written yet is written PENDING, so a push the platform
applied is never left unrecorded.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from channels_app.adapters.types import ChannelListing, PushResult
from channels_app.runs import RunContext
from inventory.listings import listings_stock_write, listings_upsert, listings_write
from inventory.models import Listing, PushState
from inventory.planning import PlannedPush

#: Listings stored at once while the read-back's answers come in.
READ_BACK_CHUNK = 500
PUSHED_FIELDS = ("last_pushed_quantity", "last_pushed_at", "pushed_target", "last_push_state", "last_push_error")
REFUSED_FIELDS = ("last_pushed_at", "pushed_target", "last_push_state", "last_push_error")

Key = tuple[str, str]


class PushRecord:
    """One run's pushes: `expect` what a chunk pushes, `answers` what the platform said, `read_back` at the end.

    `answers(..., hold=True)` keeps the applied pushes' rows for the
    read-back to write; `write_pending` writes whatever is kept (PENDING).
    """

    def __init__(self, ctx: RunContext, adapter, now):
        self.ctx = ctx
        self.adapter = adapter
        self.now = now
        self.planned: dict[Key, PlannedPush] = {}
        #: the pushes the platform applied, in the order answered
        self.applied: dict[Key, PlannedPush] = {}
        #: applied pushes whose row is not written yet
        self._unwritten: set[Key] = set()
        #: the push state written so far on each applied push's listing
        self._written: dict[Key, str] = {}
        self._seen: dict[Key, ChannelListing] = {}

    def expect(self, pushes: Iterable[PlannedPush]) -> None:
        for p in pushes:
            self.planned[(p.item_id, p.variant_id)] = p

    def answers(self, results: Sequence[PushResult], *, hold: bool = False) -> None:
        """Count the answers and raise an issue per refusal (its row written now); the applied pushes' rows are
        written now too, or with `hold` kept for the read-back."""
        refused = []
        applied = 0
        for r in results:
            key = (r.item_id, r.variant_id)
            p = self.planned.get(key)
            if p is None:
                continue
            if r.applied:
                applied += 1
                self.applied[key] = p
                self._unwritten.add(key)
                continue
            self.ctx.count("refused")
            refused.append((p.listing_id, self.now, p.target, PushState.FAILED.value, r.reason[:2000]))
            self.ctx.issue(f"{self.platform} refused the stock update for {p.seller_sku or p.item_id}: {r.reason}",
                           object_type="listing", object_ref=p.seller_sku or p.item_id, code="push_refused")
        listings_write(REFUSED_FIELDS, refused)
        self.ctx.count("pushed", applied)
        if not hold:
            self.write_pending()

    def write_pending(self) -> None:
        """Write every applied push whose row is not written yet, PENDING (not read back)."""
        self._write(self._unwritten, lambda key: PushState.PENDING.value)

    def read_back(self) -> None:
        """Read the pushed listings again (a platform can answer success and change nothing), store what they
        show and judge each push; counts `confirmed` and `not_applied`."""
        if not self.applied:
            self.write_pending()
            return
        chunk: list[ChannelListing] = []
        try:
            for item in self.adapter.read_listings(list(self.applied)):
                chunk.append(item)
                if len(chunk) >= READ_BACK_CHUNK:
                    self._store(chunk)
                    chunk = []
            if chunk:
                self._store(chunk)
        finally:
            self.write_pending()
        self._judge()

    # -- internals -----------------------------------------------------------
    @property
    def platform(self) -> str:
        return self.adapter.label or self.adapter.channel.get_platform_display()

    def _shows_target(self, key: Key) -> bool:
        p = self.applied[key]
        seen = self._seen.get(key)
        if seen is None:
            return False
        if p.warehouses:
            shown = dict(seen.warehouse_stock)
            return all(shown.get(wid) == qty for wid, qty in p.warehouses)
        return seen.stock == p.target

    def _state(self, key: Key) -> str:
        return (PushState.CONFIRMED if self._shows_target(key) else PushState.PENDING).value

    def _store(self, items: list[ChannelListing]) -> None:
        """Store a chunk of the read-back, the pushes it shows in the same statement (CONFIRMED at the target).

        A pushed listing still under the seller SKU it was planned with is
        written by id (`listings_stock_write`); anything else the answers
        held (another SKU of a pushed product, a seller SKU changed since the
        plan) goes through `listings_upsert`, which maps it again.
        """
        known, others, changed = {}, [], set()
        for item in items:
            key = (item.item_id, item.variant_id)
            if key in self.applied:
                self._seen[key] = item
                if item.seller_sku.strip()[:100] == self.applied[key].seller_sku:
                    known[key] = item
                    continue
                changed.add(key)
            others.append(item)
        if others:
            listings_upsert(self.ctx.channel, others)
        self._write(changed, self._state)
        rows = []
        for key, item in known.items():
            p = self.applied[key]
            state = self._written[key] = self._state(key)
            rows.append((p.listing_id, item, (p.target, self.now, p.target, state, "")))
        listings_stock_write(self.ctx.channel, rows, PUSHED_FIELDS)
        self._unwritten.difference_update(known)

    def _write(self, keys: Iterable[Key], state_of) -> None:
        keys = list(keys)
        rows = []
        for key in keys:
            p = self.applied[key]
            state = self._written[key] = state_of(key)
            rows.append((p.listing_id, p.target, self.now, p.target, state, ""))
        listings_write(PUSHED_FIELDS, rows)
        self._unwritten.difference_update(keys)

    def _judge(self) -> None:
        """Each push by the read-back's last reading of its listing: CONFIRMED or NOT_APPLIED (with an issue)."""
        confirmed, not_applied = [], []
        for key, p in self.applied.items():
            if self._shows_target(key):
                confirmed.append(key)
                continue
            not_applied.append(key)
            seen = self._seen.get(key)
            self.ctx.issue(
                f"{self.platform} answered success for {p.seller_sku or p.item_id} but still shows "
                f"{seen.stock if seen is not None else 'nothing'} instead of {p.target}; "
                "the update was not applied. Run Update Inventory again.",
                object_type="listing", object_ref=p.seller_sku or p.item_id, code="not_applied",
            )
        for keys, state in ((confirmed, PushState.CONFIRMED), (not_applied, PushState.NOT_APPLIED)):
            change = [self.applied[k].listing_id for k in keys if self._written.get(k) != state.value]
            if change:
                Listing.objects.filter(pk__in=change).update(last_push_state=state)
        self.ctx.count("confirmed", len(confirmed))
        self.ctx.count("not_applied", len(not_applied))
