"""Administrators add webhook endpoints in the admin; the signing secret is write-only."""

import pytest

from alerts.models import WebhookEndpoint

pytestmark = pytest.mark.django_db


def test_an_endpoint_gets_a_generated_secret_shown_once_and_kept_on_edit(client, administrator):
    client.force_login(administrator)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.post("/admin/alerts/webhookendpoint/add/", {
        "name": "WhatsApp gateway", "url": "https://wa.toko.example/hooks/omnisync", "new_secret": "", "active": "on",
        "kinds": ["auth_expired", "download_stale"],
    }, follow=True)
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.kinds == ["auth_expired", "download_stale"]
    assert len(endpoint.secret) >= 40
    page = response.content.decode()
    assert f"The signing secret of WhatsApp gateway is {endpoint.secret}." in page
    # the change form never shows it again; saving without typing one keeps it
    change = client.get(f"/admin/alerts/webhookendpoint/{endpoint.pk}/change/").content.decode()
    assert endpoint.secret not in change
    client.post(f"/admin/alerts/webhookendpoint/{endpoint.pk}/change/", {
        "name": "WhatsApp gateway", "url": "https://wa.toko.example/hooks/omnisync", "new_secret": "", "active": "on",
    })
    endpoint.refresh_from_db()
    assert endpoint.kinds == [] and len(endpoint.secret) >= 40
    old = endpoint.secret
    client.post(f"/admin/alerts/webhookendpoint/{endpoint.pk}/change/", {
        "name": "WhatsApp gateway", "url": "https://wa.toko.example/hooks/omnisync", "new_secret": "typed-by-the-admin", "active": "on",
    })
    endpoint.refresh_from_db()
    assert endpoint.secret == "typed-by-the-admin" != old


def test_operators_cannot_configure_endpoints(client, operator):
    client.force_login(operator)
    assert client.get("/admin/alerts/webhookendpoint/add/").status_code == 302  # not staff: the admin's login
