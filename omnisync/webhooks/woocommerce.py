"""WooCommerce webhooks (MARKETPLACES.md, "Webhooks").

A webhook is created in WooCommerce → Settings → Advanced → Webhooks with a
topic (`order.created`, `order.updated`; `order.restored` brings an order back
from the bin), this endpoint as delivery URL, and a secret of the shop's
choosing, stored on the channel as `webhook_secret`. Each delivery's body is
the order as the REST API renders it, signed in `X-WC-Webhook-Signature`:
**base64** HMAC-SHA256 with that secret over the raw body; the topic is in
`X-WC-Webhook-Topic`. WooCommerce disables a webhook after 5 failed
deliveries in a row.

When a webhook is saved WooCommerce first POSTs an unsigned ping,
`webhook_id=<id>` (WC_Webhook::deliver_ping), and keeps the webhook only if
the answer is 200: that exact body, unsigned, is answered 200 and does
nothing else.
"""

from __future__ import annotations

import re

from omnisync.webhooks.base import Notice, base64_matches, order_webhook_notice

ORDER_TOPICS = frozenset({"order.created", "order.updated", "order.restored"})
_PING = re.compile(rb"webhook_id=\d+")


def is_ping(request) -> bool:
    return not request.headers.get("X-WC-Webhook-Signature") and bool(_PING.fullmatch(request.body.strip()))


def signature_valid(channel, request) -> bool:
    secret = str((channel.credentials or {}).get("webhook_secret") or "")
    return base64_matches(secret, request.body, request.headers.get("X-WC-Webhook-Signature", ""))


def notices(channel, request) -> list[Notice]:
    if request.headers.get("X-WC-Webhook-Topic", "") not in ORDER_TOPICS:
        return []
    return order_webhook_notice(request, "date_modified_gmt")
