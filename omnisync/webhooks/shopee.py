"""Shopee Open Platform push (MARKETPLACES.md, "Push").

Shopee POSTs `{shop_id, code, timestamp, data}` to the app's push URL and
signs it in the `Authorization` header: lower-case hex HMAC-SHA256 with the
partner key over the callback URL, `|`, and the raw body. Code 3 is the order
status push, `data{ordersn, status, update_time}`; other codes are answered
and ignored. Shopee wants a 2xx with an empty body within 3 seconds, retries
after 5 min, 30 min and 3 h, and promises neither order nor uniqueness.

The URL signed is the one registered in the console, which a proxy in front of
omnisync may present with another scheme: both http and https forms of the
URL the request arrived at are tried (a forger still needs the partner key).

Shopee registers one push URL per app, not per shop: a push for another shop
than this channel's (`shop_id`) is acknowledged and ignored, so register a
channel's URL only on an app that serves that one shop, and let the scheduled
download cover the others.
"""

from __future__ import annotations

import logging

from omnisync.webhooks.base import Notice, PayloadError, hex_matches, json_body, unix_time

log = logging.getLogger(__name__)

ORDER_STATUS_PUSH = 3


def callback_urls(request) -> list[str]:
    full = request.build_absolute_uri(request.get_full_path())
    other = "http" if full.startswith("https://") else "https"
    return [full, other + full[full.index("://"):]]


def signature_valid(channel, request) -> bool:
    secret = str((channel.credentials or {}).get("partner_key") or "")
    signature = request.headers.get("Authorization", "")
    return any(hex_matches(secret, url.encode() + b"|" + request.body, signature) for url in callback_urls(request))


def notices(channel, request) -> list[Notice]:
    payload = json_body(request)
    if not isinstance(payload, dict) or payload.get("code") != ORDER_STATUS_PUSH:
        return []
    shop_id = str((channel.credentials or {}).get("shop_id") or "")
    if shop_id and str(payload.get("shop_id") or "") not in ("", shop_id):
        log.info("shopee push for shop %s reached channel %s (shop %s): ignored", payload.get("shop_id"), channel.pk, shop_id)
        return []
    data = payload.get("data")
    order_sn = data.get("ordersn") if isinstance(data, dict) else None
    if not order_sn:
        raise PayloadError("an order status push (code 3) without data.ordersn")
    return [Notice(str(order_sn), unix_time(data.get("update_time")))]
