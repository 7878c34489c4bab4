"""The sandbox's own state: the shops it pretends to host, their catalogue and their orders.

Ids the platforms hand out (item ids, order numbers…) are stored as the
platform would show them so that responses are rendered without translation.
"""

from django.db import models

PLATFORMS = [("shopee", "Shopee"), ("tiktok", "TikTok Shop"), ("lazada", "Lazada"), ("woocommerce", "WooCommerce"),
             ("shopify", "Shopify")]


class IdCounter(models.Model):
    """One global counter the external ids are cut from, in blocks, so bulk inserts need no lookups."""

    name = models.CharField(max_length=40, primary_key=True)
    value = models.BigIntegerField(default=0)

    def __str__(self):
        return f"{self.name}={self.value}"


class Shop(models.Model):
    """A seller account on one platform, with credentials under that platform's own names and its fault switches."""

    platform = models.CharField(max_length=20, choices=PLATFORMS)
    name = models.CharField(max_length=100)
    external_id = models.CharField(max_length=40, blank=True, help_text="Shopee shop_id, TikTok shop id, Lazada seller_id")
    region = models.CharField(max_length=8, default="ID")
    currency = models.CharField(max_length=3, default="IDR")

    partner_id = models.BigIntegerField(null=True, blank=True)
    partner_key = models.CharField(max_length=128, blank=True)
    app_key = models.CharField(max_length=64, blank=True, db_index=True)
    app_secret = models.CharField(max_length=128, blank=True)
    shop_cipher = models.CharField(max_length=64, blank=True)
    warehouse_id = models.CharField(max_length=40, blank=True)
    consumer_key = models.CharField(max_length=64, blank=True, db_index=True)
    consumer_secret = models.CharField(max_length=64, blank=True)

    latency_ms = models.PositiveIntegerField(default=0)
    error_rate = models.FloatField(default=0)
    throttle_rate = models.FloatField(default=0)
    retry_after = models.PositiveIntegerField(default=1, help_text="seconds announced in Retry-After when throttling")
    drop_rate = models.FloatField(default=0)
    malformed_rate = models.FloatField(default=0)
    ignore_stock_rate = models.FloatField(default=0)
    shift_pages = models.BooleanField(default=False)
    unknown_status_rate = models.FloatField(default=0, help_text="share of new orders and status changes that take a status no map knows")
    warehouses = models.JSONField(default=list, blank=True,
                                  help_text="[{id, name, is_default}]: the shop's warehouses / locations; empty: one")
    rate_limited = models.BooleanField(
        default=False, help_text="answer with the platform's throttle reply beyond its documented request rate (sandbox.faults.RATE_LIMITS)")
    fault_seed = models.BigIntegerField(default=0)
    fault_draws = models.BigIntegerField(default=0, help_text="requests drawn from the fault generator since the last reset")

    callback_url = models.URLField(max_length=500, blank=True,
                                   help_text="where the shop's order pushes go (sandbox.notifications); empty: none are sent")
    webhook_secret = models.CharField(max_length=128, blank=True, help_text="WooCommerce: the secret typed into the webhook form")
    push_duplicate_rate = models.FloatField(default=0, help_text="share of pushes delivered twice")
    push_loss_rate = models.FloatField(default=0, help_text="share of pushes never delivered (the poll must catch them)")
    push_delay_ms = models.PositiveIntegerField(default=0, help_text="each push waits a random time up to this: they arrive out of order")

    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["platform", "name"], name="sandbox_shop_platform_name")]

    def __str__(self):
        return f"{self.platform}:{self.name}"

    @property
    def has_faults(self):
        return bool(self.latency_ms or self.draws_faults)

    @property
    def draws_faults(self):
        """Whether requests draw from the fault generator (latency and rate limits need no draw)."""
        return bool(
            self.error_rate
            or self.throttle_rate
            or self.drop_rate
            or self.malformed_rate
            or self.ignore_stock_rate
            or self.shift_pages
            or self.unknown_status_rate
        )


class Token(models.Model):
    """An authorisation code, access token or refresh token; several may be valid at once (grace periods)."""

    CODE, ACCESS, REFRESH = "code", "access", "refresh"
    KINDS = [(CODE, "authorisation code"), (ACCESS, "access token"), (REFRESH, "refresh token")]

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="tokens")
    kind = models.CharField(max_length=10, choices=KINDS)
    value = models.CharField(max_length=128, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.kind} for {self.shop}"


class Item(models.Model):
    """A product (Shopee item, TikTok product, Lazada item, WooCommerce product)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="items")
    item_id = models.BigIntegerField()
    name = models.CharField(max_length=200)
    status = models.CharField(max_length=20)
    sku = models.CharField(max_length=100, blank=True, help_text="item-level seller SKU (parent SKU)")
    has_variants = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shop", "item_id"], name="sandbox_item_shop_item_id")]

    def __str__(self):
        return f"{self.item_id} {self.name}"


class Variant(models.Model):
    """A sellable unit with its stock; an item without variants has exactly one."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="variants")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="variants")
    variant_id = models.BigIntegerField()
    name = models.CharField(max_length=100, blank=True)
    seller_sku = models.CharField(max_length=100, db_index=True)
    price = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    stock = models.IntegerField(default=0)
    reserved_stock = models.IntegerField(default=0, help_text="promotion / campaign stock held by the platform")
    warehouse_stock = models.JSONField(default=dict, blank=True, help_text="{warehouse id: sellable} when the shop has several")
    components = models.JSONField(default=list, blank=True,
                                  help_text="combined listing: [{variant_id, count}] of the component variants")
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shop", "variant_id"], name="sandbox_variant_shop_variant_id")]

    def __str__(self):
        return self.seller_sku


class Order(models.Model):
    """An order as the platform holds it; `stock_taken` remembers whether its lines are subtracted from stock."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="orders")
    order_id = models.CharField(max_length=40)
    number = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=30)
    currency = models.CharField(max_length=3, default="IDR")
    total = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    buyer = models.CharField(max_length=100, blank=True)
    stock_taken = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shop", "order_id"], name="sandbox_order_shop_order_id")]
        indexes = [
            # With the status: a list's total (every platform's pages say one; WooCommerce counts on each page)
            # is counted from the index alone, not by reading each order's row (100,000 orders: 150 -> 8 ms, SQLite).
            models.Index(fields=["shop", "updated_at", "status"], name="sandbox_order_updated_status"),
            models.Index(fields=["shop", "created_at"], name="sandbox_order_created"),
        ]

    def __str__(self):
        return self.order_id


class OrderLine(models.Model):
    """One SKU in an order with its quantity; TikTok and Lazada render it as one line item per unit."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    line_id = models.BigIntegerField()
    sold_variant = models.ForeignKey(Variant, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    item_id = models.BigIntegerField()
    variant_id = models.BigIntegerField()
    seller_sku = models.CharField(max_length=100)
    name = models.CharField(max_length=200, blank=True)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=14, decimal_places=2)
    status = models.CharField(max_length=30, blank=True, help_text="the line's own status where it differs from the order's")

    def __str__(self):
        return f"{self.seller_sku} x{self.quantity}"


class OrderStatusChange(models.Model):
    """The order's status history: what the platform said, and when."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="history")
    status = models.CharField(max_length=30)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.status}@{self.at:%Y-%m-%d %H:%M}"
