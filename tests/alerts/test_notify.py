"""Telling people: the e-mail, and the signed webhook a WhatsApp or chat gateway receives, with its delivery log."""

import datetime as dt
import hashlib
import hmac
import json
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from alerts.delivery import deliveries_send_due, delivery_send
from alerts.models import Alert, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from alerts.services import alerts_evaluate
from channels_app.models import Channel
from tests import factories as f

JKT = ZoneInfo("Asia/Jakarta")
NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=JKT)
SECRET = "s3cret-shared-with-the-gateway"

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel():
    return f.channel("Toko Shopee")


def raise_unknown(channel, count=3, now=NOW):
    Channel.objects.filter(pk=channel.pk).update(orders_unknown_status=count)
    return alerts_evaluate(now)


@override_settings(ALERT_EMAILS=["owner@toko.example", "gudang@toko.example"], LANGUAGE_CODE="en", SITE_URL="https://toko.example")
def test_a_raised_alert_is_mailed_once(channel, django_capture_on_commit_callbacks, run_tasks):
    with django_capture_on_commit_callbacks(execute=True):
        raise_unknown(channel)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["owner@toko.example", "gudang@toko.example"]
    assert message.subject == ("omnisync alert: 3 orders on Toko Shopee have a status omnisync does not know; "
                               "map them so their stock counts.")
    alert = Alert.objects.get()
    assert f"https://toko.example/orders/mismatches/?kind=unknown_status&channel={channel.pk}" in message.body
    assert "https://toko.example/alerts/" in message.body

    # the next tick finds the same cause: nobody is mailed again
    with django_capture_on_commit_callbacks(execute=True):
        alerts_evaluate(NOW + dt.timedelta(minutes=15))
    assert len(mail.outbox) == 1
    # a task delivered twice sends nothing twice
    from alerts.notify import alerts_email

    assert alerts_email([alert.pk]) == 0
    assert len(mail.outbox) == 1


@override_settings(ALERT_EMAILS=["owner@toko.example"], LANGUAGE_CODE="en")
def test_several_alerts_of_one_tick_make_one_mail(channel, django_capture_on_commit_callbacks, run_tasks):
    Channel.objects.filter(pk=channel.pk).update(order_lines_unmapped=2)
    with django_capture_on_commit_callbacks(execute=True):
        raise_unknown(channel)
    [message] = mail.outbox
    assert message.subject == "omnisync: 2 new alerts"
    assert "[WARNING] 3 orders on Toko Shopee have a status" in message.body
    assert "[WARNING] 2 order lines on Toko Shopee have no SKU" in message.body


@override_settings(ALERT_EMAILS=[])
def test_no_recipients_no_mail_and_nothing_queued(channel, django_capture_on_commit_callbacks, run_tasks):
    with django_capture_on_commit_callbacks(execute=True):
        raise_unknown(channel)
    assert mail.outbox == []
    assert run_tasks == []


def hand_signature(body: bytes) -> str:
    """What a receiver computes: hex HMAC-SHA256 of the raw body with the shared secret."""
    return "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


@override_settings(LANGUAGE_CODE="en", SITE_URL="https://toko.example")
def test_webhook_is_signed_and_the_receiver_can_check_it(channel, receiver, django_capture_on_commit_callbacks, run_tasks):
    endpoint = WebhookEndpoint.objects.create(name="WhatsApp gateway", url=receiver.url, secret=SECRET)
    with django_capture_on_commit_callbacks(execute=True):
        raise_unknown(channel)
    [request] = receiver.requests
    headers, body = request["headers"], request["body"]
    assert request["path"] == "/hooks/omnisync"
    assert headers["X-Omnisync-Signature"] == hand_signature(body)
    assert headers["X-Omnisync-Signature"] != "sha256=" + hmac.new(b"another secret", body, hashlib.sha256).hexdigest()
    payload = json.loads(body)
    assert payload["event"] == "alert.raised"
    assert str(payload["timestamp"]) == headers["X-Omnisync-Timestamp"]
    assert abs(payload["timestamp"] - timezone.now().timestamp()) < 60
    assert payload["alert"]["kind"] == "unknown_statuses"
    assert payload["alert"]["channel"] == {"id": channel.pk, "name": "Toko Shopee"}
    assert payload["text"] == (f"[WARNING] 3 orders on Toko Shopee have a status omnisync does not know; map them so their stock counts. "
                               f"https://toko.example/orders/mismatches/?kind=unknown_status&channel={channel.pk}")
    delivery = WebhookDelivery.objects.get()
    assert delivery.endpoint == endpoint
    assert (delivery.attempts, delivery.status_code, delivery.next_attempt_at) == (1, 200, None)
    assert delivery.delivered_at is not None
    # the secret is not stored in clear
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM alerts_webhookendpoint WHERE id = %s", [endpoint.pk])
        assert SECRET not in cursor.fetchone()[0]


def test_a_500_is_retried_later_and_the_success_is_logged(channel, receiver, django_capture_on_commit_callbacks, run_tasks):
    WebhookEndpoint.objects.create(name="Chat", url=receiver.url, secret=SECRET)
    receiver.statuses = [500]
    with django_capture_on_commit_callbacks(execute=True):
        raise_unknown(channel)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.attempts, delivery.status_code, delivery.delivered_at) == (1, 500, None)
    assert delivery.last_error == "The receiver answered HTTP 500."
    # the first retry waits a minute
    wait = delivery.next_attempt_at - WebhookAttempt.objects.get(number=1).at
    assert wait == dt.timedelta(minutes=1)

    assert deliveries_send_due() == 0  # not due yet: nothing sent
    assert len(receiver.requests) == 1
    WebhookDelivery.objects.update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))
    assert deliveries_send_due() == 1
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.status_code, delivery.last_error, delivery.next_attempt_at) == (2, 200, "", None)
    assert delivery.delivered_at is not None
    assert [(a.number, a.status_code) for a in WebhookAttempt.objects.order_by("number")] == [(1, 500), (2, 200)]
    assert len(receiver.requests) == 2
    first, second = (json.loads(r["body"]) for r in receiver.requests)
    assert (first["attempt"], second["attempt"]) == (1, 2)
    assert first["delivery"] == second["delivery"] == delivery.pk
    # delivered: a late duplicate of the task sends nothing
    assert delivery_send(delivery.pk) is None
    assert len(receiver.requests) == 2


@override_settings(ALERT_WEBHOOK_MAX_ATTEMPTS=3)
def test_attempts_stop_at_the_limit(channel, receiver, django_capture_on_commit_callbacks, run_tasks):
    WebhookEndpoint.objects.create(name="Chat", url=receiver.url, secret=SECRET)
    receiver.statuses = [503, 502, 500, 200]
    with django_capture_on_commit_callbacks(execute=True):
        raise_unknown(channel)
    for _ in range(2):
        WebhookDelivery.objects.update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))
        deliveries_send_due()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.attempts, delivery.status_code, delivery.next_attempt_at, delivery.delivered_at) == (3, 500, None, None)
    assert delivery.last_error == "The receiver answered HTTP 500. Gave up after 3 attempts."
    assert delivery.gave_up
    assert deliveries_send_due() == 0
    assert len(receiver.requests) == 3


def test_an_unreachable_gateway_never_blocks_the_tick(channel, django_capture_on_commit_callbacks, run_tasks):
    # nothing listens on port 9 of this machine
    WebhookEndpoint.objects.create(name="Down", url="http://127.0.0.1:9/hook", secret=SECRET)
    with django_capture_on_commit_callbacks(execute=True):
        result = raise_unknown(channel)
    assert len(result.raised) == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.attempts == 1 and delivery.status_code is None and delivery.delivered_at is None
    assert delivery.last_error.startswith("The receiver could not be reached: ConnectionError")
    assert delivery.next_attempt_at is not None
    assert Alert.objects.filter(resolved_at__isnull=True).count() == 1


def test_an_endpoint_hears_only_the_kinds_it_asked_for_and_inactive_ones_nothing(channel, receiver, django_capture_on_commit_callbacks,
                                                                                 run_tasks):
    WebhookEndpoint.objects.create(name="Only auth", url=receiver.url, secret=SECRET, kinds=["auth_expired"])
    WebhookEndpoint.objects.create(name="Off", url=receiver.url, secret=SECRET, active=False)
    everything = WebhookEndpoint.objects.create(name="All", url=receiver.url, secret=SECRET)
    with django_capture_on_commit_callbacks(execute=True):
        raise_unknown(channel)
    assert list(WebhookDelivery.objects.values_list("endpoint", flat=True)) == [everything.pk]
    assert len(receiver.requests) == 1


def _email_settings(**env):
    import os
    import subprocess
    import sys
    from pathlib import Path

    clean = {k: v for k, v in os.environ.items() if not k.startswith("EMAIL_")}
    clean.update({"DEBUG": "1", "DJANGO_SETTINGS_MODULE": "omnisync.settings", **env})
    code = "from django.conf import settings as s; print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS)"
    out = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2], env=clean, capture_output=True,
                         text=True, timeout=60, check=True)
    return out.stdout.split()


def test_mail_is_printed_in_development_and_sent_by_smtp_once_a_host_is_set():
    assert _email_settings() == ["django.core.mail.backends.console.EmailBackend", "localhost", "25", "False"]
    assert _email_settings(EMAIL_HOST="smtp.gmail.com", EMAIL_PORT="587", EMAIL_USE_TLS="1") == [
        "django.core.mail.backends.smtp.EmailBackend", "smtp.gmail.com", "587", "True"]
