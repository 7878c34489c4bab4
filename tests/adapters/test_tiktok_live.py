"""TikTok adapter against the sandbox over real HTTP."""

from tests.adapters.live import LiveCases


class TestTikTokLive(LiveCases):
    platform = "tiktok"
    has_tokens = True
