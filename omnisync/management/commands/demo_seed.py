import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from omnisync.demo.seed import demo_seed


class Command(BaseCommand):
    help = "Load the demo shop (POS stock, four sandbox channels, and the mismatches to fix). Does nothing if data exists."

    def add_arguments(self, parser):
        parser.add_argument("--site-url", default=os.environ.get("OMNISYNC_SITE_URL", "http://127.0.0.1:8000"))

    def handle(self, *args, site_url, **options):
        if "sandbox" not in settings.INSTALLED_APPS:
            raise CommandError("The demo needs the sandbox marketplaces: set OMNISYNC_SANDBOX=1.", returncode=2)
        demo_seed(site_url.rstrip("/"), say=self.stdout.write)
