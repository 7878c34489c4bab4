from omnisync.management.jobcommand import JobCommand


class Command(JobCommand):
    help = "Scan Channel: read the channel's listings and map them to SKUs."
    kind = "scan"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--full", action="store_true", help="read every listing, not only those changed since the last scan")

    def job_params(self, options):
        return {"full": options["full"]}
