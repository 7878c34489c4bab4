"""Print the connection details of every sandbox shop, for configuring channels."""

import json

from django.core.management.base import BaseCommand

from sandbox import services
from sandbox.management.commands import _common


class Command(BaseCommand):
    help = "List sandbox shops with their base URLs and credentials (--json for machines)."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", dest="as_json", help="print JSON")
        parser.add_argument("--base-url", help="site URL (default $OMNISYNC_SITE_URL or http://127.0.0.1:8000)")

    def handle(self, *args, as_json=False, base_url=None, **options):
        shops = services.shops_json(_common.base_url(base_url))
        if as_json:
            self.stdout.write(json.dumps(shops, indent=2, ensure_ascii=False))
            return
        for shop in shops:
            self.stdout.write(f"{shop['platform']:12} {shop['shop']:28} {shop['base_url']}")

