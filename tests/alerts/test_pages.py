"""The banner, the alerts page, acknowledging, who may do what, and `manage.py alerts --json`."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from alerts.models import Alert
from alerts.services import alerts_evaluate
from channels_app.models import Channel
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def alerts_raised():
    channel = f.channel("Toko Shopee")
    Channel.objects.filter(pk=channel.pk).update(orders_unknown_status=3, order_lines_unmapped=2)
    alerts_evaluate()
    return channel


def english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def test_banner_counts_what_nobody_has_acknowledged(client, viewer, alerts_raised):
    client.force_login(viewer)
    english(client)
    # every page fetches the banner once it has loaded, so no page pays for the count
    assert '<div id="alerts-banner" hx-get="/alerts/banner/" hx-trigger="load"' in client.get("/runs/").content.decode()
    banner = client.get("/alerts/banner/").content.decode()
    assert 'data-count="2"' in banner
    assert "2 alerts need attention" in banner
    assert 'href="/alerts/"' in banner
    Alert.objects.filter(kind="unknown_statuses").update(acknowledged_at=timezone.now())
    assert "1 alert needs attention" in client.get("/alerts/banner/").content.decode()
    Alert.objects.update(acknowledged_at=timezone.now())
    banner = client.get("/alerts/banner/").content.decode()
    assert "need" not in banner and 'id="alerts-banner"' in banner


def test_banner_in_indonesian(client, viewer, alerts_raised):
    client.force_login(viewer)
    client.post("/i18n/setlang/", {"language": "id", "next": "/"})
    assert "2 peringatan perlu perhatian" in client.get("/alerts/banner/").content.decode()


def test_no_banner_on_the_login_page(client, alerts_raised):
    assert "alerts-banner" not in client.get("/login/").content.decode()
    assert client.get("/alerts/banner/")["Location"].startswith("/login/")


def test_alerts_page_lists_open_and_recently_resolved(client, viewer, alerts_raised):
    client.force_login(viewer)
    english(client)
    Channel.objects.filter(pk=alerts_raised.pk).update(order_lines_unmapped=0)
    alerts_evaluate()
    old = Alert.objects.create(kind="auth_expired", key="auth_expired:old", channel=alerts_raised, detail={"channel": "Toko Shopee"},
                               resolved_at=timezone.now() - dt.timedelta(days=8))
    page = client.get("/alerts/").content.decode()
    assert "3 orders on Toko Shopee have a status omnisync does not know" in page
    assert "2 order lines on Toko Shopee have no SKU" in page  # resolved today: still shown, as resolved
    assert 'data-kind="unmapped_lines" data-state="resolved"' in page
    assert f'id="alert-{old.pk}"' not in page
    only_open = client.get("/alerts/", {"state": "open"}).content.decode()
    assert "have no SKU" not in only_open and "does not know" in only_open
    # a viewer may look but not acknowledge: no button
    assert "Acknowledge</button>" not in page


def test_a_viewer_cannot_acknowledge(client, viewer, alerts_raised):
    client.force_login(viewer)
    alert = Alert.objects.get(kind="unknown_statuses")
    assert client.post(f"/alerts/{alert.pk}/acknowledge/").status_code == 403
    alert.refresh_from_db()
    assert alert.acknowledged_at is None


def test_an_operator_acknowledges_with_htmx(client, operator, alerts_raised):
    client.force_login(operator)
    english(client)
    alert = Alert.objects.get(kind="unknown_statuses")
    page = client.get("/alerts/").content.decode()
    assert f'hx-post="/alerts/{alert.pk}/acknowledge/"' in page
    response = client.post(f"/alerts/{alert.pk}/acknowledge/", HTTP_HX_REQUEST="true",
                           HTTP_HX_CURRENT_URL="http://testserver/alerts/?state=open")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="alert-results"')
    assert "<html" not in body
    assert f'id="alert-{alert.pk}" data-kind="unknown_statuses" data-state="acknowledged"' in body
    assert "by operator" in body
    # the banner is swapped out of band: one alert left
    assert 'hx-swap-oob="true"' in body and "1 alert needs attention" in body
    alert.refresh_from_db()
    assert alert.acknowledged_by.username == "operator" and alert.resolved_at is None
    # acknowledging again changes nothing
    first = alert.acknowledged_at
    client.post(f"/alerts/{alert.pk}/acknowledge/")
    alert.refresh_from_db()
    assert alert.acknowledged_at == first


def test_without_htmx_acknowledging_returns_to_the_page(client, operator, alerts_raised):
    client.force_login(operator)
    alert = Alert.objects.get(kind="unmapped_lines")
    response = client.post(f"/alerts/{alert.pk}/acknowledge/")
    assert response.status_code == 302 and response["Location"] == "/alerts/"
    assert client.get(f"/alerts/{alert.pk}/acknowledge/").status_code == 405


def test_an_acknowledged_alert_still_resolves_when_its_cause_is_gone(alerts_raised, operator):
    from alerts.services import alert_acknowledge

    alert = Alert.objects.get(kind="unknown_statuses")
    assert alert_acknowledge(alert.pk, operator)
    Channel.objects.filter(pk=alerts_raised.pk).update(orders_unknown_status=0)
    alerts_evaluate()
    alert.refresh_from_db()
    assert alert.resolved_at is not None


def test_command_prints_the_open_alerts_as_json(alerts_raised):
    Alert.objects.filter(kind="unmapped_lines").update(resolved_at=timezone.now())
    out = StringIO()
    call_command("alerts", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["count"] == 1
    [row] = data["alerts"]
    assert row["kind"] == "unknown_statuses"
    assert row["severity"] == "warning"
    assert row["channel"] == {"id": alerts_raised.pk, "name": "Toko Shopee"}
    assert row["detail"]["count"] == 3
    assert row["resolved_at"] is None


def test_command_evaluate_raises_then_prints(capsys):
    channel = f.channel("Toko Lazada", platform="lazada")
    Channel.objects.filter(pk=channel.pk).update(order_lines_unmapped=1)
    out = StringIO()
    call_command("alerts", "--evaluate", stdout=out)
    text = out.getvalue()
    assert text.splitlines()[0] == "1 raised, 0 still open, 0 resolved"
    assert Alert.objects.filter(kind="unmapped_lines", channel=channel, resolved_at__isnull=True).count() == 1


def test_roles_from_the_migration(viewer, operator, administrator):
    assert viewer.has_perm("alerts.view_alert") and not viewer.has_perm("alerts.acknowledge_alert")
    assert operator.has_perm("alerts.acknowledge_alert")
    assert administrator.has_perm("alerts.add_webhookendpoint") and not operator.has_perm("alerts.add_webhookendpoint")
