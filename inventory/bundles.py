"""Bundles (kits): a POS SKU sold as a set of component SKUs.

A bundle never holds stock of its own. The ledger posts every change to a
bundle as its components' changes (`ledger_post` expands them, so order
imports, linking, returns and staff corrections all agree), and a bundle's
available stock is what its components allow: the least, over its
components, of whole bundles that component's available units make
(inventory.targets). A component is never itself a bundle.

A definition cannot change while orders hold a bundle's components allocated:
their release would then take back other units than the allocation took.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Sum
from django.db.models.functions import Upper
from django.utils.translation import gettext as _

from inventory.models import BundleComponent, Sku, StockLevel, StockMovement

#: {bundle SKU id: {component SKU id: units per bundle}}
Definitions = dict[int, dict[int, int]]


def sku_is_bundle(sku_ref: str) -> Exists:
    """Whether the SKU `sku_ref` (a field of the outer query) is a bundle, as a column of that query."""
    return Exists(BundleComponent.objects.filter(bundle_id=OuterRef(sku_ref)))


def bundle_sku_ids() -> list[int]:
    """Every bundle's SKU id (one small query)."""
    return list(BundleComponent.objects.order_by().values_list("bundle_id", flat=True).distinct())


def bundle_components(sku_ids) -> dict[int, list[tuple[int, int]]]:
    """{bundle id: [(component id, units per bundle), ...]} for those of `sku_ids` that are bundles (one query)."""
    out: dict[int, list[tuple[int, int]]] = defaultdict(list)
    if sku_ids:
        for bundle_id, component_id, quantity in BundleComponent.objects.filter(bundle_id__in=set(sku_ids)).values_list(
            "bundle_id", "component_id", "quantity"
        ).order_by("bundle_id", "component_id"):
            out[bundle_id].append((component_id, quantity))
    return dict(out)


def bundle_component_problem(bundle_id: int, component_id: int, *, exclude_pk=None) -> str | None:
    """Why one component row cannot exist as it stands (None if it can): the model's clean()."""
    if bundle_id == component_id:
        return _("A bundle cannot contain itself.")
    others = BundleComponent.objects.exclude(pk=exclude_pk) if exclude_pk else BundleComponent.objects.all()
    if others.filter(bundle_id=component_id).exists():
        return _("%(code)s is a bundle itself; bundles cannot be nested: list its components instead.") % {
            "code": Sku.objects.get(pk=component_id).code}
    if others.filter(component_id=bundle_id).exists():
        return _("%(code)s is a component of another bundle, so it cannot be a bundle itself.") % {
            "code": Sku.objects.get(pk=bundle_id).code}
    return None


def bundle_definitions_problems(definitions: Definitions) -> dict[int, list[str]]:
    """What stops these bundles from being (re)defined as given ({} when nothing does), per bundle id.

    Checked against the catalogue as it will be afterwards (the other bundles
    as they are, these as given), in a handful of queries whatever the number.
    """
    problems: dict[int, list[str]] = defaultdict(list)
    if not definitions:
        return {}
    ids = set(definitions) | {c for parts in definitions.values() for c in parts}
    codes = dict(Sku.objects.filter(pk__in=ids).values_list("pk", "code"))
    current = bundle_components(set(definitions))
    others = defaultdict(set)  # bundle -> components, for the bundles this call leaves as they are
    for bundle_id, component_id in BundleComponent.objects.exclude(bundle_id__in=list(definitions)).filter(
        Q(bundle_id__in=ids) | Q(component_id__in=ids)
    ).values_list("bundle_id", "component_id"):
        others[bundle_id].add(component_id)
    bundles_after = {b for b, parts in definitions.items() if parts} | set(others)
    components_after = {c for parts in definitions.values() for c in parts} | {c for parts in others.values() for c in parts}
    for bundle_id, parts in definitions.items():
        code = codes.get(bundle_id, str(bundle_id))
        if bundle_id in parts:
            problems[bundle_id].append(_("%(code)s cannot contain itself.") % {"code": code})
        for component_id, quantity in parts.items():
            if quantity < 1:
                problems[bundle_id].append(_("%(code)s: units per bundle must be 1 or more.") % {"code": codes.get(component_id)})
            if component_id in bundles_after and component_id != bundle_id:
                problems[bundle_id].append(_(
                    "%(code)s is a bundle itself; bundles cannot be nested: list its components instead."
                ) % {"code": codes.get(component_id)})
        if parts and bundle_id in components_after:
            problems[bundle_id].append(_("%(code)s is a component of another bundle, so it cannot be a bundle itself.") % {"code": code})
    changing = [b for b, parts in definitions.items() if dict(current.get(b, [])) != parts]
    if changing:
        becoming = [b for b in changing if b not in current]
        for bundle_id in set(StockLevel.objects.filter(sku_id__in=becoming).filter(~Q(on_hand=0) | ~Q(allocated=0))
                             .values_list("sku_id", flat=True)):
            problems[bundle_id].append(_(
                "%(code)s holds stock of its own; a bundle never does. Count it to zero (Stock page) before making it a bundle."
            ) % {"code": codes[bundle_id]})
        held = (StockMovement.objects.filter(bundle_id__in=changing).values("bundle_id")
                .annotate(n=Sum("allocated_change")).exclude(n=0).values_list("bundle_id", flat=True))
        for bundle_id in held:
            problems[bundle_id].append(_(
                "Open orders hold components of %(code)s allocated; change its components once they have shipped or been cancelled."
            ) % {"code": codes[bundle_id]})
    return dict(problems)


def bundle_definitions_set(definitions: Definitions) -> int:
    """Replace the components of each given bundle (an empty one stops being a bundle); returns the rows written.

    The caller checks `bundle_definitions_problems` first; the database's
    constraints still refuse a duplicate pair or a bundle in itself.
    """
    with transaction.atomic():
        BundleComponent.objects.filter(bundle_id__in=list(definitions)).delete()
        rows = [BundleComponent(bundle_id=b, component_id=c, quantity=q) for b, parts in definitions.items() for c, q in parts.items()]
        BundleComponent.objects.bulk_create(rows)
    return len(rows)


# -- import of definitions from a CSV file ----------------------------------------------------------

CSV_COLUMNS = ("bundle", "component", "quantity")


@dataclass
class BundleImport:
    """The outcome of one file: either every bundle in it was defined, or nothing changed and `errors` say why."""

    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number in the file, message)
    bundles: int = 0
    components: int = 0


def bundle_csv_import(data: bytes | str) -> BundleImport:
    """Define bundles from a CSV file with the columns bundle, component, quantity (one row per component).

    Each bundle named in the file gets exactly the components listed for it.
    Every row is checked first; one bad row and nothing is changed, with each
    problem reported against its line in the file.
    """
    result = BundleImport()
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            result.errors.append((0, _("The file is not UTF-8 text; save it from the spreadsheet as CSV UTF-8.")))
            return result
    sample = data[:2048]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample.strip() else csv.excel
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(data), dialect)
    header = [h.strip().lower() for h in next(reader, [])]
    if any(c not in header for c in CSV_COLUMNS):
        result.errors.append((1, _("The first line must name the columns: %(columns)s.") % {"columns": ", ".join(CSV_COLUMNS)}))
        return result
    at = {c: header.index(c) for c in CSV_COLUMNS}
    rows: list[tuple[int, str, str, str]] = []
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = [(row[at[c]].strip() if at[c] < len(row) else "") for c in CSV_COLUMNS]
        rows.append((number, *cells))
    if not rows:
        result.errors.append((1, _("The file has no rows below its header.")))
        return result
    codes = {code.upper() for _n, b, c, _q in rows for code in (b, c) if code}
    by_code = dict(Sku.objects.annotate(u=Upper("code")).filter(u__in=codes).values_list("u", "pk"))
    definitions: Definitions = {}
    first_line: dict[int, int] = {}
    for number, bundle, component, quantity in rows:
        bad = []
        for label, code in ((_("bundle"), bundle), (_("component"), component)):
            if not code:
                bad.append(_("the %(column)s code is empty") % {"column": label})
            elif code.upper() not in by_code:
                bad.append(_("no SKU has the code “%(code)s”") % {"code": code})
        try:
            units = int(quantity)
        except ValueError:
            units = 0
            bad.append(_("quantity “%(value)s” is not a whole number") % {"value": quantity})
        else:
            if units < 1:
                bad.append(_("quantity must be 1 or more"))
        if not bad:
            b, c = by_code[bundle.upper()], by_code[component.upper()]
            parts = definitions.setdefault(b, {})
            first_line.setdefault(b, number)
            if c in parts:
                bad.append(_("%(component)s is listed twice for %(bundle)s") % {"component": component, "bundle": bundle})
            parts[c] = units
        if bad:
            result.errors.append((number, "; ".join(bad)))
    for bundle_id, messages in bundle_definitions_problems(definitions).items():
        result.errors.extend((first_line[bundle_id], m) for m in messages)
    if result.errors:
        result.errors.sort()
        return result
    result.components = bundle_definitions_set(definitions)
    result.bundles = len(definitions)
    return result
