"""Generated demo content: a catalogue and believable order histories, repeatable from a seed."""

import random
from datetime import datetime, timedelta

from sandbox import flows

_TYPES = ["Kaos Polos", "Kemeja Batik", "Celana Chino", "Hijab Segi Empat", "Sepatu Sneakers", "Tas Ransel",
          "Topi Baseball", "Jaket Hoodie", "Dompet Kulit", "Kaos Kaki", "Rok Plisket", "Sandal Jepit"]
_COLOURS = ["Hitam", "Putih", "Navy", "Merah", "Hijau", "Abu"]
_SIZES = ["S", "M", "L", "XL"]

# canonical outcome -> raw statuses a seeded order may end in
OUTCOMES = {
    "shopee": {"unpaid": ["UNPAID"], "to_ship": ["READY_TO_SHIP", "PROCESSED"], "shipped": ["SHIPPED", "TO_CONFIRM_RECEIVE"],
               "completed": ["COMPLETED"], "cancelled": ["CANCELLED", "IN_CANCEL"], "returned": ["TO_RETURN"]},
    "tiktok": {"unpaid": ["UNPAID"], "to_ship": ["AWAITING_SHIPMENT", "AWAITING_COLLECTION"],
               "shipped": ["IN_TRANSIT", "DELIVERED"], "completed": ["COMPLETED"], "cancelled": ["CANCELLED"],
               "returned": ["COMPLETED"]},
    "lazada": {"unpaid": ["unpaid"], "to_ship": ["pending", "packed", "ready_to_ship"], "shipped": ["shipped"],
               "completed": ["delivered"], "cancelled": ["canceled"], "returned": ["returned"]},
    "woocommerce": {"unpaid": ["pending"], "to_ship": ["processing", "on-hold"], "shipped": ["processing"],
                    "completed": ["completed"], "cancelled": ["cancelled"], "returned": ["refunded"]},
    "shopify": {"unpaid": ["PENDING/UNFULFILLED"], "to_ship": ["PAID/UNFULFILLED", "PAID/PARTIALLY_FULFILLED"],
                "shipped": ["PAID/FULFILLED"], "completed": ["PAID/FULFILLED"], "cancelled": ["CANCELLED"],
                "returned": ["REFUNDED/FULFILLED/RETURNED", "REFUNDED/FULFILLED"]},
}
_OLD_WEIGHTS = [("completed", 55), ("shipped", 14), ("cancelled", 12), ("to_ship", 10), ("returned", 3), ("unpaid", 6)]
_NEW_WEIGHTS = [("unpaid", 30), ("to_ship", 50), ("cancelled", 10), ("shipped", 10)]


def catalogue(seed: int, size: int = 100) -> list[dict]:
    """About 300 SKUs: every third item is simple, the others come in four sizes."""
    rng = random.Random(f"catalogue:{seed}")
    items, n = [], 0
    for i in range(size):
        name = f"{_TYPES[i % len(_TYPES)]} {_COLOURS[(i // len(_TYPES)) % len(_COLOURS)]} {i + 1:03d}"
        price = rng.choice([25000, 49000, 59000, 79000, 99000, 129000, 189000, 249000])
        if i % 3 == 0:
            n += 1
            items.append({"name": name, "sku": f"SKU-{n:04d}", "stock": rng.choice([0, *range(5, 120)]), "price": price})
            continue
        variants = []
        for size_name in _SIZES:
            n += 1
            variants.append({"sku": f"SKU-{n:04d}", "name": size_name, "stock": rng.randint(0, 80), "price": price})
        items.append({"name": name, "sku": f"SKU-P{i + 1:03d}", "variants": variants})
    return items


def catalogue_from_rows(rows: list[dict]) -> list[dict]:
    """A catalogue file's rows ({code, name, stock}) as simple items.

    Optional keys: `second_stock`, the units in the second warehouse of a shop
    that keeps several (the SKU is then kept in both); `components`
    ([{code, count}]), a bundle sold as one listing whose stock is its
    components' (a TikTok combined listing; other platforms skip it).
    """
    items = []
    for r in rows:
        item = {"name": r["name"], "sku": r["code"], "stock": r.get("stock", 0), "price": r.get("price", 50000)}
        if r.get("second_stock") is not None:
            item["second_stock"] = r["second_stock"]
        if r.get("components"):
            item["components"] = [{"sku": c["code"], "count": c.get("count", 1)} for c in r["components"]]
        items.append(item)
    return items


def pick_lines(rng: random.Random, available: dict, variants: list) -> list[dict]:
    """One to three lines of SKUs that still have stock; decrements `available`. Empty when nothing is left."""
    lines = []
    for _ in range(rng.choice([1, 1, 1, 2, 2, 3])):
        quantity = rng.choice([1, 1, 1, 2, 3])
        candidates = [v for v in rng.sample(variants, min(len(variants), 12)) if available[v.pk] >= quantity]
        if not candidates:
            continue
        variant = candidates[0]
        if any(line["variant"] == variant.pk for line in lines):
            continue
        available[variant.pk] -= quantity
        lines.append({"variant": variant.pk, "quantity": quantity})
    return lines


def history(platform: str, rng: random.Random, created: datetime, now: datetime) -> list[tuple[str, datetime]]:
    """A status history ending in a plausible outcome for the order's age, with times between creation and now."""
    age = now - created
    weights = _NEW_WEIGHTS if age < timedelta(days=1) else _OLD_WEIGHTS
    outcome = rng.choices([w[0] for w in weights], [w[1] for w in weights])[0]
    final = rng.choice(OUTCOMES[platform][outcome])
    path = flows.path_to(platform, final)
    span = min(age, timedelta(hours=rng.uniform(2, 120)))
    steps = len(path) - 1
    times = [created]
    for i in range(1, len(path)):
        times.append(created + span * (i / steps) * rng.uniform(0.85, 1.0) if steps else created)
    times = [max(t, times[0]) for t in times]
    for i in range(1, len(times)):
        if times[i] <= times[i - 1]:
            times[i] = times[i - 1] + timedelta(seconds=1)
    return list(zip(path, times, strict=True))
