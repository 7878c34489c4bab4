"""Demo data: a shop whose POS has deliberately fallen behind its marketplaces.

The first screen a new user sees should show the problem omnisync exists to
fix. So the seeding runs the real jobs against the sandbox (over real HTTP on
a temporary local server), then lets the sandbox sell and change orders behind
the POS's back and edits some channel stock by hand, then checks the channels:
missing orders, stale statuses and drifted stock, each with its cause.

The shops also show what real shops run into (MARKETPLACES.md): TikTok and
Shopee keep stock in two warehouses (Gudang Jakarta, the channel's location,
and Gudang Surabaya, a second POS location), linked as staff would with "Load
warehouses from the marketplace"; TikTok sells a combined listing (a bundle of
two SKUs) and has an order with one line cancelled on its own; every shop sells two of the POS's kits
(PAKET-KAOS-3, PAKET-SAMBAL: bundle SKUs whose stock is their components'); Lazada holds
units for unpaid and pending orders and a campaign locks some of one SKU; a
WooCommerce order sits in a plugin's status (`awaiting-shipment`) that no map
knows, counted as "unknown status" until staff map it; the Shopify store is
reached through the GraphQL Admin API, its stock pushed with compare-and-set.
"""

from __future__ import annotations

import io
import json
import random
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from channels_app.adapters.registry import get_adapter
from channels_app.adapters.types import StockUpdate
from channels_app.models import Channel, RunKind
from channels_app.runs import run_now
from inventory.bundles import bundle_definitions_set
from inventory.models import Listing, Location, Sku, WarehouseLink
from inventory.services.ledger import stock_import
from inventory.services.warehouses import warehouse_links_load
from omnisync.demo.catalogue import BUNDLES, POS_BUNDLES, branch_stock, demo_skus
from omnisync.demo.server import local_server

CHANNEL_NAMES = {"shopee": "Shopee Toko Jaya", "tiktok": "Tokopedia & TikTok Shop", "lazada": "Lazada Toko Jaya", "woocommerce": "tokojaya.id (WooCommerce)",
                 "shopify": "Toko Jaya (Shopify)"}
NOT_IN_POS = [{"code": f"BUNDLE-{i:02d}", "name": f"Paket Hemat {i}", "stock": 10} for i in range(1, 5)]
#: The rehearsal after the first sync: its seed keeps the demo the same on every machine.
SALE_SEED = 1111


def demo_seed(site_url: str, say=print) -> bool:
    """Seed once; return False (and change nothing) when demo data is already there."""
    if Channel.objects.exists() or Sku.objects.exists():
        say("Demo data already present; keeping it.")
        return False
    catalogue = demo_skus()
    second = branch_stock(catalogue)
    with transaction.atomic():
        jakarta = Location.objects.create(code="JKT-01", name="Gudang Jakarta")
        Location.objects.create(code="BDG-01", name="Toko Bandung")
        surabaya = Location.objects.create(code="SBY-01", name="Gudang Surabaya")
        Sku.objects.bulk_create([Sku(code=c["code"], name=c["name"]) for c in catalogue])
        ids = dict(Sku.objects.values_list("code", "pk"))
        stock_import(location=jakarta, quantities={ids[c["code"]]: c["stock"] for c in catalogue}, reference="opening stock")
        stock_import(location=surabaya, quantities={ids[code]: qty for code, qty in second.items()}, reference="opening stock")
        # Kits: the bundle SKU holds no stock; its components' stock says how many can be sold.
        Sku.objects.bulk_create([Sku(code=b["code"], name=b["name"]) for b in POS_BUNDLES])
        ids = dict(Sku.objects.values_list("code", "pk"))
        bundle_definitions_set({ids[b["code"]]: {ids[c]: n for c, n in b["components"].items()} for b in POS_BUNDLES})
    say(f"POS: {len(catalogue)} SKUs with opening stock at {jakarta.name}, {len(second)} of them also at {surabaya.name}.")

    path = Path(settings.VAR_DIR) / "demo-catalogue.json"
    rows = [{**c, "second_stock": second[c["code"]]} if c["code"] in second else c for c in catalogue]
    kits = [{"code": b["code"], "name": b["name"], "stock": b["stock"]} for b in POS_BUNDLES]
    path.write_text(json.dumps(rows + kits + NOT_IN_POS + BUNDLES))
    call_command("sandbox_seed", catalogue=str(path), base_url=site_url, stdout=io.StringIO())
    out = io.StringIO()
    call_command("sandbox_shops", json=True, base_url=site_url, stdout=out)
    shops = json.loads(out.getvalue())
    channels = []
    for shop in shops:
        ch = Channel(
            name=CHANNEL_NAMES.get(shop["platform"], shop["shop"]), platform=shop["platform"], location=jakarta,
            api_base_url=shop["base_url"], auth_base_url=shop.get("auth_base_url") or "", buffer_value=1 if shop["platform"] == "shopee" else 0,
        )
        ch.credentials = shop["credentials"]
        ch.save()
        channels.append(ch)
    say(f"Channels: {', '.join(c.name for c in channels)} (pointing at the sandbox on {site_url}).")

    with local_server() as local_url:
        for ch in channels:
            _repoint(ch, site_url, local_url)
            _link_warehouses(ch, surabaya, say)
        # Step by step across channels: they share the warehouse's stock.
        for kind, params in ((RunKind.SCAN, {"full": True}), (RunKind.DOWNLOAD_ORDERS, {}), (RunKind.UPDATE_INVENTORY, {})):
            for ch in channels:
                _run(ch, kind, params)
        # Behind the POS's back: a burst of sales and status changes, and stock edited in the seller centres.
        call_command("sandbox_sale", orders=24, changes=30, line_cancels=2, seed=SALE_SEED, stdout=io.StringIO())
        # A WooCommerce plugin's status, which no status map knows: it stays "unknown" until staff map it.
        call_command("sandbox_sale", shop="woocommerce", orders=0, changes=0, unknown_statuses=1, seed=SALE_SEED,
                     stdout=io.StringIO())
        # A window is read up to the last whole second (orders.jobs.order_window): changes made in this very second
        # belong to the next window, so the check below starts once they are a second old.
        time.sleep(1.01 - time.time() % 1)
        rng = random.Random(1111)
        for ch in channels:
            _drift(ch, rng)
            _run(ch, RunKind.CHECK_ORDERS, {})
            _run(ch, RunKind.SCAN, {"full": True})
        for ch in channels:
            _repoint(ch, local_url, site_url)
    # From now on the sandbox pushes its order changes, as each marketplace would, to the channels' endpoints
    # (after the sale above, whose orders the demo shows as missing).
    for shop, ch in zip(shops, channels, strict=True):
        call_command("sandbox_push", shop=shop["shop"], callback_url=f"{site_url}{reverse('order-push', args=[ch.platform, ch.pk])}",
                     stdout=io.StringIO())
    say(f"Order pushes: each sandbox shop notifies {site_url}/webhooks/<platform>/<channel id>/.")
    for ch in Channel.objects.all():
        say(f"  {ch.name}: {ch.orders_missing} missing, {ch.orders_wrong_status} wrong status, "
            f"{ch.orders_unknown_status} unknown status, {ch.stock_discrepancies} stock discrepancies, "
            f"{ch.listings_not_in_pos} listings not in POS")
    return True


def _repoint(ch: Channel, old: str, new: str) -> None:
    ch.api_base_url = ch.api_base_url.replace(old.rstrip("/"), new.rstrip("/"), 1)
    ch.auth_base_url = ch.auth_base_url.replace(old.rstrip("/"), new.rstrip("/"), 1)
    Channel.objects.filter(pk=ch.pk).update(api_base_url=ch.api_base_url, auth_base_url=ch.auth_base_url)


def _run(ch: Channel, kind: str, params: dict):
    return run_now(ch, kind, params=params, trigger="demo")[0]


def _link_warehouses(ch: Channel, second: Location, say) -> None:
    """What staff do once per channel: load its warehouses and link the ones the loader leaves to them.

    Shopee names no default location; the demo's Shopee shop lists Jakarta's
    first, as its seller centre would show staff.
    """
    if ch.platform not in ("tiktok", "shopee"):
        return
    result = warehouse_links_load(ch)
    by_order = [ch.location, second]
    for wid, name in result.unlinked:
        index = next(i for i, (w, _n, _d) in enumerate(result.found or []) if w == wid)
        if index < len(by_order):
            WarehouseLink.objects.create(channel=ch, warehouse_id=wid, name=name, location=by_order[index])
    links = WarehouseLink.objects.filter(channel=ch).select_related("location").order_by("warehouse_id")
    say(f"  {ch.name} warehouses: " + ", ".join(f"{w.warehouse_id} \u2192 {w.location.name}" for w in links))


def _drift(ch: Channel, rng: random.Random) -> None:
    """Someone edits stock in the seller centre: a few mapped listings show a different number (in the warehouse
    behind the channel's location, when the channel has several)."""
    listings = list(Listing.objects.filter(channel=ch, sku__isnull=False, gone=False).order_by("pk")[:200])
    picked = rng.sample(listings, k=min(4, len(listings)))
    home = set(WarehouseLink.objects.filter(channel=ch, location_id=ch.location_id).values_list("warehouse_id", flat=True))
    updates = []
    for li in picked:
        new = max(0, (li.channel_stock or 0) + rng.choice([-3, 2, 5, 7]))
        warehouses = tuple((wid, new if wid in home else int(qty)) for wid, qty in sorted((li.warehouse_stock or {}).items()))
        updates.append(StockUpdate(li.external_item_id, li.external_variant_id, li.seller_sku, new, warehouses if home else ()))
    if updates:
        adapter = get_adapter(Channel.objects.get(pk=ch.pk))
        try:
            adapter.push_stock(updates)
        finally:
            adapter.session.close()
