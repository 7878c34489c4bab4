"""The one interface every marketplace adapter implements.

The sync engine only ever talks to this interface, so a platform's quirks
(signing, paging style, window limits, batch sizes, token lifetimes) stay in
its own module. Every method returns plain data objects from `types` and
raises only `omnisync.lib.http.ApiError`, whose `transient` flag tells the
caller whether trying again later can help.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from django.db import connections, router, transaction
from django.utils import timezone

from channels_app.adapters.types import (
    ChannelListing,
    ChannelOrder,
    PushResult,
    RemoteOrderState,
    StockUpdate,
    TimeSlice,
    TokenSet,
)
from omnisync.lib.http import ApiError, ApiSession
from omnisync.lib.ratelimit import token_bucket

if TYPE_CHECKING:
    from channels_app.models import Channel

T = TypeVar("T")
R = TypeVar("R")


class Adapter(ABC):
    platform: ClassVar[str]
    #: Longest time range one order-list query may cover (None: no limit).
    max_order_window: ClassVar[timedelta | None] = None
    #: Most order ids one detail call may carry.
    order_detail_batch: ClassVar[int] = 50
    #: Orders (or order headers) read while listing, kept for the `fetch_orders` that follows.
    #: The engine asks for a chunk's details right after listing it, so a bound of a few
    #: chunks keeps memory flat however many orders the window holds.
    listed_orders_kept: ClassVar[int] = 2000
    #: Refresh the access token when it expires sooner than this.
    token_refresh_margin: ClassVar[timedelta] = timedelta(minutes=30)

    #: Name used in messages staff read.
    label: ClassVar[str] = ""
    #: Credential names this platform needs in `channel.credentials`.
    credential_names: ClassVar[tuple[str, ...]] = ()
    #: Of those, the ones typed in by staff (the rest come from authorisation).
    secret_names: ClassVar[tuple[str, ...]] = ()
    #: Our own request budget per channel (requests per second, burst).
    rate_per_second: ClassVar[float] = 10.0
    rate_burst: ClassVar[int] = 20
    #: Error codes meaning "the access token is no longer valid": refresh once and retry.
    expired_token_codes: ClassVar[frozenset[str]] = frozenset()
    #: Error codes that concern the whole channel (credentials, signature,
    #: permission): a batch operation stops instead of failing item by item.
    channel_wide_codes: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, channel: Channel, session: ApiSession | None = None):
        self.channel = channel
        if session is None:
            session = ApiSession(self.label or self.platform)
        if not session.platform:
            session.platform = self.label or self.platform
        if session.limiter is None:
            session.limiter = token_bucket(f"{self.platform}:channel:{channel.pk}", self.rate_per_second, self.rate_burst)
        self.session = session
        self._listed: OrderedDict[str, Any] = OrderedDict()

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
        """Full orders, in batches of `order_detail_batch`; unknown ids are left out.

        Orders the list call already returned in full (see `listed_keep`) are
        served from that answer: asking again would spend rate limit on the
        same data.
        """

    def listed_keep(self, order_id: str, value: Any) -> None:
        """Remember what the order list said in full about one order (bounded, oldest dropped first)."""
        self._listed[order_id] = value
        self._listed.move_to_end(order_id)
        while len(self._listed) > self.listed_orders_kept:
            self._listed.popitem(last=False)

    def listed_take(self, order_id: str) -> Any:
        return self._listed.pop(order_id, None)

    # -- listings and stock --------------------------------------------
    @abstractmethod
    def list_listings(self, changed_since: datetime | None = None) -> Iterator[ChannelListing]:
        """Every listing (item or variant), or those changed since a time."""

    def read_listings(self, keys: Sequence[tuple[str, str]]) -> Iterator[ChannelListing]:
        """The current state of specific listings, by (item id, variant id): a push's read-back.

        This default reads the whole catalogue and keeps the asked ones.
        Platforms that can read items by id override it, so reading back K
        pushed listings costs requests in proportion to K, not to the catalogue.
        """
        wanted = set(keys)
        for listing in self.list_listings():
            if (listing.item_id, listing.variant_id) in wanted:
                yield listing

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

    # -- helpers shared by the platform modules --------------------------
    @property
    def base_url(self) -> str:
        return (self.channel.api_base_url or "").rstrip("/")

    @property
    def auth_url(self) -> str:
        return (self.channel.auth_base_url or self.channel.api_base_url or "").rstrip("/")

    def credential(self, name: str, required: bool = True) -> str:
        """One value from the channel's credentials, or a permanent error naming what to fill in."""
        value = (self.channel.credentials or {}).get(name)
        if value in (None, ""):
            if not required:
                return ""
            raise ApiError(
                f"{self.label} channel \u201c{self.channel}\u201d has no {name} set: enter it (or authorise the channel) in the admin",
                platform=self.label,
                code="missing_credential",
            )
        return str(value)

    def error(self, message: str, *, code: str = "", transient: bool = False) -> ApiError:
        return ApiError(f"{self.label}: {message}", platform=self.label, code=code, transient=transient)

    # -- tokens ----------------------------------------------------------
    def token_needs_refresh(self, now: datetime | None = None) -> bool:
        """True when the stored access token expires within `token_refresh_margin`.

        An unknown expiry (None) is not refreshed ahead of time: the platform's
        "expired token" answer triggers the refresh instead.
        """
        expires = self.channel.token_expires_at
        if expires is None:
            return False
        return expires - (now or timezone.now()) <= self.token_refresh_margin

    def ensure_token(self) -> None:
        """Refresh the access token if it is about to expire.

        The refresh runs with the channel row locked (`select_for_update`), and
        the row is re-read under the lock: Shopee's refresh token is single use,
        so a second worker that waited for the lock must take the tokens the
        first one stored instead of spending the old refresh token again.
        """
        if type(self).refresh_tokens is Adapter.refresh_tokens or not self.token_needs_refresh():
            return
        self._refresh_locked(lambda row: self._row_needs_refresh(row))

    def force_refresh(self, failed_access_token: str) -> None:
        """Refresh after the platform said the token is expired, unless another worker already did."""
        self._refresh_locked(lambda row: (row.credentials or {}).get("access_token") == failed_access_token)

    def _row_needs_refresh(self, row: Channel) -> bool:
        expires = row.token_expires_at
        return expires is not None and expires - timezone.now() <= self.token_refresh_margin

    def _refresh_locked(self, still_needed: Callable[[Channel], bool]) -> None:
        from channels_app.models import Channel

        if self.channel.pk is None:
            tokens = self.refresh_tokens()
            if tokens is not None:
                self._apply_tokens(self.channel, tokens)
            return
        db = connections[router.db_for_write(Channel)]
        if not db.features.has_select_for_update:
            # SQLite has no row locks, and an open write transaction would lock
            # the whole database for the length of the HTTP call (the sandbox
            # shares it); one process is the SQLite setup, so re-read and go.
            row = Channel.objects.get(pk=self.channel.pk)
            self._take_row(row)
            if still_needed(row):
                tokens = self.refresh_tokens()
                if tokens is not None:
                    self.store_tokens(tokens)
            return
        with transaction.atomic(using=db.alias):
            row = Channel.objects.select_for_update().get(pk=self.channel.pk)
            self._take_row(row)
            if not still_needed(row):
                return
            tokens = self.refresh_tokens()
            if tokens is None:
                return
            self.store_tokens(tokens)

    def _take_row(self, row: Channel) -> None:
        self.channel.credentials = row.credentials
        self.channel.token_expires_at = row.token_expires_at
        self.channel.authorization_expires_at = row.authorization_expires_at

    def store_tokens(self, tokens: TokenSet) -> None:
        """Keep a new token pair (encrypted with the other credentials) and its expiry on the channel."""
        self._apply_tokens(self.channel, tokens)
        if self.channel.pk is not None:
            self.channel.save(update_fields=["credentials", "token_expires_at", "authorization_expires_at", "updated_at"])

    @staticmethod
    def _apply_tokens(channel: Channel, tokens: TokenSet) -> None:
        creds = dict(channel.credentials or {})
        creds["access_token"] = tokens.access_token
        if tokens.refresh_token:
            creds["refresh_token"] = tokens.refresh_token
        creds["refresh_expires_at"] = tokens.refresh_expires_at.isoformat() if tokens.refresh_expires_at else ""
        authorization_expires = tokens.extra.get("authorization_expires_at")
        for key, value in tokens.extra.items():
            if key != "authorization_expires_at" and value not in (None, ""):
                creds[key] = value
        channel.credentials = creds
        channel.token_expires_at = tokens.access_expires_at
        if isinstance(authorization_expires, datetime):
            channel.authorization_expires_at = authorization_expires

    def with_token(self, call: Callable[[], T]) -> T:
        """Run a shop call with a fresh token; on an "expired token" answer refresh once and retry."""
        self.ensure_token()
        token = (self.channel.credentials or {}).get("access_token", "")
        try:
            return call()
        except ApiError as err:
            if not self.token_expired(err) or type(self).refresh_tokens is Adapter.refresh_tokens:
                raise
        self.force_refresh(token)
        return call()

    def token_expired(self, err: ApiError) -> bool:
        """Whether an error means "the access token is no longer valid" (refresh once and retry)."""
        return err.code in self.expired_token_codes

    def stops_batch(self, err: ApiError) -> bool:
        """Whether an error from one group means the remaining groups would fail the same way.

        True for errors that concern the whole channel (credentials,
        signature), an access token the refresh could not mend, and an
        overloaded platform (transient: `ApiSession` already retried it).
        """
        return err.transient or err.code in self.channel_wide_codes or err.code in self.expired_token_codes

    # -- batch pushes ------------------------------------------------------
    def push_in_groups(
        self,
        groups: Iterable[Sequence[StockUpdate]],
        push_group: Callable[[Sequence[StockUpdate]], list[PushResult]],
    ) -> list[PushResult]:
        """Push group by group; a refusal that concerns one group marks its updates refused and goes on.

        Errors that concern the whole channel (credentials, signature) or mean
        the platform is overloaded stop the push: the remaining calls would
        fail the same way. The results obtained so far ride on the error as
        `partial_results` so the engine can still record them.
        """
        results: list[PushResult] = []
        for group in groups:
            try:
                results.extend(self.with_token(lambda group=group: push_group(group)))
            except ApiError as err:
                if self.stops_batch(err):
                    err.partial_results = results
                    raise
                results.extend(PushResult(u.item_id, u.variant_id, False, err.message) for u in group)
        return results


# -- batching ------------------------------------------------------------------
def chunked(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Consecutive slices of at most `size` items: the fixed batch size a platform documents."""
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _never(err: ApiError) -> bool:
    return False


def split_until_accepted(
    items: Sequence[T],
    send: Callable[[Sequence[T]], Iterable[R]],
    *,
    too_big: Callable[[ApiError], bool] = _never,
    one_bad: Callable[[ApiError], bool] = _never,
    on_single_refused: Callable[[T, ApiError], Iterable[R]] | None = None,
) -> Iterator[R]:
    """Send one batch; when the platform refuses the batch as a whole, halve it and send the halves.

    Why one helper: platforms refuse a whole batch for reasons a smaller batch
    avoids, and say nothing about which member was at fault. A store may cap
    batches lower than documented (WooCommerce answers 413), or one bad member
    fails the call for all (Lazada's E037 for one foreign order id, a SKU under
    a campaign; Shopee's `error_not_found` for one unknown order). Halving the
    batch is the answer to both, and one copy of it keeps the rule the same
    everywhere: which half goes first, what a lone member's refusal means,
    which errors are left alone.

    - `too_big(err)`: the batch is larger than the platform accepts. Each half
      is sent (and halved again while still refused). One item still refused
      this way raises `err`: nothing smaller can be sent.
    - `one_bad(err)`: some member is bad and the platform does not say which.
      The halves are sent until the bad members stand alone; each one is then
      reported by `on_single_refused(item, err)`, whose results stand in the
      item's place, while the good members still land. Without
      `on_single_refused` the lone member's refusal raises.
    - Any other error raises at once, after the one call. Transient errors were
      already retried by `ApiSession`; this helper never repeats a call as it was.

    Results come in the order of `items` (the first half's before the second's).
    Nothing is sent for no items; a batch the platform accepts costs exactly one
    call; one bad member among n costs about 2·log2(n)+1 calls.

    `send(batch)` must raise the refusal when called, not while its result is
    iterated: return a list, or a generator built from a reply already received.
    """
    if not items:
        return
    try:
        results = send(items)
    except ApiError as err:
        refusal = err
    else:
        yield from results
        return
    if not (too_big(refusal) or one_bad(refusal)):
        raise refusal
    if len(items) == 1:
        if on_single_refused is None or not one_bad(refusal):
            raise refusal
        yield from on_single_refused(items[0], refusal)
        return
    middle = len(items) // 2
    for half in (items[:middle], items[middle:]):
        yield from split_until_accepted(half, send, too_big=too_big, one_bad=one_bad, on_single_refused=on_single_refused)
