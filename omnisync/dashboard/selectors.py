"""Reads behind the dashboard's own pages, which span apps: channel cards and the report chart.

Each list's selector lives in the app that owns its model (orders, inventory,
channels_app, omnisync.report_list); these return plain data in a bounded
number of queries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Exists, Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from channels_app.models import Channel, RunKind, RunStatus, SaleEvent, SalePlan, SyncRun, sale_plan
from omnisync.models import DailyReport

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
    #: when the oldest order the POS lacks was last updated on the channel (None when nothing is missing)
    missing_since: dt.datetime | None = None

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
            missing_since=ch.orders_missing_since if ch.orders_missing else None,
        ))
    return cards


# --- first-run checklist --------------------------------------------------------

#: a run that reached the marketplace and did its work, wholly or in part
WORKED = (RunStatus.SUCCEEDED, RunStatus.PARTIAL)
#: the kinds of run that call the marketplace's API (a report run does not)
TALKING_KINDS = (RunKind.SCAN, RunKind.CHECK_ORDERS, RunKind.DOWNLOAD_ORDERS, RunKind.UPDATE_INVENTORY)


@dataclass
class SetupStep:
    key: str
    label: str | Promise
    done: bool
    url: str


def setup_checklist() -> list[SetupStep]:
    """The first-run steps, each ticked from what the database shows, in one query.

    The admin's "Test connection" leaves no record (it clears the channel's
    last error), so a run that talked to the marketplace and worked stands
    for a tested connection. A dry run of Update Inventory pushes nothing and
    does not count as the first push.
    """
    worked = SyncRun.objects.filter(channel_id=OuterRef("pk"), status__in=WORKED)
    first = (
        Channel.objects.order_by("name", "pk")
        .annotate(
            connected=Exists(worked.filter(kind__in=TALKING_KINDS)),
            scanned=Exists(worked.filter(kind=RunKind.SCAN)),
            downloaded=Exists(worked.filter(kind=RunKind.DOWNLOAD_ORDERS)),
            pushed=Exists(worked.filter(kind=RunKind.UPDATE_INVENTORY).filter(~Q(params__has_key="dry_run") | Q(params__dry_run=False))),
        )
        .values("pk", "connected", "scanned", "downloaded", "pushed")
    )
    rows = list(first)
    done = {key: any(r[key] for r in rows) for key in ("connected", "scanned", "downloaded", "pushed")}
    pk = rows[0]["pk"] if rows else None
    add_url = reverse("admin:channels_app_channel_add")
    card = f"{reverse('dashboard')}#channel-{pk}" if pk else add_url
    return [
        SetupStep("channel", _("Add a channel"), bool(rows), add_url),
        SetupStep("connection", _("Test the connection"), done["connected"],
                  reverse("admin:channels_app_channel_change", args=[pk]) if pk else add_url),
        SetupStep("scan", _("First scan"), done["scanned"], card),
        SetupStep("download", _("First download of orders"), done["downloaded"],
                  f"{reverse('download_start')}?channel={pk}" if pk else add_url),
        SetupStep("push", _("First stock push"), done["pushed"], reverse("inventory_preview", args=[pk]) if pk else add_url),
    ]


# --- daily report chart -----------------------------------------------------

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
