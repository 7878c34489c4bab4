"""A sale-day burst: new orders, status changes, single-line cancellations and statuses no map knows."""

import random

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from sandbox import demo_data, flows, services
from sandbox.management.commands import _common
from sandbox.models import Order, Variant

#: Open orders: not yet handed to the courier (a status no map knows is played on these, as a plugin's
#: "awaiting shipment" or a platform's new review step would be).
OPEN = {
    "shopee": {"UNPAID", "READY_TO_SHIP", "PROCESSED", "RETRY_SHIP"},
    "tiktok": {"UNPAID", "ON_HOLD", "AWAITING_SHIPMENT", "AWAITING_COLLECTION"},
    "lazada": {"unpaid", "pending", "packed", "repacked", "ready_to_ship"},
    "woocommerce": {"pending", "processing", "on-hold"},
    "shopify": {"PENDING/UNFULFILLED", "AUTHORIZED/UNFULFILLED", "PAID/UNFULFILLED"},
}
#: The line status a line cancelled on its own takes, on the platforms that cancel single lines of an open order:
#: TikTok's cancellations call (order_line_item_ids), Lazada's per-item seller cancel (pending to RTS) or an
#: unpaid item the buyer drops.
LINE_CANCELLED = {"tiktok": "CANCELLED", "lazada": "canceled"}
#: Where a shipped or completed order goes when its parcel comes back, per platform and status it has left from: a
#: return, or a failed delivery (Lazada's shipped-back chart; TikTok Shop reports a failed delivery as CANCELLED and
#: has no return status in its order API). Lazada's lost_by_3pl is a parcel that will not come back at all.
RETURNS = {
    "shopee": {"SHIPPED": ["TO_RETURN"], "TO_CONFIRM_RECEIVE": ["TO_RETURN"], "COMPLETED": ["TO_RETURN"]},
    "tiktok": {"IN_TRANSIT": ["CANCELLED"], "DELIVERED": ["CANCELLED"]},
    "lazada": {"shipped": ["shipped_back", "failed", "shipped_back_success", "lost_by_3pl"], "delivered": ["returned"]},
    "woocommerce": {"completed": ["refunded"]},
    "shopify": {"PAID/FULFILLED": ["REFUNDED/FULFILLED", "REFUNDED/FULFILLED/RETURNED"]},
}


class Command(BaseCommand):
    help = ("Create N new orders, M status changes, single-line cancels of multi-line TikTok/Lazada orders and moves to "
            "a status no status map knows, spread over the sandbox shops.")

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=50, help="new orders in the burst")
        parser.add_argument("--changes", type=int, default=20, help="status changes of existing open orders")
        parser.add_argument("--line-cancels", type=int, default=0, dest="line_cancels",
                            help="cancel one line of N open multi-line TikTok / Lazada orders (the rest goes on)")
        parser.add_argument("--unknown-statuses", type=int, default=0, dest="unknown_statuses",
                            help="move N open orders to a status the platform's documentation does not list")
        parser.add_argument("--unmapped", type=int, default=0,
                            help="N new orders of a product added to the shop now, whose seller SKU no POS knows")
        parser.add_argument("--returns", type=int, default=0,
                            help="move N shipped or completed orders to their platform's returned / failed-delivery status")
        parser.add_argument("--shop", default="all", help="'all', a platform or a shop name")
        parser.add_argument("--seed", type=int, help="seed for a repeatable burst")

    def handle(self, *args, orders=50, changes=20, line_cancels=0, unknown_statuses=0, unmapped=0, returns=0, shop="all", seed=None,
               **options):
        _common.non_negative("--orders", orders)
        _common.non_negative("--changes", changes)
        _common.non_negative("--line-cancels", line_cancels)
        _common.non_negative("--unknown-statuses", unknown_statuses)
        _common.non_negative("--unmapped", unmapped)
        _common.non_negative("--returns", returns)
        shops = _common.shops(shop)
        rng = random.Random(seed)
        now = timezone.now()
        per_shop = {s.pk: [] for s in shops}
        variants = {s.pk: [v for v in Variant.objects.filter(shop=s).order_by("pk") if not v.components] for s in shops}
        available = {v.pk: v.stock - v.reserved_stock for vs in variants.values() for v in vs}
        for _ in range(orders):
            target = rng.choice(shops)
            if not variants[target.pk]:
                continue
            lines = demo_data.pick_lines(rng, available, variants[target.pk])
            if lines:
                per_shop[target.pk].append({"lines": lines, "created_at": now, "buyer": f"buyer{rng.randint(1, 999):03d}"})
        created = 0
        with transaction.atomic():
            for s in shops:
                created += len(services.orders_create_bulk(s, per_shop[s.pk]))
        open_orders = [o for o in Order.objects.filter(shop__in=shops).select_related("shop").order_by("pk")
                       if flows.successors(o.shop.platform, o.status)]
        changed = 0
        for order in rng.sample(open_orders, min(changes, len(open_orders))):
            if services.order_advance(order, rng):
                changed += 1
        cancelled = self.cancel_lines(shops, line_cancels, rng) if line_cancels else 0
        unknown = self.move_to_unknown(shops, unknown_statuses, rng) if unknown_statuses else 0
        if unmapped:
            self.stdout.write(f"{self.add_unmapped(shops, unmapped, rng)} new orders of products no POS knows")
        if returns:
            self.stdout.write(f"{self.send_back(shops, returns, rng)} shipped or completed orders returned or failed in delivery")
        self.stdout.write(f"{created} new orders, {changed} status changes, {cancelled} line cancels, "
                          f"{unknown} unknown statuses over {len(shops)} shop(s)")

    @staticmethod
    def cancel_lines(shops, count, rng) -> int:
        """Cancel one line (all its units) of `count` open orders that have at least two lines still on."""
        qs = (Order.objects.filter(shop__in=[s for s in shops if s.platform in LINE_CANCELLED])
              .select_related("shop").prefetch_related("lines").order_by("pk"))
        candidates = []
        for order in qs:
            on = [ln for ln in sorted(order.lines.all(), key=lambda ln: ln.pk) if ln.status not in services.LINE_CANCELLED]
            if order.status in OPEN[order.shop.platform] and len(on) >= 2:
                candidates.append((order, on))
        for order, on in rng.sample(candidates, min(count, len(candidates))):
            line = rng.choice(on)
            line.order = order
            services.order_line_cancel(line, LINE_CANCELLED[order.shop.platform])
        return min(count, len(candidates))

    @staticmethod
    def add_unmapped(shops, count, rng) -> int:
        """`count` new orders of a product each shop that gets one adds now (a seller SKU like UNMAPPED-<shop>-<n>):
        what happens when staff list something in the seller centre before it is in the POS."""
        per_shop: dict = {}
        for _ in range(count):
            per_shop.setdefault(rng.choice(shops), []).append(rng.choice([1, 1, 2]))
        created = 0
        now = timezone.now()
        for shop, quantities in per_shop.items():
            taken = Variant.objects.filter(shop=shop, seller_sku__startswith="UNMAPPED-").count()
            code = f"UNMAPPED-{shop.pk}-{taken + 1}"
            with transaction.atomic():
                services.items_add_bulk(shop, [{"name": f"Produk Baru {taken + 1}", "sku": code, "stock": sum(quantities) + 20,
                                                "price": "35000"}])
                created += len(services.orders_create_bulk(shop, [
                    {"lines": [{"sku": code, "quantity": q}], "created_at": now, "buyer": f"buyer{rng.randint(1, 999):03d}"}
                    for q in quantities
                ]))
        return created

    @staticmethod
    def send_back(shops, count, rng) -> int:
        """Move `count` shipped or completed orders to a returned or failed-delivery status (RETURNS)."""
        candidates = [o for o in Order.objects.filter(shop__in=shops).select_related("shop").order_by("pk")
                      if o.status in RETURNS.get(o.shop.platform, {})]
        chosen = rng.sample(candidates, min(count, len(candidates)))
        for order in chosen:
            services.order_set_status(order, rng.choice(RETURNS[order.shop.platform][order.status]))
        return len(chosen)

    @staticmethod
    def move_to_unknown(shops, count, rng) -> int:
        """Move `count` open orders (not yet shipped) to their platform's undocumented status (flows.UNDOCUMENTED)."""
        candidates = [o for o in Order.objects.filter(shop__in=shops).select_related("shop").order_by("pk")
                      if o.status in OPEN[o.shop.platform]]
        for order in rng.sample(candidates, min(count, len(candidates))):
            services.order_set_status(order, flows.UNDOCUMENTED[order.shop.platform])
        return min(count, len(candidates))
