"""Signature algorithms of the four platforms, computed the way each documents them.

The sandbox recomputes the signature from what arrived and compares it in
constant time; nothing here knows about Django requests.
"""

import base64
import hashlib
import hmac
from urllib.parse import quote


def _hmac_hex(key: str, message: bytes, digest=hashlib.sha256) -> str:
    return hmac.new(key.encode(), message, digest).hexdigest()


def shopee_sign(partner_key: str, partner_id, path: str, timestamp, access_token: str = "", shop_id="") -> str:
    """Lower-hex HMAC-SHA256 of partner_id + path + timestamp (+ access_token + shop_id for shop calls)."""
    base = f"{partner_id}{path}{timestamp}{access_token or ''}{shop_id or ''}"
    return _hmac_hex(partner_key, base.encode())


def tiktok_sign(app_secret: str, path: str, params: dict, body: bytes = b"") -> str:
    """Lower-hex HMAC-SHA256 of secret + path + sorted key+value (no sign/access_token) + body + secret."""
    pairs = "".join(f"{k}{params[k]}" for k in sorted(params) if k not in ("sign", "access_token"))
    message = app_secret.encode() + path.encode() + pairs.encode() + body + app_secret.encode()
    return _hmac_hex(app_secret, message)


def lazada_sign(app_secret: str, path: str, params: dict) -> str:
    """Upper-hex HMAC-SHA256 of path + sorted name+value over every parameter except sign."""
    pairs = "".join(f"{k}{params[k]}" for k in sorted(params) if k != "sign")
    return _hmac_hex(app_secret, (path + pairs).encode()).upper()


def _pct(value) -> str:
    return quote(str(value), safe="~")


def oauth1_base_string(method: str, url: str, params: list[tuple[str, str]]) -> str:
    """RFC 5849 base string: METHOD & pct(url without query) & pct(sorted pct(k)=pct(v) joined by &)."""
    encoded = sorted((_pct(k), _pct(v)) for k, v in params if k != "oauth_signature")
    normalized = "&".join(f"{k}={v}" for k, v in encoded)
    return "&".join([method.upper(), _pct(url), _pct(normalized)])


def oauth1_sign(method: str, url: str, params: list[tuple[str, str]], consumer_secret: str, signature_method: str) -> str:
    """Base64 HMAC (SHA1 or SHA256) of the base string, key = consumer_secret + '&' (no token secret)."""
    digest = {"HMAC-SHA1": hashlib.sha1, "HMAC-SHA256": hashlib.sha256}[signature_method.upper()]
    raw = hmac.new(f"{consumer_secret}&".encode(), oauth1_base_string(method, url, params).encode(), digest).digest()
    return base64.b64encode(raw).decode()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(str(a).encode(), str(b).encode())
