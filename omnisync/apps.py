from django.apps import AppConfig
from django.db.models.signals import post_migrate

# Jobs by kind, as dotted paths so that loading the project does not import them.
JOBS = {
    "scan": "inventory.jobs.scan_job",
    "check_orders": "orders.jobs.check_orders_job",
    "download_orders": "orders.jobs.download_orders_job",
    "update_inventory": "inventory.jobs.update_inventory_job",
    "routine": "omnisync.routine.routine_job",
    "report": "omnisync.report.report_job",
}


class OmnisyncConfig(AppConfig):
    name = "omnisync"
    verbose_name = "omnisync"

    def ready(self):
        from channels_app.runs import job_register, run_finished
        from omnisync.report import report_on_run_finished
        from omnisync.webhooks.notices import order_notices_on_run_finished

        for kind, path in JOBS.items():
            job_register(kind, path)
        run_finished.connect(report_on_run_finished, dispatch_uid="omnisync-report-on-run-finished")
        run_finished.connect(order_notices_on_run_finished, dispatch_uid="omnisync-order-notices-on-run-finished")
        post_migrate.connect(_ensure_schedules, sender=self)


def _ensure_schedules(**kwargs):
    from omnisync.schedule import schedules_ensure

    schedules_ensure()
