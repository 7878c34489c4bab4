"""Lazada Open Platform push (MARKETPLACES.md, "Push").

Trade order messages are `{seller_id, message_type: 0, data{trade_order_id,
trade_order_line_id, order_status, status_update_time}, timestamp}`, one per
order line, so an order of three units arrives as three messages (the
notices collapse them into one order). Other message types are answered and
ignored. Lazada retries every 30 minutes, 12 times.

The signature is the `Authorization` header: lower-case hex HMAC-SHA256 with
the app secret over the app key followed by the raw body (the channel's
`app_key` / `app_secret`). The push URL is set per app; `seller_id` is not
compared, because a channel does not store it.
"""

from __future__ import annotations

from omnisync.webhooks.base import Notice, PayloadError, app_key_signature_valid, json_body, unix_time

TRADE_ORDER = 0


signature_valid = app_key_signature_valid


def notices(channel, request) -> list[Notice]:
    payload = json_body(request)
    if not isinstance(payload, dict) or payload.get("message_type") != TRADE_ORDER:
        return []
    data = payload.get("data")
    order_id = data.get("trade_order_id") if isinstance(data, dict) else None
    if not order_id:
        raise PayloadError("a trade order message (message_type 0) without data.trade_order_id")
    return [Notice(str(order_id), unix_time(data.get("status_update_time")))]
