"""Plain data objects the adapters return: no ORM objects, no raw JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class RemoteOrderState:
    external_id: str
    raw_status: str
    updated_at: datetime  # aware


@dataclass(frozen=True, slots=True)
class ChannelOrderLine:
    """One SKU of an order. `line_key` is stable across reads of the same order.

    Platforms without a quantity field (TikTok, Lazada) return one object per
    unit; the adapter groups them per SKU/variant and counts them.
    `raw_status` is set where the platform keeps a status per line (Lazada).
    """

    line_key: str
    seller_sku: str
    item_id: str
    variant_id: str
    quantity: int
    unit_price: Decimal
    raw_status: str | None = None


@dataclass(frozen=True, slots=True)
class ChannelOrder:
    external_id: str
    raw_status: str
    created_at: datetime
    updated_at: datetime
    currency: str
    total: Decimal
    buyer_name: str = ""
    lines: tuple[ChannelOrderLine, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class OrderProblem:
    """An order the platform returned that could not be understood (a field missing or of the wrong type).

    Adapters yield it in place of the order so the rest of the batch still
    lands; the engine records `reason` (which names the field) against the
    order id, and the order stays listed as missing until a later read fits.
    """

    external_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class ChannelListing:
    item_id: str
    variant_id: str  # "" for an item without variants
    seller_sku: str
    stock: int | None
    title: str = ""
    status: str = ""
    updated_at: datetime | None = None
    #: Sellable stock per marketplace warehouse or location, as (warehouse id, quantity);
    #: empty where the platform has one stock figure per listing.
    warehouse_stock: tuple[tuple[str, int], ...] = ()
    #: Units the platform holds back from sale on top of `stock` (orders not yet shipped,
    #: campaign or promotion locks); None where the platform does not say.
    held: int | None = None


@dataclass(frozen=True, slots=True)
class StockUpdate:
    """Set one listing's sellable stock.

    `warehouses` names every marketplace warehouse (location) of the listing with
    its quantity when the channel links several to POS locations; empty means the
    listing has one stock figure and `quantity` is it.
    """

    item_id: str
    variant_id: str
    seller_sku: str
    quantity: int
    warehouses: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True, slots=True)
class PushResult:
    item_id: str
    variant_id: str
    applied: bool
    reason: str = ""


@dataclass(frozen=True, slots=True)
class TimeSlice:
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class TokenSet:
    access_token: str
    refresh_token: str
    access_expires_at: datetime | None
    refresh_expires_at: datetime | None = None
    extra: dict = field(default_factory=dict)
