"""Writes: the tick's evaluation (raise, refresh, resolve) and staff acknowledging an alert."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from alerts.models import Alert, WebhookDelivery, WebhookEndpoint
from alerts.selectors import alert_causes

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Evaluation:
    raised: list[int]
    refreshed: int
    resolved: int


def alerts_evaluate(now: dt.datetime | None = None) -> Evaluation:
    """Bring the open alerts in line with what is wrong at `now`; running it again changes nothing.

    A cause without an open alert raises one (and queues its e-mail and webhooks
    after commit), an open alert whose cause is still there is refreshed (its
    counts may have moved; nobody is told again), and an open alert whose cause
    is gone is resolved. Two ticks at once cannot raise a cause twice: the
    database keeps one open alert per cause and the loser skips it.
    """
    now = now or timezone.now()
    causes = alert_causes(now)
    with transaction.atomic():
        open_alerts = {a.key: a for a in Alert.objects.open()}
        gone = [a.pk for key, a in open_alerts.items() if key not in causes]
        resolved = Alert.objects.filter(pk__in=gone, resolved_at__isnull=True).update(resolved_at=now) if gone else 0
        still = []
        for key, alert in open_alerts.items():
            cause = causes.get(key)
            if cause is None:
                continue
            alert.last_seen, alert.detail, alert.severity = max(alert.last_seen, now), cause.detail, cause.severity
            still.append(alert)
        Alert.objects.bulk_update(still, ["last_seen", "detail", "severity"])
        raised = []
        for key, cause in causes.items():
            if key in open_alerts:
                continue
            try:
                with transaction.atomic():
                    raised.append(Alert.objects.create(
                        kind=cause.kind, key=key, channel_id=cause.channel_id, severity=cause.severity, detail=cause.detail,
                        first_seen=now, last_seen=now,
                    ))
            except IntegrityError:
                log.info("alert %s was raised by another evaluation at the same time", key)
        if raised:
            deliveries = deliveries_create(raised)
            ids = [a.pk for a in raised]
            transaction.on_commit(lambda: alerts_notify_enqueue(ids, [d.pk for d in deliveries]))
    return Evaluation([a.pk for a in raised], len(still), resolved)


def deliveries_create(alerts: list[Alert]) -> list[WebhookDelivery]:
    """One delivery per alert and active endpoint that wants its kind, due at once."""
    endpoints = list(WebhookEndpoint.objects.filter(active=True))
    now = timezone.now()
    rows = [WebhookDelivery(alert=a, endpoint=e, next_attempt_at=now) for a in alerts for e in endpoints if e.wants(a.kind)]
    if not rows:
        return []
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    return list(WebhookDelivery.objects.filter(alert__in=alerts, endpoint__in=endpoints))


def alerts_notify_enqueue(alert_ids: list[int], delivery_ids: list[int]) -> None:
    """Queue the e-mail and one task per webhook delivery; a slow or failing receiver never holds up the tick."""
    from django.conf import settings
    from django_q.tasks import async_task

    if settings.ALERT_EMAILS:
        async_task("alerts.notify.alerts_email", alert_ids, task_name=f"alerts-email-{alert_ids[0]}")
    for pk in delivery_ids:
        async_task("alerts.delivery.delivery_send", pk, task_name=f"alert-webhook-{pk}")


def alert_acknowledge(alert_id: int, user) -> bool:
    """Staff have seen it: the banner stops counting it; it stays open until its cause is gone. False if already done."""
    return bool(
        Alert.objects.filter(pk=alert_id, resolved_at__isnull=True, acknowledged_at__isnull=True)
        .update(acknowledged_at=timezone.now(), acknowledged_by=user if getattr(user, "pk", None) else None)
    )
