"""Point a sandbox shop's order pushes at a URL (omnisync's /webhooks/<platform>/<channel id>/), or stop them."""

from django.core.management.base import BaseCommand

from sandbox import notifications
from sandbox.management.commands import _common


class Command(BaseCommand):
    help = ("Set where a sandbox shop sends its order pushes (signed as its platform signs them); --off stops them. "
            "Push faults (duplicates, losses, delays) are set with sandbox_faults.")

    def add_arguments(self, parser):
        parser.add_argument("--shop", required=True, help="'all', a platform or a shop name")
        parser.add_argument("--callback-url", dest="callback_url", help="the URL the pushes are POSTed to")
        parser.add_argument("--off", action="store_true", help="send no pushes")

    def handle(self, *args, shop, callback_url=None, off=False, **options):
        if off == bool(callback_url):
            _common.fail("give either --callback-url or --off")
        if callback_url and not callback_url.startswith(("http://", "https://")):
            _common.fail(f"--callback-url must start with http:// or https:// (got {callback_url!r})")
        for target in _common.shops(shop):
            notifications.shop_set_callback(target, "" if off else callback_url)
            self.stdout.write(f"{target.platform}:{target.name} pushes to {target.callback_url or '(nowhere)'}")
