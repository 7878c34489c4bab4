"""Writes that drive the sandbox: what tests, management commands and the API views call.

Every function keeps the platform's rules (stock taken and given back by order
status, status history appended with its time) so that a test or a demo can
stage a marketplace's state without going through HTTP.
"""

import hashlib
import secrets
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from sandbox import flows, notifications
from sandbox.models import IdCounter, Item, Order, OrderLine, OrderStatusChange, Shop, Token, Variant

PLATFORM_NAMES = [p for p, _ in Shop._meta.get_field("platform").choices]

# Token lifetimes (MARKETPLACES.md); Lazada's and TikTok's refresh lifetimes are assumed.
LIFETIMES = {
    "shopee": {Token.ACCESS: timedelta(hours=4), Token.REFRESH: timedelta(days=30), Token.CODE: timedelta(minutes=10)},
    "tiktok": {Token.ACCESS: timedelta(days=7), Token.REFRESH: timedelta(days=60), Token.CODE: timedelta(minutes=30)},
    "lazada": {Token.ACCESS: timedelta(days=7), Token.REFRESH: timedelta(days=30), Token.CODE: timedelta(minutes=30)},
}
SHOPEE_OLD_ACCESS_GRACE = timedelta(minutes=5)

ITEM_STATUS = {"shopee": "NORMAL", "tiktok": "ACTIVATE", "lazada": "active", "woocommerce": "publish", "shopify": "ACTIVE"}


def whole_seconds(dt: datetime) -> datetime:
    """Platforms report times in whole seconds; storing them so keeps window edges exact."""
    return dt.replace(microsecond=0)


class SandboxError(ValueError):
    """A request to the services that cannot be carried out (unknown SKU, not enough stock, bad status)."""


# ---------------------------------------------------------------- ids


def allocate_ids(count: int) -> int:
    """Reserve `count` consecutive numbers of the global id counter and return the first."""
    with transaction.atomic():
        IdCounter.objects.get_or_create(name="global", defaults={"value": 1000})
        IdCounter.objects.filter(name="global").update(value=F("value") + count)
        end = IdCounter.objects.get(name="global").value
    return end - count + 1


def _item_id(platform, n):
    return {"shopee": 1_000_000_000, "tiktok": 1_729_000_000_000_000_000, "lazada": 3_000_000_000,
            "shopify": 8_000_000_000_000}.get(platform, 0) + n


def _variant_id(platform, n):
    return {"shopee": 20_000_000_000, "tiktok": 1_730_000_000_000_000_000, "lazada": 15_000_000_000,
            "shopify": 44_000_000_000_000}.get(platform, 0) + n


def _order_ids(platform, n, created_at):
    if platform == "shopee":
        digits, value = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", n
        tail = ""
        while value:
            value, rem = divmod(value, 36)
            tail = digits[rem] + tail
        sn = created_at.astimezone(UTC).strftime("%y%m%d") + tail.rjust(8, "0")
        return sn, sn
    if platform == "tiktok":
        oid = str(576_000_000_000_000_000 + n)
        return oid, oid
    if platform == "lazada":
        return str(700_000_000_000_000 + n), str(300_000_000_000_000 + n)
    if platform == "shopify":
        return str(5_900_000_000_000 + n), str(1000 + n)
    return str(n), str(n)


# ---------------------------------------------------------------- shops and tokens


def derived_secret(*parts, length=64) -> str:
    """A deterministic hex string, so a seeded demo has the same credentials on every machine."""
    return hashlib.sha256(":".join(["omnisync-sandbox", *map(str, parts)]).encode()).hexdigest()[:length]


def default_credentials(platform: str, index: int = 1) -> dict:
    """Deterministic demo credentials under the platform's own names."""
    if platform == "shopee":
        return {"partner_id": 2001000 + index, "partner_key": derived_secret("shopee", index, "partner_key"),
                "external_id": str(3001000 + index)}
    if platform == "tiktok":
        return {"app_key": "6" + derived_secret("tiktok", index, "app_key", length=12),
                "app_secret": derived_secret("tiktok", index, "app_secret", length=40),
                "shop_cipher": "ROW_" + derived_secret("tiktok", index, "cipher", length=24),
                "external_id": str(7_494_000_000_000_000_000 + index),
                "warehouse_id": str(7_300_000_000_000_000_000 + index)}
    if platform == "lazada":
        return {"app_key": str(100100 + index), "app_secret": derived_secret("lazada", index, "app_secret", length=32),
                "external_id": str(1_000_001_000 + index)}
    if platform == "woocommerce":
        return {"consumer_key": "ck_" + derived_secret("woocommerce", index, "ck", length=40),
                "consumer_secret": "cs_" + derived_secret("woocommerce", index, "cs", length=40),
                "webhook_secret": derived_secret("woocommerce", index, "webhook", length=32)}
    if platform == "shopify":
        # A custom app's Admin API access token and client secret; the store's one location.
        return {"app_key": "shpat_" + derived_secret("shopify", index, "access_token", length=32),
                "app_secret": "shpss_" + derived_secret("shopify", index, "client_secret", length=32),
                "external_id": f"omnisync-demo-{index}.myshopify.com", "warehouse_id": str(76_000_000_000 + index)}
    raise SandboxError(f"unknown platform {platform!r}")


def shop_create(platform: str, name: str, *, index: int = 1, issue_tokens: bool = True, **fields) -> Shop:
    """Create a shop with deterministic credentials (overridable by keyword) and, for token platforms, tokens."""
    if platform not in PLATFORM_NAMES:
        raise SandboxError(f"unknown platform {platform!r}")
    values = {**default_credentials(platform, index), **fields}
    shop = Shop.objects.create(platform=platform, name=name, **values)
    if issue_tokens and platform in LIFETIMES:
        tokens_issue(shop)
    return shop


def token_issue(shop: Shop, kind: str, lifetime: timedelta | None = None, now: datetime | None = None) -> Token:
    now = now or timezone.now()
    lifetime = lifetime or LIFETIMES[shop.platform][kind]
    prefix = {Token.CODE: "code", Token.ACCESS: "at", Token.REFRESH: "rt"}[kind]
    return Token.objects.create(shop=shop, kind=kind, value=f"{prefix}-{secrets.token_hex(16)}", expires_at=now + lifetime)


def tokens_issue(shop: Shop, now: datetime | None = None) -> tuple[Token, Token]:
    """A fresh access/refresh pair with the platform's lifetimes."""
    return token_issue(shop, Token.ACCESS, now=now), token_issue(shop, Token.REFRESH, now=now)


def token_find(value: str, kind: str, now: datetime | None = None, shop: Shop | None = None) -> Token | None:
    """The unexpired, unused token with this value, or None."""
    if not value:
        return None
    now = now or timezone.now()
    qs = Token.objects.select_related("shop").filter(value=value, kind=kind, expires_at__gt=now, used_at__isnull=True)
    if shop is not None:
        qs = qs.filter(shop=shop)
    return qs.first()


def token_refresh(refresh: Token, now: datetime | None = None) -> tuple[Token, Token]:
    """Exchange a refresh token for a new pair.

    Shopee's refresh token is single use and the old access token keeps working
    for five more minutes; TikTok and Lazada keep the old tokens until they expire.
    """
    now = now or timezone.now()
    shop = refresh.shop
    with transaction.atomic():
        if shop.platform == "shopee":
            claimed = Token.objects.filter(pk=refresh.pk, used_at__isnull=True).update(used_at=now)
            if not claimed:
                raise SandboxError("refresh token already used")
            Token.objects.filter(shop=shop, kind=Token.ACCESS, expires_at__gt=now + SHOPEE_OLD_ACCESS_GRACE).update(
                expires_at=now + SHOPEE_OLD_ACCESS_GRACE
            )
        return tokens_issue(shop, now=now)


def code_consume(value: str, shop: Shop | None = None, now: datetime | None = None) -> Token | None:
    """Use an authorisation code once; None when unknown, expired or already used."""
    code = token_find(value, Token.CODE, now=now, shop=shop)
    if code is None:
        return None
    if not Token.objects.filter(pk=code.pk, used_at__isnull=True).update(used_at=now or timezone.now()):
        return None
    return code


def shop_current_tokens(shop: Shop, now: datetime | None = None) -> dict:
    """The newest valid access and refresh tokens, as the shop's seller would have them."""
    now = now or timezone.now()
    out = {}
    for kind in (Token.ACCESS, Token.REFRESH):
        token = (
            Token.objects.filter(shop=shop, kind=kind, expires_at__gt=now, used_at__isnull=True).order_by("-expires_at", "-pk").first()
        )
        out[kind] = token
    return out


def shop_ensure_tokens(shop: Shop) -> None:
    """Issue a new pair unless the shop still has a valid access and refresh token."""
    if shop.platform not in LIFETIMES:
        return
    current = shop_current_tokens(shop)
    if current[Token.ACCESS] is None or current[Token.REFRESH] is None:
        tokens_issue(shop)


def shops_select(selector: str) -> list[Shop]:
    """Shops by 'all', platform, name (case-insensitive) or primary key; SandboxError when nothing matches."""
    qs = Shop.objects.order_by("pk")
    if selector == "all":
        shops = list(qs)
    elif selector in PLATFORM_NAMES:
        shops = list(qs.filter(platform=selector))
    else:
        shops = list(qs.filter(name__iexact=selector))
        if not shops and selector.isdigit():
            shops = list(qs.filter(pk=int(selector)))
    if not shops:
        raise SandboxError(f"no sandbox shop matches {selector!r}")
    return shops


# ---------------------------------------------------------------- faults

FAULT_FIELDS = ("latency_ms", "error_rate", "throttle_rate", "retry_after", "drop_rate", "malformed_rate",
                "ignore_stock_rate", "shift_pages", "fault_seed", "unknown_status_rate",
                "push_duplicate_rate", "push_loss_rate", "push_delay_ms")


def shop_set_faults(shop: Shop, **faults) -> Shop:
    """Change the given fault switches; the fault generator restarts so a run can be repeated exactly."""
    for name, value in faults.items():
        if name not in FAULT_FIELDS:
            raise SandboxError(f"unknown fault {name!r}")
        if name.endswith("_rate") and not 0 <= float(value) <= 1:
            raise SandboxError(f"{name} must be between 0 and 1")
        if name in ("latency_ms", "retry_after", "push_delay_ms") and int(value) < 0:
            raise SandboxError(f"{name} must not be negative")
        setattr(shop, name, value)
    shop.fault_draws = 0
    shop.save(update_fields=[*faults, "fault_draws"])
    return shop


def shop_clear_faults(shop: Shop) -> Shop:
    return shop_set_faults(shop, latency_ms=0, error_rate=0, throttle_rate=0, drop_rate=0, malformed_rate=0,
                           ignore_stock_rate=0, shift_pages=False, unknown_status_rate=0,
                           push_duplicate_rate=0, push_loss_rate=0, push_delay_ms=0)


# ---------------------------------------------------------------- catalogue


def item_add(shop: Shop, name: str, *, sku: str = "", stock: int = 0, price="10000", variants: list[dict] | None = None,
             status: str | None = None, reserved_stock: int = 0, now: datetime | None = None) -> Item:
    """Add an item; without `variants` it is a simple item whose one variant carries `sku`, `stock` and `price`.

    A variant spec is {"sku", "name", "stock", "price", "reserved_stock"}.
    """
    return items_add_bulk(shop, [{"name": name, "sku": sku, "stock": stock, "price": price, "variants": variants,
                                  "status": status, "reserved_stock": reserved_stock}], now=now)[0]


def items_add_bulk(shop: Shop, specs: list[dict], now: datetime | None = None) -> list[Item]:
    """Add many items in a handful of queries (seeding a catalogue of hundreds of SKUs)."""
    now = whole_seconds(now or timezone.now())
    n_variants = sum(len(s.get("variants") or [None]) for s in specs)
    first = allocate_ids(len(specs) + n_variants)
    counter = iter(range(first, first + len(specs) + n_variants))
    items, pending = [], []
    for spec in specs:
        variants = spec.get("variants")
        item = Item(shop=shop, item_id=_item_id(shop.platform, next(counter)), name=spec["name"],
                    status=spec.get("status") or ITEM_STATUS[shop.platform], sku=spec.get("sku", "") if variants else "",
                    has_variants=bool(variants), created_at=now, updated_at=now)
        if not variants:
            variants = [{"sku": spec.get("sku", ""), "name": "", "stock": spec.get("stock", 0), "price": spec.get("price", "10000"),
                         "reserved_stock": spec.get("reserved_stock", 0)}]
        items.append(item)
        pending.append(variants)
    with transaction.atomic():
        Item.objects.bulk_create(items)
        rows = []
        for item, variants in zip(items, pending, strict=True):
            for v in variants:
                rows.append(Variant(shop=shop, item=item, variant_id=_variant_id(shop.platform, next(counter)),
                                    name=v.get("name", ""), seller_sku=v.get("sku", ""), price=Decimal(str(v.get("price", "10000"))),
                                    stock=int(v.get("stock", 0)), reserved_stock=int(v.get("reserved_stock", 0)), updated_at=now))
        Variant.objects.bulk_create(rows)
    return items


def variant_set_stock(variant: Variant, stock: int, now: datetime | None = None) -> Variant:
    now = now or timezone.now()
    Variant.objects.filter(pk=variant.pk).update(stock=stock, updated_at=now)
    Item.objects.filter(pk=variant.item_id).update(updated_at=now)
    variant.stock, variant.updated_at = stock, now
    return variant


# ---------------------------------------------------------------- orders


def _resolve_lines(shop: Shop, lines: list[dict], variants_by_sku: dict, variants_by_pk: dict) -> list[tuple[Variant, int, Decimal]]:
    resolved = []
    for line in lines:
        variant = line.get("variant")
        if isinstance(variant, Variant):
            variant = variants_by_pk.get(variant.pk)
        elif variant is not None:
            variant = variants_by_pk.get(variant) or next((v for v in variants_by_pk.values() if v.variant_id == variant), None)
        else:
            variant = variants_by_sku.get(line.get("sku"))
        if variant is None:
            raise SandboxError(f"no variant {line.get('variant') or line.get('sku')!r} in {shop}")
        quantity = int(line.get("quantity", 1))
        if quantity < 1:
            raise SandboxError("quantity must be at least 1")
        price = Decimal(str(line["unit_price"])) if line.get("unit_price") is not None else variant.price
        resolved.append((variant, quantity, price))
    return resolved


def orders_create_bulk(shop: Shop, specs: list[dict], *, allow_oversell: bool = False) -> list[Order]:
    """Create many orders with their lines, histories and stock effects in a fixed number of queries.

    A spec is {"lines": [{"sku" | "variant", "quantity", "unit_price"?}], "history": [(status, at), ...]
    or "status" + "created_at", "buyer"?}. The history is replayed through the platform's stock rule.
    Selling more than the stock raises SandboxError unless `allow_oversell`.
    """
    if not specs:
        return []
    platform = shop.platform
    variants = list(Variant.objects.filter(shop=shop).select_related("item"))
    by_sku = {}
    for v in variants:
        by_sku.setdefault(v.seller_sku, v)
    by_pk = {v.pk: v for v in variants}
    by_vid = {v.variant_id: v for v in variants}
    now = whole_seconds(timezone.now())
    n_lines = sum(len(s["lines"]) for s in specs)
    first = allocate_ids(len(specs) + n_lines)
    counter = iter(range(first, first + len(specs) + n_lines))
    stock_delta = defaultdict(int)
    available = {v.pk: v.stock for v in variants}
    orders, line_rows, history_rows = [], [], []
    for spec in specs:
        history = spec.get("history")
        if not history:
            created = spec.get("created_at") or now
            history = [(spec.get("status") or flows.INITIAL[platform], created)]
        history = [(status, whole_seconds(at)) for status, at in history]
        for status, _ in history:
            if status not in flows.FLOWS[platform]:
                raise SandboxError(f"{status!r} is not a {platform} status")
        resolved = _resolve_lines(shop, spec["lines"], by_sku, by_pk)
        taken = False
        for i, (status, _) in enumerate(history):
            taken = flows.stock_taken_after(platform, status, taken, creating=i == 0)
        if taken:
            for variant, qty, _ in resolved:
                for pk, units in stock_parts(variant, qty, by_vid).items():
                    if not allow_oversell and available[pk] < units:
                        raise SandboxError(f"not enough stock of {by_pk[pk].seller_sku} ({available[pk]} < {units})")
                    available[pk] -= units
                    stock_delta[pk] -= units
        created_at, updated_at = history[0][1], history[-1][1]
        order_id, number = _order_ids(platform, next(counter), created_at)
        order = Order(shop=shop, order_id=order_id, number=number, status=history[-1][0], currency=shop.currency,
                      total=sum((p * q for _, q, p in resolved), Decimal(0)), buyer=spec.get("buyer", ""),
                      stock_taken=taken, created_at=created_at, updated_at=updated_at)
        orders.append(order)
        line_rows.append([
            OrderLine(line_id=next(counter), sold_variant=v, item_id=v.item.item_id, variant_id=v.variant_id, seller_sku=v.seller_sku,
                      name=f"{v.item.name} {v.name}".strip(), quantity=q, unit_price=p)
            for v, q, p in resolved
        ])
        history_rows.append([OrderStatusChange(status=s, at=at) for s, at in history])
    with transaction.atomic():
        Order.objects.bulk_create(orders)
        lines, changes = [], []
        for order, order_lines, order_history in zip(orders, line_rows, history_rows, strict=True):
            for row in order_lines:
                row.order = order
                lines.append(row)
            for row in order_history:
                row.order = order
                changes.append(row)
        OrderLine.objects.bulk_create(lines, batch_size=500)
        OrderStatusChange.objects.bulk_create(changes, batch_size=500)
        _apply_stock_delta(stock_delta, now)
        notifications.orders_changed(shop, orders, created=True)
    return orders


#: A line's own status that means its units went back on sale (TikTok line cancel, Lazada unit cancel).
LINE_CANCELLED = {"CANCELLED", "canceled", "cancelled"}


def stock_parts(variant: Variant, quantity: int, by_variant_id: dict | None = None) -> dict[int, int]:
    """Which variants' stock a sale of `quantity` moves: the variant itself, or a combined listing's components."""
    if not variant.components:
        return {variant.pk: quantity}
    if by_variant_id is None:
        ids = [int(c["variant_id"]) for c in variant.components]
        by_variant_id = {v.variant_id: v for v in Variant.objects.filter(shop_id=variant.shop_id, variant_id__in=ids)}
    parts: dict[int, int] = defaultdict(int)
    for c in variant.components:
        part = by_variant_id.get(int(c["variant_id"]))
        if part is not None:
            parts[part.pk] += quantity * int(c.get("count", 1))
    return dict(parts)


def order_line_cancel(line: OrderLine, status: str, at: datetime | None = None) -> OrderLine:
    """Cancel one line on its own: its units (a combo's components) go back on sale; the order moves on."""
    order = line.order
    if line.status in LINE_CANCELLED:
        return line
    at = whole_seconds(at or timezone.now())
    if at <= order.updated_at:
        at = order.updated_at + timedelta(seconds=1)
    with transaction.atomic():
        if order.stock_taken and line.sold_variant is not None:
            _apply_stock_delta(stock_parts(line.sold_variant, line.quantity), at)
        line.status = status
        line.save(update_fields=["status"])
        Order.objects.filter(pk=order.pk).update(updated_at=at)
        order.updated_at = at
        notifications.orders_changed(order.shop, [order])
    return line


def _apply_stock_delta(delta: dict, now: datetime) -> None:
    item_pks = set()
    for pk, change in delta.items():
        if change:
            Variant.objects.filter(pk=pk).update(stock=F("stock") + change, updated_at=now)
            item_pks.add(pk)
    if item_pks:
        Item.objects.filter(variants__pk__in=item_pks).update(updated_at=now)


def order_create(shop: Shop, lines: list[dict], *, status: str | None = None, created_at: datetime | None = None,
                 buyer: str = "", allow_oversell: bool = False) -> Order:
    """Create one order; lines are [{"sku": seller SKU | "variant": Variant/variant_id, "quantity": n, "unit_price"?}]."""
    spec = {"lines": lines, "status": status, "created_at": created_at, "buyer": buyer}
    return orders_create_bulk(shop, [spec], allow_oversell=allow_oversell)[0]


def order_set_status(order: Order, status: str, at: datetime | None = None) -> Order:
    """Move an order to `status`: append history, bump its update time, apply the platform's stock rule."""
    platform = order.shop.platform
    if status not in flows.FLOWS[platform]:
        raise SandboxError(f"{status!r} is not a {platform} status")
    at = whole_seconds(at or timezone.now())
    if at <= order.updated_at:
        at = order.updated_at + timedelta(seconds=1)
    taken = flows.stock_taken_after(platform, status, order.stock_taken)
    with transaction.atomic():
        if taken != order.stock_taken:
            sign = -1 if taken else 1
            delta = defaultdict(int)
            for line in order.lines.select_related("sold_variant"):
                if line.sold_variant is not None and line.status not in LINE_CANCELLED:
                    for pk, units in stock_parts(line.sold_variant, line.quantity).items():
                        delta[pk] += sign * units
            _apply_stock_delta(delta, at)
        order.status, order.updated_at, order.stock_taken = status, at, taken
        order.save(update_fields=["status", "updated_at", "stock_taken"])
        OrderStatusChange.objects.create(order=order, status=status, at=at)
        notifications.orders_changed(order.shop, [order])
    return order


def order_advance(order: Order, rng, at: datetime | None = None) -> str | None:
    """Move an order one step along its platform's flow (usually the main path); None at a final status."""
    nexts = flows.successors(order.shop.platform, order.status)
    if not nexts:
        return None
    status = nexts[0] if rng.random() < 0.8 or len(nexts) == 1 else rng.choice(nexts[1:])
    if order.shop.unknown_status_rate and rng.random() < order.shop.unknown_status_rate:
        status = flows.UNDOCUMENTED[order.shop.platform]
    order_set_status(order, status, at)
    return status


# ---------------------------------------------------------------- read-outs


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat()


def shops_json(base_url: str) -> list[dict]:
    """Connection details for every shop, credentials under the platform's own names."""
    base = base_url.rstrip("/")
    out = []
    for shop in Shop.objects.order_by("pk"):
        tokens = shop_current_tokens(shop)
        access = tokens[Token.ACCESS].value if tokens[Token.ACCESS] else ""
        refresh = tokens[Token.REFRESH].value if tokens[Token.REFRESH] else ""
        if shop.platform == "shopee":
            creds = {"partner_id": shop.partner_id, "partner_key": shop.partner_key, "shop_id": int(shop.external_id),
                     "access_token": access, "refresh_token": refresh}
            auth = ""
        elif shop.platform == "tiktok":
            creds = {"app_key": shop.app_key, "app_secret": shop.app_secret, "access_token": access,
                     "refresh_token": refresh, "shop_cipher": shop.shop_cipher,
                     "service_id": "7" + derived_secret("tiktok", shop.pk, "service_id", length=15)}
            auth = f"{base}/sandbox/tiktok-auth"
        elif shop.platform == "lazada":
            creds = {"app_key": shop.app_key, "app_secret": shop.app_secret, "access_token": access, "refresh_token": refresh}
            auth = f"{base}/sandbox/lazada-auth"
        elif shop.platform == "shopify":
            creds = {"access_token": shop.app_key, "client_secret": shop.app_secret,
                     "location_id": f"gid://shopify/Location/{shop.warehouse_id}"}
            auth = ""
        else:
            creds = {"consumer_key": shop.consumer_key, "consumer_secret": shop.consumer_secret,
                     "webhook_secret": shop.webhook_secret}
            auth = ""
        out.append({"platform": shop.platform, "shop": shop.name, "base_url": f"{base}/sandbox/{shop.platform}",
                    "auth_base_url": auth, "credentials": creds})
    return out


def export(shops: list[Shop] | None = None) -> list[dict]:
    """Everything a test or the demo needs to know about each shop's catalogue and orders (ids as strings)."""
    shops = shops if shops is not None else list(Shop.objects.order_by("pk"))
    out = []
    for shop in shops:
        items = Item.objects.filter(shop=shop).order_by("pk").prefetch_related("variants")
        orders = Order.objects.filter(shop=shop).order_by("created_at", "pk").prefetch_related("lines", "history")
        out.append({
            "platform": shop.platform,
            "shop": shop.name,
            "shop_id": shop.external_id,
            "currency": shop.currency,
            "items": [{
                "item_id": str(item.item_id), "name": item.name, "status": item.status, "sku": item.sku,
                "has_variants": item.has_variants,
                "variants": [{"variant_id": str(v.variant_id), "seller_sku": v.seller_sku, "stock": v.stock,
                              "reserved_stock": v.reserved_stock, "price": str(v.price)}
                             for v in sorted(item.variants.all(), key=lambda v: v.pk)],
            } for item in items],
            "orders": [{
                "order_id": o.order_id, "status": o.status, "create_time": _iso(o.created_at),
                "update_time": _iso(o.updated_at), "currency": o.currency, "total": str(o.total),
                "lines": [{"seller_sku": ln.seller_sku, "item_id": str(ln.item_id), "variant_id": str(ln.variant_id),
                           "quantity": ln.quantity, "unit_price": str(ln.unit_price)}
                          for ln in sorted(o.lines.all(), key=lambda ln: ln.pk)],
                "history": [[h.status, _iso(h.at)] for h in o.history.all()],
            } for o in orders],
        })
    return out
