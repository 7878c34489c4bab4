"""The seller-facing authorisation pages: ask the seller to confirm, then send them back with a code.

Shopee's page is its documented `/api/v2/shop/auth_partner?partner_id&timestamp&sign&redirect`
(public signature) and returns `code` and `shop_id`. TikTok's and Lazada's
pages are **assumed** paths, since their real pages live on the seller
centres: `/sandbox/tiktok-auth/oauth/authorize?app_key&state&redirect_uri`
and `/sandbox/lazada-auth/oauth/authorize?client_id&redirect_uri&state&response_type=code`;
both return `code` and `state`. Codes are single use (Shopee 10 minutes,
TikTok 30 minutes, Lazada 30 minutes assumed).
"""

import time
from urllib.parse import urlencode, urlsplit

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from sandbox import services
from sandbox.models import Shop, Token
from sandbox.signing import same, shopee_sign

SHOPEE_AUTH_PATH = "/api/v2/shop/auth_partner"


def _page(request, label, *, error="", shops=(), app="", redirect="", hidden=(), status=200):
    context = {"platform_label": label, "error": error, "shops": list(shops), "app": app, "redirect": redirect,
               "hidden": list(hidden)}
    return render(request, "sandbox/authorize.html", context, status=status)


def _valid_redirect(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _back(url: str, params: dict) -> HttpResponseRedirect:
    joiner = "&" if urlsplit(url).query else "?"
    return HttpResponseRedirect(f"{url}{joiner}{urlencode(params)}")


def _confirm(request, label, shops, app, redirect, hidden, make_params):
    """Render the question on GET; on POST issue a code for the chosen shop and redirect."""
    if not _valid_redirect(redirect):
        return _page(request, label, error="The redirect URL is missing or not http(s).", status=400)
    if not shops:
        return _page(request, label, error="No sandbox shop belongs to this app.", status=400)
    if request.method == "POST" and request.POST.get("decision") == "confirm":
        chosen = next((s for s in shops if str(s.pk) == request.POST.get("shop")), None)
        if chosen is None:
            return _page(request, label, error="Choose one of the app's shops.", status=400)
        code = services.token_issue(chosen, Token.CODE)
        return _back(redirect, make_params(chosen, code.value))
    return _page(request, label, shops=shops, app=app, redirect=redirect, hidden=hidden)


@csrf_exempt
@login_not_required
def shopee_authorize(request):
    data = request.POST if request.method == "POST" else request.GET
    partner_id, timestamp, sign, redirect = (data.get(n, "") for n in ("partner_id", "timestamp", "sign", "redirect"))
    hidden = [("partner_id", partner_id), ("timestamp", timestamp), ("sign", sign), ("redirect", redirect)]
    shops = list(Shop.objects.filter(platform="shopee", partner_id=partner_id).order_by("pk")) if partner_id.isdigit() else []
    if not shops:
        return _page(request, "Shopee", error="Unknown partner_id.", status=400)
    if not timestamp.isdigit() or not same(shopee_sign(shops[0].partner_key, partner_id, SHOPEE_AUTH_PATH, timestamp), sign):
        return _page(request, "Shopee", error="Wrong sign.", status=403)
    if request.method == "GET" and abs(time.time() - int(timestamp)) > 300:
        return _page(request, "Shopee", error="Invalid timestamp.", status=403)
    return _confirm(request, "Shopee", shops, f"partner {partner_id}", redirect, hidden,
                    lambda shop, code: {"code": code, "shop_id": shop.external_id})


@csrf_exempt
@login_not_required
def tiktok_authorize(request):
    data = request.POST if request.method == "POST" else request.GET
    app_key, state, redirect = (data.get(n, "") for n in ("app_key", "state", "redirect_uri"))
    shops = list(Shop.objects.filter(platform="tiktok", app_key=app_key).order_by("pk")) if app_key else []
    hidden = [("app_key", app_key), ("state", state), ("redirect_uri", redirect)]
    return _confirm(request, "TikTok Shop", shops, app_key, redirect, hidden,
                    lambda shop, code: {"code": code, "state": state})


@csrf_exempt
@login_not_required
def lazada_authorize(request):
    data = request.POST if request.method == "POST" else request.GET
    client_id, state, redirect, response_type = (data.get(n, "") for n in ("client_id", "state", "redirect_uri", "response_type"))
    if response_type != "code":
        return _page(request, "Lazada", error="response_type must be code.", status=400)
    shops = list(Shop.objects.filter(platform="lazada", app_key=client_id).order_by("pk")) if client_id else []
    hidden = [("client_id", client_id), ("state", state), ("redirect_uri", redirect), ("response_type", response_type)]
    return _confirm(request, "Lazada", shops, client_id, redirect, hidden,
                    lambda shop, code: {"code": code, "state": state})
