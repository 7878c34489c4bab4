import time
from urllib.parse import parse_qs, urlsplit

import requests


def _confirm(page_url, params):
    page = requests.get(page_url, params=params, timeout=10)
    assert page.status_code == 200 and "Confirm" in page.text and "Authorise app" in page.text
    form = dict(params)
    form.update(decision="confirm")
    shop_pk = page.text.split('name="shop" value="')[1].split('"')[0]
    form["shop"] = shop_pk
    back = requests.post(page_url, data=form, allow_redirects=False, timeout=10)
    assert back.status_code == 302
    return urlsplit(back.headers["Location"]), parse_qs(urlsplit(back.headers["Location"]).query)


def test_shopee_authorisation_code_flow(make_shop, client_for):
    shop = make_shop("shopee")
    api = client_for(shop)
    url, params = api.auth_url("http://example.invalid/callback")
    where, query = _confirm(url, params)
    assert where.netloc == "example.invalid" and query["shop_id"] == [shop.external_id]
    body = {"code": query["code"][0], "shop_id": int(shop.external_id), "partner_id": shop.partner_id}
    got = api.call("POST", "/api/v2/auth/token/get", body=body, shop=False).json()
    assert got["error"] == "" and got["access_token"] and got["refresh_token"]
    assert api.call("GET", "/api/v2/shop/get_shop_info", token=got["access_token"]).json()["error"] == ""
    assert api.call("POST", "/api/v2/auth/token/get", body=body, shop=False).json()["error"] == "error_auth"
    stale_url, stale = api.auth_url("http://example.invalid/callback", ts=int(time.time()) - 400)
    assert requests.get(stale_url, params=stale, timeout=10).status_code == 403
    assert requests.get(url, params={**params, "sign": "0" * 64}, timeout=10).status_code == 403


def test_tiktok_authorisation_code_flow(make_shop, client_for, server):
    shop = make_shop("tiktok")
    api = client_for(shop)
    _, query = _confirm(f"{server}/sandbox/tiktok-auth/oauth/authorize",
                        {"app_key": shop.app_key, "state": "xyz", "redirect_uri": "http://example.invalid/cb"})
    assert query["state"] == ["xyz"]
    params = {"app_key": shop.app_key, "app_secret": shop.app_secret, "auth_code": query["code"][0],
              "grant_type": "authorized_code"}
    got = requests.get(f"{server}/sandbox/tiktok-auth/api/v2/token/get", params=params, timeout=10).json()
    assert got["code"] == 0 and got["data"]["access_token_expire_in"] > time.time() + 6 * 86400
    assert api.call("GET", "/authorization/202309/shops", cipher=False, token=got["data"]["access_token"]).json()["code"] == 0
    again = requests.get(f"{server}/sandbox/tiktok-auth/api/v2/token/get", params=params, timeout=10).json()
    assert again["code"] != 0


def test_lazada_authorisation_code_flow(make_shop, client_for, server):
    shop = make_shop("lazada")
    api = client_for(shop)
    _, query = _confirm(f"{server}/sandbox/lazada-auth/oauth/authorize",
                        {"client_id": shop.app_key, "redirect_uri": "http://example.invalid/cb", "state": "s1",
                         "response_type": "code"})
    assert query["state"] == ["s1"]
    auth = type(api)(f"{server}/sandbox/lazada-auth", api.c)
    got = auth.call("/auth/token/create", {"code": query["code"][0]}, with_token=False).json()
    assert got["code"] == "0" and got["expires_in"] > 0
    assert api.call("/seller/get", token=got["access_token"]).json()["code"] == "0"
    assert auth.call("/auth/token/create", {"code": query["code"][0]}, with_token=False).json()["code"] == "InvalidCode"
