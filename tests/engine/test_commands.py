"""Command-line errors name the argument and exit with status 2."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests import factories as f

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["download_orders", "--channel", "Nope"], "--channel: no channel"),
        (["download_orders", "--all", "--since", "2026-13-45"], "--since"),
        (["download_orders", "--all", "--since", "2026-11-12", "--until", "2026-11-11"], "--since must be before --until"),
        (["download_orders", "--all", "--since", "yesterday"], "--since"),
        (["scan_channel"], "--channel NAME_OR_ID"),
        (["routine", "--all", "--channel", "x"], "cannot be combined"),
    ],
)
def test_bad_arguments_are_refused_naming_the_field(args, needle):
    f.channel()
    with pytest.raises(CommandError, match=needle) as exc:
        call_command(*args)
    assert exc.value.returncode == 2


def test_bad_arguments_exit_with_status_2():
    result = subprocess.run(
        [sys.executable, "manage.py", "download_orders", "--all", "--since", "2026-11-31"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={"DEBUG": "1", "OMNISYNC_SANDBOX": "0", "PATH": "/usr/bin:/bin", "SQLITE_PATH": str(ROOT / "var" / "cmdtest.sqlite3")},
    )
    assert result.returncode == 2, result.stderr
    assert "--since: '2026-11-31' is not a date" in result.stderr
