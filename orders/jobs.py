"""Check Orders and Download Orders (DESIGN.md section 5).

Both walk the requested window in the platform's slices. Download Orders
fetches details only for orders that are missing or stale, imports them page
by page, and moves the channel's verified-up-to mark forward only over slices
read completely: a slice that failed after the session's retries is a gap,
recorded, and read again next time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from channels_app.adapters.registry import get_adapter
from channels_app.adapters.types import OrderProblem
from channels_app.models import Channel
from channels_app.runs import RunContext
from inventory.models import StockMovement
from omnisync.lib.dbstats import statistics_refresh
from omnisync.lib.http import ApiError
from orders.mismatches import order_counts_store
from orders.models import Order, OrderLine, RemoteOrder
from orders.remote import remote_orders_record
from orders.services.importing import ImportResult, orders_import
from orders.services.linking import unmapped_lines_resolve

CHUNK = 500
#: While the platform has not sent the next page yet, the orders in hand are handled once there are this many
#: (`Adapter.list_would_wait`): the wait for the platform is spent importing, not idling with a part-filled chunk.
CHUNK_WHILE_WAITING = 100
#: Orders imported per transaction (a crash or a malformed answer loses at most the batch in hand, never half of one).
IMPORT_BATCH = 100


def order_window(channel: Channel, params: dict, now: datetime | None = None) -> tuple[datetime, datetime]:
    """The requested range, else from the verified mark minus an overlap up to now.

    The end is cut to a whole second, the unit platforms report update times
    in: an order that changes while the window is being read then lands after
    the window instead of inside it, so the list's total changes and a shift
    of its pages can be noticed.
    """
    now = now or timezone.now()
    since = _param_time(params.get("since"))
    until = _param_time(params.get("until")) or now
    if since is None:
        if channel.orders_verified_until:
            since = channel.orders_verified_until - timedelta(minutes=settings.ORDERS_OVERLAP_MINUTES)
        else:
            since = now - timedelta(days=settings.ORDERS_FIRST_LOOKBACK_DAYS)
    return since, min(until, now).replace(microsecond=0)


def _param_time(value) -> datetime | None:
    if not value:
        return None
    if isinstance(value, datetime):
        return value
    parsed = parse_datetime(value)
    if parsed is None:
        raise ValueError(f"not an ISO date-time: {value!r}")
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def check_orders_job(ctx: RunContext) -> None:
    _walk(ctx, download=False)


def download_orders_job(ctx: RunContext) -> None:
    if ctx.params.get("order_ids"):
        _download_named(ctx, [str(oid) for oid in ctx.params["order_ids"]])
        return
    _walk(ctx, download=True)


def _download_named(ctx: RunContext, ids: list[str]) -> None:
    """Details of exactly the orders a marketplace's push named (omnisync.webhooks), nothing listed.

    No window is read, so the verified-up-to mark stays where it is: the
    scheduled download remains the proof that nothing was missed, and catches
    whatever a lost push never named.
    """
    adapter = get_adapter(ctx.channel)
    ctx.sessions.append(adapter.session)
    ids = list(dict.fromkeys(ids))
    for key in ("notified", "created", "status_fixed", "unchanged", "failed"):
        ctx.counts.setdefault(key, 0)
    ctx.progress(0, 1, force=True)
    ctx.count("notified", len(ids))
    _import_details(ctx, adapter, ids, {}, lost_reason="The channel notified a change to order {oid} but did not return its "
                    "details; the next scheduled download reads it if it exists.")
    ctx.progress(1)
    if linked := unmapped_lines_resolve(ctx.channel):
        ctx.count("lines_linked", linked)
    _statistics_refresh(ctx)
    counts = order_counts_store(ctx.channel)
    ctx.message = (
        f"{len(ids)} notified order(s) read; "
        f"{counts['orders_missing']} missing and {counts['orders_wrong_status']} wrong-status order(s) remain."
    )


def _walk(ctx: RunContext, *, download: bool) -> None:
    channel = ctx.channel
    adapter = get_adapter(channel)
    ctx.sessions.append(adapter.session)
    start, end = order_window(channel, ctx.params)
    slices = adapter.order_slices(start, end)
    ctx.progress(0, len(slices), force=True)
    for key in ("listed", "created", "status_fixed", "unchanged", "failed", "gaps"):
        ctx.counts.setdefault(key, 0)
    verified_to = None
    contiguous = True
    last_error = None
    for i, time_slice in enumerate(slices):
        ok, error = _read_slice(ctx, adapter, time_slice, download=download)
        last_error = error or last_error
        if ok and contiguous and download:
            verified_to = time_slice.end
        elif not ok:
            contiguous = False
            if error:
                ctx.count("gaps")
        ctx.progress(i + 1)
    if slices and ctx.counts["gaps"] == len(slices):
        raise last_error  # nothing could be read at all: the run failed, and the channel card says why
    fields = {}
    if verified_to and (channel.orders_verified_until is None or verified_to > channel.orders_verified_until):
        # The mark only moves over a prefix of slices that starts at or before it.
        if channel.orders_verified_until is None or start <= channel.orders_verified_until:
            fields["orders_verified_until"] = verified_to
    if download and (linked := unmapped_lines_resolve(channel)):
        ctx.count("lines_linked", linked)
    _statistics_refresh(ctx)
    counts = order_counts_store(channel, **fields)
    ctx.message = (
        f"{len(slices)} slice(s) read, {ctx.counts['gaps']} gap(s); "
        f"{counts['orders_missing']} missing and {counts['orders_wrong_status']} wrong-status order(s) remain"
        + (f", {counts['orders_unknown_status']} with a status to map." if counts["orders_unknown_status"] else ".")
    )


def _statistics_refresh(ctx: RunContext) -> None:
    """A run that listed or created many orders refreshes the planner's view of the tables it writes and the recount
    reads, as it goes (after each chunk) and before the recount: PostgreSQL plans the foreign-key checks of each
    commit once per connection, and planned against "empty" they scan the whole referenced table per row."""
    grown = max(ctx.counts.get("created", 0), ctx.counts.get("listed", 0) + ctx.counts.get("notified", 0))
    base = ctx.statistics_grown
    tables = [RemoteOrder._meta.db_table, Order._meta.db_table, OrderLine._meta.db_table, StockMovement._meta.db_table]
    if statistics_refresh(tables, grown - base):
        ctx.statistics_grown = grown


def _read_slice(ctx: RunContext, adapter, time_slice, *, download: bool) -> tuple[bool, ApiError | None]:
    """Read one slice to the end; (False, error) if it could not be read, (False, None) if some orders failed."""
    pending: list = []
    ok = True
    try:
        for state in adapter.list_order_states(time_slice):
            pending.append(state)
            if len(pending) >= CHUNK or (len(pending) >= CHUNK_WHILE_WAITING and adapter.list_would_wait()):
                ok &= _handle_chunk(ctx, adapter, pending, download=download)
                pending = []
        if pending:
            ok &= _handle_chunk(ctx, adapter, pending, download=download)
    except ApiError as exc:
        if not exc.transient:
            raise
        ctx.issue(
            f"Orders updated between {_local(time_slice.start)} and {_local(time_slice.end)} could not be read: {exc}. "
            "This period will be read again on the next run.",
            object_type="slice", object_ref=f"{time_slice.start.isoformat()}/{time_slice.end.isoformat()}", code=exc.code or "gap",
        )
        return False, exc
    return ok, None


def _handle_chunk(ctx: RunContext, adapter, states, *, download: bool) -> bool:
    ctx.count("listed", len(states))
    _statistics_refresh(ctx)
    needed, failures = remote_orders_record(ctx.channel, states)
    for oid, reason in failures:
        ctx.count("failed")
        ctx.issue(reason, object_type="order", object_ref=oid, code="unknown_status")
    if not download or not needed:
        ctx.progress()
        return not failures
    # What the list said is already recorded (remote_orders_record): details saying the same are not written again.
    listed = {s.external_id: (s.raw_status, s.updated_at) for s in states}
    return _import_details(ctx, adapter, needed, listed) and not failures


def _import_details(ctx: RunContext, adapter, needed: list[str], listed: dict, *,
                    lost_reason: str = "The channel listed order {oid} but did not return its details.") -> bool:
    """Fetch the details of `needed`, import them in batches, record what failed; True if every one landed."""
    result = ImportResult()
    fetched = set()
    batch = []
    problems = []
    for order in adapter.fetch_orders(needed):
        fetched.add(order.external_id)
        if isinstance(order, OrderProblem):
            problems.append(order)
            continue
        batch.append(order)
        if len(batch) >= IMPORT_BATCH:
            result.merge(orders_import(ctx.channel, batch, listed=listed))
            batch = []
            ctx.progress()
    if batch:
        result.merge(orders_import(ctx.channel, batch, listed=listed))
    ctx.count("created", len(result.created))
    ctx.count("status_fixed", len(result.status_fixed))
    ctx.count("unchanged", len(result.unchanged))
    ctx.count("movements", result.movements)
    for oid, reason in result.failed:
        ctx.count("failed")
        ctx.issue(reason, object_type="order", object_ref=oid, code="import_failed")
    for oid, code, reason in result.issues:
        ctx.issue(reason, object_type="order", object_ref=oid, code=code, severity="warning")
    for problem in problems:
        ctx.count("failed")
        ctx.issue(
            f"Order {problem.external_id} could not be read: {problem.reason}. It stays listed as missing and is read "
            "again on the next run; if this persists, the platform changed its answer: report it with the order id.",
            object_type="order", object_ref=problem.external_id, code="malformed_order",
        )
    lost = [oid for oid in needed if oid not in fetched]
    for oid in lost:
        ctx.count("failed")
        ctx.issue(lost_reason.format(oid=oid), object_type="order", object_ref=oid, code="not_returned")
    ctx.progress()
    return not (result.failed or lost or problems)


def _local(when: datetime) -> str:
    return timezone.localtime(when).strftime("%Y-%m-%d %H:%M")
