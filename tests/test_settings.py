"""Settings come from the environment and fail loudly on malformed values."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from omnisync.lib.env import env_bool, env_int, env_list, env_url

ROOT = Path(__file__).resolve().parents[1]
PROD_KEY = "q8Zr!mK2@vP5#wL9$tN3%yB6^hD1&jF4*sG7(cX0)aE-u2Wn8Lp4Rs6Tv" + "m3Kd"


def test_typed_helpers_name_the_variable():
    with pytest.raises(ImproperlyConfigured, match="Q_WORKERS must be an integer"):
        env_int("Q_WORKERS", 2, {"Q_WORKERS": "two"})
    with pytest.raises(ImproperlyConfigured, match="Q_WORKERS must be at least 1"):
        env_int("Q_WORKERS", 2, {"Q_WORKERS": "0"}, minimum=1)
    with pytest.raises(ImproperlyConfigured, match="DEBUG must be a boolean"):
        env_bool("DEBUG", False, {"DEBUG": "maybe"})
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL must be a URL"):
        env_url("DATABASE_URL", ("postgres",), {"DATABASE_URL": "mysql://x/y"})
    assert env_bool("DEBUG", False, {"DEBUG": "Yes"}) is True
    assert env_int("N", 7, {}) == 7
    assert env_list("HOSTS", [], {"HOSTS": "a.com, b.com,"}) == ["a.com", "b.com"]


def run_manage(*args, **env):
    # What a production machine would not have, including what other tests set for themselves (browser tests: async unsafe).
    drop = {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "OMNISYNC_SANDBOX", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in drop}
    # A developer's .env (written by `make run`) must not stand in for production's variables.
    clean["OMNISYNC_DOTENV"] = os.devnull + ".absent"
    clean.update(env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120)


def test_missing_secret_key_with_debug_off_is_an_error():
    result = run_manage("check", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_manage_py_reads_the_local_env_file_that_make_run_writes(tmp_path):
    local = tmp_path / ".env"
    local.write_text("DEBUG=1\nOMNISYNC_SANDBOX=1\nSECRET_KEY=local-only-key-for-this-test\n")
    result = run_manage("shell", "-c", "from django.conf import settings; print(settings.DEBUG, settings.SECRET_KEY)",
                        OMNISYNC_DOTENV=str(local))
    assert result.stdout.strip().splitlines()[-1] == "True local-only-key-for-this-test", result.stderr
    # A variable set in the environment wins over the file.
    result = run_manage("shell", "-c", "from django.conf import settings; print(settings.DEBUG)",
                        OMNISYNC_DOTENV=str(local), DEBUG="0", ALLOWED_HOSTS="shop.example.com")
    assert result.stdout.strip().splitlines()[-1] == "False", result.stderr


def test_malformed_value_stops_start_up():
    result = run_manage("check", DEBUG="1", Q_WORKERS="lots")
    assert result.returncode != 0
    assert "Q_WORKERS must be an integer" in result.stderr


def test_check_deploy_is_clean_with_production_variables():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING",
        DEBUG="0", SECRET_KEY=PROD_KEY, ALLOWED_HOSTS="shop.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_sandbox_off_in_production_by_default():
    result = run_manage(
        "shell", "-c", "from django.conf import settings; print(settings.SANDBOX_ENABLED, 'sandbox' in settings.INSTALLED_APPS)",
        DEBUG="0", SECRET_KEY=PROD_KEY, ALLOWED_HOSTS="shop.example.com",
    )
    assert result.stdout.strip().splitlines()[-1] == "False False", result.stderr


def test_queue_settings_leave_retries_to_us():
    from django.conf import settings

    q = settings.Q_CLUSTER
    assert q["timeout"] < q["retry"]
    assert q["catch_up"] is False and q["ack_failures"] is True and q["max_attempts"] == 1
    assert ("redis" in q) == bool(settings.REDIS_URL)
    assert ("orm" in q) != bool(settings.REDIS_URL)
