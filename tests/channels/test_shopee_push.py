"""Shopee push: Authorization = hex HMAC-SHA256(partner key, callback URL + "|" + body) (MARKETPLACES.md "Push").

The accepted signature below was computed by hand with
`printf '%s' "http://testserver/webhooks/shopee/77/|$BODY" | openssl dgst -sha256 -hmac shopee-partner-key-0123`.
"""

import pytest

from channels_app.models import RunKind, RunStatus, SyncRun
from omnisync.models import OrderNotice
from tests import factories
from tests.channels.pushes import body, duplicates_then_a_lost_push, hex_sig, nothing_happened, post, sandbox_channel

pytestmark = pytest.mark.django_db
KEY = "shopee-partner-key-0123"
BODY = (b'{"shop_id":3001001,"code":3,"timestamp":1794384000,"data":{"ordersn":"261111ABCDEF01",'
        b'"status":"READY_TO_SHIP","update_time":1794384300}}')
SIGNED = "3f3c61cbc112a1f966d4d8e6c7f7e76278ec1cf33c3b70aa1b19870bf98acf03"


@pytest.fixture
def channel():
    ch = factories.channel("Shopee Push", platform="shopee", pk=77)
    ch.credentials = {"partner_id": "2001001", "partner_key": KEY, "shop_id": "3001001"}
    ch.save()
    return ch


def sign(channel, payload: bytes, key=KEY) -> str:
    return hex_sig(key, f"http://testserver/webhooks/shopee/{channel.pk}/".encode() + b"|" + payload)


def test_a_signed_order_status_push_requests_a_download_of_that_order(channel, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        response = post(channel, BODY, HTTP_AUTHORIZATION=SIGNED)
    assert response.status_code == 200 and response.content == b""  # Shopee asks for an empty 2xx
    run = SyncRun.objects.get()
    assert (run.channel_id, run.kind, run.status, run.trigger) == (channel.pk, RunKind.DOWNLOAD_ORDERS, RunStatus.QUEUED, "webhook")
    assert run.params == {"order_ids": ["261111ABCDEF01"]}
    assert len(queued) == 1
    notice = OrderNotice.objects.get()
    # update_time 1794384300 is 2026-11-11 08:05:00 UTC (`date -u -d @1794384300`), 15:05 in Jakarta.
    assert (notice.external_id, notice.changed_at.isoformat()) == ("261111ABCDEF01", "2026-11-11T08:05:00+00:00")


@pytest.mark.parametrize("signature", [
    "",  # missing
    SIGNED.replace("3f3c", "3f3d"),  # one digit off
    "0" * 64,
])
def test_a_bad_or_missing_signature_is_401_and_nothing_happens(channel, signature):
    headers = {"HTTP_AUTHORIZATION": signature} if signature else {}
    response = post(channel, BODY, **headers)
    assert response.status_code == 401 and response.content == b""
    assert nothing_happened()


def test_signed_with_another_key_another_url_or_for_another_body_is_refused(channel):
    assert post(channel, BODY, HTTP_AUTHORIZATION=sign(channel, BODY, key="another-partner-key")).status_code == 401
    assert post(channel, BODY, HTTP_AUTHORIZATION=hex_sig(KEY, b"http://testserver/webhooks/shopee/78/|" + BODY)).status_code == 401
    assert post(channel, BODY.replace(b"READY_TO_SHIP", b"CANCELLED"), HTTP_AUTHORIZATION=SIGNED).status_code == 401
    other = factories.channel("Lazada", platform="lazada")
    assert post(other, BODY, HTTP_AUTHORIZATION=SIGNED).status_code == 401
    assert nothing_happened()


def test_duplicate_pushes_record_one_order_and_request_one_run(channel):
    for _ in range(3):
        assert post(channel, BODY, HTTP_AUTHORIZATION=SIGNED).status_code == 200
    notice = OrderNotice.objects.get()
    assert notice.notices == 3
    assert SyncRun.objects.get().params == {"order_ids": ["261111ABCDEF01"]}


def test_other_push_codes_and_other_shops_are_answered_and_ignored(channel):
    tracking = body({"shop_id": 3001001, "code": 4, "timestamp": 1794384000, "data": {"ordersn": "X", "tracking_no": "JNE1"}})
    assert post(channel, tracking, HTTP_AUTHORIZATION=sign(channel, tracking)).status_code == 200
    elsewhere = BODY.replace(b"3001001", b"3009999")
    assert post(channel, elsewhere, HTTP_AUTHORIZATION=sign(channel, elsewhere)).status_code == 200
    assert nothing_happened()
    no_order = body({"shop_id": 3001001, "code": 3, "timestamp": 1794384000, "data": {"status": "UNPAID"}})
    response = post(channel, no_order, HTTP_AUTHORIZATION=sign(channel, no_order))
    assert response.status_code == 400 and b"ordersn" in response.content
    assert nothing_happened()


@pytest.mark.django_db(transaction=True)
def test_sandbox_pushes_duplicates_and_a_lost_one_is_caught_by_the_scheduled_download(live_server, sandbox_pushes):
    services, notifications = sandbox_pushes
    shop, ch = sandbox_channel(services, notifications, live_server, "shopee", "Push Shopee")
    duplicates_then_a_lost_push(services, notifications, shop, ch, "READY_TO_SHIP")
