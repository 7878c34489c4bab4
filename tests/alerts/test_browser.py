"""Headless Chromium: staff see the banner, open the alerts page from it and acknowledge an alert."""

import pytest
from django.contrib.auth.models import Permission

from alerts.models import Alert
from alerts.services import alerts_evaluate
from channels_app.models import Channel
from tests import factories as f
from tests.dashboard.test_browser import PASSWORD, browser_page, log_in  # noqa: F401  (browser_page is a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_acknowledge_an_alert_from_the_banner(browser_page, live_server, django_user_model):  # noqa: F811
    page = browser_page
    user = django_user_model.objects.create_user("op", password=PASSWORD)
    user.user_permissions.add(Permission.objects.get(codename="acknowledge_alert"))
    channel = f.channel("Toko Shopee")
    Channel.objects.filter(pk=channel.pk).update(orders_unknown_status=3, order_lines_unmapped=2)
    alerts_evaluate()
    unknown = Alert.objects.get(kind="unknown_statuses")

    log_in(page, live_server)
    page.click("[data-lang=en]")
    banner = page.locator("#alerts-banner .alerts-banner")
    assert banner.inner_text().strip() == "2 alerts need attention"
    banner.locator("a").click()
    page.wait_for_url(live_server.url + "/alerts/")
    row = page.locator(f"#alert-{unknown.pk}")
    assert "3 orders on Toko Shopee have a status omnisync does not know" in row.inner_text()
    assert row.get_attribute("data-state") == "open"

    row.locator("button.ack").click()
    page.wait_for_selector(f'#alert-{unknown.pk}[data-state="acknowledged"]')
    row = page.locator(f"#alert-{unknown.pk}")
    assert "by op" in row.inner_text()
    assert row.locator("button.ack").count() == 0
    # the banner followed without a reload
    assert page.locator("#alerts-banner .alerts-banner").inner_text().strip() == "1 alert needs attention"
    unknown.refresh_from_db()
    assert unknown.acknowledged_by == user and unknown.resolved_at is None

    # the other one too: the banner goes
    other = Alert.objects.get(kind="unmapped_lines")
    page.locator(f"#alert-{other.pk} button.ack").click()
    page.wait_for_selector(f'#alert-{other.pk}[data-state="acknowledged"]')
    assert page.locator("#alerts-banner .alerts-banner").count() == 0
    page.reload()
    assert page.locator(f'#alert-{unknown.pk}[data-state="acknowledged"]').count() == 1
    assert page.locator("#alerts-banner .alerts-banner").count() == 0
