"""Shopify order webhooks: a verified delivery requests a Download Orders run of that order; anything else starts nothing.

The signature is computed here independently of omnisync.webhooks, as shopify.dev describes it ("Verify a
webhook"): base64 of HMAC-SHA256 over the raw body with the app's client secret. The URL stays
/webhooks/shopify/<channel id>/ (name "shopify-webhook").
"""

import base64
import hashlib
import hmac
import json

import pytest
from django.test import Client
from django.urls import reverse

from channels_app.models import RunKind, RunStatus, SyncRun
from channels_app.runs import RunContext, run_claim, run_finish
from omnisync.models import OrderNotice
from tests import factories
from tests.channels.pushes import duplicates_then_a_lost_push, sandbox_channel

pytestmark = pytest.mark.django_db
SECRET = "shpss_0123456789abcdef0123456789abcdef"
BODY = json.dumps({"id": 450789469, "admin_graphql_api_id": "gid://shopify/Order/450789469",
                   "created_at": "2026-11-11T10:00:00+07:00", "updated_at": "2026-11-11T10:05:00+07:00",
                   "financial_status": "paid", "fulfillment_status": None}).encode()


@pytest.fixture
def shopify_channel():
    ch = factories.channel("Shopify Test", platform="shopify", api_base_url="https://toko.myshopify.com")
    ch.credentials = {"access_token": "shpat_x", "location_id": "gid://shopify/Location/1", "client_secret": SECRET}
    ch.save()
    return ch


def deliver(channel, body=BODY, *, secret=SECRET, topic="orders/updated", signature=None):
    sig = signature if signature is not None else base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    url = reverse("shopify-webhook", args=[channel.pk])
    headers = {"HTTP_X_SHOPIFY_HMAC_SHA256": sig, "HTTP_X_SHOPIFY_TOPIC": topic, "HTTP_X_SHOPIFY_WEBHOOK_ID": "b54557e4-bdd9"}
    return Client(enforce_csrf_checks=True).post(url, data=body, content_type="application/json", **headers)


def test_a_bad_signature_is_401_and_starts_nothing(shopify_channel):
    signed = base64.b64encode(hmac.new(SECRET.encode(), BODY, hashlib.sha256).digest()).decode()
    for response in (deliver(shopify_channel, secret="shpss_wrong"), deliver(shopify_channel, signature=""),
                     deliver(shopify_channel, signature=signed.lower()),
                     deliver(shopify_channel, body=BODY.replace(b"paid", b"void"), signature=signed)):
        assert response.status_code == 401
        assert response.content == b""
    assert not SyncRun.objects.exists() and not OrderNotice.objects.exists()


def test_a_channel_that_is_not_shopify_or_has_no_secret_refuses(shopify_channel):
    shopee = factories.channel("Shopee", platform="shopee")
    assert deliver(shopee).status_code == 401
    shopify_channel.credentials = {**shopify_channel.credentials, "client_secret": ""}
    shopify_channel.save()
    assert deliver(shopify_channel, secret="").status_code == 401
    assert not SyncRun.objects.exists()


def test_a_verified_order_update_requests_a_download_of_that_order(shopify_channel, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        response = deliver(shopify_channel)
    assert response.status_code == 200
    assert reverse("shopify-webhook", args=[shopify_channel.pk]) == f"/webhooks/shopify/{shopify_channel.pk}/"
    run = SyncRun.objects.get()
    assert (run.channel_id, run.kind, run.status, run.trigger) == (shopify_channel.pk, RunKind.DOWNLOAD_ORDERS, RunStatus.QUEUED, "webhook")
    assert run.params == {"order_ids": ["450789469"]}
    assert len(queued) == 1  # queued after commit
    # 10:05 +07:00 is 03:05 UTC
    assert OrderNotice.objects.get().changed_at.isoformat() == "2026-11-11T03:05:00+00:00"


def test_a_second_delivery_while_the_run_is_active_starts_no_second_run(shopify_channel):
    assert deliver(shopify_channel).status_code == 200
    assert deliver(shopify_channel, topic="orders/create").status_code == 200
    assert SyncRun.objects.count() == 1
    assert OrderNotice.objects.get().notices == 2
    run = SyncRun.objects.get()
    run_finish(RunContext(run_claim(run.pk)), RunStatus.SUCCEEDED)
    assert deliver(shopify_channel).status_code == 200  # the same news again: already read
    assert SyncRun.objects.count() == 1
    newer = BODY.replace(b"10:05:00", b"10:09:00")
    sig = base64.b64encode(hmac.new(SECRET.encode(), newer, hashlib.sha256).digest()).decode()
    assert deliver(shopify_channel, body=newer, signature=sig).status_code == 200
    assert SyncRun.objects.count() == 2


def test_other_topics_and_methods(shopify_channel):
    assert deliver(shopify_channel, topic="products/update").status_code == 200
    assert not SyncRun.objects.exists()
    assert Client().get(reverse("shopify-webhook", args=[shopify_channel.pk])).status_code == 405
    no_id = json.dumps({"updated_at": "2026-11-11T10:05:00+07:00"}).encode()
    assert deliver(shopify_channel, body=no_id).status_code == 400
    assert not SyncRun.objects.exists() and not OrderNotice.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_sandbox_pushes_duplicates_and_a_lost_one_is_caught_by_the_scheduled_download(live_server, sandbox_pushes):
    services, notifications = sandbox_pushes
    shop, ch = sandbox_channel(services, notifications, live_server, "shopify", "Push Shopify")
    duplicates_then_a_lost_push(services, notifications, shop, ch, "PAID/UNFULFILLED")
