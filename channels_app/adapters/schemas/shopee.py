"""Shopee Open Platform v2 replies, as the API reference documents them (raw/shopee/apis/...).

Only the fields the adapter reads are declared. Ids are int64 in the
documentation and text in some answers (`order_sn` is text), so they are
`Text`; times are Unix seconds; amounts are floats ("total_amount": 32119).
The documented examples carry `null` for fields a region does not use
(`buyer_cpf_id`, `dropshipper`, `invoice_data`), so optional fields accept
None. Most replies wrap the payload in `response`; `get_shop_info` and the
token calls put their fields at the top level.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, field_validator

from channels_app.adapters.schemas import MAX_COUNT, Amount, Count, Doc, EpochTime, Text

#: A quantity bought or a stock figure: never negative.
Units = Annotated[int, Field(ge=0, le=MAX_COUNT)]


class Envelope(Doc):
    """{request_id, error, message, warning, response}: `error` is empty on success."""

    request_id: str | None = ""
    error: str | None = ""
    message: str | None = ""


# -- orders: v2.order.get_order_list, v2.order.get_order_detail ------------------------------------


class ListedOrder(Doc):
    order_sn: Text
    order_status: str | None = None


class OrderList(Doc):
    """`response` of get_order_list: a page of {order_sn, order_status}, `more` and `next_cursor`."""

    order_list: list[ListedOrder] = []
    more: bool = False
    next_cursor: Text | None = ""


class OrderItem(Doc):
    """`item_list[]`: one model bought, with its quantity (`model_id` 0 for an item without variants)."""

    item_id: Text
    item_sku: str | None = ""
    model_id: Text | None = "0"
    model_sku: str | None = ""
    model_quantity_purchased: Units
    model_discounted_price: Amount | None = None
    model_original_price: Amount | None = None


class Order(Doc):
    order_sn: Text
    order_status: str
    currency: str | None = ""
    create_time: EpochTime
    update_time: EpochTime
    total_amount: Amount | None = None
    buyer_username: str | None = ""
    item_list: list[OrderItem] = []


class OrderDetail(Doc):
    """`response` of get_order_detail: the orders are validated one by one (see `parse_each`)."""

    order_list: list[Any] = []


# -- listings: v2.product.get_item_list, get_item_base_info, get_model_list ------------------------


class ListedItem(Doc):
    item_id: Text
    item_status: str | None = ""


class ItemList(Doc):
    item: list[ListedItem] | None = []
    total_count: Count | None = 0
    has_next_page: bool = False
    next_offset: Count | None = None

    @field_validator("item", mode="after")
    @classmethod
    def _none_is_empty(cls, value):
        return value or []


class LocationStock(Doc):
    """`seller_stock[]` (and `shopee_stock[]`): stock at one location; `location_id` names it."""

    location_id: Text | None = ""
    stock: Units


class StockSummary(Doc):
    total_reserved_stock: Units | None = None
    total_available_stock: Units | None = None


class StockInfo(Doc):
    """`stock_info_v2`: seller_stock is what update_stock sets; shopee_stock (Shopee's warehouses) is not the seller's."""

    summary_info: StockSummary | None = None
    seller_stock: list[LocationStock] | None = None


class BaseItem(Doc):
    item_id: Text
    item_name: str | None = ""
    item_status: str | None = ""
    item_sku: str | None = ""
    has_model: bool = False
    update_time: EpochTime | None = None
    stock_info_v2: StockInfo | None = None


class BaseInfo(Doc):
    item_list: list[BaseItem] = []


class Model(Doc):
    model_id: Text
    model_sku: str | None = ""
    model_name: str | None = ""
    stock_info_v2: StockInfo | None = None


class ModelList(Doc):
    model: list[Model] = []


# -- stock: v2.product.update_stock -----------------------------------------------------------------


class StockSuccess(Doc):
    model_id: Text | None = "0"
    location_id: Text | None = ""
    stock: Units | None = None


class StockFailure(Doc):
    model_id: Text | None = "0"
    failed_reason: str | None = ""


class StockResult(Doc):
    success_list: list[StockSuccess] | None = []
    failure_list: list[StockFailure] | None = []


# -- shop: v2.shop.get_shop_info, v2.shop.get_warehouse_detail -------------------------------------


class ShopInfo(Doc):
    """Top-level fields: `expire_time` is when the shop's authorisation of the app ends."""

    shop_name: str | None = ""
    region: str | None = ""
    status: str | None = ""
    auth_time: EpochTime | None = None
    expire_time: EpochTime | None = None


class Warehouse(Doc):
    """One location of a multi-location shop; `location_id` is what update_stock's seller_stock names."""

    location_id: Text
    warehouse_id: Text | None = ""
    warehouse_name: str | None = ""


# -- tokens: v2.public.get_access_token, v2.public.refresh_access_token ----------------------------


class Tokens(Doc):
    access_token: str
    refresh_token: str
    expire_in: Annotated[int, Field(ge=0, le=10 * 365 * 86400)]


__all__ = [
    "BaseInfo", "BaseItem", "Envelope", "ItemList", "LocationStock", "Model", "ModelList", "Order", "OrderDetail",
    "OrderItem", "OrderList", "ShopInfo", "StockFailure", "StockInfo", "StockResult", "StockSuccess", "Tokens",
    "Warehouse",
]
