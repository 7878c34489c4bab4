"""Record the product's HTTP requests, then replay them bare: the download benchmark's baseline.

The recording session is the product's own `ApiSession` with one addition: it
remembers each request it sends (method, URL, parameters, body and the
adapter's signer) and the size of each answer. The replay sends the same
requests with a plain `requests.Session` and only `json.loads` the answers;
every request is signed again just before it is sent, because platforms refuse
old timestamps (Shopee after 5 minutes). Shopify's requests carry only an access
token that does not expire, and its adapter's signer also waits for the query-cost
bucket (the product's pacing, not part of a bare request): they are replayed with
the headers they were sent with.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any

import requests

from omnisync.lib.http import ApiSession, Outgoing


@dataclass(slots=True)
class Recorded:
    method: str
    url: str
    path: str
    params: dict
    headers: dict
    body: bytes | None
    sign: Any
    sent_at: float = 0.0
    signed_headers: dict | None = None


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
        entry = Recorded(method.upper(), url, path or urlsplit(url).path, dict(params or {}), extra, self._encode_body(json, data), sign,
                         time.perf_counter())
        with RecordingSession._record_lock:
            RecordingSession.log.append(entry)

        def signed(out: Outgoing) -> None:
            if sign is not None:
                sign(out)
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
    started = time.perf_counter()
    for rec in records:
        out = Outgoing(rec.method, rec.url, rec.path, dict(rec.params), dict(rec.headers), rec.body)
        if rec.signed_headers and "X-Shopify-Access-Token" in rec.signed_headers:
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
