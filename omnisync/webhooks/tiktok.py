"""TikTok Shop webhooks (MARKETPLACES.md, "Push").

TikTok POSTs `{type, tts_notification_id, shop_id, timestamp, data}`; type 1
is an order status change, `data{order_id, order_status, update_time}`
(webhooks spell CANCELLED as CANCEL). Type 11 (a cancellation's status) also
names `data.order_id` and can change a line's stock effect, so it reads the
order too; other types are answered and ignored. Answer 200 within 3 s;
TikTok retries after 2 min, 30 min, 3 h and 12 h.

The signature is the `Authorization` header: lower-case hex HMAC-SHA256 with
the app secret over the app key followed by the raw body. MARKETPLACES.md
marks this **assumed, from third-party code**: TikTok's own Partner Center
page on webhook verification could not be found in the documentation
available to us. The channel's `app_key` / `app_secret` are used.

The webhook URL is set per app in Partner Center; the payload's `shop_id` is
not compared, because a channel stores the shop cipher, not the shop id.
"""

from __future__ import annotations

from omnisync.webhooks.base import Notice, PayloadError, app_key_signature_valid, json_body, unix_time

ORDER_TYPES = {1, 11}


signature_valid = app_key_signature_valid


def notices(channel, request) -> list[Notice]:
    payload = json_body(request)
    if not isinstance(payload, dict) or payload.get("type") not in ORDER_TYPES:
        return []
    data = payload.get("data")
    order_id = data.get("order_id") if isinstance(data, dict) else None
    if not order_id:
        raise PayloadError(f"an order webhook (type {payload.get('type')}) without data.order_id")
    return [Notice(str(order_id), unix_time(data.get("update_time")))]
