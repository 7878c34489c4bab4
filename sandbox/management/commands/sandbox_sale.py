"""A sale-day burst: new orders and status changes spread over the sandbox shops."""

import random

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from sandbox import demo_data, flows, services
from sandbox.management.commands import _common
from sandbox.models import Order, Variant


class Command(BaseCommand):
    help = "Create N new orders and M status changes spread over the sandbox shops."

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=50, help="new orders in the burst")
        parser.add_argument("--changes", type=int, default=20, help="status changes of existing open orders")
        parser.add_argument("--shop", default="all", help="'all', a platform or a shop name")
        parser.add_argument("--seed", type=int, help="seed for a repeatable burst")

    def handle(self, *args, orders=50, changes=20, shop="all", seed=None, **options):
        _common.non_negative("--orders", orders)
        _common.non_negative("--changes", changes)
        shops = _common.shops(shop)
        rng = random.Random(seed)
        now = timezone.now()
        per_shop = {s.pk: [] for s in shops}
        variants = {s.pk: list(Variant.objects.filter(shop=s).order_by("pk")) for s in shops}
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
        self.stdout.write(f"{created} new orders, {changed} status changes over {len(shops)} shop(s)")
