import re
from pathlib import Path

import pytest

from orders.status_maps import MAPS, UnknownStatus, canonical_status

MARKETPLACES = Path(__file__).resolve().parents[2] / "shared" / "MARKETPLACES.md"


def documented_statuses():
    """The raw statuses each platform's section of MARKETPLACES.md names."""
    text = MARKETPLACES.read_text()
    sections = dict(zip(["shopee", "tiktok", "lazada", "woocommerce"], re.split(r"\n## (?:Shopee|TikTok|Lazada|WooCommerce)", text)[1:5], strict=True))
    found = {}
    shopee = sections["shopee"].split("**Statuses.**")[1].split("**Listings.**")[0]
    found["shopee"] = set(re.findall(r"`([A-Z_]+)`", shopee))
    tiktok = sections["tiktok"].split("**Statuses.**")[1].split("**Listings.**")[0]
    found["tiktok"] = set(re.findall(r"`([A-Z_]+)`", tiktok))
    lazada = re.search(r"has one \((.*?)\)", sections["lazada"], re.DOTALL).group(1)
    found["lazada"] = set(re.findall(r"`([a-z_]+)`", lazada))
    woo = re.search(r"Statuses: (.*?)\.\n", sections["woocommerce"], re.DOTALL).group(1)
    found["woocommerce"] = set(re.findall(r"`([a-z-]+)`", woo))
    return found


@pytest.mark.skipif(not MARKETPLACES.exists(), reason="shared/MARKETPLACES.md not beside the checkout")
def test_every_documented_status_maps():
    documented = documented_statuses()
    for platform, statuses in documented.items():
        assert len(statuses) >= 6, (platform, statuses)
        for raw in statuses:
            assert canonical_status(platform, raw) in {"unpaid", "to_ship", "shipped", "completed", "cancelled", "returned"}


@pytest.mark.parametrize("platform", list(MAPS))
def test_unknown_status_raises_naming_it(platform):
    with pytest.raises(UnknownStatus, match="BOGUS"):
        canonical_status(platform, "BOGUS")
    with pytest.raises(UnknownStatus):
        canonical_status(platform, "")


def test_lazada_combines_item_statuses():
    assert canonical_status("lazada", "canceled,shipped") == "shipped"
    assert canonical_status("lazada", "canceled") == "cancelled"
    assert canonical_status("lazada", "delivered,pending") == "to_ship"


def test_key_examples():
    assert canonical_status("shopee", "IN_CANCEL") == "to_ship"
    assert canonical_status("shopee", "TO_CONFIRM_RECEIVE") == "shipped"
    assert canonical_status("tiktok", "CANCEL") == "cancelled"
    assert canonical_status("woocommerce", "refunded") == "returned"
