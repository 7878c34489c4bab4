"""TikTok Shop webhooks: Authorization = hex HMAC-SHA256(app secret, app key + raw body).

MARKETPLACES.md marks this scheme as assumed (from third-party code): TikTok's own page on webhook verification
was not available. The accepted signature below was computed by hand with
`printf '%s' "6abcdef012345$BODY" | openssl dgst -sha256 -hmac tiktok-app-secret-0123`.
"""

import pytest

from channels_app.models import RunKind, SyncRun
from omnisync.models import OrderNotice
from tests import factories
from tests.channels.pushes import body, duplicates_then_a_lost_push, hex_sig, nothing_happened, post, sandbox_channel

pytestmark = pytest.mark.django_db
APP_KEY, SECRET = "6abcdef012345", "tiktok-app-secret-0123"
BODY = (b'{"type":1,"tts_notification_id":"7327112393057371910","shop_id":"7494049642642441621","timestamp":1794384000,'
        b'"data":{"order_id":"576461413038785752","order_status":"AWAITING_SHIPMENT","update_time":1794384300}}')
SIGNED = "5fe4e8cb0ed5430971b2b97190ab5ac145fc71f38e7c8cda2678952e1e5d07bd"


@pytest.fixture
def channel():
    ch = factories.channel("TikTok Push", platform="tiktok")
    ch.credentials = {"app_key": APP_KEY, "app_secret": SECRET, "shop_cipher": "ROW_x"}
    ch.save()
    return ch


def test_a_signed_order_status_change_requests_a_download_of_that_order(channel):
    response = post(channel, BODY, HTTP_AUTHORIZATION=SIGNED)
    assert response.status_code == 200
    run = SyncRun.objects.get()
    assert (run.kind, run.trigger, run.params) == (RunKind.DOWNLOAD_ORDERS, "webhook", {"order_ids": ["576461413038785752"]})
    # update_time 1794384300 is 2026-11-11 08:05:00 UTC (`date -u -d @1794384300`).
    assert OrderNotice.objects.get().changed_at.isoformat() == "2026-11-11T08:05:00+00:00"


@pytest.mark.parametrize("headers", [
    {},
    {"HTTP_AUTHORIZATION": ""},
    {"HTTP_AUTHORIZATION": SIGNED[:-1] + "e"},
    {"HTTP_AUTHORIZATION": hex_sig(SECRET, BODY)},  # the app key left out
    {"HTTP_AUTHORIZATION": hex_sig("another-secret", APP_KEY.encode() + BODY)},
])
def test_a_bad_or_missing_signature_is_401_and_nothing_happens(channel, headers):
    response = post(channel, BODY, **headers)
    assert response.status_code == 401
    assert nothing_happened()


def test_duplicates_collapse_and_a_cancel_or_cancellation_webhook_reads_the_order_too(channel):
    for _ in range(2):
        assert post(channel, BODY, HTTP_AUTHORIZATION=SIGNED).status_code == 200
    assert OrderNotice.objects.get().notices == 2
    assert SyncRun.objects.count() == 1
    cancel = body({"type": 11, "tts_notification_id": "1", "shop_id": "7494049642642441621", "timestamp": 1794384400,
                   "data": {"order_id": "576461413038785999", "cancel_status": "CANCELLATION_REQUEST_SUCCESS", "update_time": 1794384400}})
    assert post(channel, cancel, HTTP_AUTHORIZATION=hex_sig(SECRET, APP_KEY.encode() + cancel)).status_code == 200
    # the run is still queued: the second order joins it instead of starting another
    assert SyncRun.objects.get().params == {"order_ids": ["576461413038785752", "576461413038785999"]}


def test_other_types_are_answered_and_ignored(channel):
    product = body({"type": 5, "tts_notification_id": "2", "shop_id": "1", "timestamp": 1794384000, "data": {"product_id": "9"}})
    assert post(channel, product, HTTP_AUTHORIZATION=hex_sig(SECRET, APP_KEY.encode() + product)).status_code == 200
    assert nothing_happened()


@pytest.mark.django_db(transaction=True)
def test_sandbox_pushes_duplicates_and_a_lost_one_is_caught_by_the_scheduled_download(live_server, sandbox_pushes):
    services, notifications = sandbox_pushes
    shop, ch = sandbox_channel(services, notifications, live_server, "tiktok", "Push TikTok")
    duplicates_then_a_lost_push(services, notifications, shop, ch, "AWAITING_SHIPMENT")
