"""Shopify through the GraphQL Admin API, pinned to one supported version.

Why GraphQL and these queries: the REST Admin API is legacy since 2024-10, and
inventory can only be set with compare-and-set through `inventorySetQuantities`.
A custom app's Admin API access token (header `X-Shopify-Access-Token`) never
expires, so there is no token to refresh; the app's client secret is kept only
to verify webhooks (omnisync.webhooks).

Rate limit: Shopify counts *query cost*, not requests. Each app and store has a
bucket (`extensions.cost.throttleStatus`: maximumAvailable, currentlyAvailable,
restoreRate points per second); a query whose requested cost is more than what
is available is answered `THROTTLED`. Every reply's throttle status is kept per
channel (`CostBucket`, shared by every adapter of the channel in this process),
and a query waits until the bucket holds its cost before it is sent; a
`THROTTLED` answer that still comes (another app sharing nothing, a restart) is
retried by the session after the time the bucket needs to refill. One query
may cost at most 1,000 points, which sizes the batches below.

Stock: the channel sells from one Shopify location (credential `location_id`,
a gid or its number), mapped to the channel's POS location. Pushes set the
`available` quantity with `reason: correction`, each with `compareQuantity` =
the figure read just before: if the quantity changed in between (an order, an
edit in the Shopify admin) Shopify refuses the whole mutation with
`COMPARE_QUANTITY_STALE` for that item, which is recorded as refused and never
overwritten; the rest is sent again without it, and the next scan reads the new
figure. Read-back reads the pushed variants only.

Orders are listed by `updated_at` with cursor paging and `sortKey: UPDATED_AT`
(a cursor is a position, so an order that changes while the list is read does
not shift the others); details come by `nodes(ids:)`. The raw status is built
from displayFinancialStatus, displayFulfillmentStatus, cancelledAt and
returnStatus (see orders/status_maps/shopify.py). Note that without the
`read_all_orders` scope Shopify shows only the last 60 days of orders.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from pydantic import ValidationError

from channels_app.adapters.base import Adapter, chunked
from channels_app.adapters.id_sets import RecentIds
from channels_app.adapters.schemas import describe, parse
from channels_app.adapters.schemas.shopify import (
    Envelope,
    Location,
    Order,
    OrderHeader,
    OrderLines,
    PageInfo,
    PushState,
    SetQuantitiesPayload,
    Shop,
    Variant,
    gid,
)
from channels_app.adapters.types import (
    ChannelListing,
    ChannelOrder,
    ChannelOrderLine,
    OrderProblem,
    PushResult,
    RemoteOrderState,
    StockUpdate,
    TimeSlice,
)
from omnisync.lib.http import ApiError, Outgoing, Reply

#: The Admin API version every call names (supported until at least 2026-10; Shopify keeps a version 12 months).
API_VERSION = "2025-10"
#: Shopify refuses a single query costing more than this (MAX_COST_EXCEEDED).
MAX_QUERY_COST = 1000

#: Order states per list page: Shopify's largest page (250), 2 + 250 × 1 = 252 points.
ORDERS_PER_PAGE = 250
#: Lines that come with an order in the detail call; an order with more pages the rest (OrderLines, one call more).
#: Shopify's requested cost counts every line asked for (5 points each), found or not, and cost is what Shopify
#: limits: most marketplace orders have 1 to 3 lines, so 3 keep an order at 21 points instead of 31 for 5.
LINES_IN_DETAIL = 3
#: Orders per detail call: 47 orders of 21 points cost 987 of the 1,000 one query may cost.
ORDERS_PER_DETAIL = 47
LINES_PER_PAGE = 100
VARIANTS_PER_PAGE = 100
#: Variants per read-back call (`nodes(ids:)`, 5 points each): 200 cost the 1,000 one query may cost.
VARIANTS_PER_READ = 200
#: Entries of one inventorySetQuantities call (input arrays hold at most 250); the read before the push asks
#: 4 points a variant (PUSH_STATES), so 250 fit one query too.
QUANTITIES_PER_CALL = 250

STATE_FIELDS = "id updatedAt displayFinancialStatus displayFulfillmentStatus cancelledAt returnStatus"
LINE_FIELDS = "id sku quantity currentQuantity variant { id } product { id } originalUnitPriceSet { shopMoney { amount currencyCode } }"
ORDER_FIELDS = (
    f"{STATE_FIELDS} createdAt currencyCode totalPriceSet {{ shopMoney {{ amount currencyCode }} }} customer {{ displayName }} "
    f"lineItems(first: {LINES_IN_DETAIL}) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ {LINE_FIELDS} }} }}"
)
VARIANT_FIELDS = (
    "id sku updatedAt product { id title status } "
    'inventoryItem { id tracked inventoryLevel(locationId: $location) { quantities(names: ["available"]) { name quantity } } }'
)

ORDER_STATES = f"""query OrderStates($first: Int!, $after: String, $query: String!) {{
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{ {STATE_FIELDS} }}
  }}
}}"""
ORDERS_BY_ID = f"""query OrdersById($ids: [ID!]!) {{
  nodes(ids: $ids) {{ ... on Order {{ {ORDER_FIELDS} }} }}
}}"""
ORDER_LINES = f"""query OrderLines($id: ID!, $first: Int!, $after: String) {{
  order(id: $id) {{ id lineItems(first: $first, after: $after) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ {LINE_FIELDS} }} }} }}
}}"""
VARIANTS = f"""query Variants($first: Int!, $after: String, $query: String, $location: ID!) {{
  productVariants(first: $first, after: $after, query: $query) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{ {VARIANT_FIELDS} }}
  }}
}}"""
VARIANTS_BY_ID = f"""query VariantsById($ids: [ID!]!, $location: ID!) {{
  nodes(ids: $ids) {{ ... on ProductVariant {{ {VARIANT_FIELDS} }} }}
}}"""
#: What a push needs of a variant: its inventory item and the available quantity to compare with (4 points).
PUSH_STATES = """query PushStates($ids: [ID!]!, $location: ID!) {
  nodes(ids: $ids) { ... on ProductVariant {
    id inventoryItem { id tracked inventoryLevel(locationId: $location) { quantities(names: ["available"]) { name quantity } } }
  } }
}"""
SET_AVAILABLE = """mutation SetAvailable($input: InventorySetQuantitiesInput!) {
  inventorySetQuantities(input: $input) {
    inventoryAdjustmentGroup { id reason }
    userErrors { code field message }
  }
}"""
SHOP_AND_LOCATION = """query ShopAndLocation($location: ID!) {
  shop { name myshopifyDomain }
  location(id: $location) { id name isActive }
}"""

#: Requested cost of each query (Shopify's rules: object 1, scalar and enum 0, connection 2 + first × node, mutation 10),
#: what the bucket must hold before it is sent.
COSTS = {
    "OrderStates": 2 + ORDERS_PER_PAGE,
    # an order: itself 1, lineItems 2 + 3 × (line, variant, product, price bag, shop money), totalPriceSet 2, customer 1
    "OrdersById": ORDERS_PER_DETAIL * (1 + 2 + LINES_IN_DETAIL * 5 + 2 + 1),
    "OrderLines": 1 + 2 + LINES_PER_PAGE * 5,
    "Variants": 2 + VARIANTS_PER_PAGE * 5,
    "VariantsById": VARIANTS_PER_READ * 5,
    "PushStates": QUANTITIES_PER_CALL * 4,
    "SetAvailable": 10,
    "ShopAndLocation": 2,
}

#: Codes that concern the whole channel (token, scopes, shop, location): a push stops instead of failing item by item.
CHANNEL_CODES = frozenset({
    "HTTP 401", "HTTP 402", "HTTP 403", "HTTP 404", "HTTP 423", "ACCESS_DENIED", "INVALID_LOCATION",
    "missing_credential", "location_not_found",
})
#: GraphQL error codes worth retrying later.
TRANSIENT_CODES = frozenset({"THROTTLED", "INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE", "IDEMPOTENCY_CONCURRENT_REQUEST"})

HINTS = {
    "HTTP 401": "Check the channel's Admin API access token (Shopify admin > Apps > the custom app > API credentials) and enter it again; retrying will not help",
    "HTTP 402": "The Shopify store is frozen (unpaid Shopify bill); resolve it in the Shopify admin",
    "HTTP 403": "The custom app lacks an access scope omnisync needs (read_orders, read_products, read_inventory, write_inventory, read_locations)",
    "ACCESS_DENIED": "The custom app lacks an access scope omnisync needs (read_orders, read_products, read_inventory, write_inventory, read_locations)",
    "HTTP 404": "Check the channel's API base URL (https://<store>.myshopify.com)",
    "HTTP 423": "The Shopify store is locked; contact Shopify support",
    "THROTTLED": "Shopify's query-cost bucket is empty; omnisync waits for it to refill",
    "MAX_COST_EXCEEDED": "a query cost more than Shopify allows; report this message",
}

#: Stock refusals of inventorySetQuantities, with what staff should do.
USER_ERROR_HINTS = {
    "COMPARE_QUANTITY_STALE": ("Shopify's available stock changed since omnisync read it (an order or an edit in the Shopify admin), "
                               "so it was not overwritten; the next scan reads the new figure and Update Inventory pushes again"),
    "CHANGE_FROM_QUANTITY_STALE": "Shopify's available stock changed since omnisync read it; not overwritten, push again after a scan",
    "INVALID_LOCATION": "the channel's location_id is not a location of this store: check it (Shopify admin > Settings > Locations)",
    "ITEM_NOT_STOCKED_AT_LOCATION": "the product is not stocked at the channel's Shopify location: stock it there in the Shopify admin",
    "INVALID_INVENTORY_ITEM": "the inventory item no longer exists on Shopify: scan the channel again",
    "NON_MUTABLE_INVENTORY_ITEM": "Shopify does not let apps set this item's stock (a bundle): its components are set instead",
    "INVALID_QUANTITY_TOO_HIGH": "Shopify accepts at most 1,000,000,000",
    "INVALID_QUANTITY_NEGATIVE": "Shopify does not accept a negative quantity",
}


class CostBucket:
    """What the last reply said about one channel's query-cost bucket, refilled by the clock in between.

    `reserve(cost)` takes the points now and returns how long to wait before
    sending (the balance may go below zero, so callers waiting together are
    served in turn); `observe` replaces the estimate with the figures Shopify
    reported, less the queries still in flight: a reply tells the bucket as it
    was when Shopify ran that query, before the ones sent alongside it, and
    believing it as it stands sends those again into a bucket that cannot hold
    them (THROTTLED). A reservation belongs to the thread that made it until
    its reply is observed or `settle` drops it (no reply came). Before the first
    reply the bucket is assumed full. The refill is
    multiplied by HTTP_RATE_LIMIT_SCALE, as every other rate the product keeps
    to (omnisync.lib.ratelimit): 1 in production; a local sandbox that does not
    enforce the bucket is not paced at a real store's rate.
    """

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self.lock = threading.Lock()
        self.maximum = float(MAX_QUERY_COST)
        self.available = float(MAX_QUERY_COST)
        self.restore = 50.0
        self.stamp = clock()
        self.in_flight: dict[int, float] = {}
        self._tickets = itertools.count(1)
        self._mine = threading.local()

    @property
    def refill_rate(self) -> float:
        return self.restore * getattr(settings, "HTTP_RATE_LIMIT_SCALE", 1.0)

    def _refill(self, now: float) -> None:
        self.available = min(self.maximum, self.available + (now - self.stamp) * self.refill_rate)
        self.stamp = now

    def reserve(self, cost: float) -> float:
        with self.lock:
            self._drop_mine()  # this thread's earlier attempt got no reply: what it cost, the next reply tells
            self._refill(self.clock())
            cost = min(cost, self.maximum)
            self.available -= cost
            ticket = next(self._tickets)
            self.in_flight[ticket] = cost
            self._mine.ticket = ticket
            return max(0.0, -self.available / self.refill_rate)

    def observe(self, maximum: float, available: float, restore: float, refund: float = 0.0) -> None:
        with self.lock:
            self._drop_mine()
            self.maximum, self.restore, self.stamp = maximum, restore, self.clock()
            self.available = min(maximum, available) - sum(self.in_flight.values())

    def settle(self) -> None:
        """Forget this thread's reservation (its request is over, answered or not)."""
        with self.lock:
            self._drop_mine()

    def _drop_mine(self) -> None:
        ticket = getattr(self._mine, "ticket", None)
        if ticket is not None:
            self.in_flight.pop(ticket, None)
            self._mine.ticket = None

    def wait_for(self, cost: float) -> float:
        """Seconds until the bucket holds `cost` (without taking it)."""
        with self.lock:
            self._refill(self.clock())
            return max(0.0, (min(cost, self.maximum) - self.available) / self.refill_rate)


_buckets: dict[Any, CostBucket] = {}
_buckets_lock = threading.Lock()


def cost_bucket(key: Any) -> CostBucket:
    with _buckets_lock:
        bucket = _buckets.get(key)
        if bucket is None:
            bucket = _buckets[key] = CostBucket()
        return bucket


def location_gid(value: str) -> str:
    """The location's global id from what staff typed: a gid or its number."""
    text = (value or "").strip()
    return text if text.startswith("gid://") else gid("Location", text)


def search_time(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def raw_status(order: OrderHeader) -> str:
    """CANCELLED, else <financial>/<fulfilment>[/<return status>] (orders/status_maps/shopify.py maps it)."""
    if order.cancelledAt is not None:
        return "CANCELLED"
    raw = f"{order.displayFinancialStatus or ''}/{order.displayFulfillmentStatus}"
    if order.returnStatus and order.returnStatus != "NO_RETURN":
        raw += f"/{order.returnStatus}"
    return raw


#: Fulfilment states in which nothing has left the shop yet: lines count what is still ordered (currentQuantity).
NOT_FULFILLED = frozenset({"UNFULFILLED", "OPEN", "PENDING_FULFILLMENT", "SCHEDULED", "ON_HOLD", "IN_PROGRESS", "REQUEST_DECLINED"})


def connection_page(data: dict, reply, field: str, model):
    """One page of a GraphQL connection (`nodes` + `pageInfo`): its parsed nodes and the next cursor (None at the end)."""
    block = data.get(field)
    if not isinstance(block, dict):
        raise reply.malformed(f"field data.{field} is missing")
    page = parse(PageInfo, block.get("pageInfo"), reply, f"data.{field}.pageInfo")
    nodes = block.get("nodes")
    if not isinstance(nodes, list):
        raise reply.malformed(f"field data.{field}.nodes should be a list")
    items = [parse(model, node, reply, f"data.{field}.nodes[{i}]") for i, node in enumerate(nodes)]
    return items, (page.endCursor if page.hasNextPage and page.endCursor else None)


class ShopifyAdapter(Adapter):
    platform = "shopify"
    label = "Shopify"
    max_order_window = None
    order_detail_batch = ORDERS_PER_DETAIL
    # Pages of 250 read ahead: 3 hold about as many orders as the other platforms' 8 pages of 100.
    pages_ahead_depth = 3
    credential_names = ("access_token", "location_id", "client_secret")
    secret_names = ("access_token", "location_id", "client_secret")
    # Shopify limits by query cost (CostBucket); this only keeps the request count civil. 25 a second also makes
    # Update Inventory hand over 1,000 listings at a time (inventory.jobs.PUSH_CHUNK_PER_RATE), whole mutations of 250.
    rate_per_second = 25.0
    rate_burst = 50
    channel_wide_codes = CHANNEL_CODES

    def __init__(self, channel, session=None):
        super().__init__(channel, session)
        self.bucket = cost_bucket(("shopify", channel.pk if channel.pk is not None else id(channel)))

    @property
    def base_url(self) -> str:
        """The store root (https://<store>.myshopify.com); the versioned GraphQL path is appended."""
        return (self.channel.api_base_url or "").rstrip("/")

    @property
    def endpoint(self) -> str:
        return f"{self.base_url}/admin/api/{API_VERSION}/graphql.json"

    @property
    def location(self) -> str:
        return location_gid(self.credential("location_id"))

    # -- transport ---------------------------------------------------------------
    def _gql(self, name: str, query: str, variables: dict[str, Any] | None = None) -> tuple[dict[str, Any], Reply]:
        """One GraphQL call: wait until the bucket holds its cost, send, keep the reported throttle status."""
        token = self.credential("access_token")
        cost = COSTS[name]

        def sign(out: Outgoing) -> None:
            out.headers["X-Shopify-Access-Token"] = token
            wait = self.bucket.reserve(cost)
            if wait > 0:
                self.session.sleep(wait)

        try:
            reply = self.session.request(
                "POST", self.endpoint, path=f"graphql.json {name}", json={"query": query, "variables": variables or {}},
                sign=sign, check=self._check,
            )
        finally:
            self.bucket.settle()
        envelope = parse(Envelope, reply.data, reply)
        if envelope.data is None:
            raise reply.malformed("field data is missing")
        return envelope.data, reply

    def _observe(self, envelope: Envelope) -> float | None:
        """Keep the throttle status; returns the seconds the bucket needs to refill for the query's cost."""
        cost = envelope.extensions.cost if envelope.extensions else None
        if cost is None or cost.throttleStatus is None:
            return None
        status = cost.throttleStatus
        self.bucket.observe(status.maximumAvailable, status.currentlyAvailable, status.restoreRate)
        wanted = cost.requestedQueryCost or 0
        return max(0.0, (wanted - status.currentlyAvailable) / status.restoreRate)

    def _check(self, reply: Reply) -> None:
        if not isinstance(reply.data, dict):
            return
        try:
            envelope = Envelope.model_validate(reply.data)
        except ValidationError as exc:
            raise reply.malformed(describe(exc)) from None
        refill = self._observe(envelope)
        if reply.status >= 400:
            detail = envelope.errors if isinstance(envelope.errors, str) else "; ".join(e.message for e in envelope.errors or [])
            code = f"HTTP {reply.status}"
            raise ApiError.refused(self.label, code, detail, http_status=reply.status, hint=HINTS.get(code, ""),
                                   transient=reply.status == 429 or reply.status >= 500)
        errors = envelope.errors
        if isinstance(errors, str):
            raise ApiError.refused(self.label, "GRAPHQL", errors)
        if errors:
            first = errors[0]
            code = first.code or "GRAPHQL"
            transient = code in TRANSIENT_CODES
            raise ApiError.refused(
                self.label, code, first.message, transient=transient,
                retry_after=(refill if refill else 1.0) if code == "THROTTLED" else None,
                hint=HINTS.get(code, "" if transient else "retrying will not help; report this message"),
            )

    # -- orders --------------------------------------------------------------------
    def list_order_states(self, time_slice: TimeSlice) -> Iterator[RemoteOrderState]:
        """Every order updated in [start, end), once, oldest update first.

        The cursor holds the last order's place in that order, so a later page
        starts after it: only an order repeated where two pages meet could
        come twice, and the ids updated before a page's last update are
        forgotten after it (`RecentIds`).
        """
        search = f"updated_at:>='{search_time(time_slice.start)}' updated_at:<'{search_time(time_slice.end)}'"
        seen = RecentIds()

        def fetch(after):
            data, reply = self._gql("OrderStates", ORDER_STATES, {"first": ORDERS_PER_PAGE, "after": after, "query": search})
            return connection_page(data, reply, "orders", OrderHeader)

        for headers in self.pages_ahead(fetch, None):
            for header in headers:
                if header.id in seen or not (time_slice.start <= header.updatedAt < time_slice.end):
                    continue
                seen.add(header.id, header.updatedAt)
                yield RemoteOrderState(header.id, raw_status(header), header.updatedAt)
            if headers:
                seen.forget_before(headers[-1].updatedAt)

    def fetch_orders(self, external_ids: Sequence[str]) -> Iterator[ChannelOrder | OrderProblem]:
        """Orders by id, 47 a call (`nodes(ids:)`); unknown ids are left out, one that does not fit is a problem."""
        wanted = [oid for oid in dict.fromkeys(external_ids) if oid.isdigit()]
        batches = list(chunked(wanted, self.order_detail_batch))
        for _batch, found, _err in self.fan_out(self._orders_by_id, batches):
            for order_id, order, problem in found:
                if order is None:
                    yield OrderProblem(order_id, problem)
                    continue
                try:
                    yield self._order(order)
                except ApiError as err:
                    yield OrderProblem(order_id, err.message)

    def _orders_by_id(self, batch: Sequence[str]) -> list[tuple[str, Order | None, str]]:
        data, reply = self._gql("OrdersById", ORDERS_BY_ID, {"ids": [gid("Order", oid) for oid in batch]})
        nodes = data.get("nodes")
        if not isinstance(nodes, list):
            raise reply.malformed("field data.nodes should be a list")
        out = []
        for i, node in enumerate(nodes):
            if node is None or not isinstance(node, dict) or not node:
                continue  # an id Shopify does not know (or not an order)
            order_id = batch[i] if i < len(batch) else ""
            try:
                order = Order.model_validate(node)
            except ValidationError as exc:
                out.append((order_id, None, f"{describe(exc, f'data.nodes[{i}]')} (order {order_id})"))
                continue
            out.append((order.id, order, ""))
        return out

    def _all_lines(self, order: Order) -> list:
        lines = list(order.lineItems.nodes)
        page = order.lineItems.pageInfo
        while page.hasNextPage and page.endCursor:
            data, reply = self.with_token(lambda after=page.endCursor: self._gql(
                "OrderLines", ORDER_LINES, {"id": gid("Order", order.id), "first": LINES_PER_PAGE, "after": after}))
            more = parse(OrderLines, data.get("order"), reply, "data.order")
            lines.extend(more.lineItems.nodes)
            page = more.lineItems.pageInfo
        return lines

    def _order(self, order: Order) -> ChannelOrder:
        open_order = order.cancelledAt is None and order.displayFulfillmentStatus in NOT_FULFILLED
        lines = []
        for item in self._all_lines(order):
            # Nothing shipped yet: what is still ordered (items removed by an edit or a restocking refund are not).
            # Once units have shipped, the ordered quantity: a refund does not bring shipped units back.
            quantity = item.currentQuantity if open_order else item.quantity
            if quantity < 1:
                continue
            lines.append(ChannelOrderLine(
                line_key=item.id,
                seller_sku=item.sku or "",
                item_id=item.product.id if item.product else "",
                variant_id=item.variant.id if item.variant else "",
                quantity=quantity,
                unit_price=item.originalUnitPriceSet.shopMoney.amount,
            ))
        money = order.totalPriceSet.shopMoney
        return ChannelOrder(
            external_id=order.id,
            raw_status=raw_status(order),
            created_at=order.createdAt,
            updated_at=order.updatedAt,
            currency=order.currencyCode or money.currencyCode or self.channel.currency or "",
            total=money.amount,
            buyer_name=(order.customer.displayName or "") if order.customer else "",
            lines=tuple(lines),
        )

    # -- listings ------------------------------------------------------------------
    def list_listings(self, changed_since: datetime | None = None) -> Iterator[ChannelListing]:
        """Every variant (a product without options has one), with its available stock at the channel's location."""
        search = f"updated_at:>='{search_time(changed_since)}'" if changed_since is not None else None
        location = self.location

        def fetch(after):
            data, reply = self._gql("Variants", VARIANTS, {"first": VARIANTS_PER_PAGE, "after": after, "query": search,
                                                           "location": location})
            return connection_page(data, reply, "productVariants", Variant)

        for variants in self.pages_ahead(fetch, None):
            for variant in variants:
                yield self._listing(variant)

    def read_listings(self, keys: Sequence[tuple[str, str]]) -> Iterator[ChannelListing]:
        """The pushed variants only, 200 a call (`nodes(ids:)`)."""
        wanted = set(keys)
        ids = [v for v in dict.fromkeys(v for _, v in keys) if v.isdigit()]
        for _batch, variants, _err in self.fan_out(self._variants_by_id, list(chunked(ids, VARIANTS_PER_READ))):
            for variant in variants.values():
                listing = self._listing(variant)
                if (listing.item_id, listing.variant_id) in wanted:
                    yield listing

    def _variants_by_id(self, batch: Sequence[str]) -> dict[str, Variant]:
        return self._variant_nodes("VariantsById", VARIANTS_BY_ID, batch, Variant)

    def _variant_nodes(self, operation: str, query: str, ids: Sequence[str], schema):
        """`nodes(ids:)` of product variants at the channel's location, parsed with `schema`, by id (a deleted
        variant's null node is left out)."""
        data, reply = self._gql(operation, query, {"ids": [gid("ProductVariant", v) for v in ids], "location": self.location})
        nodes = data.get("nodes")
        if not isinstance(nodes, list):
            raise reply.malformed("field data.nodes should be a list")
        found = {}
        for i, node in enumerate(nodes):
            if isinstance(node, dict) and node:
                parsed = parse(schema, node, reply, f"data.nodes[{i}]")
                found[parsed.id] = parsed
        return found

    @staticmethod
    def _available(variant: Variant | PushState) -> int | None:
        """`available` at the location; None when Shopify does not track it or the item is not stocked there."""
        item = variant.inventoryItem
        if item is None or item.tracked is False or item.inventoryLevel is None:
            return None
        return next((q.quantity for q in item.inventoryLevel.quantities if q.name == "available"), None)

    def _listing(self, variant: Variant) -> ChannelListing:
        return ChannelListing(
            item_id=variant.product.id,
            variant_id=variant.id,
            seller_sku=variant.sku or "",
            stock=self._available(variant),
            title=variant.product.title or "",
            status=variant.product.status or "",
            updated_at=variant.updatedAt,
        )

    # -- stock ---------------------------------------------------------------------
    def push_stock(self, updates: Sequence[StockUpdate]) -> list[PushResult]:
        groups = list(chunked(list(updates), QUANTITIES_PER_CALL))
        results = {(r.item_id, r.variant_id): r for r in self.push_in_groups(groups, self._push_group)}
        return [results[(u.item_id, u.variant_id)] for u in updates]

    def _push_group(self, group: Sequence[StockUpdate]) -> list[PushResult]:
        """Read the group's inventory items and current available (one call), then set them with compare-and-set (one call)."""
        location = self.location
        ids = [v for v in dict.fromkeys(u.variant_id for u in group) if v.isdigit()]
        current = self._push_states(ids) if ids else {}
        results: dict[tuple[str, str], PushResult] = {}
        entries: list[tuple[StockUpdate, dict[str, Any]]] = []
        for u in group:
            variant = current.get(u.variant_id)
            refused = self._not_pushable(u, variant)
            if refused:
                results[(u.item_id, u.variant_id)] = PushResult(u.item_id, u.variant_id, False, refused)
                continue
            entries.append((u, {
                "inventoryItemId": gid("InventoryItem", variant.inventoryItem.id),
                "locationId": location,
                "quantity": max(0, int(u.quantity)),
                "compareQuantity": self._available(variant),
            }))
        for start in range(0, len(entries), QUANTITIES_PER_CALL):
            for u, result in self._set_available(entries[start:start + QUANTITIES_PER_CALL]):
                results[(u.item_id, u.variant_id)] = result
        return [results[(u.item_id, u.variant_id)] for u in group]

    def _push_states(self, ids: Sequence[str]) -> dict[str, PushState]:
        return self._variant_nodes("PushStates", PUSH_STATES, ids, PushState)

    def _not_pushable(self, u: StockUpdate, variant: PushState | None) -> str:
        # A variant's id names it for good and a product's variants go with it, so the product is not read again here.
        if variant is None:
            return "the variant no longer exists on Shopify: scan the channel again"
        if variant.inventoryItem is None or variant.inventoryItem.tracked is False:
            return "Shopify does not track this variant's stock: turn on \u201cTrack quantity\u201d in the Shopify admin"
        if variant.inventoryItem.inventoryLevel is None:
            return USER_ERROR_HINTS["ITEM_NOT_STOCKED_AT_LOCATION"]
        return ""

    def _set_available(self, entries: list[tuple[StockUpdate, dict[str, Any]]]) -> list[tuple[StockUpdate, PushResult]]:
        """One mutation; Shopify applies all or nothing, so the entries its userErrors name are refused and the rest sent again."""
        out: list[tuple[StockUpdate, PushResult]] = []
        rounds = 0
        while entries:
            rounds += 1
            payload = {
                "name": "available",
                "reason": "correction",
                "referenceDocumentUri": f"omnisync://channel/{self.channel.pk}/update-inventory",
                "quantities": [entry for _, entry in entries],
            }
            data, reply = self._gql("SetAvailable", SET_AVAILABLE, {"input": payload})
            result = parse(SetQuantitiesPayload, data.get("inventorySetQuantities"), reply, "data.inventorySetQuantities")
            if not result.userErrors:
                out.extend((u, PushResult(u.item_id, u.variant_id, True)) for u, _ in entries)
                return out
            named: dict[int, str] = {}
            whole: list[str] = []
            for error in result.userErrors:
                index = self._entry_index(error.field)
                text = self._refusal(error.code, error.message)
                if index is not None and 0 <= index < len(entries):
                    named.setdefault(index, text)
                else:
                    if error.code in CHANNEL_CODES:
                        raise ApiError.refused(self.label, error.code, error.message,
                                               hint="check the channel's location_id (Shopify admin > Settings > Locations)")
                    whole.append(text)
            if whole or not named or rounds >= 3:
                reason = "; ".join(whole or list(named.values())) or "Shopify refused the stock update"
                out.extend((u, PushResult(u.item_id, u.variant_id, False, named.get(i, reason))) for i, (u, _) in enumerate(entries))
                return out
            out.extend((entries[i][0], PushResult(entries[i][0].item_id, entries[i][0].variant_id, False, text))
                       for i, text in named.items())
            entries = [entry for i, entry in enumerate(entries) if i not in named]
        return out

    @staticmethod
    def _entry_index(field: list[str] | None) -> int | None:
        """["input", "quantities", "2", "compareQuantity"] → 2."""
        if not field:
            return None
        parts = list(field)
        if "quantities" in parts:
            i = parts.index("quantities")
            if i + 1 < len(parts) and str(parts[i + 1]).isdigit():
                return int(parts[i + 1])
        return None

    @staticmethod
    def _refusal(code: str | None, message: str) -> str:
        hint = USER_ERROR_HINTS.get(code or "", "check the item in the Shopify admin")
        return f"Shopify refused the stock: {code or 'error'} ({message}); {hint}"

    # -- connection ----------------------------------------------------------------
    def check_connection(self) -> str:
        data, reply = self._gql("ShopAndLocation", SHOP_AND_LOCATION, {"location": self.location})
        shop = parse(Shop, data.get("shop"), reply, "data.shop")
        if data.get("location") is None:
            raise ApiError.refused(self.label, "location_not_found", self.credential("location_id"),
                                   hint="check the channel's location_id (Shopify admin > Settings > Locations)")
        location = parse(Location, data.get("location"), reply, "data.location")
        return f"Shopify shop {shop.name} ({shop.myshopifyDomain or self.base_url}), location {location.name}"
