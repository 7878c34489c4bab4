"""Status maps: every status the platforms document is known; anything else is `unknown`, never an error."""

import re
from pathlib import Path

import pytest

from orders.status_maps import MAPS, canonical_status

MARKETPLACES = Path(__file__).resolve().parents[2] / "shared" / "MARKETPLACES.md"
CANONICAL = {"unpaid", "to_ship", "shipped", "completed", "cancelled", "returned"}


def documented_statuses():
    """The raw statuses each platform's section of MARKETPLACES.md names (read from the text, not from our maps)."""
    text = MARKETPLACES.read_text()
    sections = dict(zip(["shopee", "tiktok", "lazada", "woocommerce"],
                        re.split(r"\n## (?:Shopee|TikTok|Lazada|WooCommerce)", text)[1:5], strict=True))
    found = {}
    shopee = sections["shopee"].split("**Statuses.**")[1].split("**Listings.**")[0]
    found["shopee"] = set(re.findall(r"`([A-Z_]+)`", shopee))
    tiktok = sections["tiktok"].split("**Statuses.**")[1].split("**Listings.**")[0]
    # The docs' sample line status TO_SHIP is not in TikTok's list ("accept unknowns"): it must not be required.
    found["tiktok"] = set(re.findall(r"`([A-Z_]+)`", tiktok)) - {"TO_SHIP"}
    lazada = sections["lazada"].split("**No order-level status:**")[1].split("**Listings.**")[0]
    found["lazada"] = set(re.findall(r"`([a-z0-9_]+)`", lazada))
    woo = sections["woocommerce"].split("Statuses: ")[1].split(", plus any")[0]
    found["woocommerce"] = set(re.findall(r"`([a-z-]+)`", woo))
    return found


@pytest.mark.skipif(not MARKETPLACES.exists(), reason="shared/MARKETPLACES.md not beside the checkout")
def test_every_documented_status_maps_to_a_canonical_one():
    documented = documented_statuses()
    assert len(documented["shopee"]) >= 12
    assert len(documented["tiktok"]) >= 9
    # Lazada documents 22 item statuses and filter values, repacked and the failed-delivery chart included.
    assert {"repacked", "ready_to_ship_pending", "shipping", "failed_delivery", "shipped_back", "shipped_back_success",
            "shipped_back_failed", "package_scrapped", "lost_by_3pl", "damaged_by_3pl"} <= documented["lazada"]
    assert len(documented["woocommerce"]) == 8
    for platform, statuses in documented.items():
        for raw in statuses:
            assert canonical_status(platform, raw) in CANONICAL, (platform, raw)


@pytest.mark.parametrize("platform", list(MAPS))
def test_an_unknown_status_is_unknown_not_an_error(platform):
    assert canonical_status(platform, "BRAND_NEW_STATUS") == "unknown"
    assert canonical_status(platform, "") == "unknown"


def test_a_channel_mapping_wins_over_the_map_and_knows_new_statuses():
    assert canonical_status("woocommerce", "awaiting-shipment", {"awaiting-shipment": "to_ship"}) == "to_ship"
    # Keys are normalised like the platform's own spelling: WooCommerce lower case, Shopee upper case.
    assert canonical_status("woocommerce", "Awaiting-Shipment", {"awaiting-shipment": "to_ship"}) == "to_ship"
    assert canonical_status("shopee", "in_cancel", {"IN_CANCEL": "cancelled"}) == "cancelled"


def test_lazada_combines_item_statuses():
    assert canonical_status("lazada", "canceled,shipped") == "shipped"
    assert canonical_status("lazada", "canceled") == "cancelled"
    assert canonical_status("lazada", "delivered,pending") == "to_ship"
    # One item nobody can read makes the order one staff must look at.
    assert canonical_status("lazada", "delivered,pending_inspection") == "unknown"
    assert canonical_status("lazada", "delivered,pending_inspection", {"pending_inspection": "to_ship"}) == "to_ship"


def test_key_examples():
    assert canonical_status("shopee", "IN_CANCEL") == "to_ship"
    assert canonical_status("shopee", "TO_CONFIRM_RECEIVE") == "shipped"
    assert canonical_status("tiktok", "CANCEL") == "cancelled"
    assert canonical_status("woocommerce", "refunded") == "returned"
