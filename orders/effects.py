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


def line_effect(status: str, quantity: int, *, count_unpaid: bool = True, current: Effect = NONE) -> Effect:
    """What a line should have posted, given the effect it has (`current`).

    An unknown status is the conservative case: a line that already holds or
    took its units keeps that effect (a WooCommerce order moved from processing
    to a plugin's status still holds its units); one that holds nothing
    allocates, so the units are not offered for sale again until staff say what
    the status means.

    A returned line stays deducted: its units come back on sale only when the
    parcel is received (orders.services.returns), never on the channel's word.
    A line cancelled after its units left the shelf (a failed delivery that the
    channel reports as cancelled) is a return too: it keeps its deduction until
    received; cancelled before shipping, it releases the allocation.
    """
    if status == S.UNKNOWN:
        return current if (current.allocated or current.deducted) else Effect(quantity, 0)
    if status == S.UNPAID:
        return Effect(quantity, 0) if count_unpaid else NONE
    if status == S.TO_SHIP:
        return Effect(quantity, 0)
    if status in (S.SHIPPED, S.COMPLETED):
        return Effect(0, quantity)
    if status == S.RETURNED:
        return Effect(0, quantity)
    if status == S.CANCELLED:
        return Effect(0, current.deducted) if current.deducted else NONE
    raise ValueError(f"Unknown canonical status {status!r}")


def movement_reason(target_status: str, allocated_change: int, on_hand_change: int) -> str:
    """Why a line's effect changed. Units leaving the shelf are a shipment whatever the status that
    reported it (a line first seen as returned did ship); `return` is kept for units coming back."""
    if on_hand_change < 0:
        return R.SHIPMENT
    if target_status == S.CANCELLED:
        return R.CANCELLATION
    if target_status == S.RETURNED:
        return R.RETURN
    return R.ORDER_ALLOCATION
