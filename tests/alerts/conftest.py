import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils.module_loading import import_string

from tests.dashboard.conftest import shop  # noqa: F401  (a fixture)


class Receiver:
    """A chat gateway stand-in on 127.0.0.1: answers with the scripted statuses in turn, keeps every request."""

    def __init__(self):
        self.statuses: list[int] = []
        self.requests: list[dict] = []


@pytest.fixture
def receiver():
    got = Receiver()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            got.requests.append({"path": self.path, "headers": dict(self.headers.items()), "body": body})
            status = got.statuses.pop(0) if got.statuses else 200
            raw = json.dumps({"status": status}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

    class Quiet(ThreadingHTTPServer):
        daemon_threads = True

    httpd = Quiet(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    got.url = f"http://127.0.0.1:{httpd.server_address[1]}/hooks/omnisync"
    yield got
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def run_tasks(monkeypatch):
    """Stand in for the job cluster: a queued task runs at once, and is listed."""
    ran = []

    def run(func, *args, **kwargs):
        ran.append(func)
        return import_string(func)(*args)

    monkeypatch.setattr("django_q.tasks.async_task", run)
    return ran
