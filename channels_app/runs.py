"""The life of a sync run: requested, queued after commit, claimed once, finished.

Jobs live in higher layers (inventory, orders, the top of omnisync) and
register themselves here by kind, so this module can run any of them without
importing them.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils import timezone
from django.utils.module_loading import import_string

from channels_app.models import ACTIVE_RUN_STATUSES, Channel, RunIssue, RunStatus, SyncRun

log = logging.getLogger(__name__)

#: Sent with `run` after a run is finished; higher layers keep their summaries up to date with it.
run_finished = Signal()

#: kind -> dotted path of job(ctx); filled by the top app's ready() through `job_register`.
JOBS: dict[str, str] = {}


def job_register(kind: str, path: str) -> None:
    JOBS[kind] = path


class RunContext:
    """What a job gets: its run, its channel, and ways to report back.

    Progress and heartbeat are written with single UPDATEs, at most about once
    a second, so a page polling the run sees it move without slowing the job.
    """

    def __init__(self, run: SyncRun):
        self.run = run
        self.channel: Channel = run.channel
        self.counts: dict[str, int] = dict(run.counts or {})
        self.issues: list[RunIssue] = []
        self.sessions: list = []
        #: requests made by child runs (a routine's steps)
        self.requests_extra = 0
        #: a closing sentence for staff, e.g. "3 slices read, 1 gap"
        self.message = ""
        #: how many rows the run had written when it last refreshed the planner's statistics (`omnisync.lib.dbstats`)
        self.statistics_grown = 0
        self._last_beat = 0.0

    @property
    def params(self) -> dict:
        return self.run.params or {}

    def count(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    def issue(self, reason: str, *, object_type: str = "", object_ref: str = "", code: str = "", severity: str = "error") -> None:
        self.issues.append(
            RunIssue(run=self.run, reason=reason[:2000], object_type=object_type[:30], object_ref=str(object_ref)[:200], code=code[:60], severity=severity)
        )
        if len(self.issues) >= 200:
            self.flush_issues()

    def flush_issues(self) -> None:
        if self.issues:
            RunIssue.objects.bulk_create(self.issues)
            self.issues = []

    def requests_made(self) -> int:
        return self.requests_extra + sum(getattr(s, "requests_made", 0) for s in self.sessions)

    def progress(self, done: int | None = None, total: int | None = None, *, force: bool = False) -> None:
        if done is not None:
            self.run.progress_done = done
        if total is not None:
            self.run.progress_total = total
        now = time.monotonic()
        if not force and now - self._last_beat < 1.0:
            return
        self._last_beat = now
        self.run.heartbeat_at = timezone.now()
        SyncRun.objects.filter(pk=self.run.pk).update(
            progress_done=self.run.progress_done,
            progress_total=self.run.progress_total,
            heartbeat_at=self.run.heartbeat_at,
            counts=self.counts,
            requests_made=self.requests_made(),
        )
        self.flush_issues()


def run_request(
    channel: Channel,
    kind: str,
    *,
    params: dict | None = None,
    user=None,
    trigger: str = "button",
    parent: SyncRun | None = None,
    queue: bool = True,
) -> tuple[SyncRun, bool]:
    """Create a run, or return the active one of the same kind; queue it after commit."""
    try:
        with transaction.atomic():
            run = SyncRun.objects.create(
                channel=channel, kind=kind, params=params or {}, requested_by=user if getattr(user, "pk", None) else None,
                trigger=trigger, parent=parent,
            )
    except IntegrityError:
        active = SyncRun.objects.filter(channel=channel, kind=kind, status__in=ACTIVE_RUN_STATUSES).first()
        if active is None:  # it finished between our insert and this read
            return run_request(channel, kind, params=params, user=user, trigger=trigger, parent=parent, queue=queue)
        return active, False
    if queue:
        transaction.on_commit(lambda: run_enqueue(run.pk))
    return run, True


def run_now(channel: Channel, kind: str, *, params: dict | None = None, trigger: str = "command",
            parent: SyncRun | None = None, user=None) -> tuple[SyncRun, bool]:
    """Request a run and do it here, without the queue; (the active run, False) if one is already going."""
    run, created = run_request(channel, kind, params=params, user=user, trigger=trigger, parent=parent, queue=False)
    if not created:
        return run, False
    claimed = run_claim(run.pk)
    return (run_perform(claimed) if claimed else run), True


def run_enqueue(run_id: int) -> None:
    from django_q.tasks import async_task

    async_task("channels_app.runs.run_execute", run_id, task_name=f"run-{run_id}", timeout=settings.Q_TIMEOUT)


def run_claim(run_id: int, worker: str | None = None) -> SyncRun | None:
    """Move queued → running exactly once; a second delivery of the task gets None."""
    now = timezone.now()
    claimed = SyncRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, started_at=now, heartbeat_at=now, worker=(worker or _worker_name())[:100]
    )
    if not claimed:
        return None
    return SyncRun.objects.select_related("channel", "channel__location").get(pk=run_id)


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_finish(ctx: RunContext, status: str, message: str = "") -> SyncRun:
    ctx.flush_issues()
    run = ctx.run
    now = timezone.now()
    updated = SyncRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
        status=status, finished_at=now, heartbeat_at=now, counts=ctx.counts, requests_made=ctx.requests_made(),
        message=message[:4000], progress_done=F("progress_total") if status == RunStatus.SUCCEEDED else F("progress_done"),
    )
    run.refresh_from_db()
    if not updated:
        log.warning("run %s was no longer running when it finished (janitor?)", run.pk)
    else:
        run_finished.send(sender=SyncRun, run=run)
    return run


def run_execute(run_id: int) -> str | None:
    """The django-q2 task: claim the run, do the job, record the outcome."""
    run = run_claim(run_id)
    if run is None:
        return None
    return run_perform(run).status


def run_perform(run: SyncRun) -> SyncRun:
    from omnisync.lib.http import ApiError

    ctx = RunContext(run)
    path = JOBS.get(run.kind)
    if path is None:
        return run_finish(ctx, RunStatus.FAILED, f"No job is registered for {run.kind!r}.")
    try:
        import_string(path)(ctx)
    except ApiError as exc:
        channel_error_record(ctx.channel, str(exc))
        return run_finish(ctx, RunStatus.FAILED, str(exc))
    except Exception as exc:
        log.exception("run %s (%s) crashed", run.pk, run.kind)
        return run_finish(ctx, RunStatus.FAILED, f"Unexpected error: {type(exc).__name__}: {exc}")
    return run_conclude(ctx)


def run_conclude(ctx: RunContext) -> SyncRun:
    """Finish a job that returned: partial if anything failed or an error was recorded."""
    ctx.flush_issues()
    failures = ctx.counts.get("failed", 0) + ctx.counts.get("gaps", 0)
    errors = RunIssue.objects.filter(run=ctx.run, severity=RunIssue.Severity.ERROR).exists()
    status = RunStatus.PARTIAL if (failures or errors) else RunStatus.SUCCEEDED
    if status == RunStatus.SUCCEEDED and ctx.channel.last_error:
        Channel.objects.filter(pk=ctx.channel.pk).update(last_error="", last_error_at=None)
    return run_finish(ctx, status, ctx.message)


def channel_error_record(channel: Channel, message: str) -> None:
    Channel.objects.filter(pk=channel.pk).update(last_error=message[:2000], last_error_at=timezone.now())


def runs_fail_stale(now=None) -> int:
    """Janitor: fail runs whose worker died (no heartbeat for longer than the queue timeout)."""
    now = now or timezone.now()
    limit = now - timedelta(seconds=settings.Q_TIMEOUT)
    running = SyncRun.objects.filter(status=RunStatus.RUNNING, heartbeat_at__lt=limit).update(
        status=RunStatus.FAILED, finished_at=now,
        message="The worker stopped responding (no heartbeat within the queue timeout). Nothing half-applied remains; run it again.",
    )
    never_started = SyncRun.objects.filter(
        status=RunStatus.QUEUED, created_at__lt=now - timedelta(seconds=settings.Q_CLUSTER["retry"] * 2)
    ).update(
        status=RunStatus.FAILED, finished_at=now,
        message="No worker picked this run up. Is the job cluster (qcluster) running? Run it again.",
    )
    return running + never_started
