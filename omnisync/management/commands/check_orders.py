from omnisync.management.jobcommand import JobCommand


class Command(JobCommand):
    help = "Check Orders: read the channel's order states (changes nothing in the POS)."
    kind = "check_orders"
