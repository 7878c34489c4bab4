"""What a platform module hands the shared handling: the orders a delivery named."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from django.utils.dateparse import parse_datetime


@dataclass(frozen=True, slots=True)
class Notice:
    """One order a push named, with the platform's update time when the payload gives one."""

    external_id: str
    changed_at: datetime | None = None


class PayloadError(ValueError):
    """A delivery that verified but does not say which order changed (answered 400, nothing recorded)."""


def hmac_sha256(secret: str, message: bytes) -> bytes:
    return hmac.new(secret.encode(), message, hashlib.sha256).digest()


def hex_matches(secret: str, message: bytes, signature: str) -> bool:
    """Constant-time check of a lower-case hex HMAC-SHA256 (any case accepted, as hex has no other meaning)."""
    if not secret or not signature:
        return False
    return hmac.compare_digest(hmac_sha256(secret, message).hex(), signature.strip().lower())


def base64_matches(secret: str, message: bytes, signature: str) -> bool:
    """Constant-time check of a base64 HMAC-SHA256 (base64 is case-sensitive: compared exactly)."""
    if not secret or not signature:
        return False
    return hmac.compare_digest(base64.b64encode(hmac_sha256(secret, message)), signature.strip().encode())


def iso_time(value) -> datetime | None:
    """An ISO 8601 time as an aware one (no offset: UTC, as the platforms' `_gmt` fields are); None if it is not one."""
    try:
        parsed = parse_datetime(str(value or ""))
    except ValueError:
        return None
    if parsed is not None and parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def unix_time(value) -> datetime | None:
    """A Unix timestamp in seconds (or milliseconds, when it is too large to be seconds) as an aware time."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if number > 10**11:
        number /= 1000
    try:
        return datetime.fromtimestamp(number, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def json_body(request):
    """The delivery's body as JSON, or the PayloadError that answers it 400."""
    try:
        return json.loads(request.body)
    except ValueError as exc:
        raise PayloadError(f"the body is not JSON: {exc}") from exc


def app_key_signature_valid(channel, request) -> bool:
    """TikTok Shop's and Lazada's scheme: `Authorization` = hex HMAC-SHA256(app secret, app key + raw body)."""
    creds = channel.credentials or {}
    app_key, secret = str(creds.get("app_key") or ""), str(creds.get("app_secret") or "")
    if not app_key:
        return False
    return hex_matches(secret, app_key.encode() + request.body, request.headers.get("Authorization", ""))


def order_webhook_notice(request, updated_field: str) -> list[Notice]:
    """Shopify's and WooCommerce's order webhooks: the body is the order itself, `id` and an update time."""
    payload = json_body(request)
    order_id = payload.get("id") if isinstance(payload, dict) else None
    if not order_id:
        raise PayloadError("an order webhook without the order's id")
    return [Notice(str(order_id), iso_time(payload.get(updated_field)))]
