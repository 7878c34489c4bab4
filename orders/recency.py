"""Which of two channel updates of an order wins."""

from __future__ import annotations

from datetime import datetime

from orders.status_maps import RANK


def is_newer(new_time: datetime, new_status: str, old_time: datetime | None, old_status: str | None) -> bool:
    """Whether an update supersedes the recorded one; equal times go to the further status."""
    if old_time is None:
        return True
    if new_time != old_time:
        return new_time > old_time
    return RANK[new_status] > RANK[old_status]
