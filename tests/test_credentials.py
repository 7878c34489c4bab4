"""Channel secrets are encrypted at rest and never rendered back."""

import pytest
from django.db import connection

from channels_app.models import Channel
from tests import factories as f

SECRET = "sk-very-secret-partner-key-0042"


@pytest.mark.django_db
def test_raw_database_value_is_not_the_secret():
    ch = f.channel()
    ch.credentials = {"partner_key": SECRET, "partner_id": "2001"}
    ch.save()
    with connection.cursor() as cursor:
        cursor.execute("SELECT credentials FROM channels_app_channel WHERE id = %s", [ch.pk])
        raw = cursor.fetchone()[0]
    assert SECRET not in raw and "partner_key" not in raw
    assert Channel.objects.get(pk=ch.pk).credentials["partner_key"] == SECRET


@pytest.mark.django_db
def test_no_page_shows_the_secret(client, administrator):
    ch = f.channel()
    ch.credentials = {"partner_key": SECRET, "partner_id": "2001", "shop_id": "3001", "access_token": SECRET + "-token"}
    ch.save()
    client.force_login(administrator)
    administrator.is_superuser = True
    administrator.save()
    for url in ["/", f"/admin/channels_app/channel/{ch.pk}/change/", "/admin/channels_app/channel/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert SECRET not in response.content.decode(), url


def test_wrong_key_is_a_clear_error(settings):
    from django.core.exceptions import ImproperlyConfigured

    from omnisync.lib.crypto import decrypt_text, encrypt_text

    token = encrypt_text("hello")
    settings.SECRET_KEY = "another-key-entirely-" + "x" * 40
    with pytest.raises(ImproperlyConfigured, match="cannot be decrypted"):
        decrypt_text(token)
