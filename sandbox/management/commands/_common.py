"""Argument checks the sandbox commands share; bad arguments end with exit status 2."""

import os

from django.core.management.base import CommandError

from sandbox import services


def fail(message: str):
    raise CommandError(message, returncode=2)


def base_url(value: str | None) -> str:
    url = value or os.environ.get("OMNISYNC_SITE_URL") or "http://127.0.0.1:8000"
    if not url.startswith(("http://", "https://")):
        fail(f"--base-url must start with http:// or https:// (got {url!r})")
    return url.rstrip("/")


def shops(selector: str | None):
    try:
        return services.shops_select(selector or "all")
    except services.SandboxError as exc:
        fail(f"--shop: {exc}")


def non_negative(name: str, value):
    if value is not None and value < 0:
        fail(f"{name} must not be negative (got {value})")
    return value
