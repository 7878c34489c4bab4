"""Download Orders over several channels with 1, 2 and 4 worker processes.

Each worker is a plain process doing what a django-q2 worker does with a
queued run: `run_claim` (the database lets exactly one process move a run
from queued to running) then `run_perform`, until no queued run is left.
Throughput is all orders imported divided by the time from the first claim
to the last finish. Under the latency profile a run mostly waits for the
marketplace, so workers overlap the waiting.
"""

from __future__ import annotations

import os
import time


def prepare(latency_ms: int = 0) -> dict:
    """Queue one Download Orders run per channel (not through django-q: the workers below claim them).

    With `latency_ms`, the latency profile: every sandbox shop answers that
    late (`shop_set_faults`); the product runs at the platforms' real rate
    limits (HTTP_RATE_LIMIT_SCALE=1), which keep it inside them.
    """
    from channels_app.models import Channel, RunKind
    from channels_app.runs import run_request
    from sandbox.models import Shop
    from sandbox.services import shop_set_faults

    if latency_ms:
        for shop in Shop.objects.all():
            shop_set_faults(shop, latency_ms=latency_ms)
    runs = [run_request(ch, RunKind.DOWNLOAD_ORDERS, trigger="bench", queue=False)[0].pk for ch in Channel.objects.order_by("pk")]
    return {"runs": runs, "latency_ms": latency_ms}


def worker() -> dict:
    from channels_app.models import RunStatus, SyncRun
    from channels_app.runs import run_claim, run_perform

    first = last = None
    done = []
    while True:
        queued = list(SyncRun.objects.filter(status=RunStatus.QUEUED).order_by("pk").values_list("pk", flat=True)[:4])
        if not queued:
            break
        for pk in queued:
            started = time.time()
            run = run_claim(pk, worker=f"bench:{os.getpid()}")
            if run is None:
                continue  # another worker claimed it first
            first = first or started
            run = run_perform(run)
            last = time.time()
            done.append({"run": run.pk, "channel": run.channel.name, "status": run.status, "created": run.counts.get("created", 0),
                         "requests": run.requests_made})
            break
    return {"pid": os.getpid(), "first": first, "last": last, "runs": done}
