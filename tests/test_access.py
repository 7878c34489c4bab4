"""Every page needs a login (the sandbox stands in for the marketplaces and needs none)."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# Marketplace pushes are authenticated by their signatures instead (tests/channels/test_*_push.py).
PUBLIC = {"login", "set_language", "shopify-webhook", "order-push"}


def walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def concrete(route: str) -> str:
    import re

    route = re.sub(r"<(?:int:)?[^>]*>", "1", route)
    route = route.replace("^", "").replace("$", "").replace("\\", "")
    route = re.sub(r"\(\?P<[^>]+>[^)]*\)", "1", route)
    route = re.sub(r"[?*+()\[\]]", "", route)
    return "/" + route


@pytest.mark.django_db
def test_every_url_requires_login(client):
    checked = set()
    for route, pattern in walk(get_resolver().url_patterns):
        if route.startswith("sandbox/") or pattern.name in PUBLIC:
            continue
        url = concrete(route)
        response = client.get(url)
        assert response.status_code == 302, (url, response.status_code)
        login = ("/login/", "/admin/login/") if route.startswith("admin/") else ("/login/",)
        assert response["Location"].split("?")[0] in login, (url, response["Location"])
        checked.add(pattern.name)
    # the walk reached the dashboard's pages and the admin's
    assert {"index", "channels_app_channel_changelist", "dashboard", "orders", "order_detail", "mismatches", "discrepancies", "listings", "runs", "run_detail",
            "report", "stock_adjust", "job_start", "download_start"} <= checked, checked


@pytest.mark.django_db
def test_login_page_is_served_and_admin_can_log_in(client, django_user_model):
    assert client.get("/login/").status_code == 200
    django_user_model.objects.create_superuser("admin", "", "pw-Omnisync-2026")
    response = client.post("/login/", {"username": "admin", "password": "pw-Omnisync-2026"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert client.get("/admin/channels_app/channel/").status_code == 200


@pytest.mark.django_db
def test_language_can_be_chosen_before_logging_in(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert "Log in" in client.get("/login/").content.decode()
    client.post("/i18n/setlang/", {"language": "id", "next": "/login/"})
    assert "Masuk" in client.get("/login/").content.decode()
