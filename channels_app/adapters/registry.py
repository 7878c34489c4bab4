"""Which adapter serves which platform.

The sync engine and the admin look adapters up here by `channel.platform`, so
adding a platform is one module and one line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from channels_app.adapters.base import Adapter
from channels_app.adapters.lazada import LazadaAdapter
from channels_app.adapters.shopee import ShopeeAdapter
from channels_app.adapters.shopify import ShopifyAdapter
from channels_app.adapters.tiktok import TikTokAdapter
from channels_app.adapters.woocommerce import WooCommerceAdapter
from omnisync.lib.http import ApiError

if TYPE_CHECKING:
    from channels_app.models import Channel
    from omnisync.lib.http import ApiSession

ADAPTERS: dict[str, type[Adapter]] = {
    cls.platform: cls for cls in (ShopeeAdapter, TikTokAdapter, LazadaAdapter, WooCommerceAdapter, ShopifyAdapter)
}


def adapter_class(platform: str) -> type[Adapter]:
    try:
        return ADAPTERS[platform]
    except KeyError:
        raise ApiError(f"No adapter for platform {platform!r}", platform=platform, code="unknown_platform") from None


def get_adapter(channel: Channel, session: ApiSession | None = None) -> Adapter:
    return adapter_class(channel.platform)(channel, session)
