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
class ChannelListing:
    item_id: str
    variant_id: str  # "" for an item without variants
    seller_sku: str
    stock: int | None
    title: str = ""
    status: str = ""
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class StockUpdate:
    item_id: str
    variant_id: str
    seller_sku: str
    quantity: int


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
