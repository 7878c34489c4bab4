"""Read every channel afresh (check orders, scan listings) and print what is out of step."""

import json

from django.core.management.base import BaseCommand

from channels_app.models import Channel, RunKind
from channels_app.runs import run_now
from omnisync.management.jobcommand import channels_resolve


class Command(BaseCommand):
    help = "Print missing orders, wrong statuses and stock discrepancies per channel (changes nothing in the POS or on channels)."

    def add_arguments(self, parser):
        parser.add_argument("--channel", action="append", metavar="NAME_OR_ID")
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--no-refresh", action="store_true", help="report the last known counts without reading the channels")

    def handle(self, *args, **options):
        channels = channels_resolve(options["channel"], not options["channel"])
        failed = False
        if not options["no_refresh"]:
            for ch in channels:
                for kind, params in ((RunKind.CHECK_ORDERS, {}), (RunKind.SCAN, {"full": True})):
                    run, created = run_now(ch, kind, params=params)
                    failed |= created and run.status == "failed"
        rows = []
        for ch in Channel.objects.filter(pk__in=[c.pk for c in channels]).order_by("name"):
            rows.append({
                "channel": ch.name, "platform": ch.platform, "orders_missing": ch.orders_missing,
                "orders_wrong_status": ch.orders_wrong_status, "orders_unknown_status": ch.orders_unknown_status,
                "stock_discrepancies": ch.stock_discrepancies,
                "listings_not_in_pos": ch.listings_not_in_pos,
                "order_lines_unmapped": ch.order_lines_unmapped,
                "returns_awaiting_receipt": ch.returns_awaiting_receipt,
                "orders_verified_until": ch.orders_verified_until.isoformat() if ch.orders_verified_until else None,
            })
        keys = ("orders_missing", "orders_wrong_status", "orders_unknown_status", "stock_discrepancies", "listings_not_in_pos",
                "order_lines_unmapped", "returns_awaiting_receipt")
        totals = {k: sum(r[k] for r in rows) for k in keys}
        if options["json"]:
            self.stdout.write(json.dumps({"channels": rows, "totals": totals}, indent=2))
        else:
            for r in rows:
                self.stdout.write(f"{r['channel']:24} missing {r['orders_missing']:5}  wrong status {r['orders_wrong_status']:5}  "
                                  f"unknown status {r['orders_unknown_status']:5}  stock {r['stock_discrepancies']:5}  not in POS {r['listings_not_in_pos']:5}"
                                  f"  unmapped lines {r['order_lines_unmapped']:5}  returns awaiting {r['returns_awaiting_receipt']:5}")
            self.stdout.write(f"{'total':24} missing {totals['orders_missing']:5}  wrong status {totals['orders_wrong_status']:5}  "
                              f"unknown status {totals['orders_unknown_status']:5}  stock {totals['stock_discrepancies']:5}  not in POS {totals['listings_not_in_pos']:5}"
                              f"  unmapped lines {totals['order_lines_unmapped']:5}  returns awaiting {totals['returns_awaiting_receipt']:5}")
        if failed:
            raise SystemExit(1)
