"""Admin: "Load warehouses from the marketplace" reads a channel's warehouses over real HTTP from the sandbox.

Figures by hand: the TikTok shop has three sales warehouses (W-JKT the default, "Gudang Surabaya" and "Gudang
Medan") and a returns warehouse; the POS has Gudang Jakarta (the channel's location) and Gudang Surabaya. So the
default is linked to Gudang Jakarta, Surabaya to the POS location of the same name, and Medan (no such location)
is left for staff; the returns warehouse is not a sales warehouse and is never offered.
"""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from channels_app.models import Channel
from inventory.models import Location, WarehouseLink
from tests import factories as f

services = pytest.importorskip("sandbox.services")
Shop = pytest.importorskip("sandbox.models").Shop
pytestmark = pytest.mark.django_db(transaction=True)

LOAD = "admin:inventory_warehouselink_load"
TIKTOK_WAREHOUSES = [{"id": "W-JKT", "name": "Main", "is_default": True},
                     {"id": "W-SBY", "name": "Gudang  surabaya ", "is_default": False},
                     {"id": "W-MDN", "name": "Gudang Medan", "is_default": False}]


@pytest.fixture
def jakarta():
    return Location.objects.create(code="JKT-01", name="Gudang Jakarta")


@pytest.fixture
def surabaya():
    return Location.objects.create(code="SBY-01", name="Gudang Surabaya")


@pytest.fixture
def connect(live_server, jakarta):
    """A channel pointing at a new sandbox shop of the platform (over HTTP on the live server)."""

    def make(platform, warehouses=(), **credentials):
        shop = services.shop_create(platform, f"Admin {platform} {len(warehouses)}", warehouses=list(warehouses),
                                    index=Channel.objects.count() + 1)
        details = next(s for s in services.shops_json(live_server.url) if s["shop"] == shop.name)
        ch = Channel(name=f"Channel {shop.name}", platform=platform, location=jakarta, api_base_url=details["base_url"],
                     auth_base_url=details["auth_base_url"])
        ch.credentials = {**{k: str(v) for k, v in details["credentials"].items()}, **credentials}
        ch.save()
        return ch

    return make


@pytest.fixture
def staff(administrator):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the messages below are checked in English (the shop's default is Indonesian)
    client.force_login(administrator)
    return client


def load(client, ch):
    response = client.post(reverse(LOAD), {"channel": ch.pk}, follow=True)
    assert response.redirect_chain[-1][0].endswith(f"?channel__id__exact={ch.pk}")
    return [(m.level_tag, m.message) for m in response.context["messages"]]


def links(ch):
    return set(WarehouseLink.objects.filter(channel=ch).values_list("warehouse_id", "name", "location__code"))


def test_tiktok_default_to_the_channel_location_same_name_to_its_location_the_rest_left_for_staff(staff, connect, surabaya):
    ch = connect("tiktok", TIKTOK_WAREHOUSES)
    changelist = staff.get(reverse("admin:inventory_warehouselink_changelist")).content.decode()
    assert reverse(LOAD) in changelist
    page = staff.get(reverse(LOAD))
    assert page.status_code == 200 and f'value="{ch.pk}"' in page.content.decode()

    [(level, message)] = load(staff, ch)

    assert links(ch) == {("W-JKT", "Main", "JKT-01"), ("W-SBY", "Gudang  surabaya ", "SBY-01")}
    assert level == "warning"  # one warehouse is left to staff
    assert "W-MDN (Gudang Medan)" in message and "W-JKT (Main) → Gudang Jakarta" in message
    assert f"{Shop.objects.get(platform='tiktok').warehouse_id}9" not in message  # the returns warehouse is not offered

    # Staff link Medan elsewhere by hand; loading again adds nothing and changes no link.
    WarehouseLink.objects.create(channel=ch, warehouse_id="W-MDN", location=surabaya)
    [(level, message)] = load(staff, ch)
    assert level == "success" and "3" in message
    assert links(ch) == {("W-JKT", "Main", "JKT-01"), ("W-SBY", "Gudang  surabaya ", "SBY-01"), ("W-MDN", "", "SBY-01")}


def test_tiktok_shop_with_one_warehouse_links_it_to_the_channel_location(staff, connect):
    ch = connect("tiktok")
    [(level, _message)] = load(staff, ch)
    warehouse_id = services.default_credentials("tiktok", 1)["warehouse_id"]
    assert level == "success"
    assert links(ch) == {(warehouse_id, "Main warehouse", "JKT-01")}


def test_shopee_locations_have_no_default_so_none_is_guessed(staff, connect, surabaya):
    multi = connect("shopee", [{"id": "IDZ", "name": "Gudang Jakarta", "is_default": True},
                               {"id": "IDSUB", "name": "Gudang Surabaya"}])
    [(level, message)] = load(staff, multi)
    assert level == "warning" and "IDZ" in message and "IDSUB" in message
    assert links(multi) == set()

    single = connect("shopee")
    [(level, message)] = load(staff, single)
    assert level == "info" and links(single) == set() and "multi-location" in message


def test_lazada_and_woocommerce_say_why_there_is_nothing_to_load(staff, jakarta):
    for platform in ("lazada", "woocommerce"):
        ch = f.channel(f"No list {platform}", platform=platform, loc=jakarta)
        [(level, message)] = load(staff, ch)
        assert level == "warning" and links(ch) == set()
        assert ("documents no call" in message) == (platform == "lazada")


def test_an_answer_the_marketplace_refuses_is_shown_and_links_nothing(staff, connect):
    ch = connect("tiktok", TIKTOK_WAREHOUSES, app_secret="wrong")
    [(level, message)] = load(staff, ch)
    assert level == "error" and "106001" in message
    assert links(ch) == set()


def test_only_staff_who_may_add_links_can_load(connect, make_user):
    ch = connect("tiktok", TIKTOK_WAREHOUSES)
    looker = Client()
    looker.force_login(make_user("looker", "viewers", is_staff=True))
    assert looker.get(reverse(LOAD)).status_code == 403
    assert looker.post(reverse(LOAD), {"channel": ch.pk}).status_code == 403
    assert reverse(LOAD) not in looker.get(reverse("admin:inventory_warehouselink_changelist")).content.decode()
    assert links(ch) == set()
