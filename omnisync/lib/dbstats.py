"""Planner statistics kept up with a table that just grew by much more than it held.

PostgreSQL plans a query from each table's statistics, which autovacuum
refreshes about a minute after a tenth of a table has changed. A shop's first
download writes thousands of orders into tables whose statistics still say
"empty", and two things then grow with the square of the orders: the
foreign-key checks PostgreSQL runs at each commit are planned once per
connection, and planned against an "empty" orders table they scan it for every
line inserted (commits took 100 ms per 100 orders by the end of 10,000, 1.4 s
in all once analyzed instead of 10 s); and the recount at the end of the run
(orders.mismatches) was planned as a nested loop over every pair of remote and
POS orders (1.3 s for 5,000). `statistics_refresh` analyzes such a table as
the run goes (ANALYZE also makes the cached plans be made again). ANALYZE
reads a sample of at most 30,000 rows (tens of milliseconds at any size) and
only runs when the table grew by more than a tenth of what its statistics
counted, as autovacuum would, so a routine run adding a few orders to a big
table never pays for it. SQLite keeps no such
statistics unless asked: nothing to do there.
"""

from __future__ import annotations

from django.db import connection

#: Rows a table may grow by before its statistics are refreshed, besides a tenth of what they counted.
GROWTH_FLOOR = 1000


def statistics_refresh(tables: list[str], grown_by: int) -> list[str]:
    """ANALYZE those of `tables` (names from models' `_meta.db_table`) that grew by `grown_by` rows, more than
    a tenth of the rows their statistics count plus GROWTH_FLOOR; returns the tables analyzed."""
    if connection.vendor != "postgresql" or grown_by <= GROWTH_FLOOR:
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, reltuples FROM pg_class WHERE relname = ANY(%s) AND relkind = 'r'", [tables])
        counted = {name: max(0.0, rows) for name, rows in cursor.fetchall()}  # -1: never analyzed
        stale = [t for t in tables if t in counted and grown_by > counted[t] / 10 + GROWTH_FLOOR]
        for table in stale:
            cursor.execute(f'ANALYZE "{table}"')  # a model's table name, not input
    return stale
