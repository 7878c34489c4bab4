"""TikTok Shop Partner API replies, as the API reference documents them (raw/tiktok/api-reference/...).

Only the fields the adapter reads are declared; the rest of each reply is
ignored. Ids are strings in the documentation and numbers in some shops'
answers, so they are `Text`. Amounts are strings ("0.01"), counts and times
are ints (Unix seconds).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field

from channels_app.adapters.schemas import MAX_COUNT, Amount, Count, Doc, EpochTime, Text

#: Update Inventory: "quantity ... Valid range: [1, 99,999]".
MAX_QUANTITY = 99_999


class Envelope(Doc):
    """{code, message, request_id, data}: code 0 is success."""

    code: Text
    message: str = ""
    request_id: str = ""


# -- orders (Get Order List /order/202309/orders/search, Get Order Detail /order/202507/orders) --------


class BundlePart(Doc):
    """`line_items[].combined_listing_skus[]`: one SKU of a virtual bundle and how many of it the bundle holds."""

    sku_id: Text
    sku_count: Annotated[int, Field(ge=1, le=MAX_COUNT)]
    product_id: Text = ""
    seller_sku: str = ""


class LineItem(Doc):
    """One unit: the documentation has no quantity field on a line item."""

    id: Text
    sku_id: Text
    product_id: Text = ""
    seller_sku: str = ""
    sale_price: Amount = Decimal(0)
    display_status: str | None = None
    cancel_reason: str = ""
    cancel_user: str = ""
    combined_listing_skus: list[BundlePart] = []


class Payment(Doc):
    currency: str = ""
    total_amount: Amount = Decimal(0)


class Address(Doc):
    name: str = ""


class OrderHeader(Doc):
    """What the order list needs of each order: who it is, where it stands, when it last changed."""

    id: Text
    status: Text
    update_time: EpochTime


class Order(OrderHeader):
    create_time: EpochTime
    payment: Payment = Payment()
    line_items: list[LineItem] = []
    buyer_email: str = ""
    recipient_address: Address | None = None


class OrdersPage(Doc):
    """`data` of the order search and of the order detail: the orders are validated one by one."""

    orders: list | None = None
    next_page_token: str | None = ""
    total_count: int | None = None


# -- products (Search Products /product/202502/products/search) ---------------------------------------


class WarehouseQuantity(Doc):
    """`skus[].inventory[]`: `warehouse_id` is optional when the SKU has one warehouse."""

    warehouse_id: Text = ""
    quantity: Count = 0


class ProductSku(Doc):
    id: Text
    seller_sku: str = ""
    inventory: list[WarehouseQuantity] = []


class Product(Doc):
    id: Text
    title: str = ""
    status: str = ""
    update_time: EpochTime | None = None
    skus: list[ProductSku] = []


class ProductsPage(Doc):
    products: list[Product] = []
    next_page_token: str | None = ""
    total_count: int | None = None


# -- inventory (Inventory Search /product/202309/inventory/search, Update Inventory) ------------------


class WarehouseInventory(Doc):
    """`available_quantity` equals Get Product's `inventory.quantity`; `committed_quantity` is held by orders."""

    warehouse_id: Text
    available_quantity: Count = 0
    committed_quantity: Count = 0


class InventorySku(Doc):
    id: Text
    seller_sku: str = ""
    total_available_quantity: Count | None = None
    total_committed_quantity: Count | None = None
    warehouse_inventory: list[WarehouseInventory] = []


class InventoryProduct(Doc):
    product_id: Text
    skus: list[InventorySku] = []


class InventoryPage(Doc):
    inventory: list[InventoryProduct] = []


class ExtraError(Doc):
    warehouse_id: Text = ""
    code: Text = ""
    message: str = ""


class ErrorDetail(Doc):
    sku_id: Text = ""
    extra_errors: list[ExtraError] = []


class UpdateError(Doc):
    """One entry of `data.errors[]`: a partial failure that came back with `code` 0."""

    code: Text = ""
    message: str = ""
    detail: ErrorDetail = ErrorDetail()


class UpdateResult(Doc):
    errors: list[UpdateError] = []


# -- logistics (Get Warehouse List /logistics/202309/warehouses) --------------------------------------


class Warehouse(Doc):
    id: Text
    name: str = ""
    effect_status: str = ""
    type: str = ""
    is_default: bool = False


class WarehouseList(Doc):
    warehouses: list[Warehouse] = []


# -- authorisation (token get / refresh, Get Authorized Shops) ----------------------------------------


class Tokens(Doc):
    """Lifetimes are Unix timestamps of the expiry, not durations."""

    access_token: str = Field(min_length=1)
    access_token_expire_in: int
    refresh_token: str = Field(min_length=1)
    refresh_token_expire_in: int | None = None


class Shop(Doc):
    id: Text = ""
    name: str = ""
    region: str = ""
    cipher: str = ""


class ShopList(Doc):
    shops: list[Shop] = []
