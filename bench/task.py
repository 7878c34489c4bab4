"""One measurement in a fresh process: `python -m bench.task <name> '<json args>'`; prints one JSON line."""

from __future__ import annotations

import json
import sys


def main() -> None:
    name, args = sys.argv[1], json.loads(sys.argv[2] if len(sys.argv) > 2 else "{}")
    import django

    django.setup()
    from bench import download, inventory, pages, workers

    tasks = {
        "download_seed": download.seed,
        "download_measure": download.measure,
        "inventory_seed": inventory.seed,
        "inventory_measure": inventory.measure,
        "pages_seed": pages.seed,
        "pages_measure": pages.measure,
        "worker": workers.worker,
        "workers_prepare": workers.prepare,
    }
    result = tasks[name](**args)
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
