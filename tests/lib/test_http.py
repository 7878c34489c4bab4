"""ApiSession against a tiny local HTTP server: what is retried, what is not, and what staff read."""

from __future__ import annotations

import pytest

from omnisync.lib.http import ApiError, ApiSession, Reply


@pytest.fixture
def slept():
    return []


@pytest.fixture
def session(slept):
    s = ApiSession("Shopee", max_retries=3, backoff_base=0.01, sleep=slept.append, rng=lambda: 0.5, read_timeout=2)
    yield s
    s.close()


def shopee_check(reply: Reply) -> None:
    body = reply.data
    if body.get("error"):
        raise ApiError.refused(
            "Shopee",
            body["error"],
            body.get("message", ""),
            request_id=body.get("request_id", ""),
            transient=body["error"] in {"error_system_busy", "error_too_many_request"},
        )


def test_success_counts_one_request(server, session):
    reply = session.get(server.url + "/api/v2/ok", params={"a": 1})
    assert reply.data == {"ok": True}
    assert session.requests_made == 1
    assert server.seen == ["/api/v2/ok?a=1"]


def test_429_with_retry_after_is_waited_out(server, session, slept):
    server.answers = [(429, {"Retry-After": "2"}, {"error": "error_too_many_request"}), (200, {}, {"ok": 1})]
    reply = session.get(server.url + "/x", check=shopee_check)
    assert reply.data == {"ok": 1}
    assert slept == [2.0]
    assert session.requests_made == 2


def test_5xx_and_dropped_connection_are_retried_with_backoff(server, session, slept):
    server.answers = [(503, {}, b"<html>overloaded</html>"), "drop", (200, {}, {"ok": 1})]
    reply = session.get(server.url + "/x")
    assert reply.data == {"ok": 1}
    assert session.requests_made == 3
    # full jitter: rng() * base * 2**attempt
    assert slept == [pytest.approx(0.005), pytest.approx(0.01)]


def test_throttle_code_in_a_200_answer_is_retried(server, session, slept):
    server.answers = [(200, {}, {"error": "error_system_busy", "message": "busy", "request_id": "r1"}), (200, {}, {"error": "", "response": {}})]
    session.get(server.url + "/x", check=shopee_check)
    assert session.requests_made == 2
    assert len(slept) == 1


def test_retries_run_out_with_a_transient_error(server, session):
    server.answers = [(500, {}, {"x": 1})] * 4
    with pytest.raises(ApiError) as caught:
        session.get(server.url + "/x")
    assert caught.value.transient
    assert caught.value.http_status == 500
    assert session.requests_made == 4


def test_permanent_error_is_not_retried_and_reads_well(server, session, slept):
    server.answers = [(200, {}, {"error": "error_auth", "message": "Invalid access_token", "request_id": "abc123"})]
    with pytest.raises(ApiError) as caught:
        session.get(server.url + "/api/v2/order/get_order_list", check=shopee_check)
    err = caught.value
    assert not err.transient
    assert (err.platform, err.code, err.request_id) == ("Shopee", "error_auth", "abc123")
    assert str(err) == "Shopee refused the request: error_auth (Invalid access_token), request id abc123"
    assert err.path == "/api/v2/order/get_order_list"
    assert session.requests_made == 1
    assert slept == []


def test_plain_4xx_is_permanent(server, session):
    server.answers = [(404, {}, b"not here")]
    with pytest.raises(ApiError) as caught:
        session.get(server.url + "/x")
    assert not caught.value.transient
    assert caught.value.http_status == 404
    assert session.requests_made == 1


def test_retry_after_longer_than_the_session_waits_gives_up_at_once(server, session, slept):
    server.answers = [(429, {"Retry-After": "3600"}, {})]
    with pytest.raises(ApiError) as caught:
        session.get(server.url + "/x")
    assert caught.value.transient
    assert caught.value.retry_after == 3600
    assert slept == []


def test_body_that_is_not_json_is_a_clear_error(server, session):
    server.answers = [(200, {}, b"<html>gateway</html>")] * 4
    with pytest.raises(ApiError) as caught:
        session.get(server.url + "/orders/get")
    assert "returned a malformed answer for /orders/get: the body is not JSON" in str(caught.value)
    assert caught.value.code == "malformed"


def test_read_timeout_is_transient_and_retried(server, slept):
    session = ApiSession("WooCommerce", max_retries=1, sleep=slept.append, read_timeout=0.2)
    server.answers = [("sleep", 0.5, (200, {}, {"late": 1})), (200, {}, {"ok": 1})]
    assert session.get(server.url + "/x").data == {"ok": 1}
    assert session.requests_made == 2


def test_read_timeouts_until_retries_run_out(server, slept):
    session = ApiSession("WooCommerce", max_retries=1, sleep=slept.append, read_timeout=0.2)
    server.answers = [("sleep", 0.4, (200, {}, {})), ("sleep", 0.4, (200, {}, {}))]
    with pytest.raises(ApiError) as caught:
        session.get(server.url + "/wp-json/wc/v3/orders")
    assert caught.value.transient
    assert caught.value.code == "timeout"
    assert "WooCommerce did not answer in time" in str(caught.value)


def test_signer_runs_on_every_attempt(server, session):
    server.answers = [(502, {}, {}), (200, {}, {"ok": 1})]
    stamps = iter(["1", "2"])

    def sign(out):
        out.params["ts"] = next(stamps)

    session.get(server.url + "/x", sign=sign)
    assert server.seen == ["/x?ts=1", "/x?ts=2"]


def test_limiter_is_asked_before_every_attempt(server, session):
    class Counting:
        calls = 0

        def acquire(self, tokens=1):
            Counting.calls += 1
            return 0.0

    session.limiter = Counting()
    server.answers = [(500, {}, {}), (200, {}, {"ok": 1})]
    session.get(server.url + "/x")
    assert Counting.calls == 2
