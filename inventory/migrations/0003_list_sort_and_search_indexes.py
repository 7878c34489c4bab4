"""Indexes for the listings and stock-discrepancy lists: (column, id) btrees for the sortable columns that
rarely change (a scan or a push rewrites channel stock and push state on every listing, so those stay
unindexed and their sorts read the list), and, on PostgreSQL only, trigram (pg_trgm) GIN indexes on the
searched columns of listings and SKUs for the search's ``icontains`` (``UPPER(col::text) LIKE …``).

Plain SQL, outside the models' Meta and the migration state, as in orders/0005.
"""

from django.db import migrations

BTREE = [
    ("listing_channel_key", "inventory_listing", "channel_id, id"),
    ("listing_seller_sku_key", "inventory_listing", "seller_sku, id"),
    ("listing_title_key", "inventory_listing", "title, id"),
    ("listing_item_key", "inventory_listing", "external_item_id, id"),
    ("listing_variant_key", "inventory_listing", "external_variant_id, id"),
    ("sku_name_key", "inventory_sku", "name, id"),
]

TRIGRAM = [
    ("listing_seller_sku_trgm", "inventory_listing", "seller_sku"),
    ("listing_title_trgm", "inventory_listing", "title"),
    ("listing_item_trgm", "inventory_listing", "external_item_id"),
    ("sku_code_trgm", "inventory_sku", "code"),
    ("sku_name_trgm", "inventory_sku", "name"),
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
        ("inventory", "0002_real_shop"),
    ]

    operations = [
        migrations.RunSQL(
            sql=[f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns})" for name, table, columns in BTREE],
            reverse_sql=[f"DROP INDEX IF EXISTS {name}" for name, _table, _columns in BTREE],
        ),
        migrations.RunPython(trigram_create, trigram_drop, elidable=False),
    ]
