"""Typed schemas of the platforms' replies, written from their documentation (pydantic v2).

Each platform module declares the fields the adapters read, with the types the
documentation gives; `parse` validates one object and turns a mismatch into the
malformed-answer error staff read, naming the field path (and the order, where
there is one). Validation is per object: a list of orders is checked one order
at a time (`parse_each`), so one order that does not fit is reported as an
`OrderProblem` while the rest of the batch still lands.

Lax mode is deliberate: platforms send numbers as strings and back
("be liberal in what you accept"); a value that cannot mean what the field
means (an amount "abc", a count 2.5) is refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from pydantic_core import PydanticCustomError

from omnisync.lib.http import ApiError, Reply

#: Amounts and counts beyond what the POS stores (DecimalField(14, 2), IntegerField).
MAX_AMOUNT = Decimal(10) ** 12
MAX_COUNT = 2**31 - 1

M = TypeVar("M", bound=BaseModel)


class Doc(BaseModel):
    """Base of every reply schema: unknown fields are ignored, documented ones are checked."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True)


def _epoch(value: Any) -> Any:
    """Unix seconds (int, float or digits; milliseconds are recognised) → aware UTC datetime."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, bool) or value in (None, ""):
        raise PydanticCustomError("unix_time", "is not a Unix time")
    try:
        number = float(value)
        seconds = number / 1000 if number > 10**11 else number
        return datetime.fromtimestamp(int(seconds), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        raise PydanticCustomError("unix_time", "is not a Unix time") from None


def _text_time(value: Any) -> Any:
    """ISO 8601 with "T" or a space, "Z", "+07:00" or "+0700", or Unix seconds/ms → aware UTC datetime."""
    from django.utils.dateparse import parse_datetime

    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _epoch(value)
    if not isinstance(value, str) or not value.strip():
        raise PydanticCustomError("date_time", "is not a date and time")
    text = value.strip()
    if text.isdigit():
        return _epoch(text)
    candidate = text.replace(" ", "T", 1)
    if candidate.endswith("Z"):
        candidate = candidate[:-1] + "+00:00"
    candidate = candidate.replace(" ", "")
    if len(candidate) >= 5 and candidate[-5] in "+-" and candidate[-4:].isdigit() and ":" not in candidate[-5:]:
        candidate = candidate[:-2] + ":" + candidate[-2:]
    try:
        parsed = parse_datetime(candidate)
    except ValueError:
        parsed = None
    if parsed is None:
        raise PydanticCustomError("date_time", "is not a date and time")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _text(value: Any) -> Any:
    """Ids and codes: platforms send them as numbers or strings; both become text."""
    if isinstance(value, bool):
        raise PydanticCustomError("text", "is not an id or text")
    if isinstance(value, (int, str)):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    raise PydanticCustomError("text", "is not an id or text")


def _amount(value: Any) -> Any:
    if value is None or value == "":
        return Decimal(0)
    return value


#: Unix seconds → aware UTC datetime.
EpochTime = Annotated[datetime, BeforeValidator(_epoch)]
#: ISO 8601 text (or Unix time) → aware UTC datetime.
TextTime = Annotated[datetime, BeforeValidator(_text_time)]
#: An id or code sent as a number or a string.
Text = Annotated[str, BeforeValidator(_text)]
#: Money: a decimal the POS can hold; empty means 0.
Amount = Annotated[Decimal, BeforeValidator(_amount), Field(allow_inf_nan=False, gt=-MAX_AMOUNT, lt=MAX_AMOUNT)]
#: A quantity or stock figure the POS can store.
Count = Annotated[int, Field(ge=-MAX_COUNT, le=MAX_COUNT)]


def field_path(loc: tuple) -> str:
    """('data', 'orders', 3, 'sale_price') → 'data.orders[3].sale_price'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def describe(exc: ValidationError, where: str = "") -> str:
    """The first problem of a validation error, naming the field path and the value."""
    err = exc.errors(include_url=False)[0]
    path = field_path(tuple(err.get("loc") or ()))
    full = ".".join(p for p in (where, path) if p) or "body"
    if err.get("type") == "missing":
        return f"field {full} is missing"
    value = err.get("input")
    shown = repr(value) if not isinstance(value, (dict, list)) else type(value).__name__
    msg = err.get("msg", "is not valid").removeprefix("Value error, ").removeprefix("Input ")
    return f"field {full} {msg[:1].lower() + msg[1:]} ({shown})"


def parse(model: type[M], data: Any, reply: Reply, where: str = "", *, request_id: str = "") -> M:
    """Validate one object against its schema or raise the malformed-answer ApiError naming the field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise reply.malformed(describe(exc, where), request_id) from None


def parse_each(
    model: type[M], items: Any, reply: Reply, where: str, *, id_field: str | None = None, request_id: str = ""
) -> Iterator[tuple[str, M | None, str]]:
    """Validate the objects of a list one by one: yields (id, parsed or None, problem).

    An entry that does not fit yields its id (when it has a readable one) and
    the problem, naming the field; the others are unaffected. A body whose
    list itself is missing or not a list is malformed as a whole.
    """
    if items is None:
        return
    if not isinstance(items, list):
        raise reply.malformed(f"field {where} should be a list", request_id)
    for i, item in enumerate(items):
        entry_where = f"{where}[{i}]"
        raw_id = item.get(id_field) if id_field and isinstance(item, dict) else None
        ident = str(raw_id) if isinstance(raw_id, (str, int)) and not isinstance(raw_id, bool) else ""
        try:
            yield ident, model.model_validate(item), ""
        except ValidationError as exc:
            problem = describe(exc, entry_where)
            if ident:
                problem += f" (order {ident})" if id_field else ""
            yield ident, None, problem


__all__ = [
    "MAX_AMOUNT", "MAX_COUNT", "Amount", "ApiError", "Count", "Doc", "EpochTime", "Text", "TextTime",
    "describe", "field_path", "parse", "parse_each",
]
