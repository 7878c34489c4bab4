"""One rule for which sale events apply to a channel on a day; the schedule, the card and the buffer all use it."""

import datetime as dt

import pytest

from channels_app.models import SaleEvent, sale_plan
from inventory.models import Listing
from inventory.services.ledger import stock_import
from inventory.targets import listings_with_targets
from omnisync.dashboard.selectors import dashboard_cards
from omnisync.schedule import syncs_per_day
from tests import factories as f

pytestmark = pytest.mark.django_db
D = dt.date(2026, 12, 12)


@pytest.fixture
def channels():
    return f.channel("Shopee A"), f.channel("Lazada B", platform="lazada")


def event(name, first, last, syncs=3, extra=0, channels=()):
    ev = SaleEvent.objects.create(name=name, first_day=first, last_day=last, syncs_per_day=syncs, extra_buffer=extra)
    ev.channels.set(channels)
    return ev


def test_first_and_last_day_are_included_and_the_days_around_are_not(channels):
    a, _b = channels
    event("12.12", D, D + dt.timedelta(days=1), syncs=4, extra=2)
    assert [sale_plan(a, day).syncs_per_day for day in (D - dt.timedelta(days=1), D, D + dt.timedelta(days=1), D + dt.timedelta(days=2))] == [1, 4, 4, 1]
    assert sale_plan(a, D - dt.timedelta(days=1)).extra_buffer == 0
    assert sale_plan(a, D).extra_buffer == 2


def test_an_event_naming_channels_applies_to_those_only_and_one_naming_none_to_all(channels):
    a, b = channels
    event("Shopee only", D, D, syncs=6, extra=5, channels=[a])
    event("Everyone", D, D, syncs=2, extra=1)
    assert (sale_plan(a, D).syncs_per_day, sale_plan(a, D).extra_buffer) == (6, 5)
    assert (sale_plan(b, D).syncs_per_day, sale_plan(b, D).extra_buffer) == (2, 1)


def test_overlapping_events_take_the_most_syncs_and_the_largest_buffer_each(channels):
    a, _b = channels
    event("Harbolnas", D, D, syncs=5, extra=1)
    event("Payday", D, D, syncs=2, extra=7)
    plan = sale_plan(a, D)
    assert (plan.syncs_per_day, plan.extra_buffer, plan.event.name) == (5, 7, "Harbolnas")


def test_schedule_card_and_stock_buffer_agree(channels, monkeypatch):
    a, _b = channels
    event("Harbolnas", D, D, syncs=5, extra=1)
    event("Payday", D, D, syncs=2, extra=7)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kw: D)
    stock_import(location=a.location, quantities={f.sku("SKU-1").pk: 20})
    Listing.objects.create(channel=a, external_item_id="1", seller_sku="SKU-1", sku=f.sku("SKU-1"), channel_stock=0)

    card = next(c for c in dashboard_cards() if c.channel == a)
    row = listings_with_targets(Listing.objects.filter(channel=a), D).get()
    assert syncs_per_day(a, D) == card.syncs_per_day == 5
    assert card.extra_buffer == row.extra_buffer == 7
    assert row.target == 13  # 20 available − 7 extra buffer
