"""Lazada replies, as the Open Platform documentation shows them.

Written from the documented examples in lazykern/ecommerce-api-docs
(raw/lazada/apis/order-api/{getorders,getmultipleorderitems}.json,
raw/lazada/apis/product-api/{getproducts,getproductitem,updatesellablequantity}.json)
and the inventory guide. Lazada sends most numbers as strings ("count": "10",
"order_id": "32793", amounts "106.00", times as ISO 8601 or epoch
milliseconds "1413786247000"); the lax types of `schemas` accept both.
GetProductItem's own example spells ids in camel case (`itemId`,
`updatedTime`) where GetProducts uses snake case: both are accepted.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import AliasChoices, Field

from channels_app.adapters.schemas import Amount, Count, Doc, Text, TextTime


# -- orders ---------------------------------------------------------------
class ListedOrder(Doc):
    """What /orders/get must give for each order to list its state."""

    order_id: Text
    updated_at: TextTime
    statuses: list[Text] = []


class OrderHeader(Doc):
    """The order-level fields of /orders/get and /order/get (totals, dates, buyer).

    `price` excludes vouchers and shipping; buyer paid = price − voucher +
    shipping_fee (get-order.md).
    """

    order_id: Text
    created_at: TextTime | None = None
    updated_at: TextTime | None = None
    price: Amount | None = None
    voucher: Amount = Decimal(0)
    shipping_fee: Amount = Decimal(0)
    customer_first_name: str = ""
    customer_last_name: str = ""


class OrderPage(Doc):
    count: Count | None = None
    countTotal: Count | None = None
    orders: Any = None


class OrderItem(Doc):
    """One unit of an order (no quantity field, no item id)."""

    order_item_id: Text
    status: Text
    sku: Text = ""
    shop_sku: Text = ""
    sku_id: Text = ""
    item_price: Amount | None = None
    paid_price: Amount | None = None
    currency: str = ""
    created_at: TextTime | None = None
    updated_at: TextTime | None = None


class OrderItems(Doc):
    """One order of /orders/items/get."""

    order_id: Text
    order_number: Text = ""
    order_items: list[OrderItem]


# -- products -------------------------------------------------------------
class WarehouseInventory(Doc):
    """multiWarehouseInventories[]: total = sellable + withhold (unpaid) + occupy (paid, before RTS)."""

    warehouseCode: Text = ""
    sellableQuantity: Count | None = None
    withholdQuantity: Count = 0
    occupyQuantity: Count = 0
    quantity: Count | None = None


class ChannelInventory(Doc):
    """channelInventories[]: stock locked by a campaign (part of sellable, not on top of it)."""

    sellableQuantity: Count = 0


class ProductSku(Doc):
    SkuId: Text
    SellerSku: Text = ""
    quantity: Count | None = None
    Available: Count | None = None
    Status: str = ""
    multiWarehouseInventories: list[WarehouseInventory] | None = None
    channelInventories: list[ChannelInventory] | None = None


class Product(Doc):
    item_id: Text = Field(validation_alias=AliasChoices("item_id", "itemId"))
    status: str = ""
    updated_time: TextTime | None = Field(default=None, validation_alias=AliasChoices("updated_time", "updatedTime"))
    attributes: dict[str, Any] | None = None
    skus: list[ProductSku] = []


class ProductPage(Doc):
    total_products: Count | None = None
    products: list[Product] | None = None


# -- stock updates --------------------------------------------------------
class StockDetail(Doc):
    """One entry of a stock update's `detail[]` (shape assumed: the docs only say "see the detail field")."""

    seller_sku: Text = Field(default="", validation_alias=AliasChoices("seller_sku", "SellerSku", "sellerSku"))
    sku_id: Text = Field(default="", validation_alias=AliasChoices("sku_id", "SkuId", "skuId"))
    field: str = ""
    message: str = ""
    code: Text = ""
