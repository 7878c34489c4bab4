"""Small builders for test data (plain functions; no factory library needed yet)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from channels_app.adapters.types import ChannelOrder, ChannelOrderLine
from channels_app.models import Channel
from inventory.models import Location, Sku

T0 = datetime(2026, 11, 11, 0, 0, tzinfo=UTC)


def location(code="WH1"):
    return Location.objects.get_or_create(code=code, defaults={"name": f"Warehouse {code}"})[0]


def sku(code="SKU-1", name=None):
    return Sku.objects.get_or_create(code=code, defaults={"name": name or code})[0]


def channel(name="Shopee Test", platform="shopee", loc=None, **extra):
    loc = loc or location()
    defaults = {"platform": platform, "location": loc, "api_base_url": "http://127.0.0.1:9/sandbox/shopee"}
    defaults.update(extra)
    return Channel.objects.get_or_create(name=name, defaults=defaults)[0]


def order(external_id="O1", raw_status="READY_TO_SHIP", minutes=0, lines=(("SKU-1", 1),), total="10000"):
    when = T0 + timedelta(minutes=minutes)
    return ChannelOrder(
        external_id=external_id,
        raw_status=raw_status,
        created_at=T0,
        updated_at=when,
        currency="IDR",
        total=Decimal(total),
        buyer_name="Budi",
        lines=tuple(
            ChannelOrderLine(line_key=f"{code}", seller_sku=code, item_id="1", variant_id=str(i), quantity=qty, unit_price=Decimal("5000"))
            for i, (code, qty) in enumerate(lines)
        ),
    )
