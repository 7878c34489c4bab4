"""Shopify order webhooks.

Shopify signs each delivery with `X-Shopify-Hmac-Sha256` = base64
HMAC-SHA256(the app's client secret, the raw body) and names the topic in
`X-Shopify-Topic`. `orders/create` and `orders/updated` are enough (Shopify
also sends orders/updated after paid, fulfilled and cancelled); the topics
that repeat those are read as well. The body is the order: `id` and
`updated_at`. Shopify wants a 2xx within 5 seconds.
"""

from __future__ import annotations

from omnisync.webhooks.base import Notice, base64_matches, order_webhook_notice

ORDER_TOPICS = frozenset({"orders/create", "orders/updated", "orders/paid", "orders/cancelled", "orders/fulfilled",
                          "orders/partially_fulfilled"})


def signature_valid(channel, request) -> bool:
    secret = str((channel.credentials or {}).get("client_secret") or "")
    return base64_matches(secret, request.body, request.headers.get("X-Shopify-Hmac-Sha256", ""))


def notices(channel, request) -> list[Notice]:
    if request.headers.get("X-Shopify-Topic", "") not in ORDER_TOPICS:
        return []
    return order_webhook_notice(request, "updated_at")
