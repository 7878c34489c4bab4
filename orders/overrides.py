"""Staff's per-channel status mappings, read once per batch."""

from __future__ import annotations

from orders.models import StatusOverride
from orders.status_maps import normalise


def channel_overrides(channel) -> dict[str, str]:
    """{normalised raw status: canonical status} the staff mapped for one channel."""
    return {
        normalise(channel.platform, raw): status
        for raw, status in StatusOverride.objects.filter(channel_id=channel.pk).values_list("raw_status", "status")
    }
