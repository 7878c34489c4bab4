"""The stock ledger: every change to on hand or allocated is a movement.

Stock levels are a cache of the ledger's sums, updated in the same transaction
as the movements they sum, with the affected rows locked. Callers batch their
changes so a page of orders costs a handful of queries, not one per line.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from inventory.bundles import bundle_components
from inventory.models import Location, MovementReason, Sku, StockLevel, StockMovement


@dataclass(frozen=True, slots=True)
class StockChange:
    sku_id: int
    location_id: int
    on_hand_change: int
    allocated_change: int
    reason: str
    reference: str = ""
    ref_type: str = ""
    ref_id: int | None = None
    ref_seq: int | None = None
    note: str = ""
    user_id: int | None = None
    #: Set on the component changes a bundle's change was posted as.
    bundle_id: int | None = None


def bundles_expand(changes: Sequence[StockChange], bundles_known: Mapping[int, bool] | None = None) -> list[StockChange]:
    """Each change to a bundle SKU as its components' changes (units × units per bundle); others as they are.

    Done here, under every poster, so that whoever moves a bundle (an order
    import, linking a listing, a return, a staff correction) moves its
    components, and the bundle itself never holds stock. One query, none when
    the caller read with its SKUs whether they are bundles (`bundles_known`,
    {SKU id: is a bundle}; SKUs it does not name are looked up) and none is.
    """
    sku_ids = {c.sku_id for c in changes if c.bundle_id is None}
    if bundles_known is not None:
        sku_ids = {s for s in sku_ids if bundles_known.get(s, True)}
    parts = bundle_components(sku_ids)
    if not parts:
        return list(changes)
    out = []
    for c in changes:
        if c.sku_id not in parts or c.bundle_id is not None:
            out.append(c)
            continue
        out.extend(
            replace(c, sku_id=component_id, on_hand_change=c.on_hand_change * units, allocated_change=c.allocated_change * units,
                    bundle_id=c.sku_id)
            for component_id, units in parts[c.sku_id]
        )
    return out


def stock_levels_lock(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], StockLevel]:
    """Lock (creating where missing) the stock levels of the given (sku, location) pairs."""
    if not pairs:
        return {}
    sku_ids = {s for s, _ in pairs}
    location_ids = {loc for _, loc in pairs}

    def fetch():
        rows = StockLevel.objects.select_for_update().filter(sku_id__in=sku_ids, location_id__in=location_ids)
        return {(r.sku_id, r.location_id): r for r in rows if (r.sku_id, r.location_id) in pairs}

    levels = fetch()
    missing = pairs - levels.keys()
    if missing:
        StockLevel.objects.bulk_create(
            [StockLevel(sku_id=s, location_id=loc) for s, loc in missing], ignore_conflicts=True
        )
        levels = fetch()
    return levels


MOVEMENT_COLUMNS = ("sku_id", "location_id", "on_hand_change", "allocated_change", "reason", "reference", "ref_type", "ref_id",
                    "ref_seq", "note", "created_by_id", "created_at", "bundle_id")


def ledger_post(changes: Sequence[StockChange]) -> list[StockMovement]:
    """Post movements and move the stock levels by the same amounts, atomically; returns the movements (with ids)."""
    changes = bundles_expand([c for c in changes if c.on_hand_change or c.allocated_change])
    if not changes:
        return []
    with transaction.atomic():
        _levels_move(changes)
        return StockMovement.objects.bulk_create([
            StockMovement(
                sku_id=c.sku_id, location_id=c.location_id, on_hand_change=c.on_hand_change, allocated_change=c.allocated_change,
                reason=c.reason, reference=c.reference[:200], ref_type=c.ref_type, ref_id=c.ref_id, ref_seq=c.ref_seq,
                note=c.note[:300], created_by_id=c.user_id, bundle_id=c.bundle_id,
            )
            for c in changes
        ])


def ledger_post_many(changes: Sequence[StockChange], *, bundles_known: Mapping[int, bool] | None = None) -> int:
    """ledger_post for the many changes of an import: the same rows and levels, written without model objects; returns the count.

    The movements go in with one multi-row INSERT per few thousand rows
    (nothing is read back), the levels with one upsert. Inside an import's
    transaction it joins that transaction (no savepoint of its own). `bundles_known`: see bundles_expand.
    """
    changes = bundles_expand([c for c in changes if c.on_hand_change or c.allocated_change], bundles_known)
    if not changes:
        return 0
    now = timezone.now()
    with transaction.atomic(savepoint=False):
        # Movements first: the levels' rows are shared by every channel selling the SKUs and stay locked until the
        # transaction commits, so they are taken last.
        rows_insert(StockMovement, MOVEMENT_COLUMNS, [
            (c.sku_id, c.location_id, c.on_hand_change, c.allocated_change, c.reason, c.reference[:200], c.ref_type, c.ref_id,
             c.ref_seq, c.note[:300], c.user_id, now, c.bundle_id)
            for c in changes
        ])
        _levels_move(changes, now)
    return len(changes)


def _levels_move(changes: Sequence[StockChange], now=None) -> None:
    """Move the levels the changes touch by the changes' sums: one UPDATE … FROM (VALUES …) RETURNING per 1,000 levels.

    The UPDATE adds the sums in the database, locking each row as it goes (in
    key order, so two imports cannot deadlock on each other) and checking the
    same constraints; the levels it did not find are created (empty, a
    concurrent creator is let be) and moved by a second UPDATE. PostgreSQL and
    SQLite (3.35+) both have UPDATE … FROM … RETURNING; elsewhere the levels
    are locked, read and written through the ORM.
    """
    totals: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for c in changes:
        t = totals[(c.sku_id, c.location_id)]
        t[0] += c.on_hand_change
        t[1] += c.allocated_change
    now = now or timezone.now()
    db = _db(StockLevel)
    if not fast_sql(db):
        levels = stock_levels_lock(set(totals))
        for key, (on_hand, allocated) in totals.items():
            levels[key].on_hand += on_hand
            levels[key].allocated += allocated
        StockLevel.objects.bulk_update(list(levels.values()), ["on_hand", "allocated", "updated_at"])
        return
    rows = [(s, loc, on_hand, allocated) for (s, loc), (on_hand, allocated) in sorted(totals.items())]
    found = _levels_add(db, rows, now)
    missing = [row for row in rows if (row[0], row[1]) not in found]
    if missing:
        StockLevel.objects.bulk_create([StockLevel(sku_id=s, location_id=loc) for s, loc, _, _ in missing], ignore_conflicts=True)
        _levels_add(db, missing, now)


def _levels_add(db, rows: list[tuple[int, int, int, int]], now) -> set[tuple[int, int]]:
    """Add (sku, location, on hand change, allocated change) to existing levels; returns the (sku, location) pairs found."""
    table = db.ops.quote_name(StockLevel._meta.db_table)
    f = StockLevel._meta.get_field
    found = set()
    with bulk_cursor(db) as cursor:
        for batch in value_batches(db, rows, 4):
            source, params = values_source(db, [f("sku"), f("location"), f("on_hand"), f("allocated")], batch)
            if db.vendor == "postgresql":
                # An UPDATE … FROM locks rows in the order its join meets them, which the planner picks per
                # statement: two imports of the same SKUs then deadlock (seen with 4 workers). The rows are
                # locked first by a SELECT … ORDER BY … FOR UPDATE, which locks in key order (ORDER BY comes first).
                source = (f"SELECT s.id AS level_id, v.column3, v.column4 FROM {table} s JOIN ({source}) AS v "  # noqa: S608
                          f"ON s.sku_id = v.column1 AND s.location_id = v.column2 ORDER BY s.sku_id, s.location_id FOR UPDATE OF s")
                match = f"{table}.id = v.level_id"
            else:
                match = f"{table}.sku_id = v.column1 AND {table}.location_id = v.column2"
            cursor.execute(
                f"UPDATE {table} SET on_hand = {table}.on_hand + v.column3, allocated = {table}.allocated + v.column4, "  # noqa: S608
                f"updated_at = %s FROM ({source}) AS v "
                f"WHERE {match} RETURNING {table}.sku_id, {table}.location_id",
                [datetime_adapter(db)(now), *params],
            )
            found.update(cursor.fetchall())
    return found


# -- rows written without model objects ------------------------------------------------------------
# An import writes thousands of rows a minute; building a model object per row and letting the ORM
# compile each value costs several times what the database takes to store them. These write plain
# tuples, adapting only the values the driver cannot take as they are (date-times on SQLite), and
# raise the same IntegrityError a constraint violation raises through the ORM.


def _db(model):
    return connections[router.db_for_write(model)]


def fast_sql(db) -> bool:
    """Whether `db` has what these writers use: UPDATE … FROM, RETURNING, INSERT … ON CONFLICT (PostgreSQL, SQLite 3.35+)."""
    if db.vendor == "postgresql":
        return True
    return db.vendor == "sqlite" and db.Database.sqlite_version_info >= (3, 35)


def bulk_cursor(db):
    """A cursor for the big statements below: through Django's wrappers (query counting, error translation) as any other.

    On PostgreSQL it binds parameters on the server: Django's default cursor
    quotes each parameter into the SQL text in Python, which for the ten
    thousand parameters of a thousand-row INSERT costs more than the insert.
    """
    if db.vendor != "postgresql":
        return db.cursor()
    from django.db.backends.postgresql.base import ServerBindingCursor

    db.close_if_health_check_failed()
    db.ensure_connection()
    with db.wrap_database_errors:
        return db._prepare_cursor(ServerBindingCursor(db.connection))


def _max_params(db) -> int:
    if db.vendor == "sqlite":
        import sqlite3

        db.ensure_connection()
        try:
            return db.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        except (AttributeError, sqlite3.Error):  # Python < 3.11
            return 999
    return 30_000


def value_batches(db, rows: Sequence, width: int) -> Iterator[Sequence]:
    """Split rows for multi-row VALUES statements of `width` parameters a row (at most 1,000 rows a statement).

    On SQLite the sizes are powers of two: Python's sqlite3 keeps the last
    128 statements compiled, and a compiled thousand-row INSERT is large, so
    a statement per distinct size would make memory grow with the run.
    """
    cap = max(1, min(1000, (_max_params(db) - 2) // width))
    start = 0
    while start < len(rows):
        size = min(cap, len(rows) - start)
        if db.vendor == "sqlite":
            size = 1 << (size.bit_length() - 1)
        yield rows[start:start + size]
        start += size


def _adapters(model, fields: Sequence[str], db) -> list:
    """Per field: None (the driver takes the value as it is) or a function adapting one value."""
    out = []
    for name in fields:
        field = model._meta.get_field(name)
        kind = field.get_internal_type()
        if kind == "DateTimeField":
            out.append(datetime_adapter(db))
        elif kind == "JSONField":
            out.append(lambda v, f=field: f.get_db_prep_save(v, db))
        else:
            out.append(None)
    return out


def datetime_adapter(db):
    """The database's adapt_datetimefield_value; on SQLite without its per-call settings lookups (naive in the connection's zone, as text)."""
    if db.vendor != "sqlite" or not settings.USE_TZ:
        return db.ops.adapt_datetimefield_value
    zone = db.timezone

    def adapt(value):
        if value.tzinfo is not None:
            value = value.astimezone(zone).replace(tzinfo=None)
        return str(value)

    return adapt


def _adapt(rows: Sequence[Sequence], adapters: list) -> list[tuple]:
    if not any(adapters):
        return [tuple(r) for r in rows]
    pairs = [(i, a) for i, a in enumerate(adapters) if a]
    out = []
    for r in rows:
        r = list(r)
        for i, a in pairs:
            if r[i] is not None:
                r[i] = a(r[i])
        out.append(tuple(r))
    return out


def values_source(db, fields, batch: Sequence[Sequence]) -> tuple[str, list]:
    """A batch of rows as a table the SQL can read (columns column1, column2, …): (SQL, parameters).

    SQLite: VALUES (…), (…). PostgreSQL: unnest() of one typed array per
    column, so the statement's text and its parameters stay the same size
    whatever the number of rows (psycopg parses a statement's placeholders in
    Python, which for ten thousand of them costs more than the insert).
    """
    if db.vendor == "postgresql":
        arrays = ", ".join(f"%s::{f.db_type(db)}[]" for f in fields)
        names = ", ".join(f"column{n}" for n in range(1, len(fields) + 1))
        return f"SELECT * FROM unnest({arrays}) AS v({names})", [list(column) for column in zip(*batch, strict=True)]  # noqa: S608
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    return "VALUES " + ", ".join([one] * len(batch)), [x for row in batch for x in row]


def rows_insert(model, fields: Sequence[str], rows: Sequence[Sequence], *, returning: Sequence[str] = (),
                ignore_conflicts: bool = False) -> list[tuple]:
    """INSERT plain rows (values in `fields` order, by attribute name) with few statements.

    With `returning`, each statement inserts up to 1,000 rows and returns the
    `returning` columns of each (match them by a key, not by position);
    without, one executemany. `ignore_conflicts` skips rows a unique
    constraint refuses.
    """
    if not rows:
        return []
    db = _db(model)
    if not fast_sql(db):
        objs = model.objects.bulk_create([model(**dict(zip(fields, row, strict=True))) for row in rows], ignore_conflicts=ignore_conflicts)
        return [tuple(getattr(o, f) for f in returning) for o in objs] if returning else []
    qn = db.ops.quote_name
    opts = model._meta
    fields_ = [opts.get_field(f) for f in fields]
    columns = ", ".join(qn(f.column) for f in fields_)
    table = qn(opts.db_table)
    conflict = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    values = _adapt(rows, _adapters(model, fields, db))
    out: list[tuple] = []
    with bulk_cursor(db) as cursor:
        if not returning:
            one = "(" + ", ".join(["%s"] * len(fields)) + ")"
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES {one}{conflict}", values)  # noqa: S608 (no user input)
            return out
        back = ", ".join(qn(opts.get_field(f).column) for f in returning)
        for batch in value_batches(db, values, len(fields)):
            source, params = values_source(db, fields_, batch)
            cursor.execute(f"INSERT INTO {table} ({columns}) {source}{conflict} RETURNING {back}", params)
            out.extend(cursor.fetchall())
    return out


def rows_update(model, fields: Sequence[str], rows: Sequence[Sequence], *, also: dict | None = None) -> bool:
    """UPDATE rows by primary key from plain tuples (pk, *values in `fields` order), one UPDATE … FROM per 1,000 rows.

    `also` sets the same value on every row (e.g. a timestamp). Returns False,
    writing nothing, on a database without UPDATE … FROM (the caller falls back
    to the ORM).
    """
    db = _db(model)
    if not fast_sql(db):
        return False
    if not rows:
        return True
    qn = db.ops.quote_name
    opts = model._meta
    table = qn(opts.db_table)
    fields_ = [opts.pk, *(opts.get_field(f) for f in fields)]
    sets = [f"{qn(f.column)} = v.column{n}" for n, f in enumerate(fields_[1:], start=2)]
    extra = []
    for name, v in (also or {}).items():
        f = opts.get_field(name)
        sets.append(f"{qn(f.column)} = %s")
        extra.append(f.get_db_prep_save(v, db))
    values = _adapt(rows, [None, *_adapters(model, fields, db)])
    with bulk_cursor(db) as cursor:
        for batch in value_batches(db, values, len(fields) + 2):
            source, params = values_source(db, fields_, batch)
            cursor.execute(
                f"UPDATE {table} SET {', '.join(sets)} FROM ({source}) AS v "  # noqa: S608 (no user input)
                f"WHERE {table}.{qn(opts.pk.column)} = v.column1",
                [*extra, *params],
            )
    return True


def stock_adjust(*, sku: Sku, location: Location, change: int, user=None, note: str = "") -> StockMovement:
    """A manual correction of on hand by `change` units (found, damaged, ...)."""
    if not isinstance(change, int) or isinstance(change, bool):
        raise ValidationError({"change": "The change must be a whole number of units."})
    if change == 0:
        raise ValidationError({"change": "The change must not be zero."})
    return ledger_post(
        [
            StockChange(
                sku.pk, location.pk, change, 0, MovementReason.MANUAL_ADJUSTMENT,
                reference="manual", note=note, user_id=getattr(user, "pk", None),
            )
        ]
    )[0]


def stock_count(*, sku: Sku, location: Location, counted: int, user=None, note: str = "") -> StockMovement | None:
    """Record a physical count: on hand becomes `counted`; the ledger keeps the difference."""
    if not isinstance(counted, int) or isinstance(counted, bool) or counted < 0:
        raise ValidationError({"counted": "The counted quantity must be a whole number, zero or more."})
    if bundle_components({sku.pk}):
        raise ValidationError({"sku": _("%(code)s is a bundle, which holds no stock of its own: count its components.")
                                      % {"code": sku.code}})
    with transaction.atomic():
        level = stock_levels_lock({(sku.pk, location.pk)})[(sku.pk, location.pk)]
        difference = counted - level.on_hand
        if difference == 0:
            return None
        return ledger_post(
            [
                StockChange(
                    sku.pk, location.pk, difference, 0, MovementReason.STOCK_COUNT,
                    reference="count", note=note, user_id=getattr(user, "pk", None),
                )
            ]
        )[0]


def stock_import(*, location: Location, quantities: dict[int, int], reference: str = "import") -> int:
    """Set opening stock for many SKUs at once (demo data, a first stock take)."""
    bad = [sku_id for sku_id, qty in quantities.items() if qty < 0]
    if bad:
        raise ValidationError({"quantities": f"Negative opening stock for {len(bad)} SKU(s)."})
    bundles = bundle_components(set(quantities))
    if bundles:
        raise ValidationError({"quantities": f"{len(bundles)} SKU(s) are bundles, which hold no stock of their own: "
                                             "give their components' stock instead."})
    with transaction.atomic():
        levels = stock_levels_lock({(sku_id, location.pk) for sku_id in quantities})
        changes = [
            StockChange(sku_id, location.pk, qty - levels[(sku_id, location.pk)].on_hand, 0, MovementReason.IMPORT, reference)
            for sku_id, qty in quantities.items()
        ]
        return len(ledger_post(changes))
