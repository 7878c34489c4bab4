"""Beyond one machine: several worker processes share PostgreSQL and Redis.

Real processes, not threads: each one loads the settings from the
environment (DATABASE_URL pointing at the test database, REDIS_URL) as a
qcluster on another machine would. Skipped unless both are configured.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import IntegrityError, connection, transaction

from channels_app.models import RunKind, RunStatus, SyncRun
from tests import factories

pytestmark = [
    pytest.mark.skipif(not (settings.DATABASE_URL and settings.REDIS_URL),
                       reason="needs PostgreSQL and Redis (DATABASE_URL and REDIS_URL)"),
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parents[2]

CLAIM = """
import json, sys, time, django
django.setup()
from channels_app.models import Channel, RunKind
from channels_app.runs import run_claim, run_request
channel = Channel.objects.get(pk=int(sys.argv[1]))
while time.time() < float(sys.argv[2]):
    time.sleep(0.001)
run, created = run_request(channel, RunKind.DOWNLOAD_ORDERS, trigger="scale-test", queue=False)
claimed = run_claim(run.pk)
print(json.dumps({"run": run.pk, "created": created, "claimed": claimed is not None}))
"""

TAKE = """
import json, sys, time, django
django.setup()
from omnisync.lib.ratelimit import token_bucket
bucket = token_bucket(sys.argv[1], float(sys.argv[2]), 1)
while time.time() < float(sys.argv[3]):
    time.sleep(0.001)
print(json.dumps([bucket.reserve() for _ in range(int(sys.argv[4]))]))
"""


def _env() -> dict:
    """The test database (not the developer's) for the child processes, and no rate-limit scaling."""
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = dict(os.environ, DATABASE_URL=url, REDIS_URL=settings.REDIS_URL, HTTP_RATE_LIMIT_SCALE="1",
               DJANGO_SETTINGS_MODULE="omnisync.settings", PYTHONPATH=str(ROOT), LOG_LEVEL="WARNING")
    env.setdefault("DEBUG", "1")
    return env


def _spawn(code: str, *args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code, *map(str, args)], cwd=ROOT, env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _result(proc: subprocess.Popen):
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


def test_the_database_refuses_a_second_active_run_of_a_kind():
    channel = factories.channel()
    SyncRun.objects.create(channel=channel, kind=RunKind.DOWNLOAD_ORDERS)
    with pytest.raises(IntegrityError), transaction.atomic():
        SyncRun.objects.create(channel=channel, kind=RunKind.DOWNLOAD_ORDERS, status=RunStatus.RUNNING)
    SyncRun.objects.create(channel=channel, kind=RunKind.SCAN)  # another kind may run alongside
    other = factories.channel(name="Other channel")
    SyncRun.objects.create(channel=other, kind=RunKind.DOWNLOAD_ORDERS)  # so may another channel


def test_processes_requesting_and_claiming_the_same_channel_job_at_once_get_one_run_and_one_claim():
    channel = factories.channel()
    start = time.time() + 3  # all four are connected and waiting by then
    results = [_result(p) for p in [_spawn(CLAIM, channel.pk, start) for _ in range(4)]]
    assert sum(r["created"] for r in results) == 1, results
    assert len({r["run"] for r in results}) == 1, results
    assert sum(r["claimed"] for r in results) == 1, results
    assert SyncRun.objects.filter(channel=channel, kind=RunKind.DOWNLOAD_ORDERS).count() == 1
    assert SyncRun.objects.get(channel=channel).status == RunStatus.RUNNING


def test_the_rate_limit_of_one_channel_holds_across_processes():
    """Three processes draw from one channel's bucket (burst 1): each reservation queues behind every other one.

    Counted, not timed: each process reserves its tokens (no sleeping) and reports the wait it was given. At one
    token per 100 s the refill during the test is negligible, so one shared bucket hands out the waits
    0, 100, 200, ... 2900 s across the three processes; three private buckets would give 0, 0, 0, 100, 100, 100, ...
    """
    key = f"scale-test:channel:{time.time_ns()}"
    rate, each, procs = 0.01, 10, 3
    start = time.time() + 3
    try:
        waits = sorted(w for p in [_spawn(TAKE, key, rate, start, each) for _ in range(procs)] for w in _result(p))
    finally:
        from omnisync.lib.ratelimit import redis_client

        redis_client(settings.REDIS_URL).delete(f"omnisync:ratelimit:{key}")
    assert waits == [pytest.approx(100 * i, abs=5) for i in range(each * procs)], waits
