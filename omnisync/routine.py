"""The routine staff used to click by hand: scan (changed only) → download orders → update inventory."""

from __future__ import annotations

from channels_app.models import RunKind, RunStatus
from channels_app.runs import RunContext, run_now

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
    ctx.progress(0, len(STEPS), force=True)
    for i in range(len(STEPS)):
        if not routine_step(ctx, i):
            break
    _close(ctx)


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
