"""The stock ledger: every change to on hand or allocated is a movement.

Stock levels are a cache of the ledger's sums, updated in the same transaction
as the movements they sum, with the affected rows locked. Callers batch their
changes so a page of orders costs a handful of queries, not one per line.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.utils import timezone

from inventory.models import Location, MovementReason, Sku, StockLevel, StockMovement


@dataclass(frozen=True, slots=True)
class StockChange:
    sku_id: int
    location_id: int
    on_hand_change: int
    allocated_change: int
    reason: str
    reference: str = ""
    ref_type: str = ""
    ref_id: int | None = None
    ref_seq: int | None = None
    note: str = ""
    user_id: int | None = None


def stock_levels_lock(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], StockLevel]:
    """Lock (creating where missing) the stock levels of the given (sku, location) pairs."""
    if not pairs:
        return {}
    sku_ids = {s for s, _ in pairs}
    location_ids = {loc for _, loc in pairs}

    def fetch():
        rows = StockLevel.objects.select_for_update().filter(sku_id__in=sku_ids, location_id__in=location_ids)
        return {(r.sku_id, r.location_id): r for r in rows if (r.sku_id, r.location_id) in pairs}

    levels = fetch()
    missing = pairs - levels.keys()
    if missing:
        StockLevel.objects.bulk_create(
            [StockLevel(sku_id=s, location_id=loc) for s, loc in missing], ignore_conflicts=True
        )
        levels = fetch()
    return levels


def ledger_post(changes: Sequence[StockChange]) -> list[StockMovement]:
    """Post movements and move the stock levels by the same amounts, atomically."""
    changes = [c for c in changes if c.on_hand_change or c.allocated_change]
    if not changes:
        return []
    with transaction.atomic():
        levels = stock_levels_lock({(c.sku_id, c.location_id) for c in changes})
        totals: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
        for c in changes:
            t = totals[(c.sku_id, c.location_id)]
            t[0] += c.on_hand_change
            t[1] += c.allocated_change
        touched = []
        for key, (on_hand, allocated) in totals.items():
            level = levels[key]
            level.on_hand += on_hand
            level.allocated += allocated
            touched.append(level)
        movements = StockMovement.objects.bulk_create(
            [
                StockMovement(
                    sku_id=c.sku_id,
                    location_id=c.location_id,
                    on_hand_change=c.on_hand_change,
                    allocated_change=c.allocated_change,
                    reason=c.reason,
                    reference=c.reference[:200],
                    ref_type=c.ref_type,
                    ref_id=c.ref_id,
                    ref_seq=c.ref_seq,
                    note=c.note[:300],
                    created_by_id=c.user_id,
                )
                for c in changes
            ]
        )
        _levels_save(touched)
    return movements


def _levels_save(levels: list[StockLevel]) -> None:
    """Write locked stock levels with one UPDATE … FROM (VALUES …) per 500 rows.

    Django's bulk_update builds a CASE WHEN per row and field; for the hundred
    or so SKUs a page of orders touches, that cost more than the rest of the
    order import together. PostgreSQL and SQLite (3.33+) both name VALUES
    columns column1, column2, …
    """
    db = connections[router.db_for_write(StockLevel)]
    if db.vendor not in ("postgresql", "sqlite"):
        StockLevel.objects.bulk_update(levels, ["on_hand", "allocated", "updated_at"])
        return
    table = db.ops.quote_name(StockLevel._meta.db_table)
    now = db.ops.adapt_datetimefield_value(timezone.now())
    with db.cursor() as cursor:
        for start in range(0, len(levels), 500):
            batch = levels[start:start + 500]
            values = ", ".join(["(%s, %s, %s)"] * len(batch))
            cursor.execute(
                f"UPDATE {table} SET on_hand = v.column2, allocated = v.column3, updated_at = %s "  # noqa: S608 (no user input)
                f"FROM (VALUES {values}) AS v WHERE {table}.id = v.column1",
                [now, *(x for level in batch for x in (level.pk, level.on_hand, level.allocated))],
            )


def stock_adjust(*, sku: Sku, location: Location, change: int, user=None, note: str = "") -> StockMovement:
    """A manual correction of on hand by `change` units (found, damaged, ...)."""
    if not isinstance(change, int) or isinstance(change, bool):
        raise ValidationError({"change": "The change must be a whole number of units."})
    if change == 0:
        raise ValidationError({"change": "The change must not be zero."})
    return ledger_post(
        [
            StockChange(
                sku.pk, location.pk, change, 0, MovementReason.MANUAL_ADJUSTMENT,
                reference="manual", note=note, user_id=getattr(user, "pk", None),
            )
        ]
    )[0]


def stock_count(*, sku: Sku, location: Location, counted: int, user=None, note: str = "") -> StockMovement | None:
    """Record a physical count: on hand becomes `counted`; the ledger keeps the difference."""
    if not isinstance(counted, int) or isinstance(counted, bool) or counted < 0:
        raise ValidationError({"counted": "The counted quantity must be a whole number, zero or more."})
    with transaction.atomic():
        level = stock_levels_lock({(sku.pk, location.pk)})[(sku.pk, location.pk)]
        difference = counted - level.on_hand
        if difference == 0:
            return None
        return ledger_post(
            [
                StockChange(
                    sku.pk, location.pk, difference, 0, MovementReason.STOCK_COUNT,
                    reference="count", note=note, user_id=getattr(user, "pk", None),
                )
            ]
        )[0]


def stock_import(*, location: Location, quantities: dict[int, int], reference: str = "import") -> int:
    """Set opening stock for many SKUs at once (demo data, a first stock take)."""
    bad = [sku_id for sku_id, qty in quantities.items() if qty < 0]
    if bad:
        raise ValidationError({"quantities": f"Negative opening stock for {len(bad)} SKU(s)."})
    with transaction.atomic():
        levels = stock_levels_lock({(sku_id, location.pk) for sku_id in quantities})
        changes = [
            StockChange(sku_id, location.pk, qty - levels[(sku_id, location.pk)].on_hand, 0, MovementReason.IMPORT, reference)
            for sku_id, qty in quantities.items()
        ]
        return len(ledger_post(changes))
