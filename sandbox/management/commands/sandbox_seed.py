"""Seed the five sandbox shops with credentials, tokens, a catalogue and an order history (idempotent).

Beyond the random history, the shops show what real shops run into
(MARKETPLACES.md): a catalogue file that gives a `second_stock` makes the
TikTok and Shopee shops keep stock in two warehouses / locations; rows with
`components` become TikTok combined listings, with one order for each; TikTok
has an order with one line cancelled on its own; Lazada has a campaign lock
on one SKU and unpaid and pending orders holding units.
"""

import json
import random
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from sandbox import demo_data, services
from sandbox.management.commands import _common
from sandbox.models import Order, OrderLine, Shop, Variant

SHOPS = [("shopee", "Shopee Demo Shop"), ("tiktok", "TikTok Demo Shop"), ("lazada", "Lazada Demo Shop"),
         ("woocommerce", "WooCommerce Demo Store"), ("shopify", "Shopify Demo Store")]
#: The two warehouses of a shop that keeps stock in several (the first is the default, where orders take units).
WAREHOUSE_NAMES = ("Gudang Jakarta", "Gudang Surabaya")
SHOPEE_LOCATION_IDS = ("IDZ", "IDSUB")
#: Units a Lazada campaign locks on the SKU with the most stock.
CAMPAIGN_LOCK = 5


class Command(BaseCommand):
    help = "Create (or complete) the demo shops of the five sandbox marketplaces; re-running adds nothing twice."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", help="site URL shown in the summary (default $OMNISYNC_SITE_URL)")
        parser.add_argument("--catalogue", help='JSON file [{"code", "name", "stock", "second_stock"?, "components"?}, ...]; '
                                                "default a generated ~300 SKUs")
        parser.add_argument("--orders", type=int, default=150, help="random orders per shop in the 20-day history (default 150), besides the few every demo shows")
        parser.add_argument("--seed", type=int, default=2026, help="seed of the generated catalogue and orders")

    def handle(self, *args, base_url=None, catalogue=None, orders=150, seed=2026, **options):
        url = _common.base_url(base_url)
        _common.non_negative("--orders", orders)
        items = self.load_catalogue(catalogue) if catalogue else demo_data.catalogue(seed)
        two_warehouses = any("second_stock" in it for it in items)
        for platform, name in SHOPS:
            shop = Shop.objects.filter(platform=platform, name=name).first() or services.shop_create(platform, name)
            services.shop_ensure_tokens(shop)
            if two_warehouses:
                self.ensure_warehouses(shop)
            added = self.complete_catalogue(shop, items)
            created = self.seed_orders(shop, orders, seed)
            self.stdout.write(f"{platform:12} {name}: +{added} items, +{created} orders — {url}/sandbox/{platform}")

    def load_catalogue(self, path) -> list[dict]:
        try:
            with open(path, encoding="utf-8") as fh:
                rows = json.load(fh)
        except (OSError, ValueError) as exc:
            _common.fail(f"--catalogue: cannot read {path}: {exc}")
        if not isinstance(rows, list) or not rows:
            _common.fail("--catalogue must hold a non-empty JSON list")
        codes = set()
        for i, row in enumerate(rows):
            ok = (isinstance(row, dict) and isinstance(row.get("code"), str) and row["code"].strip()
                  and isinstance(row.get("name"), str)
                  and (row.get("components") or (isinstance(row.get("stock"), int) and row["stock"] >= 0))
                  and (row.get("second_stock") is None or (isinstance(row["second_stock"], int) and row["second_stock"] >= 0)))
            if not ok:
                _common.fail(f"--catalogue row {i}: needs a code, a name and a stock >= 0 (second_stock, if given, >= 0)")
            if row["code"] in codes:
                _common.fail(f"--catalogue row {i}: code {row['code']!r} appears twice")
            codes.add(row["code"])
        plain = {r["code"] for r in rows if not r.get("components")}
        for i, row in enumerate(rows):
            parts = row.get("components")
            if parts is None:
                continue
            if not isinstance(parts, list) or not parts or not all(
                isinstance(p, dict) and p.get("code") in plain and isinstance(p.get("count", 1), int) and p.get("count", 1) >= 1
                for p in parts
            ):
                _common.fail(f"--catalogue row {i}: components must list [{{code, count >= 1}}] of other rows' codes")
        return demo_data.catalogue_from_rows(rows)

    # -- shops and catalogue ---------------------------------------------------

    @staticmethod
    def ensure_warehouses(shop) -> None:
        """TikTok and Shopee shops keep stock in two places; Lazada and WooCommerce in one."""
        if shop.warehouses or shop.platform not in ("tiktok", "shopee"):
            return
        ids = ((shop.warehouse_id, str(int(shop.warehouse_id) + 1000)) if shop.platform == "tiktok" else SHOPEE_LOCATION_IDS)
        shop.warehouses = [{"id": wid, "name": name, "is_default": i == 0}
                           for i, (wid, name) in enumerate(zip(ids, WAREHOUSE_NAMES, strict=True))]
        shop.save(update_fields=["warehouses"])

    def complete_catalogue(self, shop, items) -> int:
        """Add the items none of whose SKUs the shop has yet."""
        have = set(Variant.objects.filter(shop=shop).values_list("seller_sku", flat=True))
        missing = [it for it in items if not ({v["sku"] for v in it.get("variants") or [it]} & have)]
        plain = [it for it in missing if not it.get("components")]
        combos = [it for it in missing if it.get("components")] if shop.platform == "tiktok" else []
        if shop.platform == "shopee":
            plain = [self.with_promotion(it) for it in plain]
        if shop.platform == "lazada":
            plain = self.with_campaign_lock(shop, plain)
        services.items_add_bulk(shop, plain)
        self.place_second_stock(shop, plain)
        return len(plain) + self.add_combined_listings(shop, combos)

    @staticmethod
    def with_promotion(item):
        """A few Shopee SKUs hold reserved promotion stock, as real shops in a campaign do."""
        variants = item.get("variants")
        if variants:
            return {**item, "variants": [{**v, "reserved_stock": 2 if v["sku"].endswith("7") and v["stock"] >= 2 else 0}
                                         for v in variants]}
        return {**item, "reserved_stock": 2 if item["sku"].endswith("7") and item["stock"] >= 2 else 0}

    @staticmethod
    def with_campaign_lock(shop, items):
        """A Lazada campaign locks a few units of the simple item with the most stock (the first of equals)."""
        if Variant.objects.filter(shop=shop, reserved_stock__gt=0).exists():
            return items
        simple = [it for it in items if not it.get("variants")]
        best = max(simple, key=lambda it: it.get("stock", 0), default=None)
        if best is None or best.get("stock", 0) < 4 * CAMPAIGN_LOCK:
            return items
        return [{**it, "reserved_stock": CAMPAIGN_LOCK} if it is best else it for it in items]

    @staticmethod
    def place_second_stock(shop, items) -> None:
        """A SKU with a `second_stock` is kept in both warehouses of a shop that has two: its stock is their sum."""
        if len(shop.warehouses or []) < 2:
            return
        second = {it["sku"]: int(it["second_stock"]) for it in items if it.get("second_stock") is not None and not it.get("variants")}
        if not second:
            return
        first_id, second_id = str(shop.warehouses[0]["id"]), str(shop.warehouses[1]["id"])
        rows = list(Variant.objects.filter(shop=shop, seller_sku__in=second))
        for v in rows:
            v.warehouse_stock = {first_id: v.stock, second_id: second[v.seller_sku]}
            v.stock += second[v.seller_sku]
        Variant.objects.bulk_update(rows, ["stock", "warehouse_stock"])

    @staticmethod
    def add_combined_listings(shop, combos) -> int:
        """TikTok combined listings: a listing of its own whose units are its components' (Variant.components)."""
        by_sku = {v.seller_sku: v for v in Variant.objects.filter(shop=shop) if not v.components}
        buildable = [c for c in combos if all(p["sku"] in by_sku for p in c["components"])]
        if not buildable:
            return 0
        services.items_add_bulk(shop, [{"name": c["name"], "sku": c["sku"], "stock": 0, "price": c.get("price", 50000)}
                                       for c in buildable])
        for combo in buildable:
            Variant.objects.filter(shop=shop, seller_sku=combo["sku"]).update(components=[
                {"variant_id": by_sku[p["sku"]].variant_id, "count": int(p.get("count", 1))} for p in combo["components"]
            ])
        return len(buildable)

    # -- orders ------------------------------------------------------------------

    def seed_orders(self, shop, count, seed) -> int:
        """`count` random orders over 20 days, then the feature orders; nothing when the shop has orders."""
        if Order.objects.filter(shop=shop).exists():
            return 0
        rng = random.Random(f"orders:{seed}:{shop.platform}")
        variants = list(Variant.objects.filter(shop=shop).order_by("pk"))
        plain = [v for v in variants if not v.components]
        if not plain:
            return 0
        available = {v.pk: v.stock - v.reserved_stock for v in variants}
        now = timezone.now()
        specs = []
        for _ in range(count):
            created = now - timedelta(seconds=rng.randint(600, 20 * 86400))
            lines = demo_data.pick_lines(rng, available, plain)
            if lines:
                specs.append({"lines": lines, "history": demo_data.history(shop.platform, rng, created, now),
                              "buyer": f"buyer{rng.randint(1, 999):03d}"})
        specs.sort(key=lambda s: s["history"][0][1])
        features = self.feature_orders(shop, variants, available, now)
        with transaction.atomic():
            orders = services.orders_create_bulk(shop, specs + [spec for spec, _ in features], allow_oversell=True)
            for order, (_, cancel_first_line) in zip(orders[len(specs):], features, strict=True):
                if cancel_first_line:
                    line = OrderLine.objects.filter(order=order).select_related("order").order_by("pk").first()
                    services.order_line_cancel(line, "CANCELLED", at=order.updated_at + timedelta(minutes=30))
        return len(orders)

    @staticmethod
    def feature_orders(shop, variants, available, now) -> list[tuple[dict, bool]]:
        """Orders every demo shows, as (spec, cancel its first line on its own)."""
        stocked = [v for v in variants if not v.components and not v.reserved_stock and available[v.pk] >= 2]
        if len(stocked) < 2:
            return []
        a, b = stocked[0], stocked[1]

        def at(hours, minutes=0):
            return now - timedelta(hours=hours) + timedelta(minutes=minutes)

        out = []
        if shop.platform == "tiktok":
            to_ship = ["UNPAID", "ON_HOLD", "AWAITING_SHIPMENT"]
            for combo in (v for v in variants if v.components):
                out.append(({"lines": [{"variant": combo, "quantity": 1}], "buyer": "buyer-paket",
                             "history": [(s, at(5, 10 * i)) for i, s in enumerate(to_ship)]}, False))
            out.append(({"lines": [{"variant": a, "quantity": 1}, {"variant": b, "quantity": 2}], "buyer": "buyer-sebagian",
                         "history": [(s, at(4, 10 * i)) for i, s in enumerate(to_ship)]}, True))
        elif shop.platform == "lazada":
            out.append(({"lines": [{"variant": a, "quantity": 1}], "buyer": "buyer-belum-bayar", "history": [("unpaid", at(0, -20))]}, False))
            out.append(({"lines": [{"variant": b, "quantity": 2}], "buyer": "buyer-dibayar",
                         "history": [("unpaid", at(3)), ("pending", at(3, 5))]}, False))
        return out
