"""Per-channel token buckets that keep us inside a platform's rate limit.

A platform counts requests per shop (or per app and shop), not per worker
process, so with several django-q workers on several machines the bucket must
live in one shared place: Redis when REDIS_URL is set. Without Redis (a single
machine, SQLite and the ORM broker) an in-process bucket is the best we can
do, and it is exact for the one-worker default.

Both buckets reserve instead of polling: taking a token that is not there yet
drives the balance negative and tells the caller how long to sleep, so
waiting callers are served in order and Redis is asked once per request.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from django.conf import settings


class LocalTokenBucket:
    """A token bucket shared by the threads of one process (reserve() holds a lock; the wait is outside it)."""

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate = float(rate)
        self.burst = int(burst)
        self.clock = clock
        self.sleep = sleep
        self._tokens = float(burst)
        self._stamp = clock()
        self._lock = threading.Lock()

    def reserve(self, tokens: int = 1) -> float:
        """Take tokens now; returns how long the caller must wait before using them."""
        with self._lock:
            now = self.clock()
            self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            self._tokens -= tokens
            return max(0.0, -self._tokens / self.rate)

    def acquire(self, tokens: int = 1) -> float:
        wait = self.reserve(tokens)
        if wait > 0:
            self.sleep(wait)
        return wait


# KEYS[1] bucket hash; ARGV rate (tokens/s), burst, tokens wanted.
# Uses the Redis server's clock so machines with skewed clocks agree.
_RESERVE_LUA = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local want = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'stamp')
local tokens = tonumber(state[1])
local stamp = tonumber(state[2])
if tokens == nil or stamp == nil then
  tokens = burst
  stamp = now
end
tokens = math.min(burst, tokens + math.max(0, now - stamp) * rate)
tokens = tokens - want
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'stamp', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + 1000)
if tokens >= 0 then
  return '0'
end
return tostring(-tokens / rate)
"""


class RedisTokenBucket:
    """The same bucket kept in Redis, shared by every worker on every machine."""

    def __init__(self, client, key: str, rate: float, burst: int, *, sleep: Callable[[float], None] = time.sleep):
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.client = client
        self.key = key
        self.rate = float(rate)
        self.burst = int(burst)
        self.sleep = sleep
        self._script = client.register_script(_RESERVE_LUA)

    def reserve(self, tokens: int = 1) -> float:
        raw = self._script(keys=[self.key], args=[self.rate, self.burst, tokens])
        if isinstance(raw, bytes):
            raw = raw.decode()
        return max(0.0, float(raw))

    def acquire(self, tokens: int = 1) -> float:
        wait = self.reserve(tokens)
        if wait > 0:
            self.sleep(wait)
        return wait


_local_buckets: dict[tuple[str, float, int], LocalTokenBucket] = {}
_local_lock = threading.Lock()
_redis_clients: dict[str, object] = {}


def redis_client(url: str):
    """One client per URL per process; redis-py clients are thread-safe (a connection pool each)."""
    with _local_lock:
        client = _redis_clients.get(url)
        if client is None:
            import redis

            client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
            _redis_clients[url] = client
        return client


def token_bucket(key: str, rate: float, burst: int, *, redis_url: str | None = ..., sleep: Callable[[float], None] = time.sleep):
    """The bucket for `key` (e.g. "shopee:channel:7"): in Redis when configured, else one per process.

    Buckets with the same key share their tokens, so every session of one
    channel in this process (or, with Redis, anywhere) draws from one budget.
    """
    url = settings.REDIS_URL if redis_url is ... else redis_url
    scale = getattr(settings, "HTTP_RATE_LIMIT_SCALE", 1.0)
    rate, burst = rate * scale, max(1, int(burst * scale))
    if url:
        return RedisTokenBucket(redis_client(url), f"omnisync:ratelimit:{key}", rate, burst, sleep=sleep)
    with _local_lock:
        bucket = _local_buckets.get((key, rate, burst))
        if bucket is None:
            bucket = LocalTokenBucket(rate, burst, sleep=sleep)
            _local_buckets[(key, rate, burst)] = bucket
        return bucket


if settings.REDIS_URL:
    # redis-py loaded with this module, not by the first run that asks for a bucket (its import takes about
    # 0.1 s, a run's first request waited for it): a worker on the Redis broker has it loaded anyway.
    import redis  # noqa: F401
