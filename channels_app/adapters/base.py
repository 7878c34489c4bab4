"""The one interface every marketplace adapter implements.

The sync engine only ever talks to this interface, so a platform's quirks
(signing, paging style, window limits, batch sizes, token lifetimes) stay in
its own module. Every method returns plain data objects from `types` and
raises only `omnisync.lib.http.ApiError`, whose `transient` flag tells the
caller whether trying again later can help.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, ClassVar

from channels_app.adapters.types import (
    ChannelListing,
    ChannelOrder,
    PushResult,
    RemoteOrderState,
    StockUpdate,
    TimeSlice,
    TokenSet,
)

if TYPE_CHECKING:
    from channels_app.models import Channel
    from omnisync.lib.http import ApiSession


class Adapter(ABC):
    platform: ClassVar[str]
    #: Longest time range one order-list query may cover (None: no limit).
    max_order_window: ClassVar[timedelta | None] = None
    #: Most order ids one detail call may carry.
    order_detail_batch: ClassVar[int] = 50
    #: Refresh the access token when it expires sooner than this.
    token_refresh_margin: ClassVar[timedelta] = timedelta(minutes=30)

    def __init__(self, channel: Channel, session: ApiSession | None = None):
        self.channel = channel
        self.session = session

    # -- orders ---------------------------------------------------------
    def order_slices(self, start: datetime, end: datetime) -> list[TimeSlice]:
        """Split [start, end) into slices no longer than the platform allows."""
        if end <= start:
            return []
        if self.max_order_window is None:
            return [TimeSlice(start, end)]
        slices, cursor = [], start
        while cursor < end:
            stop = min(cursor + self.max_order_window, end)
            slices.append(TimeSlice(cursor, stop))
            cursor = stop
        return slices

    @abstractmethod
    def list_order_states(self, time_slice: TimeSlice) -> Iterator[RemoteOrderState]:
        """Every order updated within one slice, following the platform's paging to the end."""

    @abstractmethod
    def fetch_orders(self, external_ids: Sequence[str]) -> Iterator[ChannelOrder]:
        """Full orders, in batches of `order_detail_batch`; unknown ids are left out."""

    # -- listings and stock --------------------------------------------
    @abstractmethod
    def list_listings(self, changed_since: datetime | None = None) -> Iterator[ChannelListing]:
        """Every listing (item or variant), or those changed since a time."""

    @abstractmethod
    def push_stock(self, updates: Sequence[StockUpdate]) -> list[PushResult]:
        """Set absolute stock, grouped and batched as the platform requires; one result per update."""

    # -- connection and authorisation ----------------------------------
    @abstractmethod
    def check_connection(self) -> str:
        """A cheap authenticated call; returns a short description of the shop."""

    def authorize_url(self, redirect_uri: str, state: str) -> str | None:
        """Where to send the seller to authorise this app (None: platform uses keys)."""
        return None

    def exchange_code(self, params: dict[str, str]) -> TokenSet:
        """Turn the authorisation callback's parameters into tokens."""
        raise NotImplementedError

    def refresh_tokens(self) -> TokenSet | None:
        """Get a new token pair (None where the platform has no expiring tokens)."""
        return None
