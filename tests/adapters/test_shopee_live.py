"""Shopee adapter against the sandbox over real HTTP."""

from tests.adapters.live import LiveCases


class TestShopeeLive(LiveCases):
    platform = "shopee"
    has_tokens = True
