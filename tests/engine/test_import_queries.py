"""A page of orders costs a bounded number of queries, whatever its size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory.services.ledger import stock_import
from orders.services.importing import orders_import
from tests import factories as f


def import_queries(ch, prefix, n, status="READY_TO_SHIP", minute=0):
    batch = [f.order(f"{prefix}{i}", status, minute, lines=(("A-1", 1), ("B-1", 2), ("NOPE", 1))) for i in range(n)]
    with CaptureQueriesContext(connection) as ctx:
        result = orders_import(ch, batch)
    return len(ctx.captured_queries), result


@pytest.mark.django_db
def test_query_count_does_not_grow_with_page_size():
    ch = f.channel()
    a, b = f.sku("A-1"), f.sku("B-1")
    stock_import(location=ch.location, quantities={a.pk: 10_000, b.pk: 10_000})
    small, r1 = import_queries(ch, "S", 10)
    large, r2 = import_queries(ch, "L", 100)
    assert len(r1.created) == 10 and len(r2.created) == 100
    if connection.vendor == "sqlite":
        # SQLite's driver splits one bulk statement per 999 parameters; that is all that grows.
        assert large <= small + 12, (small, large)
    else:
        assert large == small, (small, large)
    assert large <= 30
    # the same page again (status moved on) costs no more
    update, r3 = import_queries(ch, "L", 100, "SHIPPED", 5)
    assert len(r3.status_fixed) == 100
    assert update <= large
