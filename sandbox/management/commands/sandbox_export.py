"""Dump every sandbox shop's catalogue and orders (with status histories) as JSON."""

import json

from django.core.management.base import BaseCommand

from sandbox import services
from sandbox.management.commands import _common


class Command(BaseCommand):
    help = "Export sandbox shops: items with variants and stock, orders with lines and status history."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", dest="as_json", help="print JSON (the only format)")
        parser.add_argument("--shop", default="all", help="'all', a platform or a shop name")

    def handle(self, *args, as_json=False, shop="all", **options):
        data = services.export(_common.shops(shop))
        self.stdout.write(json.dumps(data, indent=None if as_json else 2, ensure_ascii=False))
