"""Seed the four sandbox shops with credentials, tokens, a catalogue and an order history (idempotent)."""

import json
import random
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from sandbox import demo_data, services
from sandbox.management.commands import _common
from sandbox.models import Order, Shop, Variant

SHOPS = [("shopee", "Shopee Demo Shop"), ("tiktok", "TikTok Demo Shop"), ("lazada", "Lazada Demo Shop"),
         ("woocommerce", "WooCommerce Demo Store")]


class Command(BaseCommand):
    help = "Create (or complete) the demo shops of the four sandbox marketplaces; re-running adds nothing twice."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", help="site URL shown in the summary (default $OMNISYNC_SITE_URL)")
        parser.add_argument("--catalogue", help='JSON file [{"code", "name", "stock"}, ...]; default a generated ~300 SKUs')
        parser.add_argument("--orders", type=int, default=150, help="orders per shop in the 20-day history (default 150)")
        parser.add_argument("--seed", type=int, default=2026, help="seed of the generated catalogue and orders")

    def handle(self, *args, base_url=None, catalogue=None, orders=150, seed=2026, **options):
        url = _common.base_url(base_url)
        _common.non_negative("--orders", orders)
        items = self.load_catalogue(catalogue) if catalogue else demo_data.catalogue(seed)
        for platform, name in SHOPS:
            shop = Shop.objects.filter(platform=platform, name=name).first() or services.shop_create(platform, name)
            services.shop_ensure_tokens(shop)
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
                  and isinstance(row.get("name"), str) and isinstance(row.get("stock"), int) and row["stock"] >= 0)
            if not ok:
                _common.fail(f"--catalogue row {i}: needs a code, a name and a stock >= 0")
            if row["code"] in codes:
                _common.fail(f"--catalogue row {i}: code {row['code']!r} appears twice")
            codes.add(row["code"])
        return demo_data.catalogue_from_rows(rows)

    def complete_catalogue(self, shop, items) -> int:
        """Add the items none of whose SKUs the shop has yet."""
        have = set(Variant.objects.filter(shop=shop).values_list("seller_sku", flat=True))
        missing = [it for it in items if not ({v["sku"] for v in it.get("variants") or [it]} & have)]
        if shop.platform == "shopee":
            missing = [self.with_promotion(it) for it in missing]
        services.items_add_bulk(shop, missing)
        return len(missing)

    @staticmethod
    def with_promotion(item):
        """A few Shopee SKUs hold reserved promotion stock, as real shops in a campaign do."""
        variants = item.get("variants")
        if variants:
            return {**item, "variants": [{**v, "reserved_stock": 2 if v["sku"].endswith("7") and v["stock"] >= 2 else 0}
                                         for v in variants]}
        return {**item, "reserved_stock": 2 if item["sku"].endswith("7") and item["stock"] >= 2 else 0}

    def seed_orders(self, shop, count, seed) -> int:
        if not count or Order.objects.filter(shop=shop).exists():
            return 0
        rng = random.Random(f"orders:{seed}:{shop.platform}")
        variants = list(Variant.objects.filter(shop=shop).order_by("pk"))
        if not variants:
            return 0
        available = {v.pk: v.stock - v.reserved_stock for v in variants}
        now = timezone.now()
        specs = []
        for _ in range(count):
            created = now - timedelta(seconds=rng.randint(600, 20 * 86400))
            lines = demo_data.pick_lines(rng, available, variants)
            if lines:
                specs.append({"lines": lines, "history": demo_data.history(shop.platform, rng, created, now),
                              "buyer": f"buyer{rng.randint(1, 999):03d}"})
        specs.sort(key=lambda s: s["history"][0][1])
        with transaction.atomic():
            services.orders_create_bulk(shop, specs, allow_oversell=True)
        return len(specs)
