"""Order webhooks: a platform says an order changed, omnisync downloads that moment's orders at once.

Why here (the top layer): the view starts a run, and runs are started by the
top of omnisync. The webhook only narrows *when* orders are read; polling (the
schedule's routine) stays the backstop, so a webhook that never comes loses
nothing, and one that comes twice starts nothing twice: at most one Download
Orders run is active per channel (the database refuses a second), so a burst
of notifications while a run is queued or running is absorbed by it.

Shopify signs each delivery with `X-Shopify-Hmac-Sha256` = base64
HMAC-SHA256(the app's client secret, the raw body). Anything that does not
verify is answered 401 and nothing else happens. Shopify wants a 2xx within 5
seconds, so the view only requests the run (queued after commit).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from datetime import timedelta

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, JsonResponse
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from channels_app.models import Channel, RunKind
from channels_app.runs import run_request

log = logging.getLogger(__name__)

#: Topics that mean "this order was created or changed" (Shopify also sends orders/updated after paid,
#: fulfilled and cancelled, so these two are enough).
ORDER_TOPICS = frozenset({"orders/create", "orders/updated"})
#: Half the window read around the order's update time: clocks and Shopify's own delay differ by seconds, not minutes.
MARGIN = timedelta(minutes=2)


def shopify_signature_valid(secret: str, body: bytes, signature: str) -> bool:
    """Constant-time check of `X-Shopify-Hmac-Sha256` against base64 HMAC-SHA256(secret, raw body)."""
    if not secret or not signature:
        return False
    expected = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    return hmac.compare_digest(expected.encode(), signature.strip().encode())


@csrf_exempt
@login_not_required
@require_POST
def shopify_webhook(request, channel_id: int):
    channel = Channel.objects.filter(pk=channel_id, platform="shopify").first()
    secret = str((channel.credentials or {}).get("client_secret") or "") if channel else ""
    if not shopify_signature_valid(secret, request.body, request.headers.get("X-Shopify-Hmac-Sha256", "")):
        return HttpResponse(status=401)
    topic = request.headers.get("X-Shopify-Topic", "")
    if topic not in ORDER_TOPICS or not channel.active:
        return HttpResponse(status=200)
    try:
        payload = json.loads(request.body)
        updated = parse_datetime(str(payload.get("updated_at") or payload.get("created_at") or ""))
    except (ValueError, AttributeError):
        updated = None
    if updated is None:
        return HttpResponse("the order's updated_at is missing or not a date", status=400)
    run, created = run_request(
        channel, RunKind.DOWNLOAD_ORDERS, trigger="webhook",
        params={"since": (updated - MARGIN).isoformat(), "until": (updated + MARGIN).isoformat(),
                "webhook": request.headers.get("X-Shopify-Webhook-Id", "")[:64]},
    )
    log.info("shopify webhook %s for channel %s: run %s %s", topic, channel.pk, run.pk, "requested" if created else "already active")
    return JsonResponse({"run": run.pk, "created": created})
