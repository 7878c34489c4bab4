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

import json

from omnisync.webhooks.base import Notice, PayloadError, hex_matches, unix_time

ORDER_TYPES = {1, 11}


def signature_valid(channel, request) -> bool:
    creds = channel.credentials or {}
    app_key, secret = str(creds.get("app_key") or ""), str(creds.get("app_secret") or "")
    if not app_key:
        return False
    return hex_matches(secret, app_key.encode() + request.body, request.headers.get("Authorization", ""))


def notices(channel, request) -> list[Notice]:
    try:
        payload = json.loads(request.body)
    except ValueError as exc:
        raise PayloadError(f"the body is not JSON: {exc}") from exc
    if not isinstance(payload, dict) or payload.get("type") not in ORDER_TYPES:
        return []
    data = payload.get("data")
    order_id = data.get("order_id") if isinstance(data, dict) else None
    if not order_id:
        raise PayloadError(f"an order webhook (type {payload.get('type')}) without data.order_id")
    return [Notice(str(order_id), unix_time(data.get("update_time")))]
