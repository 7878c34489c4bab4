"""A first download of thousands of orders leaves PostgreSQL's planner statistics current, so the recount that
ends the same run is planned for thousands of rows, not for the empty tables the statistics last saw."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection

from omnisync.lib.dbstats import statistics_refresh
from orders.mismatches import missing_orders, missing_summary
from orders.models import CanonicalStatus, Order, RemoteOrder
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.skipif(connection.vendor != "postgresql",
                                                         reason="planner statistics are PostgreSQL's (SQLite keeps none unless asked)")]


def counted(table: str) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
        return cursor.fetchone()[0]


def remote_orders(channel, n: int) -> None:
    when = datetime(2026, 12, 1, tzinfo=UTC)
    RemoteOrder.objects.bulk_create([
        RemoteOrder(channel=channel, external_id=f"R{i}", raw_status="READY_TO_SHIP", status=CanonicalStatus.TO_SHIP,
                    channel_updated_at=when, first_seen_at=when, seen_at=when) for i in range(n)
    ])


def recount_plan(channel) -> str:
    sql, params = missing_orders([channel.pk]).order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_tables_grown_by_thousands_are_analyzed_and_the_recount_is_no_longer_planned_as_a_loop_over_every_pair():
    channel = factories.channel()
    remote_orders(channel, 3000)
    when = datetime(2026, 12, 1, tzinfo=UTC)
    Order.objects.bulk_create([
        Order(channel=channel, external_id=f"R{i}", status=CanonicalStatus.TO_SHIP, raw_status="READY_TO_SHIP",
              channel_created_at=when, channel_updated_at=when) for i in range(2990)
    ])
    tables = [RemoteOrder._meta.db_table, Order._meta.db_table]
    assert statistics_refresh(tables, grown_by=3000) == tables
    assert counted(RemoteOrder._meta.db_table) == 3000 and counted(Order._meta.db_table) == 2990
    assert "Nested Loop Anti Join" not in recount_plan(channel)
    assert missing_summary(channel)[0] == 10


def test_a_few_rows_more_do_not_cost_an_analyze():
    channel = factories.channel()
    remote_orders(channel, 50)
    assert statistics_refresh([RemoteOrder._meta.db_table], grown_by=50) == []
