"""Loading a channel's marketplace warehouses and linking the ones whose POS location is clear."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from channels_app.adapters.registry import get_adapter
from channels_app.models import Channel, Location
from inventory.models import WarehouseLink


@dataclass
class WarehouseLoad:
    """What "Load warehouses from the marketplace" found and did for one channel."""

    #: (id, name, is default) as the marketplace lists them; None when it has no call that lists them.
    found: list[tuple[str, str, bool]] | None
    linked: list[tuple[WarehouseLink, str]] = field(default_factory=list)  # (new link, why this location)
    unlinked: list[tuple[str, str]] = field(default_factory=list)  # (id, name) left for staff
    already: int = 0
    note: str = ""


def marketplace_warehouses(channel: Channel) -> tuple[list[tuple[str, str, bool]] | None, str]:
    """The channel's warehouses as (id, name, is default), or None, with what the platform does (not) say.

    TikTok lists its sales warehouses with a default. Shopee's adapter gives the
    `location_id`s of a multi-location shop only (no name, and Shopee marks no
    default), and none for a single-location shop. Lazada documents no call that
    lists a seller's warehouses; WooCommerce has one stock figure per product.
    """
    if channel.platform == "lazada":
        return None, _(
            "Lazada documents no call that lists a seller's warehouses. Add each warehouse code as Lazada shows it "
            "in multiWarehouseInventories (warehouseCode) by hand; a single-warehouse seller needs none."
        )
    if channel.platform not in ("tiktok", "shopee"):
        return None, _("%(platform)s keeps one stock figure per product: there are no warehouses to link.") % {
            "platform": channel.get_platform_display()}
    adapter = get_adapter(channel)
    try:
        if channel.platform == "tiktok":
            return list(adapter.list_warehouses()), ""
        ids = adapter.locations()
    finally:
        adapter.session.close()
    if not ids:
        return [], _("The shop is not a multi-location shop: its one location needs no link.")
    if len(ids) == 1:
        return [(ids[0], "", True)], ""
    return [(i, "", False) for i in ids], _(
        "Shopee names neither the locations nor a default one to this app: link each location id to the POS location "
        "that holds its stock."
    )


def warehouse_links_load(channel: Channel) -> WarehouseLoad:
    """Create links for the channel's marketplace warehouses that have none yet.

    The default warehouse (the only one, for a shop with one) is where the
    channel's orders take their units, so it is linked to the channel's own
    location. Another one is linked only to a POS location of the same name:
    linking it to the channel's location too would offer that location's whole
    stock once per warehouse. The rest stay unlinked for staff to assign;
    until then Update Inventory keeps the quantity the marketplace shows there.
    """
    found, note = marketplace_warehouses(channel)
    result = WarehouseLoad(found=found, note=note)
    if not found:
        return result
    existing = set(WarehouseLink.objects.filter(channel=channel).values_list("warehouse_id", flat=True))
    by_name = {}
    for loc in Location.objects.order_by("pk"):
        by_name.setdefault(_same(loc.name), loc)
    single = len(found) == 1
    with transaction.atomic():
        for wid, name, is_default in found:
            if wid in existing:
                result.already += 1
                continue
            same_name = by_name.get(_same(name)) if _same(name) else None
            if is_default or single:
                location, why = channel.location, _("the default warehouse: the channel's location")
            elif same_name is not None and same_name.pk != channel.location_id:
                location, why = same_name, _("same name")
            else:
                result.unlinked.append((wid, name))
                continue
            link = WarehouseLink.objects.create(channel=channel, warehouse_id=wid, name=name[:100], location=location)
            result.linked.append((link, str(why)))
    return result


def _same(name: str) -> str:
    """A name as compared: case and runs of spaces do not matter."""
    return " ".join(name.split()).casefold()


def _label(wid: str, name: str) -> str:
    return f"{wid} ({name})" if name and name != wid else wid
