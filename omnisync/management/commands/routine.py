from omnisync.management.jobcommand import JobCommand


class Command(JobCommand):
    help = "The routine: scan (changed only), download orders, update inventory."
    kind = "routine"
