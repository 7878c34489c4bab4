"""The routine staff used to click by hand: scan (changed only) → download orders → update inventory.

One plan for every way it starts: the schedule's tick, the dashboard's
"Run routine" (one channel or all) and the `routine` command. Over several
channels it goes step by step across them: every channel is scanned, then
every channel's orders are downloaded, then stock is pushed everywhere, so no
push goes out while another channel's orders are still coming in (channels
selling from one warehouse share its stock). One channel is the same plan
restricted to it.
"""

from __future__ import annotations

import logging

from django.db import transaction

from channels_app.models import RunKind, RunStatus, SyncRun
from channels_app.runs import RunContext, run_claim, run_conclude, run_finish, run_now, run_request

log = logging.getLogger(__name__)

STEPS = [
    (RunKind.SCAN, {"full": False}),
    (RunKind.DOWNLOAD_ORDERS, {}),
    (RunKind.UPDATE_INVENTORY, {}),
]


def routine_step(ctx: RunContext, index: int) -> bool:
    """Run one step as its own child run (visible in history, single per kind); False stops the routine."""
    kind, params = STEPS[index]
    label = RunKind(kind).label
    child, created = run_now(ctx.channel, kind, params=params, trigger="routine", parent=ctx.run)
    if not created:
        ctx.issue(f"{label} was already running (run #{child.pk}); the routine stopped so the two do not overlap.",
                  object_type="run", object_ref=child.pk, code="busy")
        ctx.count("failed")
        return False
    ctx.counts[kind] = child.status
    ctx.requests_extra += child.requests_made
    ctx.progress(index + 1, len(STEPS), force=True)
    if child.status == RunStatus.FAILED:
        ctx.issue(f"{label} failed: {child.message}", object_type="run", object_ref=child.pk, code="step_failed")
        ctx.count("failed")
        return False
    if child.status == RunStatus.PARTIAL:
        ctx.issue(f"{label} ended partial: {child.message}", object_type="run", object_ref=child.pk, code="step_partial")
    return True


def _close(ctx: RunContext) -> None:
    ctx.message = "Routine: " + ", ".join(f"{RunKind(k).label} {ctx.counts.get(k, 'not run')}" for k, _ in STEPS)


def routine_job(ctx: RunContext) -> None:
    """One channel's routine run (queued on its own): the plan restricted to that channel."""
    routines_together([ctx])


def routines_together(contexts: list[RunContext]) -> None:
    """Several channels' routines, step by step across channels.

    Channels selling from one location share its stock, so every channel's
    orders are downloaded before any channel's stock is pushed; otherwise the
    first channel pushed would be stale again by the time the last one's orders
    are in.
    """
    live = list(contexts)
    for ctx in live:
        ctx.progress(0, len(STEPS), force=True)
    for i in range(len(STEPS)):
        live = [ctx for ctx in live if routine_step(ctx, i)]
    for ctx in contexts:
        _close(ctx)


def routine_request(channels, *, trigger: str = "button", user=None, queue: bool = True) -> list[tuple[SyncRun, bool]]:
    """Start the routine over several channels as one plan: one routine run per channel (visible on its card,
    one active per channel by the database), executed together by one task.

    Returns (run, created) per channel; a channel whose routine is already active keeps that run.
    """
    results = []
    with transaction.atomic():
        for channel in channels:
            results.append(run_request(channel, RunKind.ROUTINE, trigger=trigger, user=user, queue=False))
        created = [run.pk for run, new in results if new]
        if queue and created:
            transaction.on_commit(lambda: _enqueue(created))
    return results


def _enqueue(run_ids: list[int]) -> None:
    from django.conf import settings
    from django_q.tasks import async_task

    async_task("omnisync.routine.routines_execute", run_ids, task_name=f"routine-{run_ids[0]}", timeout=settings.Q_TIMEOUT)


def routines_execute(run_ids: list[int]) -> list[str]:
    """The queued task: claim each routine run (a second delivery claims none) and run them together."""
    runs = [run for run in (run_claim(pk) for pk in run_ids) if run is not None]
    contexts = [RunContext(run) for run in runs]
    try:
        routines_together(contexts)
    except Exception as exc:
        log.exception("routine over runs %s crashed", run_ids)
        return [run_finish(ctx, RunStatus.FAILED, f"Unexpected error: {type(exc).__name__}: {exc}").status for ctx in contexts]
    return [run_conclude(ctx).status for ctx in contexts]
