"""Shopify GraphQL Admin API (2025-10) replies, as shopify.dev documents them.

Only the fields omnisync selects are declared. Every reply is the GraphQL
envelope `{data, errors, extensions}`; `extensions.cost` carries the query's
cost and the bucket (`throttleStatus`). Ids are global ids
(`gid://shopify/Order/450789469`); `Gid` keeps their numeric tail, the id staff
see in the admin and the one order webhooks carry. Money is a `MoneyBag`
(`shopMoney` in the shop's currency; amounts are Decimal strings). Statuses
are free text on purpose: an enum value Shopify adds must reach the importer,
which maps what it does not know to `unknown`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

from channels_app.adapters.schemas import Amount, Count, Doc, TextTime

_GID = re.compile(r"^gid://shopify/(?P<type>[A-Za-z]+)/(?P<id>\d+)(?:\?.*)?$")


def _gid(value: Any) -> Any:
    if isinstance(value, str):
        match = _GID.match(value)
        if match:
            return match["id"]
    raise PydanticCustomError("gid", "is not a Shopify global id (gid://shopify/<Type>/<number>)")


#: A global id → its numeric tail as text ("gid://shopify/Order/450789469" → "450789469").
Gid = Annotated[str, BeforeValidator(_gid)]


def gid(kind: str, number: str) -> str:
    """The global id of a numeric id: gid("Order", "450789469")."""
    return f"gid://shopify/{kind}/{number}"


# -- the envelope -------------------------------------------------------------
class ThrottleStatus(Doc):
    maximumAvailable: float
    currentlyAvailable: float
    restoreRate: float = Field(gt=0)


class Cost(Doc):
    requestedQueryCost: float | None = None
    actualQueryCost: float | None = None
    throttleStatus: ThrottleStatus | None = None


class Extensions(Doc):
    cost: Cost | None = None


class GraphQLError(Doc):
    message: str = ""
    extensions: dict[str, Any] | None = None

    @property
    def code(self) -> str:
        code = (self.extensions or {}).get("code")
        return code if isinstance(code, str) else ""


class Envelope(Doc):
    data: dict[str, Any] | None = None
    errors: list[GraphQLError] | str | None = None
    extensions: Extensions | None = None


class PageInfo(Doc):
    hasNextPage: bool
    endCursor: str | None = None


# -- orders -------------------------------------------------------------------
class Money(Doc):
    amount: Amount
    currencyCode: str | None = None


class MoneyBag(Doc):
    shopMoney: Money


class Ref(Doc):
    id: Gid


class LineItem(Doc):
    """LineItem: `quantity` as ordered, `currentQuantity` after items removed (order edits, refunds with restock)."""

    id: Gid
    sku: str | None = ""
    quantity: Count = Field(ge=0)
    currentQuantity: Count = Field(ge=0)
    variant: Ref | None = None
    product: Ref | None = None
    originalUnitPriceSet: MoneyBag


class LineItemConnection(Doc):
    pageInfo: PageInfo
    nodes: list[LineItem]


class OrderHeader(Doc):
    """What the order list must say about every order to place it in the window and know its state."""

    id: Gid
    updatedAt: TextTime
    displayFinancialStatus: str | None = None
    displayFulfillmentStatus: str = Field(min_length=1)
    cancelledAt: TextTime | None = None
    returnStatus: str | None = None


class Customer(Doc):
    displayName: str | None = ""


class Order(OrderHeader):
    createdAt: TextTime
    currencyCode: str | None = ""
    totalPriceSet: MoneyBag
    customer: Customer | None = None
    lineItems: LineItemConnection


class OrderLines(Doc):
    """`order(id:) { lineItems(first:, after:) }`: the rest of a long order's lines."""

    id: Gid
    lineItems: LineItemConnection


# -- products and inventory -----------------------------------------------------
class Quantity(Doc):
    name: str
    quantity: Count


class InventoryLevel(Doc):
    quantities: list[Quantity]


class InventoryItem(Doc):
    id: Gid
    tracked: bool | None = None
    inventoryLevel: InventoryLevel | None = None


class Product(Doc):
    id: Gid
    title: str | None = ""
    status: str | None = ""


class Variant(Doc):
    """ProductVariant with its product and its inventory item's level at the channel's location."""

    id: Gid
    sku: str | None = ""
    updatedAt: TextTime | None = None
    product: Product
    inventoryItem: InventoryItem | None = None


class PushState(Doc):
    """ProductVariant as a push reads it: its inventory item and the available quantity to compare with."""

    id: Gid
    inventoryItem: InventoryItem | None = None


class UserError(Doc):
    code: str | None = None
    field: list[str] | None = None
    message: str = ""


class SetQuantitiesPayload(Doc):
    """InventorySetQuantitiesPayload: the adjustment group, or userErrors (the mutation then changed nothing)."""

    inventoryAdjustmentGroup: dict[str, Any] | None = None
    userErrors: list[UserError] = []


class Shop(Doc):
    name: str
    myshopifyDomain: str | None = ""


class Location(Doc):
    id: Gid
    name: str
    isActive: bool | None = None
