"""The demo shop's catalogue: an Indonesian fashion-and-pantry store of a few hundred SKUs."""

from __future__ import annotations

import random

PRODUCTS = [
    ("KAOS", "Kaos Polos Katun", ["S", "M", "L", "XL"]),
    ("KMJ", "Kemeja Batik Pria", ["M", "L", "XL"]),
    ("HJB", "Hijab Segi Empat Voal", ["HTM", "NVY", "MRN", "CRM", "SGE"]),
    ("GMS", "Gamis Rayon Motif", ["S", "M", "L"]),
    ("CLN", "Celana Chino Slim", ["28", "30", "32", "34"]),
    ("SND", "Sandal Jepit Karet", ["39", "40", "41", "42", "43"]),
    ("TAS", "Tas Selempang Kanvas", ["HTM", "CKL"]),
    ("KPI", "Kopi Bubuk Gayo 250g", ["STD"]),
    ("SMB", "Sambal Bawang Botol 200g", ["ORI", "PDS"]),
    ("KRP", "Keripik Singkong Balado", ["100G", "250G"]),
    ("TEH", "Teh Melati Tubruk", ["50G", "100G"]),
    ("MDU", "Madu Hutan 500ml", ["STD"]),
    ("SBN", "Sabun Sereh Wangi", ["1PC", "3PC"]),
    ("MSK", "Masker Kain 3 Lapis", ["HTM", "PTH", "BRU"]),
    ("JKT", "Jaket Hoodie Fleece", ["M", "L", "XL"]),
    ("MKN", "Mukena Katun Jepang", ["ALL"]),
    ("SRG", "Sarung Tenun Samarinda", ["ALL"]),
    ("TMB", "Tumbler Stainless 500ml", ["HTM", "PTH", "HJU"]),
    ("DPR", "Dompet Kulit Lipat", ["CKL", "HTM"]),
    ("KUS", "Kaos Kaki Ankle", ["3PK", "6PK"]),
]
COLOURS_EXTRA = ["A", "B", "C", "D", "E", "F"]


def demo_skus(count: int = 300, seed: int = 1212) -> list[dict]:
    """Deterministic SKUs with opening stock: the same list on every machine."""
    rng = random.Random(seed)
    out = []
    batch = 0
    while len(out) < count:
        for prefix, name, variants in PRODUCTS:
            for v in variants:
                if len(out) >= count:
                    break
                suffix = f"-{COLOURS_EXTRA[batch - 1]}" if batch else ""
                out.append({
                    "code": f"{prefix}-{v}{suffix}",
                    "name": f"{name} {v}{suffix}",
                    "stock": rng.choice([0, 3, 5, 8, 12, 20, 25, 40, 60, 80]),
                })
        batch += 1
    return out


#: TikTok combined listings: one listing whose units are its components' (the POS has no SKU for the bundle itself).
BUNDLES = [
    {"code": "PAKET-KOPI-MADU", "name": "Paket Kopi Gayo + Madu Hutan", "price": 150000,
     "components": [{"code": "KPI-STD", "count": 1}, {"code": "MDU-STD", "count": 1}]},
]


#: Bundles the POS keeps (kits): sold on every channel as a product of their own, whose stock is what the components allow.
POS_BUNDLES = [
    {"code": "PAKET-KAOS-3", "name": "Paket 3 Kaos Polos Katun M", "stock": 4, "components": {"KAOS-M": 3}},
    {"code": "PAKET-SAMBAL", "name": "Paket Sambal Bawang Ori + Pedas", "stock": 4, "components": {"SMB-ORI": 1, "SMB-PDS": 1}},
]


def branch_stock(catalogue: list[dict], seed: int = 2424) -> dict[str, int]:
    """Deterministic opening stock of the second warehouse (Gudang Surabaya): every fourth SKU."""
    rng = random.Random(seed)
    return {row["code"]: rng.choice([2, 4, 6, 10, 15]) for i, row in enumerate(catalogue) if i % 4 == 0}
