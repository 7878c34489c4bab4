"""Reads behind the dashboard pages: each returns a queryset or plain data in a bounded number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case, Count, Exists, Max, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from channels_app.models import Channel, RunIssue, RunKind, SaleEvent, SalePlan, SyncRun, sale_plan
from inventory.models import Listing, Sku, StockMovement
from inventory.targets import discrepancies, listings_with_targets
from omnisync.dashboard.format import money
from omnisync.models import DailyReport
from orders.mismatches import has_unknown_status, has_wrong_status, is_missing
from orders.models import CanonicalStatus, Order, OrderLine, RemoteOrder

#: kinds shown on a channel card, in the order of the routine
CARD_KINDS = (RunKind.SCAN, RunKind.DOWNLOAD_ORDERS, RunKind.UPDATE_INVENTORY, RunKind.ROUTINE)
TOKEN_WARNING = dt.timedelta(days=7)


@dataclass
class ChannelCard:
    channel: Channel
    last_runs: list[tuple[str, SyncRun | None]]
    active_runs: list[SyncRun]
    sale: SalePlan
    expiry_warnings: list[tuple[str, dt.datetime]] = field(default_factory=list)

    @property
    def slots(self) -> list[tuple[str, SyncRun | None]]:
        """Where each button's run progress appears: the active run of that kind, if any."""
        active = {run.kind: run for run in self.active_runs}
        return [(kind, active.get(kind)) for kind in CARD_KINDS]

    @property
    def sale_event(self) -> SaleEvent | None:
        return self.sale.event

    @property
    def syncs_per_day(self) -> int:
        return self.sale.syncs_per_day

    @property
    def extra_buffer(self) -> int:
        return self.sale.extra_buffer


def sale_events_today(today: dt.date | None = None) -> list[SaleEvent]:
    today = today or timezone.localdate()
    return list(SaleEvent.objects.on(today).prefetch_related("channels"))


def dashboard_cards(channel_ids: list[int] | None = None) -> list[ChannelCard]:
    """One card per channel, in five queries however many channels and runs there are."""
    channels = Channel.objects.select_related("location").order_by("name")
    if channel_ids is not None:
        channels = channels.filter(pk__in=channel_ids)
    channels = list(channels)
    ids = [c.pk for c in channels]
    latest_ids = (
        SyncRun.objects.filter(channel_id__in=ids, kind__in=CARD_KINDS).values("channel_id", "kind").annotate(last=Max("id")).values("last")
    )
    latest = {(r.channel_id, r.kind): r for r in SyncRun.objects.filter(pk__in=Subquery(latest_ids))}
    active: dict[int, list[SyncRun]] = {}
    for run in SyncRun.objects.filter(channel_id__in=ids, status__in=("queued", "running"), kind__in=CARD_KINDS).order_by("id"):
        active.setdefault(run.channel_id, []).append(run)
    today = timezone.localdate()
    events = sale_events_today(today)
    soon = timezone.now() + TOKEN_WARNING
    cards = []
    for ch in channels:
        warnings = []
        for label, when in (("authorisation", ch.authorization_expires_at), ("token", ch.token_expires_at)):
            if when and when <= soon:
                warnings.append((label, when))
        cards.append(ChannelCard(
            channel=ch,
            last_runs=[(kind, latest.get((ch.pk, kind))) for kind in CARD_KINDS],
            active_runs=active.get(ch.pk, []),
            sale=sale_plan(ch, today, events),
            expiry_warnings=warnings,
        ))
    return cards


def channel_choices() -> QuerySet[Channel]:
    return Channel.objects.order_by("name")


# --- orders -----------------------------------------------------------------

def mismatched_orders(kind: str | None = None) -> QuerySet[RemoteOrder]:
    """Missing and wrong-status orders as one queryset, so one table can filter, sort and page them.

    Which orders count as mismatched is decided by orders.mismatches; this
    only joins the two sets and adds the POS side for display.
    """
    # Conditions on each remote order, not `pk IN (missing_orders()) OR pk IN (wrong_status_orders())`,
    # which made the database build both sets over the whole table before the first row.
    missing, wrong, unknown = is_missing(), has_wrong_status(), has_unknown_status()
    pos = Order.objects.filter(channel_id=OuterRef("channel_id"), external_id=OuterRef("external_id"))
    if kind == "missing":
        scope = Q(missing)
    elif kind == "wrong_status":
        scope = Q(wrong)
    elif kind == "unknown_status":
        scope = unknown
    else:
        scope = Q(missing) | Q(wrong) | unknown
    return (
        RemoteOrder.objects.filter(scope)
        .select_related("channel")
        .annotate(
            pos_id=Subquery(pos.values("pk")[:1]),
            pos_status=Subquery(pos.values("status")[:1]),
            pos_raw_status=Subquery(pos.values("raw_status")[:1]),
        )
        .annotate(kind=Case(
            When(Q(status=CanonicalStatus.UNKNOWN) | Q(pos_status=CanonicalStatus.UNKNOWN), then=Value("unknown_status")),
            When(pos_id__isnull=True, then=Value("missing")),
            When(Q(wrong), then=Value("wrong_status")),
            default=Value("unknown_status"),
        ))
    )


def orders_list() -> QuerySet[Order]:
    """Orders with their number of lines, counted per shown row (a subquery), not by grouping the whole table."""
    lines = OrderLine.objects.filter(order_id=OuterRef("pk")).order_by().values("order_id").annotate(n=Count("*")).values("n")
    return Order.objects.select_related("channel").annotate(line_count=Coalesce(Subquery(lines), 0))


@dataclass
class OrderDetail:
    order: Order
    lines: list
    movements: list[StockMovement]
    remote: RemoteOrder | None

    @property
    def total(self) -> str:
        return money(self.order.total, self.order.currency)


def order_detail(order_id: int) -> OrderDetail:
    """The order, its lines with mapped SKUs, and the ledger rows its lines posted."""
    order = Order.objects.select_related("channel").get(pk=order_id)
    lines = list(order.lines.select_related("sku", "applied_location"))
    for line in lines:
        line.price = money(line.unit_price, order.currency)
    movements = list(
        StockMovement.objects.filter(ref_type="order_line", ref_id__in=[line.pk for line in lines])
        .select_related("sku", "location")
        .order_by("created_at", "id")
    )
    remote = RemoteOrder.objects.filter(channel_id=order.channel_id, external_id=order.external_id).first()
    return OrderDetail(order=order, lines=lines, movements=movements, remote=remote)


# --- stock ------------------------------------------------------------------

def stock_discrepancies() -> QuerySet[Listing]:
    return discrepancies(Listing.objects.select_related("channel", "sku"))


LISTING_TABS = ("mapped", "not_in_pos", "not_in_channel", "multiple")


def listings_tab(tab: str, channel_id: int | None) -> QuerySet:
    """The rows of one listings tab; "not in channel" lists POS SKUs, the others listings."""
    live = Listing.objects.filter(gone=False)
    if channel_id:
        live = live.filter(channel_id=channel_id)
    if tab == "not_in_channel":
        listed = Listing.objects.filter(gone=False, sku_id=OuterRef("pk"))
        if channel_id:
            listed = listed.filter(channel_id=channel_id)
        return Sku.objects.filter(active=True).filter(~Exists(listed))
    rows = live.select_related("channel", "sku")
    if tab == "not_in_pos":
        return rows.filter(sku__isnull=True)
    if tab == "multiple":
        twins = (
            Listing.objects.filter(gone=False, channel_id=OuterRef("channel_id"), sku_id=OuterRef("sku_id"))
            .values("channel_id", "sku_id").annotate(n=Count("id")).values("n")
        )
        rows = rows.filter(sku__isnull=False).annotate(listed_times=Subquery(twins[:1])).filter(listed_times__gt=1)
        return listings_with_targets(rows)
    return listings_with_targets(rows.filter(sku__isnull=False))


# --- runs -------------------------------------------------------------------

def runs_list() -> QuerySet[SyncRun]:
    return SyncRun.objects.select_related("channel", "requested_by")


def run_get(run_id: int) -> SyncRun:
    return SyncRun.objects.select_related("channel", "requested_by").get(pk=run_id)


def run_issues(run_id: int) -> QuerySet[RunIssue]:
    return RunIssue.objects.filter(run_id=run_id)


# --- daily report -----------------------------------------------------------

REPORT_DAYS = 30


def report_rows() -> QuerySet[DailyReport]:
    return DailyReport.objects.select_related("channel")


def report_default_range(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    today = today or timezone.localdate()
    return today - dt.timedelta(days=REPORT_DAYS - 1), today


@dataclass
class ChartBar:
    day: dt.date
    missing: int
    wrong_status: int
    discrepancies: int


def report_chart(rows: QuerySet[DailyReport], start: dt.date | None = None, end: dt.date | None = None) -> list[ChartBar]:
    """Per-day totals over the filtered rows, every day of the range present (zero when no row), in one grouped query."""
    per_day = {
        r["day"]: r
        for r in rows.order_by().values("day").annotate(
            m=Sum("orders_missing"), w=Sum("orders_wrong_status"), d=Sum("stock_discrepancies")
        )
    }
    if not per_day and (start is None or end is None):
        return []
    start = start or min(per_day)
    end = end or max(per_day)
    if (end - start).days > 366:
        start = end - dt.timedelta(days=366)
    bars = []
    day = start
    while day <= end:
        r = per_day.get(day, {})
        bars.append(ChartBar(day, r.get("m") or 0, r.get("w") or 0, r.get("d") or 0))
        day += dt.timedelta(days=1)
    return bars
