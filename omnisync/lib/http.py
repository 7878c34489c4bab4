"""The one HTTP session every call to the outside world goes through.

Marketplaces fail in two ways that need opposite handling: they are briefly
overloaded (timeouts, dropped connections, 5xx, 429, throttle codes inside a
200 answer), where waiting and trying again helps, or they refuse the request
for a reason that will not change by itself (bad signature, expired
authorisation, invalid parameters), where retrying only burns rate limit and
hides the problem. `ApiSession` retries the first kind with exponential
backoff and full jitter, re-signing every attempt (signatures carry
timestamps), and turns both kinds into one `ApiError` whose `transient` flag
and message tell the sync engine and the staff what to do next.
"""

from __future__ import annotations

import json as jsonlib
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests
from django.conf import settings

logger = logging.getLogger(__name__)

#: Longest Retry-After the session waits out itself; beyond it the caller is
#: better off giving up the run and trying later.
MAX_RETRY_AFTER = 60.0
#: Upper bound of one backoff pause.
MAX_BACKOFF = 30.0


class ApiError(Exception):
    """A call to a platform failed; `transient` says whether retrying later can help.

    The message is written for the staff who will read it in a run's issues or
    the channel's "last error": it names the platform, the platform's own error
    code and explanation and the request id its support desk asks for.
    """

    def __init__(
        self,
        message: str,
        *,
        transient: bool = False,
        platform: str = "",
        code: str = "",
        request_id: str = "",
        http_status: int | None = None,
        retry_after: float | None = None,
        path: str = "",
    ):
        super().__init__(message)
        self.message = message
        self.transient = transient
        self.platform = platform
        self.code = code
        self.request_id = request_id
        self.http_status = http_status
        self.retry_after = retry_after
        self.path = path
        #: Results already obtained before a batch operation stopped (push_stock).
        self.partial_results: list = []

    def __str__(self) -> str:
        return self.message

    @classmethod
    def refused(
        cls,
        platform: str,
        code: str,
        detail: str = "",
        *,
        request_id: str = "",
        http_status: int | None = None,
        transient: bool = False,
        retry_after: float | None = None,
        path: str = "",
        hint: str = "",
    ) -> ApiError:
        """The platform answered with an error code of its own."""
        verb = "is busy and turned the request away" if transient else "refused the request"
        text = f"{platform or 'The platform'} {verb}: {code or 'error'}"
        if detail:
            text += f" ({detail})"
        if request_id:
            text += f", request id {request_id}"
        elif http_status:
            text += f", HTTP {http_status}"
        if hint:
            text += f". {hint}"
        return cls(
            text,
            transient=transient,
            platform=platform,
            code=code,
            request_id=request_id,
            http_status=http_status,
            retry_after=retry_after,
            path=path,
        )

    @classmethod
    def malformed(cls, platform: str, path: str, problem: str, *, request_id: str = "", http_status: int | None = None):
        """The answer could not be understood (not JSON, a field missing or of the wrong type).

        Treated as transient: overloaded servers and proxies truncate bodies or
        answer with an HTML error page, and the next attempt usually succeeds.
        """
        text = f"{platform or 'The platform'} returned a malformed answer for {path or 'the request'}: {problem}"
        if request_id:
            text += f" (request id {request_id})"
        return cls(
            text, transient=True, platform=platform, code="malformed", request_id=request_id, http_status=http_status, path=path
        )


class RateLimiter(Protocol):
    def acquire(self, tokens: int = 1) -> float:
        """Take tokens, waiting as long as needed; returns the seconds waited."""


@dataclass
class Outgoing:
    """One attempt of a request, handed to the adapter's signer before it is sent.

    `body` is the exact byte string that goes on the wire, so signatures that
    cover the body (TikTok) sign what the server receives.
    """

    method: str
    url: str
    path: str
    params: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    auth: Any = None


@dataclass
class Reply:
    """A received answer: HTTP status, headers and the parsed JSON body (None if it was not JSON)."""

    status: int
    headers: Mapping[str, str]
    data: Any
    text: str
    path: str
    platform: str

    def malformed(self, problem: str, request_id: str = "") -> ApiError:
        return ApiError.malformed(self.platform, self.path, problem, request_id=request_id, http_status=self.status)


class ApiSession:
    """A `requests.Session` with timeouts, retries, rate limiting and a request counter.

    `requests_made` counts every attempt sent, retries included, because that
    is what the platform's rate limit and the run's record care about.
    `sleep` is injectable so tests do not wait for real.

    Thread-safe: adapters keep several requests in flight from a small thread
    pool, all through this one session and its one rate limiter (the limiters
    in `ratelimit` are thread-safe). `requests.Session` is not documented as
    thread-safe (its cookie jar and adapter mounting are shared state), so
    each request borrows a `requests.Session` that no other thread is using
    from a small pool and gives it back when the answer is read: connections
    are still reused, no two threads share one session at a time. A session
    passed in by the caller (tests script their transport on it) is used by
    every thread, as given. Counters are updated under a lock.
    """

    def __init__(
        self,
        platform: str = "",
        *,
        limiter: RateLimiter | None = None,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
        max_retries: int | None = None,
        backoff_base: float | None = None,
        max_retry_after: float = MAX_RETRY_AFTER,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
        session: requests.Session | None = None,
    ):
        self.platform = platform
        self.limiter = limiter
        self.connect_timeout = settings.HTTP_CONNECT_TIMEOUT if connect_timeout is None else connect_timeout
        self.read_timeout = settings.HTTP_READ_TIMEOUT if read_timeout is None else read_timeout
        self.max_retries = settings.HTTP_MAX_RETRIES if max_retries is None else max_retries
        self.backoff_base = settings.HTTP_BACKOFF_BASE if backoff_base is None else backoff_base
        self.max_retry_after = max_retry_after
        self.sleep = sleep
        self.rng = rng
        self._shared = session is not None
        self.http = session or self._new_http()
        self.http.headers["User-Agent"] = "omnisync/0.1"
        self._lock = threading.Lock()
        self._idle: list[requests.Session] = [self.http]
        self._opened: list[requests.Session] = [self.http]
        self.requests_made = 0
        self.retries_made = 0
        #: The fastest round trip seen, in seconds, and how many were seen: the platform's latency,
        #: which no answer beats (a busy server or a big page only ever make answers slower).
        self.round_trip: float | None = None
        self.round_trips = 0

    #: When even the fastest answer takes this long (seconds), keeping several requests in flight is
    #: worth its threads: a marketplace's answers (100-300 ms) always, a local sandbox's (a few ms) not.
    CONCURRENT_ABOVE = 0.1
    #: Answers seen before deciding: two, so one slow first answer (a cold connection) decides nothing, and
    #: a run's requests go in flight together from the third on (each answer waited for alone costs a round trip).
    CONCURRENT_AFTER = 2

    #: When answers take this long (seconds), reading the next page or batch on one background thread while
    #: the caller stores this one is worth it: one reader keeps the requests in their order, and a page the
    #: server takes 10-50 ms to build (a local sandbox's page of 100 orders) is then read while the caller
    #: writes the previous one, instead of the two waiting for each other. A thread's hand-over costs
    #: about a tenth of a millisecond.
    READ_AHEAD_ABOVE = 0.01

    @property
    def answers_slowly(self) -> bool:
        return self.round_trips >= self.CONCURRENT_AFTER and (self.round_trip or 0) >= self.CONCURRENT_ABOVE

    @property
    def answers_worth_reading_ahead(self) -> bool:
        return self.round_trips >= self.CONCURRENT_AFTER and (self.round_trip or 0) >= self.READ_AHEAD_ABOVE

    def _note_round_trip(self, seconds: float) -> None:
        with self._lock:
            self.round_trips += 1
            self.round_trip = seconds if self.round_trip is None else min(self.round_trip, seconds)

    @staticmethod
    def _new_http() -> requests.Session:
        http = requests.Session()
        http.headers["User-Agent"] = "omnisync/0.1"
        return http

    def _borrow(self) -> requests.Session:
        """A `requests.Session` for this attempt: the caller's own, else one no other thread is using."""
        if self._shared:
            return self.http
        with self._lock:
            if self._idle:
                return self._idle.pop()
            http = self._new_http()
            self._opened.append(http)
            return http

    def _give_back(self, http: requests.Session) -> None:
        if not self._shared:
            with self._lock:
                self._idle.append(http)

    def count(self, requests: int = 0, retries: int = 0) -> None:
        with self._lock:
            self.requests_made += requests
            self.retries_made += retries

    def close(self) -> None:
        with self._lock:
            opened, self._opened, self._idle = self._opened, [self.http], [self.http]
        for http in opened:
            http.close()

    def __enter__(self) -> ApiSession:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- the one entry point --------------------------------------------
    def request(
        self,
        method: str,
        url: str,
        *,
        path: str | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: bytes | str | Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        sign: Callable[[Outgoing], None] | None = None,
        check: Callable[[Reply], None] | None = None,
        expect_json: bool = True,
    ) -> Reply:
        """Send a request until it succeeds, fails for good, or retries run out.

        `sign(outgoing)` is called before every attempt and may change the
        URL, parameters, headers or auth. `check(reply)` inspects every answer
        and raises `ApiError` for the platform's error envelope; raising one
        with `transient=True` (a throttle code in a 200 answer) makes the
        session wait and retry.
        """
        path = path or urlsplit(url).path
        body = self._encode_body(json, data)
        extra_headers = dict(headers or {})
        if json is not None:
            extra_headers.setdefault("Content-Type", "application/json")
        elif isinstance(data, Mapping):
            extra_headers.setdefault("Content-Type", "application/x-www-form-urlencoded")

        attempt = 0
        while True:
            out = Outgoing(method.upper(), url, path, dict(params or {}), dict(extra_headers), body)
            try:
                if self.limiter is not None:
                    self.limiter.acquire()
                if sign is not None:
                    sign(out)
                return self._attempt(out, check, expect_json)
            except ApiError as err:
                if not err.transient or attempt >= self.max_retries:
                    raise
                if err.retry_after is not None and err.retry_after > self.max_retry_after:
                    raise
                delay = self._backoff(attempt, err.retry_after)
                logger.info("%s %s %s: %s; retrying in %.2fs", self.platform, out.method, path, err.code or err.http_status, delay)
                attempt += 1
                self.count(retries=1)
                self.sleep(delay)

    def get(self, url: str, **kwargs) -> Reply:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs) -> Reply:
        return self.request("POST", url, **kwargs)

    # -- internals ------------------------------------------------------
    @staticmethod
    def _encode_body(json: Any, data: Any) -> bytes | None:
        if json is not None:
            return jsonlib.dumps(json, separators=(",", ":"), ensure_ascii=False).encode()
        if data is None:
            return None
        if isinstance(data, bytes):
            return data
        if isinstance(data, str):
            return data.encode()
        from urllib.parse import urlencode

        return urlencode(dict(data), doseq=True).encode()

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        ceiling = min(MAX_BACKOFF, self.backoff_base * (2**attempt))
        delay = self.rng() * ceiling
        if retry_after is not None:
            delay = max(delay, retry_after)
        return delay

    def _attempt(self, out: Outgoing, check: Callable[[Reply], None] | None, expect_json: bool) -> Reply:
        self.count(requests=1)
        started = time.monotonic()
        http = self._borrow()
        try:
            response = http.request(
                out.method,
                out.url,
                params=out.params or None,
                data=out.body,
                headers=out.headers,
                auth=out.auth,
                timeout=(self.connect_timeout, self.read_timeout),
                allow_redirects=False,
            )
            text = response.text
        except requests.Timeout as exc:
            kind = "connecting" if isinstance(exc, requests.ConnectTimeout) else "waiting for the answer"
            raise ApiError(
                f"{self.platform or 'The platform'} did not answer in time ({kind}) for {out.path}",
                transient=True,
                platform=self.platform,
                code="timeout",
                path=out.path,
            ) from None
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError):
            raise ApiError(
                f"{self.platform or 'The platform'} dropped the connection for {out.path}",
                transient=True,
                platform=self.platform,
                code="connection",
                path=out.path,
            ) from None
        except requests.RequestException as exc:
            raise ApiError(
                f"Could not send the request to {self.platform or 'the platform'} ({out.path}): {exc.__class__.__name__}",
                platform=self.platform,
                code="request",
                path=out.path,
            ) from None
        finally:
            self._give_back(http)
        self._note_round_trip(time.monotonic() - started)
        logger.debug("%s %s %s -> %s in %.3fs", self.platform, out.method, out.path, response.status_code, time.monotonic() - started)

        data = None
        if text.strip():
            try:
                data = jsonlib.loads(text)
            except ValueError:
                data = None
        reply = Reply(response.status_code, response.headers, data, text, out.path, self.platform)
        status = response.status_code
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        overloaded = status == 429 or (status >= 500 and status != 501)

        if check is not None and data is not None:
            try:
                check(reply)
            except ApiError as err:
                if overloaded:
                    err.transient = True
                if err.retry_after is None:
                    err.retry_after = retry_after
                if err.http_status is None:
                    err.http_status = status
                err.path = err.path or out.path
                raise
        if overloaded:
            raise ApiError.refused(
                self.platform,
                "too_many_requests" if status == 429 else f"HTTP {status}",
                "rate limit reached" if status == 429 else "server error",
                http_status=status,
                transient=True,
                retry_after=retry_after,
                path=out.path,
            )
        if 300 <= status < 400:
            raise ApiError(
                f"{self.platform or 'The platform'} redirected {out.path} to {response.headers.get('Location', '?')}: check the channel's API base URL",
                platform=self.platform,
                code=f"HTTP {status}",
                http_status=status,
                path=out.path,
            )
        if status >= 400:
            raise ApiError.refused(self.platform, f"HTTP {status}", _snippet(text), http_status=status, path=out.path)
        if expect_json and data is None:
            problem = "the body is empty" if not text.strip() else f"the body is not JSON ({_snippet(text)})"
            raise reply.malformed(problem)
        return reply


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def _snippet(text: str, limit: int = 120) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
