"""Channel admin: write-only credentials, Test connection, Authorise."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import Permission
from django.core import signing
from django.urls import reverse

from channels_app.admin import STATE_SALT
from channels_app.models import Channel, SyncRun
from inventory.models import Location

SECRET = "cs_TOP-SECRET-value-0123456789"
TOKEN = "access-TOKEN-never-shown-42"

pytestmark = pytest.mark.django_db


@pytest.fixture
def location():
    return Location.objects.create(code="MAIN", name="Main store")


@pytest.fixture
def woo(location):
    return Channel.objects.create(
        name="Web shop",
        platform="woocommerce",
        location=location,
        api_base_url="http://127.0.0.1:9/wp-json/wc/v3",
        credentials={"consumer_key": "ck_visible_key_123", "consumer_secret": SECRET},
    )


@pytest.fixture
def shopee(location):
    return Channel.objects.create(
        name="Shopee ID",
        platform="shopee",
        location=location,
        api_base_url="http://127.0.0.1:9/sandbox/shopee",
        credentials={"partner_id": "2001", "partner_key": SECRET, "shop_id": "77", "access_token": TOKEN},
    )


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", "root@example.com", "pw-Omnisync-2026")
    client.force_login(user)
    client.user = user
    return client


def form_data(channel: Channel, **changes) -> dict:
    data = {
        "name": channel.name,
        "location": channel.location_id,
        "currency": channel.currency,
        "api_base_url": channel.api_base_url,
        "auth_base_url": channel.auth_base_url,
        "buffer_kind": channel.buffer_kind,
        "buffer_value": channel.buffer_value,
        "stock_cap": "",
        "sync_hour": channel.sync_hour,
        "active": "on",
        "count_unpaid": "on",
    }
    data.update(changes)
    return data


def test_change_page_never_renders_secrets(admin_client, shopee):
    page = admin_client.get(reverse("admin:channels_app_channel_change", args=[shopee.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert SECRET not in html
    assert TOKEN not in html
    assert 'name="secret_partner_key"' in html
    assert 'type="password"' in html
    assert "access_token: set" in html
    assert "refresh_token: not set" in html


def test_saving_keeps_unset_secrets_and_replaces_typed_ones(admin_client, woo):
    url = reverse("admin:channels_app_channel_change", args=[woo.pk])
    response = admin_client.post(url, form_data(woo, buffer_value=3, secret_consumer_key="ck_new_key"))
    assert response.status_code == 302, response.content.decode()[:2000]
    woo.refresh_from_db()
    assert woo.buffer_value == 3
    assert woo.credentials == {"consumer_key": "ck_new_key", "consumer_secret": SECRET}


def test_adding_a_channel_stores_only_its_platforms_credentials(admin_client, location):
    data = {
        "name": "New Woo",
        "platform": "woocommerce",
        "location": location.pk,
        "currency": "IDR",
        "api_base_url": "https://shop.example.com/wp-json/wc/v3",
        "auth_base_url": "",
        "buffer_kind": "units",
        "buffer_value": 0,
        "sync_hour": 6,
        "active": "on",
        "secret_consumer_key": "ck_1",
        "secret_consumer_secret": "cs_1",
        "secret_partner_key": "stray",
    }
    response = admin_client.post(reverse("admin:channels_app_channel_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Channel.objects.get(name="New Woo").credentials == {"consumer_key": "ck_1", "consumer_secret": "cs_1"}


def test_test_connection_failure_is_reported_and_stored(admin_client, woo, server):
    server.answers = [
        (401, {}, {"code": "woocommerce_rest_authentication_error", "message": "Invalid signature", "data": {"status": 401}})
    ]
    woo.api_base_url = server.url + "/wp-json/wc/v3"
    woo.save()
    url = reverse("admin:channels_app_channel_test_connection", args=[woo.pk])
    response = admin_client.post(url, follow=True)
    text = response.content.decode()
    assert "connection failed" in text
    assert "woocommerce_rest_authentication_error" in text
    woo.refresh_from_db()
    assert "WooCommerce refused the request: woocommerce_rest_authentication_error (Invalid signature)" in woo.last_error
    assert woo.last_error_at is not None
    assert SECRET not in text


def test_test_connection_success_clears_the_error(admin_client, woo, server):
    server.answers = [(200, {"X-WP-Total": "12"}, [{"id": 1}])]
    woo.api_base_url = server.url + "/wp-json/wc/v3"
    woo.last_error = "old"
    woo.save()
    response = admin_client.post(reverse("admin:channels_app_channel_test_connection", args=[woo.pk]), follow=True)
    assert "connected" in response.content.decode()
    assert "12 products" in response.content.decode()
    woo.refresh_from_db()
    assert woo.last_error == ""
    assert "oauth_signature=" in server.seen[0]


def test_test_connection_is_post_only(admin_client, woo):
    response = admin_client.get(reverse("admin:channels_app_channel_test_connection", args=[woo.pk]))
    assert response.status_code == 405


def test_tools_need_change_permission(client, django_user_model, woo, shopee):
    user = django_user_model.objects.create_user("looker", password="pw-Omnisync-2026", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_channel"))
    client.force_login(user)
    assert client.post(reverse("admin:channels_app_channel_test_connection", args=[woo.pk])).status_code == 403
    assert client.get(reverse("admin:channels_app_channel_authorize", args=[shopee.pk])).status_code == 403
    page = client.get(reverse("admin:channels_app_channel_change", args=[shopee.pk])).content.decode()
    assert SECRET not in page and TOKEN not in page


def test_authorise_sends_the_seller_to_the_platform_with_a_signed_state(admin_client, shopee):
    response = admin_client.get(reverse("admin:channels_app_channel_authorize", args=[shopee.pk]))
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert target.path == "/sandbox/shopee/api/v2/shop/auth_partner"
    query = parse_qs(target.query)
    assert query["partner_id"] == ["2001"] and query["sign"][0]
    redirect = urlsplit(query["redirect"][0])
    assert redirect.path == reverse("admin:channels_app_channel_authorize_callback")
    state = parse_qs(redirect.query)["state"][0]
    assert signing.loads(state, salt=STATE_SALT) == {"channel": shopee.pk, "user": admin_client.user.pk}


def test_woocommerce_has_no_authorise_page(admin_client, woo):
    response = admin_client.get(reverse("admin:channels_app_channel_authorize", args=[woo.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:channels_app_channel_change", args=[woo.pk])
    page = admin_client.get(reverse("admin:channels_app_channel_change", args=[woo.pk])).content.decode()
    assert reverse("admin:channels_app_channel_authorize", args=[woo.pk]) not in page
    assert reverse("admin:channels_app_channel_test_connection", args=[woo.pk]) in page


def test_callback_refuses_a_forged_or_foreign_state(admin_client, shopee, django_user_model):
    url = reverse("admin:channels_app_channel_authorize_callback")
    assert admin_client.get(url, {"state": "forged", "code": "c"}).status_code == 403
    other = django_user_model.objects.create_superuser("other", "o@example.com", "pw-Omnisync-2026")
    foreign = signing.dumps({"channel": shopee.pk, "user": other.pk}, salt=STATE_SALT)
    assert admin_client.get(url, {"state": foreign, "code": "c"}).status_code == 403
    shopee.refresh_from_db()
    assert shopee.credentials["access_token"] == TOKEN


def test_sync_runs_are_read_only(admin_client, woo):
    run = SyncRun.objects.create(channel=woo, kind="scan", status="failed")
    run.issues.create(object_type="listing", object_ref="SKU-1", code="x", reason="refused")
    page = admin_client.get(reverse("admin:channels_app_syncrun_change", args=[run.pk]))
    assert page.status_code == 200
    assert "refused" in page.content.decode()
    assert admin_client.get(reverse("admin:channels_app_syncrun_add")).status_code == 403


def test_sale_event_admin_offers_channels_side_by_side(admin_client, woo):
    page = admin_client.get(reverse("admin:channels_app_saleevent_add")).content.decode()
    select = re.search(r'<select name="channels"[^>]*>', page).group(0)
    assert 'class="selectfilter"' in select and 'data-is-stacked="0"' in select, select  # filter_horizontal
