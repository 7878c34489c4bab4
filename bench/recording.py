"""Record the product's HTTP requests, then replay them bare: the download benchmark's baseline.

The recording session is the product's own `ApiSession` with one addition: it
remembers each request it sends (method, URL, parameters, body and the
adapter's signer) and the size of each answer. What a request sends is spooled
to a temporary file, not held in memory: the download benchmark measures the
product's peak memory, and 100,000 orders' requests would otherwise add some
4 MB of the bench's own to it. The replay sends the same
requests with a plain `requests.Session` and only `json.loads` the answers;
every request is signed again just before it is sent, because platforms refuse
old timestamps (Shopee after 5 minutes). Shopify's requests carry only an access
token that does not expire, and its adapter's signer also waits for the query-cost
bucket (the product's pacing, not part of a bare request): they are replayed with
the headers they were sent with.
"""

from __future__ import annotations

import json
import pickle
import tempfile
import threading
import time
from dataclasses import dataclass
from typing import Any

import requests

from omnisync.lib.http import ApiSession, Outgoing

#: What the recorded requests send (url, params, headers, body), one pickle after another.
_spool = tempfile.TemporaryFile()


@dataclass(slots=True)
class Recorded:
    method: str
    path: str
    sign: Any
    sent_at: float
    #: where in the spool this request's url, params, headers and body are
    offset: int
    #: the headers it was sent with, kept for Shopify only (its token header is replayed as it was)
    signed_headers: dict | None = None

    def sent(self) -> tuple[str, dict, dict, bytes | None]:
        """(url, params, headers, body) as recorded."""
        with RecordingSession._record_lock:
            _spool.seek(self.offset)
            return pickle.load(_spool)  # noqa: S301 (our own temporary file, written by this process)


class RecordingSession(ApiSession):
    #: every request sent by any recording session in this process, in the order they were sent
    log: list[Recorded] = []
    bytes_received = 0
    #: answers that said "busy, try again" (throttled, 5xx): the latency profile must see none
    busy_answers = 0
    _record_lock = threading.Lock()

    def request(self, method, url, *, path=None, params=None, json=None, data=None, headers=None, sign=None, check=None, expect_json=True):
        from urllib.parse import urlsplit

        extra = dict(headers or {})
        if json is not None:
            extra.setdefault("Content-Type", "application/json")
        sent = (url, dict(params or {}), extra, self._encode_body(json, data))
        with RecordingSession._record_lock:
            _spool.seek(0, 2)
            entry = Recorded(method.upper(), path or urlsplit(url).path, sign, time.perf_counter(), _spool.tell())
            pickle.dump(sent, _spool)
            RecordingSession.log.append(entry)

        def signed(out: Outgoing) -> None:
            if sign is not None:
                sign(out)
            if "X-Shopify-Access-Token" in out.headers:
                entry.signed_headers = dict(out.headers)

        return super().request(method, url, path=path, params=params, json=json, data=data, headers=headers, sign=signed,
                                check=check, expect_json=expect_json)

    def _attempt(self, out, check, expect_json):
        from omnisync.lib.http import ApiError

        try:
            reply = super()._attempt(out, check, expect_json)
        except ApiError as err:
            if err.transient:
                with RecordingSession._record_lock:
                    RecordingSession.busy_answers += 1
            raise
        with RecordingSession._record_lock:
            RecordingSession.bytes_received += len(reply.text)
        return reply


def record_into_adapters() -> None:
    """Make every adapter created from now on in this process use a recording session."""
    from channels_app.adapters import base

    base.ApiSession = RecordingSession


def replay(records: list[Recorded]) -> dict:
    """Send the recorded requests again, bare; returns time, requests and bytes."""
    http = requests.Session()
    http.headers["User-Agent"] = "omnisync-bench/bare"
    received = 0
    errors = 0
    sent = [rec.sent() for rec in records]  # read from the spool before the clock starts
    started = time.perf_counter()
    for rec, (url, params, headers, body) in zip(records, sent, strict=True):
        out = Outgoing(rec.method, url, rec.path, params, headers, body)
        if rec.signed_headers:
            out.headers = dict(rec.signed_headers)
        elif rec.sign is not None:
            rec.sign(out)
        response = http.request(out.method, out.url, params=out.params or None, data=out.body, headers=out.headers, auth=out.auth,
                                timeout=(5, 60), allow_redirects=False)
        text = response.text
        received += len(text)
        json.loads(text)
        if response.status_code >= 400:
            errors += 1
    elapsed = time.perf_counter() - started
    http.close()
    return {"seconds": elapsed, "requests": len(records), "bytes": received, "http_errors": errors}
