"""WooCommerce adapter against the sandbox over real HTTP."""

from datetime import timedelta

from django.utils import timezone

from tests.adapters.live import LiveCases, services


class TestWooCommerceLive(LiveCases):
    platform = "woocommerce"

    def test_plugin_status_and_binned_orders_are_listed_with_their_raw_status(self, shop, adapter):
        from sandbox.platforms import woocommerce as sandbox_woo

        self.catalogue(shop)
        custom, binned, plain = services.orders_create_bulk(
            shop, [{"lines": [{"sku": "S-000", "quantity": 2}], "status": "processing"} for _ in range(3)]
        )
        sandbox_woo.set_custom_status(custom, "awaiting-shipment")
        services.order_set_status(binned, "trash")
        now = timezone.now()
        slices = adapter.order_slices(now - timedelta(days=2), now + timedelta(minutes=1))
        states = {s.external_id: s.raw_status for sl in slices for s in adapter.list_order_states(sl)}
        assert states == {custom.order_id: "awaiting-shipment", binned.order_id: "trash", plain.order_id: "processing"}
        adapter._listed.clear()
        fetched = {o.external_id: o for o in adapter.fetch_orders([custom.order_id, binned.order_id])}
        assert fetched[custom.order_id].raw_status == "awaiting-shipment"
        assert [(ln.seller_sku, ln.quantity) for ln in fetched[custom.order_id].lines] == [("S-000", 2)]
        assert fetched[binned.order_id].raw_status == "trash"
