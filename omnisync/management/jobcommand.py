"""The shared shape of the job commands: pick channels, run inline or queue, report."""

from __future__ import annotations

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from channels_app.models import Channel, RunStatus, SyncRun
from channels_app.runs import run_claim, run_perform, run_request


def bad(message: str) -> CommandError:
    return CommandError(message, returncode=2)


def channels_resolve(names: list[str] | None, all_: bool) -> list[Channel]:
    if all_ and names:
        raise bad("--all and --channel cannot be combined")
    if all_:
        found = list(Channel.objects.filter(active=True).select_related("location"))
        if not found:
            raise bad("--all: there are no active channels")
        return found
    if not names:
        raise bad("give --channel NAME_OR_ID (repeatable) or --all")
    found = []
    for name in names:
        q = Channel.objects.select_related("location")
        ch = q.filter(pk=int(name)).first() if name.isdigit() else None
        ch = ch or q.filter(name__iexact=name.strip()).first()
        if ch is None:
            known = ", ".join(Channel.objects.values_list("name", flat=True)) or "none"
            raise bad(f"--channel: no channel named or numbered {name!r} (known: {known})")
        found.append(ch)
    return found


def time_option(name: str, value: str | None, *, end: bool = False) -> dt.datetime | None:
    """A date (whole day, shop time) or an ISO time; naive times are shop time."""
    if value is None:
        return None
    text = value.strip()
    try:
        parsed = parse_datetime(text)
        day = None if parsed else parse_date(text)
    except ValueError:
        parsed = day = None
    if parsed is None and day is None:
        raise bad(f"--{name}: {value!r} is not a date (2026-11-11) or an ISO time (2026-11-11T08:00)")
    if day is not None:
        parsed = dt.datetime.combine(day + dt.timedelta(days=1 if end else 0), dt.time.min)
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def run_summary(run: SyncRun) -> dict:
    return {
        "id": run.pk, "kind": run.kind, "channel": run.channel.name, "platform": run.channel.platform,
        "outcome": run.status, "counts": run.counts, "requests": run.requests_made, "message": run.message,
    }


class JobCommand(BaseCommand):
    kind: str = ""

    def add_arguments(self, parser):
        parser.add_argument("--channel", action="append", metavar="NAME_OR_ID", help="channel name or id (repeatable)")
        parser.add_argument("--all", action="store_true", help="every active channel")
        parser.add_argument("--queue", action="store_true", help="hand the run to the job cluster instead of running it here")
        parser.add_argument("--json", action="store_true", help="print JSON instead of a summary")

    def job_params(self, options) -> dict:
        return {}

    def request(self, channels, params, queue) -> tuple[list[tuple[SyncRun, bool]], list[SyncRun | None]]:
        """Create one run per channel; (runs with whether each is new, the claimed ones to perform here)."""
        results, claimed = [], []
        for ch in channels:
            run, created = run_request(ch, self.kind, params=params, trigger="command", queue=queue)
            if created and not queue:
                claimed.append(run_claim(run.pk))
            results.append((run, created))
        return results, claimed

    def handle(self, *args, **options):
        params = self.job_params(options)
        channels = channels_resolve(options["channel"], options["all"])
        results, claimed = self.request(channels, params, options["queue"])
        runs = []
        for run, created in results:
            if not created:
                self.stderr.write(f"{run.channel.name}: a {run.get_kind_display()} run is already active (#{run.pk}); not starting another.")
            runs.append(run)
        self.perform([r for r in claimed if r is not None])
        for run in runs:
            run.refresh_from_db()
        self.report(runs, options)
        done = {RunStatus.SUCCEEDED} if not options["queue"] else {RunStatus.SUCCEEDED, RunStatus.QUEUED, RunStatus.RUNNING}
        if any(r.status not in done for r in runs):
            raise SystemExit(1)

    def perform(self, runs: list[SyncRun]) -> None:
        for run in runs:
            run_perform(run)

    def report(self, runs: list[SyncRun], options) -> None:
        if options["json"]:
            data = [run_summary(r) for r in runs]
            self.stdout.write(json.dumps(data[0] if len(data) == 1 else {"runs": data}, indent=2, default=str))
            return
        for r in runs:
            counts = ", ".join(f"{k} {v}" for k, v in sorted(r.counts.items()))
            self.stdout.write(f"#{r.pk} {r.get_kind_display()} · {r.channel.name}: {r.status} ({counts}; {r.requests_made} API requests)")
            if r.message:
                self.stdout.write(f"    {r.message}")
            for issue in r.issues.all()[:20]:
                self.stdout.write(f"    - {issue.object_type} {issue.object_ref}: {issue.reason}")
