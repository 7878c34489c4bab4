"""Switch a sandbox shop's misbehaviour on or off while the server runs."""

import argparse

from django.core.management.base import BaseCommand

from sandbox import services
from sandbox.management.commands import _common

RATES = ["error_rate", "throttle_rate", "drop_rate", "malformed_rate", "ignore_stock_rate", "unknown_status_rate",
         "push_duplicate_rate", "push_loss_rate"]


class Command(BaseCommand):
    help = "Set fault rates on one shop or all shops ('--shop all'); --off restores good behaviour."

    def add_arguments(self, parser):
        parser.add_argument("--shop", required=True, help="'all', a platform or a shop name")
        for rate in RATES:
            parser.add_argument(f"--{rate.replace('_', '-')}", type=float, dest=rate,
                                help="probability 0..1 per order push" if rate.startswith("push_") else "probability 0..1 per request")
        parser.add_argument("--latency-ms", type=int, dest="latency_ms", help="added to every answer")
        parser.add_argument("--retry-after", type=int, dest="retry_after", help="seconds announced when throttling")
        parser.add_argument("--push-delay-ms", type=int, dest="push_delay_ms",
                            help="order pushes wait a random time up to this, so they arrive out of order")
        parser.add_argument("--shift-pages", action=argparse.BooleanOptionalAction, dest="shift_pages", default=None,
                            help="orders move on while a client pages through them")
        parser.add_argument("--fault-seed", type=int, dest="fault_seed", help="seed of the fault sequence")
        parser.add_argument("--off", action="store_true", help="switch every fault off")

    def handle(self, *args, shop, off=False, **options):
        changes = {name: options.get(name) for name in [*RATES, "latency_ms", "retry_after", "shift_pages", "fault_seed", "push_delay_ms"]
                   if options.get(name) is not None}
        for rate in RATES:
            if rate in changes and not 0 <= changes[rate] <= 1:
                _common.fail(f"--{rate.replace('_', '-')} must be between 0 and 1 (got {changes[rate]})")
        _common.non_negative("--latency-ms", changes.get("latency_ms"))
        _common.non_negative("--retry-after", changes.get("retry_after"))
        _common.non_negative("--push-delay-ms", changes.get("push_delay_ms"))
        if not off and not changes:
            _common.fail("give at least one fault option, or --off")
        for target in _common.shops(shop):
            if off:
                services.shop_clear_faults(target)
            if changes:
                services.shop_set_faults(target, **changes)
            self.stdout.write(
                f"{target.platform}:{target.name} latency={target.latency_ms}ms error={target.error_rate} "
                f"throttle={target.throttle_rate} drop={target.drop_rate} malformed={target.malformed_rate} "
                f"ignore_stock={target.ignore_stock_rate} shift_pages={target.shift_pages} seed={target.fault_seed} "
                f"push_duplicate={target.push_duplicate_rate} push_loss={target.push_loss_rate} push_delay={target.push_delay_ms}ms"
            )
