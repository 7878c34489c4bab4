"""Encryption of channel secrets at rest.

Secrets are stored as Fernet tokens so a database dump or a backup does not
leak marketplace credentials. The key comes from OMNISYNC_FIELD_KEY (comma-
separated to rotate: the first encrypts, all decrypt); without it a key is
derived from SECRET_KEY so a development clone works unconfigured.
"""

from __future__ import annotations

import base64
import hashlib
import json
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@lru_cache(maxsize=4)
def _fernet(configured: str | None, secret_key: str) -> MultiFernet:
    if configured:
        keys = [k.strip() for k in configured.split(",") if k.strip()]
        try:
            return MultiFernet([Fernet(k.encode()) for k in keys])
        except ValueError:
            raise ImproperlyConfigured("OMNISYNC_FIELD_KEY must be Fernet keys (32 url-safe base64 bytes), comma-separated") from None
    derived = base64.urlsafe_b64encode(hashlib.sha256(("omnisync-fields:" + secret_key).encode()).digest())
    return MultiFernet([Fernet(derived)])


def fernet() -> MultiFernet:
    return _fernet(settings.FIELD_ENCRYPTION_KEY, settings.SECRET_KEY)


def encrypt_text(plain: str) -> str:
    return fernet().encrypt(plain.encode()).decode()


def decrypt_text(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            "A stored channel secret cannot be decrypted: OMNISYNC_FIELD_KEY (or SECRET_KEY) differs from the one it was saved with"
        ) from None


class EncryptedJSONField(models.TextField):
    """A dict of secrets, JSON-encoded then encrypted; Python sees a plain dict."""

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return {}
        return json.loads(decrypt_text(value))

    def to_python(self, value):
        if isinstance(value, dict):
            return value
        if value in (None, ""):
            return {}
        return json.loads(decrypt_text(value))

    def get_prep_value(self, value):
        if value is None:
            value = {}
        return encrypt_text(json.dumps(value, sort_keys=True))

    def value_to_string(self, obj):
        return ""
