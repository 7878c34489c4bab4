"""Lazada push: Authorization = hex HMAC-SHA256(app secret, app key + raw body); one message per order item.

The accepted signature below was computed by hand with
`printf '%s' "100101$BODY" | openssl dgst -sha256 -hmac lazada-app-secret-0123`.
"""

import pytest

from channels_app.models import RunKind, SyncRun
from omnisync.models import OrderNotice
from tests import factories
from tests.channels.pushes import body, duplicates_then_a_lost_push, hex_sig, nothing_happened, post, sandbox_channel

pytestmark = pytest.mark.django_db
APP_KEY, SECRET = "100101", "lazada-app-secret-0123"
BODY = (b'{"seller_id":"1000001001","message_type":0,"data":{"trade_order_id":"700000000001234",'
        b'"trade_order_line_id":"700000000001234100","order_status":"pending","status_update_time":1794384300},"timestamp":1794384000}')
SIGNED = "b30a5b00e47566a694fc60ffa271e538b589a17972da725eacb8ee10a867cbaa"


@pytest.fixture
def channel():
    ch = factories.channel("Lazada Push", platform="lazada")
    ch.credentials = {"app_key": APP_KEY, "app_secret": SECRET}
    ch.save()
    return ch


def line_message(line_id: str) -> bytes:
    return body({"seller_id": "1000001001", "message_type": 0, "timestamp": 1794384000,
                 "data": {"trade_order_id": "700000000001234", "trade_order_line_id": line_id, "order_status": "pending",
                          "status_update_time": 1794384300}})


def test_a_signed_trade_order_message_requests_a_download_of_that_order(channel):
    assert post(channel, BODY, HTTP_AUTHORIZATION=SIGNED).status_code == 200
    run = SyncRun.objects.get()
    assert (run.kind, run.trigger, run.params) == (RunKind.DOWNLOAD_ORDERS, "webhook", {"order_ids": ["700000000001234"]})


@pytest.mark.parametrize("headers", [
    {},
    {"HTTP_AUTHORIZATION": SIGNED.upper()[:-2] + "00"},
    {"HTTP_AUTHORIZATION": hex_sig(SECRET, BODY)},
    {"HTTP_AUTHORIZATION": hex_sig("wrong", APP_KEY.encode() + BODY)},
])
def test_a_bad_or_missing_signature_is_401_and_nothing_happens(channel, headers):
    assert post(channel, BODY, **headers).status_code == 401
    assert nothing_happened()


def test_one_message_per_item_and_duplicates_make_one_order_and_one_run(channel):
    for line_id in ("700000000001234100", "700000000001234101", "700000000001234100"):
        message = line_message(line_id)
        assert post(channel, message, HTTP_AUTHORIZATION=hex_sig(SECRET, APP_KEY.encode() + message)).status_code == 200
    notice = OrderNotice.objects.get()
    assert (notice.external_id, notice.notices) == ("700000000001234", 3)
    assert SyncRun.objects.get().params == {"order_ids": ["700000000001234"]}


def test_other_message_types_are_answered_and_ignored(channel):
    other = body({"seller_id": "1000001001", "message_type": 3, "timestamp": 1794384000, "data": {"item_id": 1}})
    assert post(channel, other, HTTP_AUTHORIZATION=hex_sig(SECRET, APP_KEY.encode() + other)).status_code == 200
    assert nothing_happened()


@pytest.mark.django_db(transaction=True)
def test_sandbox_pushes_duplicates_and_a_lost_one_is_caught_by_the_scheduled_download(live_server, sandbox_pushes):
    services, notifications = sandbox_pushes
    shop, ch = sandbox_channel(services, notifications, live_server, "lazada", "Push Lazada")
    # two units: two messages, each sent twice
    duplicates_then_a_lost_push(services, notifications, shop, ch, "pending", pushes_per_order=2)
