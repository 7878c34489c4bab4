from omnisync.management.jobcommand import JobCommand, bad, time_option


class Command(JobCommand):
    help = "Download Orders: import missing orders and fix stale statuses, with their stock effects."
    kind = "download_orders"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--since", help="date or ISO time, shop time zone (default: the verified-up-to mark minus an overlap)")
        parser.add_argument("--until", help="date (inclusive) or ISO time, shop time zone (default: now)")

    def job_params(self, options):
        since = time_option("since", options["since"])
        until = time_option("until", options["until"], end=True)
        if since and until and since >= until:
            raise bad("--since must be before --until")
        return {k: v.isoformat() for k, v in (("since", since), ("until", until)) if v}
