"""The stock effect of an order line: a pure function of status, quantity and (for an unknown status) the effect it had."""

from __future__ import annotations

from dataclasses import dataclass

from inventory.models import MovementReason as R
from orders.models import CanonicalStatus as S


@dataclass(frozen=True, slots=True)
class Effect:
    allocated: int
    deducted: int


NONE = Effect(0, 0)


def line_effect(
    status: str, quantity: int, *, count_unpaid: bool = True, restock_returns: bool = False, current: Effect = NONE
) -> Effect:
    """What a line should have posted. An unknown status is the conservative case: a line that
    already holds or took its units keeps that effect (a WooCommerce order moved from processing
    to a plugin's status still holds its units); one that holds nothing allocates, so the units
    are not offered for sale again until staff say what the status means."""
    if status == S.UNKNOWN:
        return current if (current.allocated or current.deducted) else Effect(quantity, 0)
    if status == S.UNPAID:
        return Effect(quantity, 0) if count_unpaid else NONE
    if status == S.TO_SHIP:
        return Effect(quantity, 0)
    if status in (S.SHIPPED, S.COMPLETED):
        return Effect(0, quantity)
    if status == S.RETURNED:
        return NONE if restock_returns else Effect(0, quantity)
    if status == S.CANCELLED:
        return NONE
    raise ValueError(f"Unknown canonical status {status!r}")


def movement_reason(target_status: str, allocated_change: int, on_hand_change: int) -> str:
    if target_status == S.CANCELLED:
        return R.CANCELLATION
    if target_status == S.RETURNED:
        return R.RETURN
    if on_hand_change < 0:
        return R.SHIPMENT
    return R.ORDER_ALLOCATION
