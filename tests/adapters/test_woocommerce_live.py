"""WooCommerce adapter against the sandbox over real HTTP."""

from tests.adapters.live import LiveCases


class TestWooCommerceLive(LiveCases):
    platform = "woocommerce"
    has_tokens = False
