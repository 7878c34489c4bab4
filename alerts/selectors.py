"""Reads: what is wrong right now (the causes the tick turns into alerts) and the alert lists."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from alerts.models import Alert, AlertKind, Severity
from channels_app.models import Channel, RunKind, RunStatus, SaleEvent, SyncRun
from inventory.models import Listing, PushState

#: How long a resolved alert stays on the alerts page's default view.
RECENTLY_RESOLVED = dt.timedelta(days=7)


@dataclass(frozen=True)
class Cause:
    """Something wrong now, named by `key` so the same cause found again is the same alert."""

    key: str
    kind: str
    severity: str
    channel_id: int | None = None
    detail: dict = field(default_factory=dict)


def _iso(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value else None


def alert_causes(now: dt.datetime) -> dict[str, Cause]:
    """Every cause of an alert at `now`, by key, in a handful of queries whatever the number of channels.

    Only active channels raise alerts: an inactive one is switched off on purpose,
    so its open alerts resolve.
    """
    causes: list[Cause] = []
    channels = list(Channel.objects.filter(active=True).order_by("pk"))
    names = {ch.pk: ch.name for ch in channels}

    soon = now + dt.timedelta(days=settings.ALERT_AUTH_EXPIRY_DAYS)
    for ch in channels:
        expires = ch.authorization_expires_at
        if expires is None or expires > soon:
            continue
        kind, severity = (AlertKind.AUTH_EXPIRED, Severity.CRITICAL) if expires <= now else (AlertKind.AUTH_EXPIRING, Severity.WARNING)
        causes.append(Cause(f"{kind}:{ch.pk}", kind, severity, ch.pk, {"channel": ch.name, "expires_at": _iso(expires)}))

    hours = settings.ALERT_DOWNLOAD_STALE_HOURS
    stale_before = now - dt.timedelta(hours=hours)
    last_success = dict(
        SyncRun.objects.filter(channel__in=names, kind=RunKind.DOWNLOAD_ORDERS, status=RunStatus.SUCCEEDED)
        .order_by().values("channel").annotate(last=Max("finished_at")).values_list("channel", "last")
    )
    for ch in channels:
        last = last_success.get(ch.pk)
        if (last or ch.created_at) > stale_before:
            continue
        kind = AlertKind.DOWNLOAD_STALE
        causes.append(Cause(f"{kind}:{ch.pk}", kind, Severity.CRITICAL, ch.pk,
                            {"channel": ch.name, "hours": hours, "last_success": _iso(last), "since": _iso(ch.created_at)}))

    push_kinds = {PushState.FAILED: AlertKind.PUSH_REFUSED, PushState.NOT_APPLIED: AlertKind.PUSH_UNCONFIRMED}
    pushes = (
        Listing.objects.filter(channel__in=names, gone=False, last_push_state__in=list(push_kinds))
        .order_by().values("channel", "last_push_state").annotate(n=Count("pk")).values_list("channel", "last_push_state", "n")
    )
    for channel_id, state, n in pushes:
        kind = push_kinds[state]
        causes.append(Cause(f"{kind}:{channel_id}", kind, Severity.WARNING, channel_id, {"channel": names[channel_id], "count": n}))

    for ch in channels:
        for kind, count in ((AlertKind.UNKNOWN_STATUSES, ch.orders_unknown_status), (AlertKind.UNMAPPED_LINES, ch.order_lines_unmapped)):
            if count:
                causes.append(Cause(f"{kind}:{ch.pk}", kind, Severity.WARNING, ch.pk, {"channel": ch.name, "count": count}))

    tomorrow = timezone.localdate(now) + dt.timedelta(days=1)
    for event in SaleEvent.objects.on(tomorrow).filter(first_day=tomorrow).order_by("pk"):
        kind = AlertKind.SALE_TOMORROW
        causes.append(Cause(f"{kind}:{event.pk}:{event.first_day.isoformat()}", kind, Severity.INFO, None, {
            "name": event.name, "first_day": _iso(event.first_day), "last_day": _iso(event.last_day),
            "syncs_per_day": event.syncs_per_day, "extra_buffer": event.extra_buffer,
        }))
    return {c.key: c for c in causes}


def alerts_open() -> QuerySet[Alert]:
    return Alert.objects.open().select_related("channel", "acknowledged_by").order_by("-first_seen", "-pk")


def alerts_unacknowledged_count() -> int:
    return Alert.objects.unacknowledged().count()


def alerts_list(state: str | None = None, now: dt.datetime | None = None) -> QuerySet[Alert]:
    """The alerts page: open ones and those resolved in the last week (``state`` "open" or "resolved" narrows)."""
    now = now or timezone.now()
    recent = Q(resolved_at__gte=now - RECENTLY_RESOLVED)
    qs = Alert.objects.select_related("channel", "acknowledged_by")
    if state == "open":
        return qs.filter(resolved_at__isnull=True)
    if state == "resolved":
        return qs.filter(recent)
    return qs.filter(Q(resolved_at__isnull=True) | recent)


def alert_json(alert: Alert) -> dict:
    """An alert as plain data: for `manage.py alerts --json` and the webhook's body."""
    from alerts.texts import alert_link

    link = alert_link(alert)
    return {
        "id": alert.pk,
        "kind": alert.kind,
        "severity": alert.severity,
        "channel": {"id": alert.channel_id, "name": alert.channel.name} if alert.channel_id else None,
        "message": alert.text,
        "detail": alert.detail,
        "first_seen": _iso(alert.first_seen),
        "last_seen": _iso(alert.last_seen),
        "acknowledged_at": _iso(alert.acknowledged_at),
        "acknowledged_by": alert.acknowledged_by.get_username() if alert.acknowledged_by_id else None,
        "resolved_at": _iso(alert.resolved_at),
        "url": f"{settings.SITE_URL}{link}",
    }
