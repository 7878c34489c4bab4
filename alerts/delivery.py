"""Outbound webhooks: one signed POST per alert and endpoint, retried with backoff, every attempt logged.

The receiver checks `X-Omnisync-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>`;
the body carries the same `timestamp` as the `X-Omnisync-Timestamp` header, so a
receiver can refuse old replays knowing the timestamp was signed too. Each
attempt claims its delivery with one conditional UPDATE (a lease on
`next_attempt_at`), so the queued task and the minute's sweep never send the
same attempt twice. These are not marketplace calls, so they do not go through
the marketplaces' ApiSession: the retries are ours, spread over hours and
recorded, never done inside one request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import time

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from alerts.models import WebhookAttempt, WebhookDelivery
from alerts.selectors import alert_json

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Omnisync-Signature"
TIMESTAMP_HEADER = "X-Omnisync-Timestamp"
#: Pause after the n-th failed attempt (the last value repeats): a minute, five, a quarter hour, an hour, three hours.
RETRY_DELAYS = (60, 300, 900, 3600, 10800)
CONNECT_TIMEOUT = 5
#: Deliveries the minute's sweep sends at most; the rest wait for the next minute.
SWEEP_LIMIT = 50


def webhook_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def retry_delay(attempt: int) -> dt.timedelta:
    return dt.timedelta(seconds=RETRY_DELAYS[min(attempt, len(RETRY_DELAYS)) - 1])


def webhook_body(delivery: WebhookDelivery, attempt: int, timestamp: int) -> bytes:
    """The JSON a receiver gets; `text` is one line a chat gateway can forward as it is."""
    with translation.override(settings.LANGUAGE_CODE):
        alert = alert_json(delivery.alert)
    severity = alert["severity"].upper()
    payload = {
        "event": "alert.raised",
        "delivery": delivery.pk,
        "attempt": attempt,
        "timestamp": timestamp,
        "alert": alert,
        "text": f"[{severity}] {alert['message']} {alert['url']}".strip(),
    }
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def delivery_send(delivery_id: int) -> str | None:
    """The queued task: one attempt of one delivery if it is due; None when nothing was due (already sent, or not yet)."""
    now = timezone.now()
    lease = now + dt.timedelta(seconds=CONNECT_TIMEOUT + settings.ALERT_WEBHOOK_TIMEOUT + 60)
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, delivered_at__isnull=True, next_attempt_at__lte=now,
    ).update(next_attempt_at=lease)
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint", "alert", "alert__channel", "alert__acknowledged_by").get(pk=delivery_id)
    endpoint = delivery.endpoint
    if not endpoint.active:
        WebhookDelivery.objects.filter(pk=delivery_id).update(next_attempt_at=None, last_error="The endpoint was switched off.")
        return "skipped"
    number = delivery.attempts + 1
    timestamp = int(time.time())
    body = webhook_body(delivery, number, timestamp)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "omnisync-alerts/1",
        SIGNATURE_HEADER: webhook_signature(endpoint.secret, body),
        TIMESTAMP_HEADER: str(timestamp),
        "X-Omnisync-Event": "alert.raised",
        "X-Omnisync-Delivery": str(delivery.pk),
    }
    started = time.monotonic()
    status, excerpt, error = None, "", ""
    try:
        response = requests.post(
            endpoint.url, data=body, headers=headers, timeout=(CONNECT_TIMEOUT, settings.ALERT_WEBHOOK_TIMEOUT), allow_redirects=False,
        )
        status, excerpt = response.status_code, response.text[:500]
        if not 200 <= status < 300:
            error = f"The receiver answered HTTP {status}."
    except requests.RequestException as exc:
        error = f"The receiver could not be reached: {type(exc).__name__}: {exc}"[:2000]
    duration = int((time.monotonic() - started) * 1000)
    done = timezone.now()
    ok = not error
    if ok:
        next_at = None
    elif number >= settings.ALERT_WEBHOOK_MAX_ATTEMPTS:
        next_at = None
        error += f" Gave up after {number} attempts."
    else:
        next_at = done + retry_delay(number)
    with transaction.atomic():
        WebhookAttempt.objects.create(delivery=delivery, number=number, at=done, status_code=status, response_excerpt=excerpt,
                                      error=error, duration_ms=duration)
        WebhookDelivery.objects.filter(pk=delivery_id).update(
            attempts=number, status_code=status, response_excerpt=excerpt, last_error=error,
            delivered_at=done if ok else None, next_attempt_at=next_at,
        )
    if not ok:
        log.warning("alert webhook %s to %s, attempt %s: %s", delivery_id, endpoint.name, number, error)
    return "delivered" if ok else ("retry" if next_at else "gave up")


def deliveries_send_due(limit: int = SWEEP_LIMIT) -> int:
    """Scheduled every minute: send the deliveries whose retry is due (and any whose queued task was lost)."""
    due = list(
        WebhookDelivery.objects.filter(delivered_at__isnull=True, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in due if delivery_send(pk) is not None)
