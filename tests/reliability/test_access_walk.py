"""Who may do what, walked over every URL the project serves (read from the resolver at run time).

Viewers see the pages, operators also start jobs, administrators also
configure channels in the admin; nobody else gets in. Every state-changing
request needs POST and a CSRF token; no GET changes anything. Channel secrets
never reach a page, an admin form or a CSV. Login is protected against
password guessing (django-axes). `manage.py check --deploy` with production
settings and the sandbox being off in production are proven in
tests/test_settings.py.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from channels_app.adapters.registry import ADAPTERS
from channels_app.models import Channel, RunKind, SyncRun
from orders.models import Order
from tests import factories as f

LOGIN_PAGES = ("/login/", "/admin/login/")
# Admin pages of models the administrators' role may see (omnisync/migrations/0003_groups.py).
ROLE_MODELS = {
    "channels_app.channel", "channels_app.saleevent", "channels_app.syncrun", "channels_app.runissue",
    "channels_app.location", "inventory.sku", "inventory.stocklevel", "inventory.stockmovement", "inventory.listing",
    "orders.order", "orders.orderline", "orders.remoteorder", "inventory.warehouselink", "orders.statusoverride",
    "alerts.alert", "alerts.webhookdelivery", "alerts.webhookendpoint",  # alerts/migrations/0002_groups.py
}
DASHBOARD_PAGES = {"dashboard", "channel_stats", "inventory_preview", "mismatches", "orders", "order_detail", "discrepancies",
                   "listings", "runs", "run_detail", "run_progress", "report", "alerts", "alerts_banner"}
PUBLIC = {"login", "set_language", "admin:login"}
CONFIG_MODELS = {"channels_app.channel", "channels_app.saleevent", "channels_app.location", "inventory.sku",
                 "inventory.warehouselink", "orders.statusoverride", "alerts.webhookendpoint"}
INSIDE = {"ok", "redirect", "method"}


def named_patterns(patterns=None, namespace=""):
    for p in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(p, URLResolver):
            if str(p.pattern).startswith("sandbox/"):
                continue  # the simulated marketplaces: not part of the product, off in production
            yield from named_patterns(p.url_patterns, p.namespace or namespace)
        elif isinstance(p, URLPattern) and p.name and p.name != "view_on_site":
            yield (f"{namespace}:{p.name}" if namespace else p.name), p


def admin_models() -> dict[str, type]:
    return {f"{m._meta.app_label}_{m._meta.model_name}": m for m in admin.site._registry}


def url_of(name: str, pattern: URLPattern, objects: dict) -> str:
    keys = list(pattern.pattern.regex.groupindex)
    kwargs = {}
    for key in keys:
        if key == "pk":
            kwargs[key] = objects[{"channel_stats": "channel", "inventory_preview": "channel", "order_detail": "order"}.get(name, "run")]
        elif key in ("object_id", "id"):
            prefix = name.split(":", 1)[1].rsplit("_", 1)[0]
            model = admin_models().get(prefix) or admin_models().get(prefix.rsplit("_", 2)[0])
            obj = model.objects.order_by("pk").first() if model else None
            kwargs[key] = obj.pk if obj else objects["channel"]
        elif key == "app_label":
            kwargs[key] = "channels_app"
        elif key == "channel_id":
            kwargs[key] = objects["channel"]
        elif key == "platform":
            kwargs[key] = "shopee"
    return reverse(name, kwargs=kwargs)


def admin_model_of(name: str) -> str | None:
    if not name.startswith("admin:"):
        return None
    for prefix, model in admin_models().items():
        if name.startswith(f"admin:{prefix}_"):
            return model._meta.label_lower
    return None


def outcome(response) -> str:
    if response.status_code == 302:
        return "login" if response["Location"].split("?")[0].endswith(LOGIN_PAGES) else "redirect"
    return {200: "ok", 403: "denied", 405: "method", 404: "missing"}.get(response.status_code, str(response.status_code))


@pytest.fixture
def objects(db):
    ch = f.channel(name="Walk Shopee")
    ch.credentials = {"partner_id": "2001", "partner_key": "walk-secret-partner-key-0123456789"}
    ch.save()
    order = Order.objects.create(channel=ch, external_id="W1", status="to_ship", raw_status="READY_TO_SHIP",
                                 channel_created_at=f.T0, channel_updated_at=f.T0, total=1, currency="IDR")
    run = SyncRun.objects.create(channel=ch, kind=RunKind.SCAN, status="succeeded")
    return {"channel": ch.pk, "order": order.pk, "run": run.pk}


def walk_as(user, objects) -> dict[str, str]:
    client = Client()
    if user is not None:
        client.force_login(user)
    return {name: outcome(client.get(url_of(name, pattern, objects))) for name, pattern in named_patterns()}


def expected(role: str | None, name: str) -> set[str]:
    """The outcomes a GET of `name` may have for a role: "in" ones (ok or a redirect inside) vs "out" ones."""
    model = admin_model_of(name)
    if name in PUBLIC:
        return {"ok", "redirect"}
    if name in ("shopify-webhook", "order-push"):
        return {"method"}  # POST only, authenticated by its HMAC signature, for every role alike
    if name == "admin:logout":
        return {"login", "redirect", "method"}  # leaving is never refused
    if role is None:
        return {"login"}
    if name.startswith("admin:"):
        if role != "administrators":
            return {"login"}  # not staff: the admin sends them to its login page
        if name in ("admin:autocomplete", "admin:channels_app_channel_authorize_callback"):
            return {"denied"}  # without their parameters (a search field, a signed state)
        if model is None:
            return INSIDE  # index, app list, password change
        action = name.rsplit("_", 1)[1]
        if model not in ROLE_MODELS:
            # Missing objects redirect before the permission check; lists and add forms are refused.
            return {"denied"} if action in ("changelist", "add") else {"denied", "redirect"}
        if action == "add":
            return INSIDE if model in CONFIG_MODELS else {"denied"}  # runs and the ledger are written by jobs only
        if action == "delete":
            return INSIDE if model in CONFIG_MODELS else {"denied"}
        return INSIDE
    if name in DASHBOARD_PAGES:
        return {"ok"}
    if name in ("job_start", "routine_all_start"):
        return {"method"}  # POST only, for everyone logged in
    if name == "stock_adjust":
        return {"ok"}  # every role sees the page; posting needs the run_jobs permission (tests/dashboard/test_stock_page.py)
    if name == "returns":
        return {"ok"}  # every role sees the list; receiving needs the run_jobs permission (tests/dashboard/test_returns_page.py)
    if name in ("unmapped", "unmapped_sku_options"):
        return {"ok"}  # every role sees the lines; linking needs the run_jobs permission (tests/dashboard/test_unmapped_page.py)
    if name == "unmapped_link":
        return {"method"}  # POST only
    if name == "download_start":
        return {"denied"} if role == "viewers" else {"ok"}
    if name == "logout":
        return {"method"}
    if name == "alert_acknowledge":
        return {"method"}  # POST only; operators and administrators (tests/alerts/test_pages.py)
    raise AssertionError(f"a URL the access rules do not know: {name}")


@pytest.mark.django_db
def test_every_url_answers_each_role_exactly_as_the_roles_say(objects, viewer, operator, administrator):
    seen = {}
    for role, user in ((None, None), ("viewers", viewer), ("operators", operator), ("administrators", administrator)):
        got = walk_as(user, objects)
        wrong = {name: (result, expected(role, name)) for name, result in got.items() if result not in expected(role, name)}
        assert not wrong, f"{role or 'anonymous'}: {wrong}"
        seen[role] = got
    assert len(seen[None]) > 40  # the walk did reach the admin and the dashboard
    # The administrators' role configures channels but does not manage users, the queue or login records.
    admin_ok = {admin_model_of(n) for n, r in seen["administrators"].items() if n.endswith("_changelist") and r == "ok"}
    assert admin_ok == ROLE_MODELS & {m._meta.label_lower for m in admin.site._registry}
    assert not SyncRun.objects.exclude(pk=objects["run"]).exists(), "a GET started a job"


def csrf_client(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def with_token(client: Client, page: str) -> str:
    client.get(page)
    return client.cookies["csrftoken"].value


@pytest.mark.django_db
def test_state_changes_need_post_and_a_csrf_token(objects, viewer, operator, administrator, monkeypatch,
                                                 django_capture_on_commit_callbacks):
    enqueued = []
    monkeypatch.setattr("channels_app.runs.run_enqueue", enqueued.append)
    ch = Channel.objects.get(pk=objects["channel"])
    job = {"channel": ch.pk, "kind": RunKind.DOWNLOAD_ORDERS}

    anonymous = Client(enforce_csrf_checks=True)
    assert outcome(anonymous.post(reverse("job_start"), job)) == "denied"  # no token: refused before anything else
    anonymous_token = with_token(anonymous, reverse("login"))
    assert outcome(anonymous.post(reverse("job_start"), {**job, "csrfmiddlewaretoken": anonymous_token})) == "login"
    assert csrf_client(viewer).post(reverse("job_start"), {**job, "csrfmiddlewaretoken": "x"}).status_code == 403
    op = csrf_client(operator)
    assert op.post(reverse("job_start"), job).status_code == 403  # no token
    assert op.post(reverse("download_start"), {"channel": ch.pk}).status_code == 403
    assert not SyncRun.objects.filter(kind=RunKind.DOWNLOAD_ORDERS).exists()
    assert enqueued == []
    token = with_token(op, reverse("dashboard"))
    with django_capture_on_commit_callbacks(execute=True):
        assert op.post(reverse("job_start"), {**job, "csrfmiddlewaretoken": token}).status_code == 302
    assert enqueued == [SyncRun.objects.get(kind=RunKind.DOWNLOAD_ORDERS).pk]

    adm = csrf_client(administrator)
    change = reverse("admin:channels_app_channel_change", args=[ch.pk])
    form = {"name": "Renamed", "location": ch.location_id, "currency": "IDR", "api_base_url": ch.api_base_url, "auth_base_url": "",
            "buffer_kind": "units", "buffer_value": "2", "sync_hour": "6", "active": "on", "count_unpaid": "on"}
    assert adm.post(change, form).status_code == 403
    assert adm.post(reverse("admin:channels_app_channel_test_connection", args=[ch.pk])).status_code == 403
    assert Channel.objects.get(pk=ch.pk).name == "Walk Shopee"
    token = with_token(adm, change)
    assert adm.post(change, {**form, "csrfmiddlewaretoken": token}).status_code == 302
    assert Channel.objects.get(pk=ch.pk).name == "Renamed"
    op_token = with_token(op, reverse("dashboard"))
    assert outcome(op.post(change, {**form, "name": "Operator was here", "csrfmiddlewaretoken": op_token})) == "login"
    assert Channel.objects.get(pk=ch.pk).name == "Renamed"  # an operator is sent to the admin login, nothing saved
    assert adm.post(reverse("logout")).status_code == 403


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_channel_secrets_appear_in_no_page_form_or_export(live_server, administrator, django_user_model):
    from omnisync.demo.seed import demo_seed

    assert demo_seed(live_server.url, say=lambda *a: None)
    secrets = set()
    for ch in Channel.objects.all():
        names = {*ADAPTERS[ch.platform].secret_names, "access_token", "refresh_token"}
        secrets |= {str(v) for k, v in ch.credentials.items() if k in names and v and len(str(v)) >= 6}
    assert len(secrets) >= 8
    superuser = django_user_model.objects.create_superuser("root", "", "pw-Omnisync-2026")
    objects = {"channel": Channel.objects.first().pk, "order": Order.objects.first().pk, "run": SyncRun.objects.first().pk}
    pages = 0
    for user in (administrator, superuser):
        client = Client()
        client.force_login(user)
        urls = [url_of(name, pattern, objects) for name, pattern in named_patterns()]
        urls += [reverse("admin:channels_app_channel_change", args=[ch.pk]) for ch in Channel.objects.all()]
        urls += [reverse(n) + "?export=csv" for n in ("orders", "mismatches", "discrepancies", "listings", "runs", "report")]
        for url in urls:
            response = client.get(url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            text = body.decode(errors="replace")
            leaked = [s[:6] + "…" for s in secrets if s in text]
            assert not leaked, f"{url} shows channel secrets {leaked}"
            pages += 1
    assert pages > 100


@pytest.mark.django_db
def test_login_is_locked_after_repeated_wrong_passwords(make_user, settings):
    user = make_user("kasir", "operators")
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(reverse("login"), {"username": "kasir", "password": "guess"}).status_code == 200
    # A success before the limit clears the count (AXES_RESET_ON_SUCCESS).
    assert client.post(reverse("login"), {"username": "kasir", "password": "pw-Omnisync-2026"}).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "kasir", "password": "guess"})
    locked = client.post(reverse("login"), {"username": "kasir", "password": "pw-Omnisync-2026"})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    assert user.is_active  # locked out by the attempts, the account itself untouched
    # Another account from the same address is not locked by someone guessing this one.
    make_user("gudang", "viewers")
    assert client.post(reverse("login"), {"username": "gudang", "password": "pw-Omnisync-2026"}).status_code == 302
    assert apps.is_installed("axes")
