from channels_app.runs import RunContext, run_conclude
from omnisync.management.jobcommand import JobCommand
from omnisync.routine import routines_together


class Command(JobCommand):
    help = "The routine: scan (changed only), download orders, update inventory — step by step across the channels given."
    kind = "routine"

    def perform(self, runs):
        contexts = [RunContext(run) for run in runs]
        routines_together(contexts)
        for ctx in contexts:
            run_conclude(ctx)
