"""Bad input from the marketplaces, the staff and the command line: a clear message, never a crash or a half-write."""

from __future__ import annotations

import io
import random
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from channels_app.models import Channel, RunKind, RunStatus, SyncRun
from channels_app.runs import run_claim, run_perform, run_request
from inventory.models import Listing
from orders.models import Order
from tests import factories as f
from tests.reliability import world as w

live = pytest.mark.django_db(transaction=True)


def run_inline(ch, kind, params=None) -> SyncRun:
    run, created = run_request(ch, kind, params=params or {}, trigger="test", queue=False)
    assert created
    return run_perform(run_claim(run.pk))


def malformed_seed(rate: float, wanted: int, kinds=(2,)) -> int:
    """A fault seed whose draws 1..wanted-1 behave and whose draw `wanted` is a malformed answer of one of `kinds`."""
    for seed in range(1, 200_000):
        ok = True
        for n in range(1, wanted + 1):
            rng = random.Random(f"{seed}:{n}")
            draws = [rng.random() for _ in range(4)]
            bad = draws[3] < rate
            if n < wanted and bad:
                ok = False
                break
            if n == wanted and not (bad and rng.randrange(3) in kinds):
                ok = False
        if ok:
            return seed
    raise AssertionError("no seed found")


# -- a malformed answer in the middle of a download ---------------------------------------------
@live
def test_malformed_answer_mid_download_is_a_run_issue_and_no_half_batch(live_server):
    world, ch = w.world_single(live_server.url, "bad-mid", "lazada", orders=250)
    total = w.sandbox_models.Order.objects.filter(shop=world.shops["lazada"]).count()
    assert total > 200
    # Requests 1-3 list the orders, 4-5 read the first 100 in full (imported as one batch), 6 is the malformed one.
    seed = malformed_seed(0.3, 6)
    w.services.shop_set_faults(world.shops["lazada"], malformed_rate=0.3, fault_seed=seed)
    run = run_inline(ch, RunKind.DOWNLOAD_ORDERS)
    ch.refresh_from_db()
    assert run.status == RunStatus.FAILED  # its one slice was not read to the end
    issue = run.issues.get(object_type="slice")
    assert issue.code == "malformed"
    assert "Lazada returned a malformed answer" in issue.reason and "read again on the next run" in issue.reason
    assert ch.orders_verified_until is None, "the mark moved over a slice that was not read to the end"
    assert Order.objects.filter(channel=ch).count() == 100  # whole batches only
    w.assert_books_consistent(world)

    w.services.shop_clear_faults(world.shops["lazada"])
    again = run_inline(ch, RunKind.DOWNLOAD_ORDERS)
    assert again.status == RunStatus.SUCCEEDED, again.message
    assert Order.objects.filter(channel=ch).count() == total
    w.assert_books_consistent(world)


# -- commands -----------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["download_orders", "--all", "--until", "2026-02-30"], "--until"),
        (["download_orders", "--all", "--since", "0000-01-01"], "--since"),
        (["download_orders", "--all", "--since", "2026-11-11T25:61"], "--since"),
        (["download_orders", "--all", "--since", "2026-11-11" * 2000], "--since"),
        (["download_orders", "--channel", "x" * 5000], "--channel"),
        (["download_orders", "--channel", "99999999999999999999999"], "--channel"),
        (["update_inventory", "--channel", "Nope", "--dry-run"], "--channel"),
        (["check_orders"], "--channel"),
        (["sandbox_sale", "--orders", "-5"], "--orders"),
        (["sandbox_sale", "--changes", "-1"], "--changes"),
        (["sandbox_sale", "--shop", "nowhere"], "--shop"),
    ],
)
def test_bad_command_arguments_name_the_field_and_exit_2(args, needle):
    f.channel()
    with pytest.raises(CommandError, match=needle) as exc:
        call_command(*args, stdout=io.StringIO(), stderr=io.StringIO())
    assert exc.value.returncode == 2


# -- forms ----------------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field", "needle"),
    [
        ({"since": "2026-13-45T10:00"}, "since", "Enter a valid date/time."),
        ({"since": "not a date"}, "since", "Enter a valid date/time."),
        ({"since": "2026-11-12T10:00", "until": "2026-11-11T10:00"}, "until", "The end must be after the start."),
        ({"since": "2999-01-01T00:00"}, "since", "The start is in the future."),
        ({"since": "2026-11-11T10:00" * 500}, "since", "Enter a valid date/time."),
        ({"until": "2026-02-30T10:00"}, "until", "Enter a valid date/time."),
    ],
)
def test_download_form_errors_name_the_field(client, operator, data, field, needle):
    ch = f.channel()
    client.force_login(operator)
    client.post(reverse("set_language"), {"language": "en"})
    response = client.post(reverse("download_start"), {"channel": ch.pk, **data}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200  # the form comes back with the error beside the field
    form = response.context["form"]
    assert form.errors[field] == [needle], form.errors
    assert not SyncRun.objects.filter(channel=ch).exists()


@pytest.mark.django_db
def test_unknown_channel_in_a_form_is_refused(client, operator):
    client.force_login(operator)
    for url, data, status in ((reverse("job_start"), {"channel": 987654, "kind": "scan"}, 400),
                              (reverse("download_start"), {"channel": "987654"}, 404)):
        response = client.post(url, data)
        assert response.status_code == status, (url, response.status_code)
    assert not SyncRun.objects.exists()


@pytest.mark.django_db
def test_admin_refuses_negative_and_oversized_channel_settings(client, administrator):
    ch = f.channel()
    client.force_login(administrator)
    url = reverse("admin:channels_app_channel_change", args=[ch.pk])
    form = {
        "name": ch.name, "location": ch.location_id, "currency": "IDR", "api_base_url": ch.api_base_url, "auth_base_url": "",
        "buffer_kind": "units", "buffer_value": "-5", "stock_cap": "-1", "sync_hour": "30", "active": "on",
    }
    response = client.post(url, form)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert {"buffer_value", "stock_cap", "sync_hour"} <= set(errors), errors
    response = client.post(url, {**form, "buffer_value": "0", "stock_cap": "", "sync_hour": "6", "name": "n" * 500})
    assert "name" in response.context["adminform"].form.errors
    ch.refresh_from_db()
    assert ch.buffer_value == 0 and ch.stock_cap is None and ch.sync_hour == 6 and len(ch.name) < 100


# -- channels that cannot work as set up ----------------------------------------------------------
WRONG_SECRET = {
    "shopee": ("partner_key", "Check the partner id and partner key"),
    "tiktok": ("app_secret", "Check the app secret"),
    "lazada": ("app_secret", "Check the app key and app secret"),
    "woocommerce": ("consumer_secret", "Check the consumer key and secret"),
}


@live
@pytest.mark.parametrize("platform", list(WRONG_SECRET))
def test_wrong_credentials_fail_the_run_in_words_staff_understand(live_server, platform, caplog):
    _world, ch = w.world_single(live_server.url, f"bad-cred-{platform}", platform, orders=3)
    name, advice = WRONG_SECRET[platform]
    wrong = f"WRONG-{platform}-0123456789abcdef"
    ch.credentials = {**ch.credentials, name: wrong}
    ch.save()
    caplog.set_level("DEBUG", logger="omnisync")
    caplog.set_level("DEBUG", logger="channels_app")
    caplog.set_level("DEBUG", logger="orders")
    run = run_inline(Channel.objects.get(pk=ch.pk), RunKind.DOWNLOAD_ORDERS)
    ch.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert advice in run.message, run.message
    assert ch.last_error == run.message
    said = " ".join([run.message, ch.last_error, *run.issues.values_list("reason", flat=True), caplog.text])
    assert wrong not in said


@live
def test_expired_authorisation_fails_the_run_and_says_to_authorise_again(live_server):
    world, ch = w.world_single(live_server.url, "bad-auth", "shopee", orders=3)
    # The seller's authorisation ended: no token of the shop works any more, the refresh token included.
    w.sandbox_models.Token.objects.filter(shop=world.shops["shopee"]).update(expires_at=timezone.now() - timedelta(days=1))
    run = run_inline(ch, RunKind.SCAN, {"full": True})
    ch.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert "Authorise the channel again" in run.message, run.message
    assert ch.last_error == run.message


@live
def test_listing_deleted_on_the_channel_is_reported_and_the_next_scan_drops_it(live_server):
    world, ch = w.world_single(live_server.url, "bad-gone", "woocommerce", orders=3)
    assert run_inline(ch, RunKind.SCAN, {"full": True}).status == RunStatus.SUCCEEDED
    listing = Listing.objects.filter(channel=ch, sku__isnull=False, external_variant_id="").order_by("pk").first()
    # Someone deletes the product in the seller centre, and the POS stock of its SKU changes.
    w.sandbox_models.Item.objects.filter(shop=world.shops["woocommerce"], item_id=int(listing.external_item_id)).delete()
    from inventory.services.ledger import stock_adjust

    stock_adjust(sku=listing.sku, location=world.location, change=-3)
    run = run_inline(ch, RunKind.UPDATE_INVENTORY)
    assert run.status == RunStatus.PARTIAL
    issue = run.issues.get(object_ref=listing.seller_sku)
    assert issue.code == "push_refused"
    assert listing.seller_sku in issue.reason and "WooCommerce" in issue.reason
    listing.refresh_from_db()
    assert listing.last_push_state == "failed"
    assert run_inline(ch, RunKind.SCAN, {"full": True}).status == RunStatus.SUCCEEDED
    listing.refresh_from_db()
    assert listing.gone
    assert run_inline(ch, RunKind.UPDATE_INVENTORY).status == RunStatus.SUCCEEDED
