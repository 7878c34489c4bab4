"""WooCommerce webhooks: X-WC-Webhook-Signature = base64 HMAC-SHA256(webhook secret, raw body).

The accepted signature below was computed by hand with
`printf '%s' "$BODY" | openssl dgst -sha256 -hmac woo-webhook-secret-0123 -binary | base64`.
"""

import pytest

from channels_app.models import RunKind, SyncRun
from omnisync.models import OrderNotice
from tests import factories
from tests.channels.pushes import b64_sig, duplicates_then_a_lost_push, nothing_happened, post, sandbox_channel

pytestmark = pytest.mark.django_db
SECRET = "woo-webhook-secret-0123"
BODY = b'{"id":1234,"status":"processing","date_modified_gmt":"2026-11-11T03:05:00","line_items":[]}'
SIGNED = "WdmbwAHmNm+a0Y846y9KPnzn7PqKEM/nzjIwMyWGY/w="


@pytest.fixture
def channel():
    ch = factories.channel("Woo Push", platform="woocommerce")
    ch.credentials = {"consumer_key": "ck_x", "consumer_secret": "cs_x", "webhook_secret": SECRET}
    ch.save()
    return ch


def deliver(channel, payload=BODY, signature=SIGNED, topic="order.updated"):
    headers = {"HTTP_X_WC_WEBHOOK_TOPIC": topic}
    if signature is not None:
        headers["HTTP_X_WC_WEBHOOK_SIGNATURE"] = signature
    return post(channel, payload, **headers)


def test_a_signed_order_webhook_requests_a_download_of_that_order(channel):
    assert deliver(channel).status_code == 200
    run = SyncRun.objects.get()
    assert (run.kind, run.trigger, run.params) == (RunKind.DOWNLOAD_ORDERS, "webhook", {"order_ids": ["1234"]})
    # date_modified_gmt has no offset: it is GMT
    assert OrderNotice.objects.get().changed_at.isoformat() == "2026-11-11T03:05:00+00:00"


@pytest.mark.parametrize("signature", [None, "", SIGNED.lower(), b64_sig("another-secret", BODY)])
def test_a_bad_or_missing_signature_is_401_and_nothing_happens(channel, signature):
    assert deliver(channel, signature=signature).status_code == 401
    assert nothing_happened()


def test_a_channel_without_a_webhook_secret_refuses_everything(channel):
    channel.credentials = {"consumer_key": "ck_x", "consumer_secret": "cs_x"}
    channel.save()
    assert deliver(channel, signature=b64_sig("", BODY)).status_code == 401
    assert nothing_happened()


def test_the_unsigned_ping_when_the_webhook_is_saved_gets_200_and_nothing_else(channel):
    # WooCommerce keeps a new webhook only if its ping, body "webhook_id=<id>", is answered 200 (WC_Webhook::deliver_ping).
    response = post(channel, b"webhook_id=17")
    assert response.status_code == 200
    assert nothing_happened()
    assert post(channel, b"webhook_id=17&status=processing").status_code == 401


def test_duplicates_collapse_and_other_topics_are_ignored(channel):
    for topic in ("order.created", "order.updated"):
        assert deliver(channel, topic=topic).status_code == 200
    assert OrderNotice.objects.get().notices == 2
    assert SyncRun.objects.count() == 1
    SyncRun.objects.all().delete()
    OrderNotice.objects.all().delete()
    assert deliver(channel, topic="product.updated").status_code == 200
    assert nothing_happened()


@pytest.mark.django_db(transaction=True)
def test_sandbox_pushes_duplicates_and_a_lost_one_is_caught_by_the_scheduled_download(live_server, sandbox_pushes):
    services, notifications = sandbox_pushes
    shop, ch = sandbox_channel(services, notifications, live_server, "woocommerce", "Push Woo")
    duplicates_then_a_lost_push(services, notifications, shop, ch, "processing")
