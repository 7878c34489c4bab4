from channels_app.runs import RunContext, run_claim, run_conclude
from omnisync.management.jobcommand import JobCommand
from omnisync.routine import routine_request, routines_together


class Command(JobCommand):
    help = "The routine: scan (changed only), download orders, update inventory — step by step across the channels given."
    kind = "routine"

    def request(self, channels, params, queue):
        """One plan over all the channels given, queued as one task or run here."""
        results = routine_request(channels, trigger="command", queue=queue)
        claimed = [] if queue else [run_claim(run.pk) for run, created in results if created]
        return results, claimed

    def perform(self, runs):
        contexts = [RunContext(run) for run in runs]
        routines_together(contexts)
        for ctx in contexts:
            run_conclude(ctx)
