"""The one interface every marketplace adapter implements.

The sync engine only ever talks to this interface, so a platform's quirks
(signing, paging style, window limits, batch sizes, token lifetimes) stay in
its own module. Every method returns plain data objects from `types` and
raises only `omnisync.lib.http.ApiError`, whose `transient` flag tells the
caller whether trying again later can help.

Requests in flight at once. A marketplace answers in 100-300 ms and allows
tens of requests per second, so one request at a time leaves most of the
rate limit unused. Independent calls of one adapter call (detail batches,
push groups, read-back batches, per-item model lists) run in a small thread
pool (`InFlight`, `fan_out`; at most `max_in_flight` at once), and a paged
list is read ahead in one background thread (`pages_ahead`) while the
caller handles the pages already read; each next page still waits for the
one before it (cursors, shift checks). Every request goes through the
adapter's one `ApiSession` and its one token bucket, so the platform's
limit holds however many are in flight; results come back in the order the
calls were made. Worker threads only send requests and parse answers: the
ORM stays on the calling thread, so an expired access token met in a worker
is refreshed (a locked row) on the calling thread, which then repeats the call.
All this only while the platform answers slowly (`ApiSession.answers_slowly`,
100 ms and more, as marketplaces do): fast answers (a local sandbox) gain
nothing from threads, and calls then run one after the other on the calling
thread, in the order they were asked for. Reading one ahead starts earlier,
once a list's pages or a fan-out's batches themselves take 10 ms and more
(`Adapter._worth_reading_ahead`): one background thread sends the same
requests in the same order, and a page the server takes tens of milliseconds
to build is read while the caller stores the one before.
"""

from __future__ import annotations

import queue
import threading
import time
from abc import ABC, abstractmethod
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
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
    #: Our own request budget per channel (requests per second, burst): the platform's documented
    #: limit (MARKETPLACES.md), kept by one token bucket per channel (Redis-backed when configured).
    rate_per_second: ClassVar[float] = 10.0
    rate_burst: ClassVar[int] = 5
    #: Most requests one adapter call keeps in flight at once (each still waits for the token bucket).
    max_in_flight: ClassVar[int] = 4
    #: Pages of a list read ahead by a background thread while the caller handles the earlier ones.
    pages_ahead_depth: ClassVar[int] = 8
    #: Listings one stock call pushes, for simple items (the engine sizes its push chunks by it and the rate).
    listings_per_push: ClassVar[int] = 1
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
        self._listed_lock = threading.Lock()
        self._thread = threading.local()
        #: A push group was answered in this run: later groups need not go one alone first.
        self._push_answered = False
        #: The list being read ahead on the calling thread's behalf (`pages_ahead`), if any.
        self._reader: _ReadAhead | None = None

    # -- requests in flight at once ----------------------------------------
    def in_worker(self) -> bool:
        """Whether this thread is one of the adapter's workers (no ORM here; token refresh is the caller's)."""
        return getattr(self._thread, "worker", False)

    def _mark_worker(self) -> None:
        self._thread.worker = True

    def concurrent(self) -> bool:
        """Whether to keep several requests in flight: only when the platform answers slowly enough
        for waiting to dominate (`ApiSession.answers_slowly`); fast answers (a local sandbox) go one
        after the other on the calling thread, in a repeatable order.

        The run's first push group goes alone (`push_in_groups`) and its answer is a whole round
        trip: when that one answer is already slow, the other groups go together at once instead of
        sending one more group alone to confirm it (a round trip in which the rate allows 7 pushes at
        50 a second and 150 ms). A faster answer seen later still turns this off (`round_trip` is the fastest).
        """
        if self.max_in_flight <= 1 or self.in_worker():
            return False
        session = self.session
        if getattr(session, "answers_slowly", False):
            return True
        fastest = getattr(session, "round_trip", None)
        return self._push_answered and fastest is not None and fastest >= getattr(session, "CONCURRENT_ABOVE", float("inf"))

    def reads_ahead(self) -> bool:
        """Whether `pages_ahead` reads a list's next pages on a background thread: when several requests go in flight
        (`concurrent`), and also when answers take long enough to be worth overlapping with the caller's work
        (`ApiSession.answers_worth_reading_ahead`): one reader sends the same requests in the same order."""
        if self.pages_ahead_depth <= 0 or self.in_worker():
            return False
        return self.concurrent() or bool(getattr(self.session, "answers_worth_reading_ahead", False))

    def _worth_reading_ahead(self, call_times: list[float]) -> bool:
        """Whether calls that took `call_times` (a list's pages, a fan-out's batches) are worth reading ahead.

        The session's fastest answer of any kind says how far away the server
        is, not how long it takes to build a page of 100 orders: a token check
        or an empty page answers in a millisecond where a full page takes tens.
        So calls whose own last two answers, each waited for by the caller,
        took `ApiSession.READ_AHEAD_ABOVE` or more go on one background thread
        from then on, one ahead of the caller, however fast the session's other
        calls were. One slow answer alone (a cold connection) decides nothing.
        """
        if self.pages_ahead_depth <= 0 or self.in_worker():
            return False
        after = getattr(self.session, "CONCURRENT_AFTER", 2)
        above = getattr(self.session, "READ_AHEAD_ABOVE", float("inf"))
        return len(call_times) >= after and min(call_times[-after:]) >= above

    def _refreshable(self, err: BaseException) -> bool:
        return (isinstance(err, ApiError) and self.token_expired(err)
                and type(self).refresh_tokens is not Adapter.refresh_tokens)

    def in_flight(self, width: int | None = None, *, ahead: bool = False) -> InFlight:
        return InFlight(self, width or self.max_in_flight, ahead=ahead)

    def fan_out(self, fn: Callable[[T], R], items: Iterable[T], *, width: int | None = None,
                errors: bool = False) -> Iterator[tuple[T, R | None, ApiError | None]]:
        """`fn(item)` for every item, up to `width` at once; (item, result, error) in the order of `items`.

        While answers are fast (not `concurrent`) the calls go one after the
        other; once two of them in a row took long enough to be worth it
        (`_worth_reading_ahead`), the rest go one at a time on one background
        thread, the next sent while the caller handles the one before.

        With `errors=False` an `ApiError` raises at its item's turn (the calls
        not yet started are cancelled, those running are waited for). With
        `errors=True` it is handed back in the tuple and the others go on.
        """
        items = list(items)
        width = min(width or self.max_in_flight, len(items))
        waiting = iter(items)
        held = None  # a call's outcome, handed on once the next call has started
        if width <= 1 or not self.concurrent():
            call_times: list[float] = []
            for item in waiting:
                began = time.monotonic()
                try:
                    result, error = self.with_token(lambda item=item: fn(item)), None
                except ApiError as err:
                    if not errors:
                        raise
                    result, error = None, err
                call_times.append(time.monotonic() - began)
                if width > 1 and (self.concurrent() or self._worth_reading_ahead(call_times)):
                    held = (item, result, error)
                    break
                yield item, result, error
            else:
                return
            if not self.concurrent():
                width = 1  # one call ahead, on one thread: the same requests in the same order (`_worth_reading_ahead`)
        with self.in_flight(width, ahead=width == 1) as flight:
            flight.fill(fn, waiting)
            if held is not None:
                yield held
            while len(flight):
                yield flight.take(errors=errors)
                flight.fill(fn, waiting)

    def pages_ahead(self, fetch: Callable[[Any], tuple[T, Any]], start: Any) -> Iterator[T]:
        """The pages of one list, read ahead by a background thread.

        `fetch(cursor)` reads one page and returns (page, next cursor), the
        next cursor None after the last page. Up to `pages_ahead_depth` pages
        wait to be taken; closing the generator stops the reading (pages read
        ahead by then are dropped: only a list that must be read again, when
        it shifted, pays for them). An expired token met by the reader is
        refreshed here, on the calling thread, and reading goes on from the
        page that failed.
        """
        cursor = start
        fetch_times: list[float] = []
        held: list = []  # a page read here, handed on once the reader has started on the next one
        while not self.reads_ahead():
            began = time.monotonic()
            page, cursor = self.with_token(lambda cursor=cursor: fetch(cursor))
            fetch_times.append(time.monotonic() - began)
            if cursor is not None and self._worth_reading_ahead(fetch_times):
                held.append(page)
                break
            yield page
            if cursor is None:
                return
        self.ensure_token()
        refreshed = False
        while True:
            token = (self.channel.credentials or {}).get("access_token", "")
            reader = self._reader = _ReadAhead(self, fetch, cursor, self.pages_ahead_depth)
            try:
                if held:
                    yield held.pop()
                while True:
                    kind, value, cursor = reader.get()
                    if kind == "page":
                        yield value
                        if cursor is None:
                            return
                        continue
                    if not refreshed and self._refreshable(value):
                        refreshed = True
                        break
                    raise value
            finally:
                reader.stop()
                if self._reader is reader:
                    self._reader = None
            self.force_refresh(token)

    def list_would_wait(self) -> bool:
        """Whether the list being read ahead has no next page in hand yet: taking more would wait for the platform.

        The download imports what it holds then (`orders.jobs`), instead of
        waiting with it for a full chunk: under a marketplace's latency the
        import of one page overlaps the wait for the next, and when the last
        page comes only its own orders are left to import. Only while answers
        are slow (`ApiSession.answers_slowly`, 100 ms and more): a wait of a
        few milliseconds is not worth the extra statements of a smaller chunk.
        """
        reader = self._reader
        return reader is not None and bool(getattr(self.session, "answers_slowly", False)) and reader.waiting()

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
        with self._listed_lock:
            self._listed[order_id] = value
            self._listed.move_to_end(order_id)
            while len(self._listed) > self.listed_orders_kept:
                self._listed.popitem(last=False)

    def listed_take(self, order_id: str) -> Any:
        with self._listed_lock:
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
        """Run a shop call with a fresh token; on an "expired token" answer refresh once and retry.

        In a worker thread the call just runs: refreshing writes the channel
        row, which is the calling thread's business (`InFlight.take`,
        `pages_ahead` refresh and repeat the call there).
        """
        if self.in_worker():
            return call()
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

        The run's first group goes alone; once it is answered, the others are pushed
        up to `max_in_flight` at once; results keep the order of the groups. When one group stops the push, the groups not yet
        sent are not sent, those already in flight are waited for, and every
        result obtained (in group order) rides on the error.
        """
        results: list[PushResult] = []
        stop: ApiError | None = None
        with self.in_flight() as flight:
            waiting = iter(groups)
            if not self._push_answered:
                for first in waiting:  # the run's first group goes alone: a refusal of the whole channel costs one call
                    flight.start(push_group, first)
                    break
            else:
                flight.fill(push_group, waiting)
            while len(flight):
                group, pushed, err = flight.take(errors=True)
                if err is None:
                    results.extend(pushed)
                    self._push_answered = True
                elif self.stops_batch(err):
                    if stop is None:
                        stop = err
                        flight.cancel_waiting()  # not sent yet: leave them; those in flight may apply
                else:
                    results.extend(PushResult(u.item_id, u.variant_id, False, err.message) for u in group)
                if stop is None:
                    flight.fill(push_group, waiting)
        if stop is not None:
            stop.partial_results = results
            raise stop
        return results


# -- requests in flight ------------------------------------------------------------
class InFlight:
    """Calls running in an adapter's worker threads, taken back in the order they were started.

    `start(fn, arg)` hands `fn(arg)` to the pool; `take()` waits for the
    oldest and returns (arg, result, error). An expired token is refreshed by
    `take` (the calling thread) and the call repeated there; another
    `ApiError` raises, or comes back as `error` with `errors=True`. Leaving
    the `with` block cancels what has not started and waits for the rest.
    """

    def __init__(self, adapter: Adapter, width: int, *, ahead: bool = False):
        self.adapter = adapter
        self.width = max(1, width)
        #: calls go to the pool even while answers are fast (`Adapter.fan_out` reading one call ahead)
        self.ahead = ahead
        self._pool = ThreadPoolExecutor(self.width, thread_name_prefix=f"{adapter.platform}-io", initializer=adapter._mark_worker)
        self._calls: deque[tuple[Callable, Any, Future]] = deque()
        adapter.ensure_token()
        self._token = (adapter.channel.credentials or {}).get("access_token", "")

    def __len__(self) -> int:
        return len(self._calls)

    def __enter__(self) -> InFlight:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self, fn: Callable[[Any], Any], arg: Any) -> None:
        """Hand `fn(arg)` to the pool; while the platform answers fast (`Adapter.concurrent`), run it here, now."""
        if self.ahead or self.adapter.concurrent():
            self._calls.append((fn, arg, self._pool.submit(fn, arg)))
            return
        done: Future = Future()
        try:
            done.set_result(self.adapter.with_token(lambda: fn(arg)))
        except ApiError as err:
            done.set_exception(err)
        self._calls.append((fn, arg, done))

    def fill(self, fn: Callable[[Any], Any], waiting: Iterator[Any]) -> None:
        """Start calls from `waiting` until twice the pool's width is started and not yet taken
        (one, when calls run on the calling thread: each is taken before the next is sent)."""
        while len(self._calls) < (2 * self.width if self.ahead or self.adapter.concurrent() else 1):
            try:
                arg = next(waiting)
            except StopIteration:
                return
            self.start(fn, arg)

    def ready(self) -> bool:
        return bool(self._calls) and self._calls[0][2].done()

    def take(self, errors: bool = False) -> tuple[Any, Any, ApiError | None]:
        fn, arg, future = self._calls.popleft()
        try:
            return arg, future.result(), None
        except ApiError as err:
            if self.adapter._refreshable(err):
                try:
                    return arg, self._again(fn, arg), None
                except ApiError as again:
                    err = again
            if not errors:
                raise err from None
            return arg, None, err

    def _again(self, fn: Callable[[Any], Any], arg: Any) -> Any:
        """The call once more on the calling thread, after refreshing the token (once for all calls)."""
        current = (self.adapter.channel.credentials or {}).get("access_token", "")
        if current == self._token:  # still the token the calls were sent with: refresh it (once)
            self.adapter.force_refresh(self._token)
        return fn(arg)

    def cancel_waiting(self) -> None:
        """Drop the calls the pool has not started (they were never sent)."""
        self._calls = deque(c for c in self._calls if not c[2].cancel())

    def close(self) -> None:
        for _fn, _arg, future in self._calls:
            future.cancel()
        self._calls.clear()
        self._pool.shutdown(wait=True, cancel_futures=True)


class _ReadAhead:
    """One background thread reading a paged list ahead of its consumer (see `Adapter.pages_ahead`)."""

    def __init__(self, adapter: Adapter, fetch: Callable[[Any], tuple[Any, Any]], cursor: Any, depth: int):
        self.adapter = adapter
        self.fetch = fetch
        self.pages: queue.Queue = queue.Queue(max(1, depth))
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(cursor,), name=f"{adapter.platform}-pages", daemon=True)
        self.thread.start()

    def _run(self, cursor: Any) -> None:
        self.adapter._mark_worker()
        while not self.stopped.is_set():
            try:
                page, following = self.fetch(cursor)
            except BaseException as err:  # handed to the consumer, which raises it
                self._put(("error", err, cursor))
                return
            self._put(("page", page, following))
            if following is None:
                return
            cursor = following

    def _put(self, entry: tuple) -> None:
        while not self.stopped.is_set():
            try:
                self.pages.put(entry, timeout=0.05)
                return
            except queue.Full:
                continue

    def get(self) -> tuple[str, Any, Any]:
        return self.pages.get()

    def waiting(self) -> bool:
        """No page is in hand and the reader is still reading (it has not reached the end or an error)."""
        return self.pages.empty() and self.thread.is_alive()

    def stop(self) -> None:
        self.stopped.set()
        while self.thread.is_alive():
            try:
                self.pages.get(timeout=0.05)
            except queue.Empty:
                pass
        self.thread.join()


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
