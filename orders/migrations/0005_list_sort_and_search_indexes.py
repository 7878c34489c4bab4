"""Indexes for the orders and mismatched-orders lists at a million rows: one (column, id) btree per sortable
column, so the first page and every keyset page (omnisync.lib.listview) of any sort is one index range; and, on
PostgreSQL only, trigram (pg_trgm) GIN indexes on the searched columns, which serve the search's ``icontains``
(``UPPER(col::text) LIKE UPPER('%…%')``, the expression indexed here).

The btree indexes are plain SQL on both databases; they stay out of the models' Meta (whose files other work
owns) and so out of the migration state. SQLite gets no trigram index (``LIKE '%…%'`` scans there).
"""

from django.db import migrations

#: (index, table, columns): the lists' sort orders, the primary key as the tiebreaker the list view adds
BTREE = [
    ("order_external_id_key", "orders_order", "external_id, id"),
    ("order_channel_key", "orders_order", "channel_id, id"),
    ("order_status_key", "orders_order", "status, id"),
    ("order_raw_status_key", "orders_order", "raw_status, id"),
    ("order_buyer_key", "orders_order", "buyer_name, id"),
    ("order_total_key", "orders_order", "total, id"),
    ("order_updated_key", "orders_order", "channel_updated_at, id"),
    ("order_imported_key", "orders_order", "imported_at, id"),
    ("remote_order_external_id_key", "orders_remoteorder", "external_id, id"),
    ("remote_order_channel_key", "orders_remoteorder", "channel_id, id"),
    ("remote_order_status_key", "orders_remoteorder", "status, raw_status, id"),
    ("remote_order_first_seen_key", "orders_remoteorder", "first_seen_at, id"),
]

#: (index, table, column): what the lists' search box looks in
TRIGRAM = [
    ("order_external_id_trgm", "orders_order", "external_id"),
    ("order_buyer_name_trgm", "orders_order", "buyer_name"),
    ("remote_order_external_id_trgm", "orders_remoteorder", "external_id"),
]


def trigram_create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in TRIGRAM:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ((UPPER({column}::text)) gin_trgm_ops)")
    # Statistics on the indexed expressions, so the planner can tell a rare search from one matching most rows.
    for table in sorted({table for _name, table, _column in TRIGRAM}):
        schema_editor.execute(f"ANALYZE {table}")


def trigram_drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in TRIGRAM:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ("orders", "0004_real_shop"),
    ]

    operations = [
        migrations.RunSQL(
            sql=[f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns})" for name, table, columns in BTREE],
            reverse_sql=[f"DROP INDEX IF EXISTS {name}" for name, _table, _columns in BTREE],
        ),
        migrations.RunPython(trigram_create, trigram_drop, elidable=False),
    ]
