"""Lazada adapter against the sandbox over real HTTP."""

from tests.adapters.live import LiveCases


class TestLazadaLive(LiveCases):
    platform = "lazada"
    has_tokens = True
