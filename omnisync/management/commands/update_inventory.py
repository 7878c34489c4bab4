from inventory.planning import inventory_plan
from omnisync.management.jobcommand import JobCommand, channels_resolve


class Command(JobCommand):
    help = "Update Inventory: push each mapped listing's target stock to the channel and read it back."
    kind = "update_inventory"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--dry-run", action="store_true", help="print the plan, push nothing")
        parser.add_argument("--force", action="store_true", help="push every mapped listing, not only those that differ")

    def job_params(self, options):
        return {"dry_run": options["dry_run"], "force": options["force"]}

    def handle(self, *args, **options):
        if options["dry_run"] and not options["json"]:
            for ch in channels_resolve(options["channel"], options["all"]):
                plan = inventory_plan(ch, force=options["force"])
                self.stdout.write(f"{ch.name}: {len(plan)} listing(s) in the plan")
                for p in plan:
                    self.stdout.write(f"  {p.action:4} {p.seller_sku or p.item_id:20} {p.current!s:>6} -> {p.target:<6} {p.reason}")
            return
        super().handle(*args, **options)
