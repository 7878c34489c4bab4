"""Shopify order webhooks.

Shopify signs each delivery with `X-Shopify-Hmac-Sha256` = base64
HMAC-SHA256(the app's client secret, the raw body) and names the topic in
`X-Shopify-Topic`. `orders/create` and `orders/updated` are enough (Shopify
also sends orders/updated after paid, fulfilled and cancelled); the topics
that repeat those are read as well. The body is the order: `id` and
`updated_at`. Shopify wants a 2xx within 5 seconds.
"""

from __future__ import annotations

import json

from omnisync.webhooks.base import Notice, PayloadError, base64_matches, iso_time

ORDER_TOPICS = frozenset({"orders/create", "orders/updated", "orders/paid", "orders/cancelled", "orders/fulfilled",
                          "orders/partially_fulfilled"})


def signature_valid(channel, request) -> bool:
    secret = str((channel.credentials or {}).get("client_secret") or "")
    return base64_matches(secret, request.body, request.headers.get("X-Shopify-Hmac-Sha256", ""))


def notices(channel, request) -> list[Notice]:
    if request.headers.get("X-Shopify-Topic", "") not in ORDER_TOPICS:
        return []
    try:
        payload = json.loads(request.body)
    except ValueError as exc:
        raise PayloadError(f"the body is not JSON: {exc}") from exc
    order_id = payload.get("id") if isinstance(payload, dict) else None
    if not order_id:
        raise PayloadError("an order webhook without the order's id")
    return [Notice(str(order_id), iso_time(payload.get("updated_at")))]
