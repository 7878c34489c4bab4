"""Request signing written for the tests, independently of the sandbox's verifier, from MARKETPLACES.md."""

import base64
import hashlib
import hmac
import json
import time
import uuid
from urllib.parse import quote

import requests

TIMEOUT = 15


def _hex(key, message):
    return hmac.new(key.encode(), message.encode() if isinstance(message, str) else message, hashlib.sha256).hexdigest()


class Shopee:
    def __init__(self, base, creds):
        self.base, self.c = base, dict(creds)

    def call(self, method, path, params=None, body=None, *, ts=None, key=None, token=None, shop=True):
        ts = int(time.time()) if ts is None else ts
        token = self.c["access_token"] if token is None else token
        base = f"{self.c['partner_id']}{path}{ts}" + (f"{token}{self.c['shop_id']}" if shop else "")
        query = {"partner_id": self.c["partner_id"], "timestamp": ts, "sign": _hex(key or self.c["partner_key"], base)}
        if shop:
            query.update(access_token=token, shop_id=self.c["shop_id"])
        query.update(params or {})
        return requests.request(method, self.base + path, params=query, json=body, timeout=TIMEOUT)

    def auth_url(self, redirect, ts=None):
        ts = int(time.time()) if ts is None else ts
        path = "/api/v2/shop/auth_partner"
        sign = _hex(self.c["partner_key"], f"{self.c['partner_id']}{path}{ts}")
        return self.base + path, {"partner_id": self.c["partner_id"], "timestamp": ts, "sign": sign, "redirect": redirect}


class TikTok:
    def __init__(self, base, creds):
        self.base, self.c = base, dict(creds)

    def call(self, method, path, query=None, body=None, *, ts=None, secret=None, cipher=True, token=None, sent_body=None):
        secret = secret or self.c["app_secret"]
        q = {"app_key": self.c["app_key"], "timestamp": int(time.time()) if ts is None else ts}
        if cipher:
            q["shop_cipher"] = self.c["shop_cipher"]
        q.update(query or {})
        raw = json.dumps(body).encode() if body is not None else b""
        plain = path + "".join(f"{k}{q[k]}" for k in sorted(q))
        q["sign"] = _hex(secret, secret.encode() + plain.encode() + raw + secret.encode())
        headers = {"x-tts-access-token": self.c["access_token"] if token is None else token,
                   "content-type": "application/json"}
        data = raw if sent_body is None else json.dumps(sent_body).encode()
        return requests.request(method, self.base + path, params=q, data=data, headers=headers, timeout=TIMEOUT)


def lazada_signature(secret, path, params):
    text = path + "".join(f"{k}{params[k]}" for k in sorted(params))
    return _hex(secret, text).upper()


class Lazada:
    def __init__(self, base, creds):
        self.base, self.c = base, dict(creds)

    def call(self, path, params=None, *, post=False, ts=None, secret=None, token=None, with_token=True):
        p = {"app_key": self.c["app_key"], "sign_method": "sha256",
             "timestamp": int(time.time() * 1000) if ts is None else ts}
        if with_token:
            p["access_token"] = self.c["access_token"] if token is None else token
        p.update({k: str(v) for k, v in (params or {}).items()})
        p["sign"] = lazada_signature(secret or self.c["app_secret"], path, p)
        if post:
            return requests.post(self.base + path, data=p, timeout=TIMEOUT)
        return requests.get(self.base + path, params=p, timeout=TIMEOUT)


def _pct(v):
    return quote(str(v), safe="-._~")


class Woo:
    def __init__(self, base, creds):
        self.base, self.c = base, dict(creds)

    def oauth_params(self, method, url, params, *, ts=None, secret=None, algo="HMAC-SHA256"):
        o = {"oauth_consumer_key": self.c["consumer_key"], "oauth_nonce": uuid.uuid4().hex,
             "oauth_signature_method": algo, "oauth_timestamp": str(int(time.time()) if ts is None else ts)}
        allp = {**{k: str(v) for k, v in params.items()}, **o}
        norm = "&".join(f"{k}={v}" for k, v in sorted((_pct(k), _pct(v)) for k, v in allp.items()))
        base_string = f"{method}&{_pct(url)}&{_pct(norm)}"
        digest = hashlib.sha1 if algo == "HMAC-SHA1" else hashlib.sha256
        key = f"{secret or self.c['consumer_secret']}&".encode()
        o["oauth_signature"] = base64.b64encode(hmac.new(key, base_string.encode(), digest).digest()).decode()
        return {**params, **o}

    def get(self, route, params=None, **kw):
        url = f"{self.base}/wp-json/wc/v3/{route}"
        return requests.get(url, params=self.oauth_params("GET", url, params or {}, **kw), timeout=TIMEOUT)

    def post(self, route, body, **kw):
        url = f"{self.base}/wp-json/wc/v3/{route}"
        return requests.post(url, params=self.oauth_params("POST", url, {}, **kw), json=body, timeout=TIMEOUT)
