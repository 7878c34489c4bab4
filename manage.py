#!/usr/bin/env python
import os
import sys
from pathlib import Path

if __name__ == "__main__":
    # `make run` writes .env for local use, so `python manage.py …` works as it is afterwards.
    # Variables already set win; production sets its own and has no .env.
    local_env = Path(os.environ.get("OMNISYNC_DOTENV") or Path(__file__).resolve().parent / ".env")
    if local_env.is_file():
        from dotenv import load_dotenv

        load_dotenv(local_env, override=False)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omnisync.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
