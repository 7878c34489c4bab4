"""Print the open alerts (`--json` for scripts and monitoring); `--evaluate` runs the tick's check first."""

import json

from django.core.management.base import BaseCommand

from alerts.selectors import alert_json, alerts_open
from alerts.services import alerts_evaluate


class Command(BaseCommand):
    help = "Print the open alerts; --evaluate checks for new and resolved ones first (as the schedule's tick does)."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print the open alerts as JSON")
        parser.add_argument("--evaluate", action="store_true", help="raise, refresh and resolve alerts before printing")

    def handle(self, *args, **options):
        if options["evaluate"]:
            result = alerts_evaluate()
            if not options["json"]:
                self.stdout.write(f"{len(result.raised)} raised, {result.refreshed} still open, {result.resolved} resolved")
        rows = [alert_json(a) for a in alerts_open()]
        if options["json"]:
            self.stdout.write(json.dumps({"alerts": rows, "count": len(rows)}, indent=2, ensure_ascii=False))
            return
        if not rows:
            self.stdout.write("No open alerts.")
        for r in rows:
            ack = f" (acknowledged by {r['acknowledged_by'] or '?'})" if r["acknowledged_at"] else ""
            self.stdout.write(f"[{r['severity']}] {r['message']}{ack}")
