"""The one push endpoint, /webhooks/<platform>/<channel id>/: verify, then hand the named orders on.

Anything that does not verify is answered 401 and nothing else happens (no
row, no run, no log line with the body). A verified delivery is answered 200
with an empty body (Shopee asks for one) as soon as the notices are recorded:
the download itself is queued after the commit, well within the platforms'
3-second limits.
"""

from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from channels_app.models import Channel
from omnisync.webhooks import lazada, shopee, shopify, tiktok, woocommerce
from omnisync.webhooks.base import PayloadError
from omnisync.webhooks.notices import order_notices_receive

log = logging.getLogger(__name__)

PLATFORMS = {"shopee": shopee, "tiktok": tiktok, "lazada": lazada, "woocommerce": woocommerce, "shopify": shopify}


@csrf_exempt
@login_not_required
@require_POST
def order_push(request, channel_id: int, platform: str):
    module = PLATFORMS.get(platform)
    if module is None:
        raise Http404
    channel = Channel.objects.filter(pk=channel_id, platform=platform).first()
    if channel is not None and getattr(module, "is_ping", None) and module.is_ping(request):
        return HttpResponse(status=200)
    if channel is None or not module.signature_valid(channel, request):
        return HttpResponse(status=401)
    try:
        notices = module.notices(channel, request)
    except PayloadError as exc:
        return HttpResponse(f"{platform} push for channel {channel.pk}: {exc}", status=400, content_type="text/plain")
    if notices and channel.active:
        run, created = order_notices_receive(channel, notices)
        log.info("%s push for channel %s named %s: run %s %s", platform, channel.pk, [n.external_id for n in notices],
                 run.pk if run else None, "requested" if created else "already active" if run else "not needed")
    return HttpResponse(status=200)
