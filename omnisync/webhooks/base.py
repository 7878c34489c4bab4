"""What a platform module hands the shared handling: the orders a delivery named."""

from __future__ import annotations

import base64
import hashlib
import hmac
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
