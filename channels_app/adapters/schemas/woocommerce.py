"""WooCommerce REST API v3 replies, as woocommerce-rest-api-docs (source/includes/wp-api-v3) documents them.

Only the fields omnisync reads are declared. Amounts are documented as
strings ("29.35"); a line's `price` is documented as a string but the
examples send a number (`"price": 3`), and `Amount` takes both. Dates ending
in `_gmt` carry no offset and are GMT, which `TextTime` reads as UTC. Order
statuses are free text on purpose: a plugin's status (`awaiting-shipment`)
must reach the importer, which maps what it does not know to `unknown`.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import BeforeValidator, Field, model_validator

from channels_app.adapters.schemas import Amount, Count, Doc, Text, TextTime


class GmtDated(Doc):
    """Reads each `<name>_gmt` of `gmt_dates`, falling back to the site-time field where a store leaves the GMT one empty."""

    gmt_dates: ClassVar[tuple[str, ...]] = ("date_modified",)

    @model_validator(mode="before")
    @classmethod
    def _gmt_or_local(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for name in cls.gmt_dates:
                if data.get(f"{name}_gmt") in (None, "") and data.get(name) not in (None, ""):
                    data = {**data, f"{name}_gmt": data[name]}
        return data


class Billing(Doc):
    first_name: str | None = ""
    last_name: str | None = ""


class LineItem(Doc):
    """Order - Line items properties."""

    id: Text
    product_id: Text
    variation_id: Text | None = None
    quantity: Count
    sku: str | None = ""
    price: Amount = Field(default=None, validate_default=True)


class OrderHeader(GmtDated):
    """What the order list must say about every order to place it in the time window."""

    id: Text
    status: str = Field(min_length=1)
    date_modified_gmt: TextTime


class Order(OrderHeader):
    """Order properties (list all orders / retrieve an order)."""

    gmt_dates: ClassVar[tuple[str, ...]] = ("date_created", "date_modified")

    currency: str | None = ""
    date_created_gmt: TextTime
    total: Amount
    billing: Billing | None = None
    line_items: list[LineItem] = []


class Product(GmtDated):
    """Product properties (list all products); `variations` holds variation ids of a variable product."""

    id: Text
    name: str | None = ""
    type: str | None = "simple"
    status: str | None = ""
    sku: str | None = ""
    manage_stock: bool | str | None = None
    stock_quantity: Count | None = None
    date_modified_gmt: TextTime | None = None


class Variation(GmtDated):
    """Product variation properties (list all product variations)."""

    id: Text
    sku: str | None = ""
    manage_stock: bool | str | None = None
    stock_quantity: Count | None = None
    date_modified_gmt: TextTime | None = None


class ItemError(Doc):
    code: str | None = ""
    message: str | None = ""


class BatchEntry(Doc):
    """One entry of a batch answer: the updated object, or `{id, error{code, message}}` for an item that failed."""

    id: Text | None = None
    error: ItemError | None = None
    manage_stock: bool | str | None = None
    stock_quantity: Count | None = None


class BatchReply(Doc):
    update: list[Any] = []


def _plain(value: Any) -> str:
    """An error body's code or message; anything that is not text is dropped rather than failing the error itself."""
    return value if isinstance(value, str) else ""


class ErrorBody(Doc):
    """`{"code": "woocommerce_rest_…", "message": …, "data": {"status": …}}` (Introduction - Errors)."""

    code: Annotated[str, BeforeValidator(_plain)] = ""
    message: Annotated[str, BeforeValidator(_plain)] = ""


def managed(value: bool | str | None) -> bool | None:
    """`manage_stock` is true/false, or the string "parent" on a variation whose product manages stock."""
    if isinstance(value, str):
        return True if value == "parent" else None
    return value
