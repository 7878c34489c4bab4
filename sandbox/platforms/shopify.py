"""Shopify GraphQL Admin API, the store root mounted at /sandbox/shopify (API at /admin/api/<version>/graphql.json).

Why graphql-core: the adapter sends GraphQL documents, and a sandbox as strict as
the platform must refuse what Shopify refuses (an unknown field, a missing
argument, a wrong variable type) and cost queries by their actual selection.
graphql-core (the reference implementation's Python port) parses, validates and
executes them against a schema written from shopify.dev (only the types and
fields omnisync uses, with Shopify's names); hand-parsing a fixed set of
strings would accept anything that looks like them.

What it models (shopify.dev, Admin API 2025-10; "assumed" where the docs are silent):
- Auth: `X-Shopify-Access-Token` of a custom app; wrong or missing → HTTP 401
  `{"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}`.
- Versions: `YYYY-MM` among the supported ones; the answer names the served version
  in `X-Shopify-API-Version`. Anything else → HTTP 404 (assumed).
- Cost: object 1, scalar and enum 0, connection 2 + first × node, `nodes(ids:)`
  len(ids) × node, mutation 10, `pageInfo` free; one query may cost at most 1,000
  (`MAX_COST_EXCEEDED`). A bucket per shop: the demo store is on Shopify Plus
  (restore 1,000 points/s, documented; bucket 2,000, assumed); `set_plan` gives a shop
  another. A query whose cost the bucket does not hold → HTTP 200 `THROTTLED` with
  `extensions.cost` (actual cost = requested, assumed: no refund modelled).
  As for the other platforms' request rates (`sandbox.faults`), the bucket is
  enforced when the shop is `rate_limited` (the latency profile's switch) or was
  given a plan with `set_plan`; otherwise costs are reported against a bucket
  that stays full, so a local run is not paced at a real store's rate.
- Orders: keyset cursors (a position, so orders that change while paged do not
  shift the others), `first` ≤ 250, search syntax `updated_at:>='…'` (>=, >, <=, <;
  also created_at); an unknown search field is refused (Shopify ignores it with a warning).
- Stock: `available` at the shop's one location (`Shop.warehouse_id`); inventory
  items are the variants' (id = variant id + INVENTORY_ITEM_OFFSET);
  `inventorySetQuantities` checks every entry (name, reason, item, location,
  range, duplicates, `compareQuantity` required and equal to the persisted
  figure) and applies all or nothing, with `userErrors` naming
  `["input", "quantities", "<i>", "<field>"]`.
- Statuses: a sandbox order's status is the adapter's raw form
  (`PAID/UNFULFILLED`, `CANCELLED`, `REFUNDED/FULFILLED/RETURNED`); it is
  rendered back into displayFinancialStatus, displayFulfillmentStatus,
  cancelledAt and returnStatus.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from datetime import UTC, datetime

from django.db.models import Q
from django.http import HttpResponse
from django.utils import timezone
from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    build_schema,
    execute,
    get_named_type,
    is_list_type,
    is_non_null_type,
    parse,
    validate,
)
from graphql.language import ListValueNode, VariableNode
from graphql.utilities import value_from_ast_untyped

from sandbox import faults, services
from sandbox.models import Item, Order, Shop, Variant
from sandbox.platforms.base import ApiError, Platform, json_response, money

SUPPORTED_VERSIONS = ("2025-01", "2025-04", "2025-07", "2025-10", "2026-01")
MAX_QUERY_COST = 1000
MAX_PAGE = 250
MAX_INPUT = 250
INVENTORY_ITEM_OFFSET = 3_000_000_000_000
#: (maximumAvailable, restoreRate): restore rates per plan from shopify.dev "GraphQL Admin API rate limits";
#: bucket sizes assumed.
PLANS = {"standard": (1000.0, 100.0), "advanced": (1000.0, 200.0), "plus": (2000.0, 1000.0)}
DEFAULT_PLAN = "plus"
#: A fulfilment status Shopify could add tomorrow (the unknown-status fault plays it); no status map knows it.
UNDOCUMENTED_FULFILMENT = "READY_FOR_PICKUP"
REASONS = ("correction", "cycle_count_available", "damaged", "movement_created", "movement_updated", "movement_received",
           "movement_canceled", "other", "promotion", "quality_control", "received", "reservation_created",
           "reservation_deleted", "reservation_updated", "restock", "safety_stock", "shrinkage")
QUANTITY_NAMES = ("available", "committed", "damaged", "incoming", "on_hand", "quality_control", "reserved", "safety_stock")

SDL = f"""
scalar DateTime
scalar Decimal
scalar URL

interface Node {{ id: ID! }}

type PageInfo {{ hasNextPage: Boolean! hasPreviousPage: Boolean! startCursor: String endCursor: String }}
type MoneyV2 {{ amount: Decimal! currencyCode: String! }}
type MoneyBag {{ shopMoney: MoneyV2! presentmentMoney: MoneyV2! }}

enum OrderDisplayFinancialStatus {{ PENDING AUTHORIZED PARTIALLY_PAID EXPIRED PAID PARTIALLY_REFUNDED REFUNDED VOIDED }}
enum OrderDisplayFulfillmentStatus {{ UNFULFILLED PARTIALLY_FULFILLED FULFILLED RESTOCKED PENDING_FULFILLMENT OPEN IN_PROGRESS
  ON_HOLD SCHEDULED REQUEST_DECLINED {UNDOCUMENTED_FULFILMENT} }}
enum OrderReturnStatus {{ INSPECTION_COMPLETE IN_PROGRESS NO_RETURN RETURNED RETURN_FAILED RETURN_REQUESTED }}
enum OrderSortKeys {{ CREATED_AT ID NUMBER PROCESSED_AT UPDATED_AT TOTAL_PRICE }}
enum ProductVariantSortKeys {{ ID SKU TITLE }}
enum ProductStatus {{ ACTIVE ARCHIVED DRAFT }}
enum InventorySetQuantitiesUserErrorCode {{ COMPARE_QUANTITY_REQUIRED COMPARE_QUANTITY_STALE INVALID_INVENTORY_ITEM
  INVALID_LOCATION INVALID_NAME INVALID_QUANTITY_NEGATIVE INVALID_QUANTITY_TOO_HIGH INVALID_QUANTITY_TOO_LOW INVALID_REASON
  INVALID_REFERENCE_DOCUMENT ITEM_NOT_STOCKED_AT_LOCATION NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR NON_MUTABLE_INVENTORY_ITEM }}

type Shop {{ name: String! myshopifyDomain: String! currencyCode: String! }}
type Location implements Node {{ id: ID! name: String! isActive: Boolean! }}
type Customer implements Node {{ id: ID! displayName: String! }}
type Product implements Node {{ id: ID! title: String! status: ProductStatus! handle: String! updatedAt: DateTime! }}
type InventoryQuantity {{ name: String! quantity: Int! }}
type InventoryLevel implements Node {{ id: ID! location: Location! quantities(names: [String!]!): [InventoryQuantity!]! }}
type InventoryItem implements Node {{ id: ID! sku: String tracked: Boolean! inventoryLevel(locationId: ID!): InventoryLevel }}
type ProductVariant implements Node {{ id: ID! sku: String title: String! price: Decimal! updatedAt: DateTime!
  inventoryQuantity: Int product: Product! inventoryItem: InventoryItem! }}
type ProductVariantEdge {{ cursor: String! node: ProductVariant! }}
type ProductVariantConnection {{ pageInfo: PageInfo! nodes: [ProductVariant!]! edges: [ProductVariantEdge!]! }}
type LineItem implements Node {{ id: ID! sku: String name: String! quantity: Int! currentQuantity: Int!
  variant: ProductVariant product: Product originalUnitPriceSet: MoneyBag! }}
type LineItemEdge {{ cursor: String! node: LineItem! }}
type LineItemConnection {{ pageInfo: PageInfo! nodes: [LineItem!]! edges: [LineItemEdge!]! }}
type Order implements Node {{ id: ID! name: String! createdAt: DateTime! updatedAt: DateTime! cancelledAt: DateTime
  displayFinancialStatus: OrderDisplayFinancialStatus displayFulfillmentStatus: OrderDisplayFulfillmentStatus!
  returnStatus: OrderReturnStatus! currencyCode: String! totalPriceSet: MoneyBag! customer: Customer
  lineItems(first: Int, after: String, last: Int, before: String): LineItemConnection! }}
type OrderEdge {{ cursor: String! node: Order! }}
type OrderConnection {{ pageInfo: PageInfo! nodes: [Order!]! edges: [OrderEdge!]! }}
type InventoryChange {{ name: String! delta: Int! quantityAfterChange: Int }}
type InventoryAdjustmentGroup implements Node {{ id: ID! reason: String! referenceDocumentUri: String createdAt: DateTime!
  changes: [InventoryChange!]! }}
type InventorySetQuantitiesUserError {{ code: InventorySetQuantitiesUserErrorCode field: [String!] message: String! }}
type InventorySetQuantitiesPayload {{ inventoryAdjustmentGroup: InventoryAdjustmentGroup
  userErrors: [InventorySetQuantitiesUserError!]! }}

input InventoryQuantityInput {{ inventoryItemId: ID! locationId: ID! quantity: Int! compareQuantity: Int }}
input InventorySetQuantitiesInput {{ name: String! reason: String! referenceDocumentUri: URL ignoreCompareQuantity: Boolean
  quantities: [InventoryQuantityInput!]! }}

type QueryRoot {{
  shop: Shop!
  location(id: ID): Location
  order(id: ID!): Order
  orders(first: Int, after: String, last: Int, before: String, query: String, sortKey: OrderSortKeys, reverse: Boolean): OrderConnection!
  productVariants(first: Int, after: String, last: Int, before: String, query: String, sortKey: ProductVariantSortKeys,
    reverse: Boolean): ProductVariantConnection!
  node(id: ID!): Node
  nodes(ids: [ID!]!): [Node]!
}}
type Mutation {{ inventorySetQuantities(input: InventorySetQuantitiesInput!): InventorySetQuantitiesPayload }}
schema {{ query: QueryRoot mutation: Mutation }}
"""

SCHEMA = build_schema(SDL)
_GID = re.compile(r"^gid://shopify/(?P<type>[A-Za-z]+)/(?P<id>\d+)$")


def gid(kind: str, number) -> str:
    return f"gid://shopify/{kind}/{number}"


def parse_gid(value, kind: str | None = None) -> int | None:
    match = _GID.match(value or "") if isinstance(value, str) else None
    if match is None or (kind and match["type"] != kind):
        return None
    return int(match["id"])


def iso(dt) -> str | None:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if dt else None


# ---------------------------------------------------------------- cost and the bucket


class Buckets:
    """One query-cost bucket per shop, refilled continuously (a leaky bucket, as shopify.dev describes)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.state: dict[int, tuple[float, float]] = {}
        self.plans: dict[int, tuple[float, float]] = {}

    def plan(self, shop_pk: int) -> tuple[float, float]:
        return self.plans.get(shop_pk, PLANS[DEFAULT_PLAN])

    def enforced(self, shop: Shop) -> bool:
        """Whether the shop's queries draw on its bucket: rate-limited shops and shops given a plan."""
        return shop.rate_limited or shop.pk in self.plans

    def take(self, shop_pk: int, cost: float) -> tuple[bool, float]:
        """(taken, currently available after it): nothing is taken when the bucket does not hold the cost."""
        maximum, restore = self.plan(shop_pk)
        with self.lock:
            now = time.monotonic()
            available, stamp = self.state.get(shop_pk, (maximum, now))
            available = min(maximum, available + (now - stamp) * restore)
            if cost > available:
                self.state[shop_pk] = (available, now)
                return False, available
            self.state[shop_pk] = (available - cost, now)
            return True, available - cost

    def available(self, shop_pk: int) -> float:
        maximum, restore = self.plan(shop_pk)
        with self.lock:
            available, stamp = self.state.get(shop_pk, (maximum, time.monotonic()))
            return min(maximum, available + (time.monotonic() - stamp) * restore)


buckets = Buckets()


def set_plan(shop: Shop, maximum: float | None = None, restore: float | None = None, plan: str | None = None) -> None:
    """Give a shop another bucket (a plan's, or explicit figures), full again. For tests and rehearsals."""
    base = PLANS[plan or DEFAULT_PLAN]
    with buckets.lock:
        buckets.plans[shop.pk] = (float(maximum or base[0]), float(restore or base[1]))
        buckets.state.pop(shop.pk, None)


def _argument(node: FieldNode, name: str, variables: dict):
    for arg in node.arguments or ():
        if arg.name.value == name:
            if isinstance(arg.value, VariableNode):
                return variables.get(arg.value.name.value)
            if isinstance(arg.value, ListValueNode):
                return [value_from_ast_untyped(v, variables) for v in arg.value.values]
            return value_from_ast_untyped(arg.value, variables)
    return None


def query_cost(document, operation: OperationDefinitionNode, variables: dict) -> int:
    """The requested cost of an operation by Shopify's rules (see the module docstring)."""
    fragments = {d.name.value: d for d in document.definitions if d.kind == "fragment_definition"}
    if operation.operation == OperationType.MUTATION:
        return 10 * sum(1 for s in operation.selection_set.selections if isinstance(s, FieldNode))

    def selection(selection_set, parent) -> int:
        total = 0
        for sel in selection_set.selections:
            if isinstance(sel, InlineFragmentNode):
                kind = SCHEMA.get_type(sel.type_condition.name.value) if sel.type_condition else parent
                total += selection(sel.selection_set, kind)
            elif isinstance(sel, FragmentSpreadNode):
                frag = fragments.get(sel.name.value)
                if frag is not None:
                    total += selection(frag.selection_set, SCHEMA.get_type(frag.type_condition.name.value))
            elif isinstance(sel, FieldNode):
                total += field(sel, parent)
        return total

    def field(node: FieldNode, parent) -> int:
        name = node.name.value
        if name.startswith("__") or not hasattr(parent, "fields") or name not in parent.fields:
            return 0
        kind = parent.fields[name].type
        named = get_named_type(kind)
        if named.name.endswith("Connection"):
            size = _argument(node, "first", variables) or _argument(node, "last", variables) or 0
            node_cost = 0
            for sub in node.selection_set.selections if node.selection_set else ():
                if isinstance(sub, FieldNode) and sub.name.value == "nodes":
                    node_cost = max(node_cost, 1 + selection(sub.selection_set, get_named_type(named.fields["nodes"].type)))
                elif isinstance(sub, FieldNode) and sub.name.value == "edges":
                    edge = get_named_type(named.fields["edges"].type)
                    for inner in sub.selection_set.selections:
                        if isinstance(inner, FieldNode) and inner.name.value == "node":
                            node_cost = max(node_cost, 1 + selection(inner.selection_set, get_named_type(edge.fields["node"].type)))
            return 2 + int(size) * node_cost
        if named.name == "PageInfo":
            return 0
        if node.selection_set is None:
            return 0  # scalar or enum
        inner = selection(node.selection_set, named)
        unwrapped = kind.of_type if is_non_null_type(kind) else kind
        if is_list_type(unwrapped) and name == "nodes" and not named.name.endswith("Connection"):
            ids = _argument(node, "ids", variables) or []
            return len(ids) * (1 + inner)
        return 1 + inner

    return selection(operation.selection_set, SCHEMA.query_type)


# ---------------------------------------------------------------- rendering


def _bag(amount, currency) -> dict:
    value = {"amount": money(amount), "currencyCode": currency}
    return {"shopMoney": value, "presentmentMoney": value}


def order_states(order: Order) -> tuple[str | None, str, str, object]:
    """(financial, fulfilment, return status, cancelledAt) of a sandbox order's status string."""
    if order.status == "CANCELLED":
        history = list(order.history.all())
        paid = any(h.status.startswith("PAID") for h in history)
        cancelled = next((h.at for h in reversed(history) if h.status == "CANCELLED"), order.updated_at)
        return ("REFUNDED" if paid else "VOIDED"), "UNFULFILLED", "NO_RETURN", cancelled
    parts = order.status.split("/")
    financial = parts[0] or None
    fulfilment = parts[1] if len(parts) > 1 else "UNFULFILLED"
    returned = parts[2] if len(parts) > 2 else "NO_RETURN"
    return financial, fulfilment, returned, None


def render_order(order: Order, shop: Shop | None = None) -> dict:
    shop = shop or order.shop
    financial, fulfilment, returned, cancelled = order_states(order)
    lines = []
    for line in sorted(order.lines.all(), key=lambda ln: ln.pk):
        variant = line.sold_variant
        lines.append({
            "__typename": "LineItem", "id": gid("LineItem", line.line_id), "sku": line.seller_sku, "name": line.name,
            "quantity": line.quantity, "currentQuantity": 0 if cancelled else line.quantity,
            "variant": render_variant(variant, shop) if variant is not None else None,
            "product": render_product(variant.item) if variant is not None else None,
            "originalUnitPriceSet": _bag(line.unit_price, order.currency),
        })
    return {
        "__typename": "Order", "id": gid("Order", order.order_id), "name": f"#{order.number}",
        "createdAt": iso(order.created_at), "updatedAt": iso(order.updated_at), "cancelledAt": iso(cancelled),
        "displayFinancialStatus": financial, "displayFulfillmentStatus": fulfilment, "returnStatus": returned,
        "currencyCode": order.currency, "totalPriceSet": _bag(order.total, order.currency),
        "customer": {"__typename": "Customer", "id": gid("Customer", order.pk), "displayName": order.buyer} if order.buyer else None,
        "_lines": lines,
    }


def render_product(item: Item) -> dict:
    return {"__typename": "Product", "id": gid("Product", item.item_id), "title": item.name, "status": item.status,
            "handle": re.sub(r"[^a-z0-9]+", "-", item.name.lower()).strip("-"), "updatedAt": iso(item.updated_at)}


def location_of(shop: Shop) -> str:
    return gid("Location", shop.warehouse_id)


def render_variant(variant: Variant, shop: Shop) -> dict:
    item_id = variant.variant_id + INVENTORY_ITEM_OFFSET
    return {
        "__typename": "ProductVariant", "id": gid("ProductVariant", variant.variant_id), "sku": variant.seller_sku,
        "title": variant.name or "Default Title", "price": money(variant.price), "updatedAt": iso(variant.updated_at),
        "inventoryQuantity": variant.stock, "product": render_product(variant.item),
        "inventoryItem": {"__typename": "InventoryItem", "id": gid("InventoryItem", item_id), "sku": variant.seller_sku,
                          "tracked": True, "_stock": variant.stock, "_location": location_of(shop), "_shop": shop},
    }


def _cursor(*parts) -> str:
    return base64.urlsafe_b64encode("|".join(map(str, parts)).encode()).decode().rstrip("=")


def _uncursor(value: str) -> list[str] | None:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode().split("|")
    except (ValueError, UnicodeDecodeError):
        return None


def _page_size(first, last) -> int:
    if first is None and last is None:
        raise GraphQLError("you must provide one of first or last", extensions={"code": "BAD_REQUEST"})
    size = first if first is not None else last
    if size < 0 or size > MAX_PAGE:
        raise GraphQLError(f"The first/last argument must be between 0 and {MAX_PAGE}", extensions={"code": "BAD_REQUEST"})
    return size


def _connection(nodes: list, cursors: list[str], more: bool) -> dict:
    return {"pageInfo": {"hasNextPage": more, "hasPreviousPage": False, "startCursor": cursors[0] if cursors else None,
                         "endCursor": cursors[-1] if cursors else None},
            "nodes": nodes, "edges": [{"cursor": c, "node": n} for c, n in zip(cursors, nodes, strict=True)]}


# ---------------------------------------------------------------- search syntax

_TERM = re.compile(r"""(?P<field>[a-z_]+):(?P<op>>=|<=|>|<)?'?(?P<value>[^'\s]+)'?""")
_LOOKUP = {">=": "gte", ">": "gt", "<=": "lte", "<": "lt", None: "exact"}


def search_filter(query: str | None, fields: dict[str, str]) -> dict:
    """`updated_at:>='2026-11-11T00:00:00Z' updated_at:<'…'` → ORM lookups; an unknown field is refused."""
    lookups = {}
    text = (query or "").strip()
    position = 0
    for match in _TERM.finditer(text):
        if text[position:match.start()].strip():
            break
        position = match.end()
        name = fields.get(match["field"])
        if name is None:
            raise GraphQLError(f"Invalid search field: {match['field']}", extensions={"code": "BAD_REQUEST"})
        try:
            value = datetime.fromisoformat(match["value"].replace("Z", "+00:00"))
        except ValueError:
            raise GraphQLError(f"Invalid search value for {match['field']}: {match['value']}",
                               extensions={"code": "BAD_REQUEST"}) from None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        lookups[f"{name}__{_LOOKUP[match['op']]}"] = value
    if text[position:].strip():
        raise GraphQLError(f"Invalid search query: {text!r}", extensions={"code": "BAD_REQUEST"})
    return lookups


# ---------------------------------------------------------------- resolvers


def _shop(info) -> Shop:
    return info.context["shop"]


def resolve_shop(_root, info):
    shop = _shop(info)
    return {"name": shop.name, "myshopifyDomain": shop.external_id, "currencyCode": shop.currency}


def resolve_location(_root, info, id=None):
    shop = _shop(info)
    if id is not None and id != location_of(shop):
        return None
    return {"__typename": "Location", "id": location_of(shop), "name": "Gudang Jakarta", "isActive": True}


def _orders_qs(shop):
    return Order.objects.filter(shop=shop).prefetch_related("lines__sold_variant__item", "history")


def resolve_order(_root, info, id):
    number = parse_gid(id, "Order")
    order = _orders_qs(_shop(info)).filter(order_id=str(number)).first() if number is not None else None
    return render_order(order, _shop(info)) if order else None


_ORDER_SORT = {"UPDATED_AT": "updated_at", "CREATED_AT": "created_at", "PROCESSED_AT": "created_at", "ID": None, "NUMBER": None}


def resolve_orders(_root, info, first=None, after=None, last=None, before=None, query=None, sortKey="ID", reverse=False):
    shop = _shop(info)
    size = _page_size(first, last)
    if sortKey not in _ORDER_SORT:
        raise GraphQLError(f"sortKey {sortKey} is not supported by the sandbox", extensions={"code": "BAD_REQUEST"})
    qs = _orders_qs(shop).filter(**search_filter(query, {"updated_at": "updated_at", "created_at": "created_at"}))
    column = _ORDER_SORT[sortKey]
    if after:
        faults.shift_orders(info.context["request"], shop)
        parts = _uncursor(after)
        if not parts or len(parts) != 2 or not parts[1].isdigit():
            raise GraphQLError("Invalid cursor", extensions={"code": "BAD_REQUEST"})
        pk = int(parts[1])
        if column is None:
            qs = qs.filter(pk__gt=pk)
        else:
            at = datetime.fromisoformat(parts[0])
            qs = qs.filter(Q(**{f"{column}__gt": at}) | Q(**{column: at, "pk__gt": pk}))
    order_by = ["pk"] if column is None else [column, "pk"]
    if reverse:
        order_by = [f"-{c}" for c in order_by]
    rows = list(qs.order_by(*order_by)[: size + 1])
    more, rows = len(rows) > size, rows[:size]
    cursors = [_cursor((getattr(o, column).isoformat() if column else ""), o.pk) for o in rows]
    return _connection([render_order(o, shop) for o in rows], cursors, more)


def resolve_line_items(order, _info, first=None, after=None, last=None, before=None):
    size = _page_size(first, last)
    start = 0
    if after:
        parts = _uncursor(after)
        if not parts or not parts[0].isdigit():
            raise GraphQLError("Invalid cursor", extensions={"code": "BAD_REQUEST"})
        start = int(parts[0]) + 1
    lines = order["_lines"]
    page = lines[start:start + size]
    return _connection(page, [_cursor(start + i) for i in range(len(page))], start + size < len(lines))


def resolve_product_variants(_root, info, first=None, after=None, last=None, before=None, query=None, sortKey="ID",
                             reverse=False):
    shop = _shop(info)
    size = _page_size(first, last)
    qs = Variant.objects.filter(shop=shop, item__status__in=("ACTIVE", "DRAFT", "ARCHIVED")).select_related("item")
    qs = qs.filter(**search_filter(query, {"updated_at": "updated_at"}))
    if after:
        parts = _uncursor(after)
        if not parts or not parts[0].isdigit():
            raise GraphQLError("Invalid cursor", extensions={"code": "BAD_REQUEST"})
        qs = qs.filter(pk__gt=int(parts[0]))
    rows = list(qs.order_by("pk")[: size + 1])
    more, rows = len(rows) > size, rows[:size]
    return _connection([render_variant(v, shop) for v in rows], [_cursor(v.pk) for v in rows], more)


def resolve_inventory_level(item, _info, locationId):
    if locationId != item["_location"]:
        return None
    return {"__typename": "InventoryLevel", "id": gid("InventoryLevel", parse_gid(item["id"])), "_stock": item["_stock"],
            "location": {"__typename": "Location", "id": item["_location"], "name": "Gudang Jakarta", "isActive": True}}


def resolve_quantities(level, _info, names):
    unknown = [n for n in names if n not in QUANTITY_NAMES]
    if unknown:
        raise GraphQLError(f"Invalid quantity name(s): {', '.join(unknown)}", extensions={"code": "BAD_REQUEST"})
    figures = {"available": level["_stock"], "on_hand": level["_stock"]}
    return [{"name": n, "quantity": figures.get(n, 0)} for n in names]


def _by_gids(shop, ids) -> list:
    if len(ids) > MAX_INPUT:
        raise GraphQLError(f"The input array size of {len(ids)} is greater than the maximum allowed of {MAX_INPUT}.",
                           extensions={"code": "MAX_INPUT_SIZE_EXCEEDED"})
    parsed = []
    for value in ids:
        match = _GID.match(value or "")
        if match is None:
            raise GraphQLError(f"Invalid global id '{value}'", extensions={"code": "argumentLiteralsIncompatible"})
        parsed.append((match["type"], int(match["id"])))
    orders = {o.order_id: o for o in _orders_qs(shop).filter(order_id__in=[str(n) for t, n in parsed if t == "Order"])}
    wanted_variants = [n for t, n in parsed if t == "ProductVariant"]
    variants = {v.variant_id: v for v in Variant.objects.filter(shop=shop, variant_id__in=wanted_variants).select_related("item")}
    out = []
    for kind, number in parsed:
        if kind == "Order" and str(number) in orders:
            out.append(render_order(orders[str(number)], shop))
        elif kind == "ProductVariant" and number in variants:
            out.append(render_variant(variants[number], shop))
        else:
            out.append(None)
    return out


def resolve_nodes(_root, info, ids):
    return _by_gids(_shop(info), ids)


def resolve_node(_root, info, id):
    return _by_gids(_shop(info), [id])[0]


def resolve_set_quantities(_root, info, input):
    shop = _shop(info)
    request = info.context["request"]
    errors = []

    def refuse(code, message, *field):
        errors.append({"code": code, "field": ["input", *map(str, field)], "message": message})

    if input["name"] not in ("available", "on_hand"):
        refuse("INVALID_NAME", "The quantity name must be either 'available' or 'on_hand'.", "name")
    if input["reason"] not in REASONS:
        refuse("INVALID_REASON", "The specified reason is invalid.", "reason")
    quantities = input["quantities"]
    if len(quantities) > MAX_INPUT:
        raise GraphQLError(f"The input array size of {len(quantities)} is greater than the maximum allowed of {MAX_INPUT}.",
                           extensions={"code": "MAX_INPUT_SIZE_EXCEEDED"})
    ignore = bool(input.get("ignoreCompareQuantity"))
    numbers = [parse_gid(q["inventoryItemId"], "InventoryItem") for q in quantities]
    variants = {v.variant_id + INVENTORY_ITEM_OFFSET: v for v in Variant.objects.filter(
        shop=shop, variant_id__in=[n - INVENTORY_ITEM_OFFSET for n in numbers if n is not None])}
    seen, changes = set(), []
    for i, (q, number) in enumerate(zip(quantities, numbers, strict=True)):
        variant = variants.get(number)
        if variant is None:
            refuse("INVALID_INVENTORY_ITEM", "The specified inventory item could not be found.", "quantities", i, "inventoryItemId")
            continue
        if q["locationId"] != location_of(shop):
            refuse("INVALID_LOCATION", "The specified location could not be found.", "quantities", i, "locationId")
            continue
        if (number, q["locationId"]) in seen:
            refuse("NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR",
                   "The combination of inventoryItemId and locationId must be unique.", "quantities", i, "inventoryItemId")
            continue
        seen.add((number, q["locationId"]))
        if variant.components:
            refuse("NON_MUTABLE_INVENTORY_ITEM", "The specified inventory item is not allowed to be adjusted via API.",
                   "quantities", i, "inventoryItemId")
            continue
        if q["quantity"] < 0:
            refuse("INVALID_QUANTITY_NEGATIVE", "The quantity can't be negative.", "quantities", i, "quantity")
            continue
        if q["quantity"] > 1_000_000_000:
            refuse("INVALID_QUANTITY_TOO_HIGH", "The total quantity can't be higher than 1,000,000,000.", "quantities", i, "quantity")
            continue
        if not ignore:
            if "compareQuantity" not in q or q["compareQuantity"] is None:
                refuse("COMPARE_QUANTITY_REQUIRED",
                       "The compareQuantity argument must be given to each quantity or ignored using ignoreCompareQuantity.",
                       "quantities", i, "compareQuantity")
                continue
            if q["compareQuantity"] != variant.stock:
                refuse("COMPARE_QUANTITY_STALE", "The compareQuantity value does not match persisted value.",
                       "quantities", i, "compareQuantity")
                continue
        changes.append((variant, q["quantity"]))
    if errors:
        return {"inventoryAdjustmentGroup": None, "userErrors": errors}
    now = services.whole_seconds(timezone.now())
    deltas = [quantity - variant.stock for variant, quantity in changes]
    if not faults.ignore_stock(request, shop):
        for variant, quantity in changes:
            services.variant_set_stock(variant, quantity, now)
    group = {
        "__typename": "InventoryAdjustmentGroup", "id": gid("InventoryAdjustmentGroup", int(time.time() * 1000)),
        "reason": input["reason"], "referenceDocumentUri": input.get("referenceDocumentUri"), "createdAt": iso(now),
        "changes": [{"name": input["name"], "delta": delta, "quantityAfterChange": None} for delta in deltas],
    }
    return {"inventoryAdjustmentGroup": group, "userErrors": []}


def _wire() -> None:
    query, mutation = SCHEMA.query_type, SCHEMA.mutation_type
    for name, fn in (("shop", resolve_shop), ("location", resolve_location), ("order", resolve_order),
                     ("orders", resolve_orders), ("productVariants", resolve_product_variants), ("nodes", resolve_nodes),
                     ("node", resolve_node)):
        query.fields[name].resolve = fn
    mutation.fields["inventorySetQuantities"].resolve = resolve_set_quantities
    SCHEMA.get_type("Order").fields["lineItems"].resolve = resolve_line_items
    SCHEMA.get_type("InventoryItem").fields["inventoryLevel"].resolve = resolve_inventory_level
    SCHEMA.get_type("InventoryLevel").fields["quantities"].resolve = resolve_quantities
    SCHEMA.get_type("Node").resolve_type = lambda value, _info, _type: value.get("__typename")


_wire()


# ---------------------------------------------------------------- the endpoint


class Shopify(Platform):
    name = "shopify"

    def render_error(self, error, request_id):
        if error.extra.get("graphql"):
            body = {"errors": [{"message": error.message, "extensions": {"code": error.code, **error.extra.get("ext", {})}}]}
            if error.extra.get("cost"):
                body["extensions"] = {"cost": error.extra["cost"]}
            return json_response(body, status=error.status)
        return json_response({"errors": error.message}, status=error.status)

    def param_error(self, message):
        return ApiError("BAD_REQUEST", message, 400)

    def method_error(self, method):
        return ApiError("METHOD_NOT_ALLOWED", "Method Not Allowed", 405)

    def throttle_error(self, shop):
        available = buckets.available(shop.pk)
        maximum, restore = buckets.plan(shop.pk)
        return ApiError("THROTTLED", "Throttled", 200, graphql=True,
                        ext={"documentation": "https://shopify.dev/api/usage/rate-limits"},
                        cost={"requestedQueryCost": MAX_QUERY_COST, "actualQueryCost": None,
                              "throttleStatus": {"maximumAvailable": maximum, "currentlyAvailable": available, "restoreRate": restore}})

    def server_error(self, rng):
        if rng.random() < 0.5:
            return ApiError("INTERNAL_SERVER_ERROR", "Internal error. Looks like something went wrong on our end.", 200,
                            graphql=True, ext={"requestId": "sandbox"})
        return ApiError("HTTP 503", "Service Unavailable", 503)

    def authenticate(self, request) -> Shop:
        token = request.headers.get("X-Shopify-Access-Token", "")
        shop = Shop.objects.filter(platform="shopify", app_key=token).first() if token else None
        if shop is None:
            raise ApiError("HTTP 401", "[API] Invalid API key or access token (unrecognized login or wrong password)", 401)
        return shop


shopify = Shopify()


def _graphql_errors(errors) -> list[dict]:
    out = []
    for err in errors:
        entry = {"message": err.message}
        if err.locations:
            entry["locations"] = [{"line": loc.line, "column": loc.column} for loc in err.locations]
        if err.path:
            entry["path"] = list(err.path)
        entry["extensions"] = dict(err.extensions or {}) or {"code": "GRAPHQL_VALIDATION_FAILED"}
        out.append(entry)
    return out


@shopify.endpoint(methods=("POST",))
def graphql(request, shop, version):
    if version not in SUPPORTED_VERSIONS:
        raise ApiError("HTTP 404", "Not Found", 404)
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        raise ApiError("HTTP 400", "Bad Request: the body is not JSON", 400) from None
    query = body.get("query") if isinstance(body, dict) else None
    variables = body.get("variables") or {} if isinstance(body, dict) else {}
    if not isinstance(query, str) or not isinstance(variables, dict):
        raise ApiError("HTTP 400", "Bad Request: query (a string) and variables (an object) expected", 400)
    try:
        document = parse(query)
    except GraphQLError as err:
        return _answer(version, {"errors": _graphql_errors([err])})
    problems = validate(SCHEMA, document)
    if problems:
        return _answer(version, {"errors": _graphql_errors(problems)})
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    wanted = body.get("operationName")
    operation = next((o for o in operations if not wanted or (o.name and o.name.value == wanted)), None)
    if operation is None:
        return _answer(version, {"errors": [{"message": "No operation named " + str(wanted)}]})
    cost = query_cost(document, operation, variables)
    maximum, restore = buckets.plan(shop.pk)
    if cost > MAX_QUERY_COST:
        return _answer(version, {"errors": [{
            "message": f"Query cost is {cost}, which exceeds the single query max cost limit ({MAX_QUERY_COST}).",
            "extensions": {"code": "MAX_COST_EXCEEDED", "cost": cost, "maxCost": MAX_QUERY_COST}}]})
    taken, available = buckets.take(shop.pk, cost) if buckets.enforced(shop) else (True, maximum)
    status = {"maximumAvailable": maximum, "currentlyAvailable": available, "restoreRate": restore}
    if not taken:
        return _answer(version, {
            "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED",
                                                               "documentation": "https://shopify.dev/api/usage/rate-limits"}}],
            "extensions": {"cost": {"requestedQueryCost": cost, "actualQueryCost": None, "throttleStatus": status}}})
    result = execute(SCHEMA, document, variable_values=variables, operation_name=wanted,
                     context_value={"shop": shop, "request": request})
    out = {"data": result.data}
    if result.errors:
        out["errors"] = _graphql_errors(result.errors)
    out["extensions"] = {"cost": {"requestedQueryCost": cost, "actualQueryCost": cost, "throttleStatus": status}}
    return _answer(version, out)


def _answer(version: str, body: dict) -> HttpResponse:
    response = json_response(body)
    response["X-Shopify-API-Version"] = version
    return response
