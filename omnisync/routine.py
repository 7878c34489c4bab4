"""The routine staff used to click by hand: scan (changed only) → download orders → update inventory."""

from __future__ import annotations

from channels_app.models import RunKind, RunStatus
from channels_app.runs import RunContext, run_claim, run_perform, run_request

STEPS = [
    (RunKind.SCAN, {"full": False}),
    (RunKind.DOWNLOAD_ORDERS, {}),
    (RunKind.UPDATE_INVENTORY, {}),
]


def routine_job(ctx: RunContext) -> None:
    """Each step is its own run (visible in history, single per kind); a failed step stops the rest."""
    ctx.progress(0, len(STEPS), force=True)
    for i, (kind, params) in enumerate(STEPS):
        child, created = run_request(ctx.channel, kind, params=params, trigger="routine", parent=ctx.run, queue=False)
        label = RunKind(kind).label
        if not created:
            ctx.issue(f"{label} was already running (run #{child.pk}); the routine stopped so the two do not overlap.",
                      object_type="run", object_ref=child.pk, code="busy")
            ctx.count("failed")
            return
        claimed = run_claim(child.pk)
        child = run_perform(claimed) if claimed else child
        ctx.counts[kind] = child.status
        ctx.progress(i + 1, force=True)
        if child.status == RunStatus.FAILED:
            ctx.issue(f"{label} failed: {child.message}", object_type="run", object_ref=child.pk, code="step_failed")
            ctx.count("failed")
            return
        if child.status == RunStatus.PARTIAL:
            ctx.count("partial_steps")
            ctx.issue(f"{label} ended partial: {child.message}", object_type="run", object_ref=child.pk, code="step_partial")
    ctx.message = "Routine finished: " + ", ".join(f"{RunKind(k).label} {ctx.counts.get(k)}" for k, _ in STEPS)
