"""Unmapped order lines: lines whose listing is linked to no POS SKU, and linking that listing to one.

An order is never held back for a line the POS cannot name: the order is
imported, the line keeps no SKU and no stock effect, and it waits here. Staff
link the listing to a SKU once; that maps the listing (so later orders of it
resolve on import) and, in the same transaction, gives every waiting line of
that listing on the channel its SKU and posts its stock effect through the
ledger, exactly as an import would have.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Min, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from channels_app.models import Channel
from inventory.listings import listings_not_in_pos_count
from inventory.models import Listing, Sku, StockLevel
from inventory.services.ledger import ledger_post
from orders.models import Order, OrderLine
from orders.services.importing import _effect_change, _line_ref, _resolve_skus


def unmapped_lines(channel_ids=None) -> QuerySet[OrderLine]:
    qs = OrderLine.objects.filter(sku__isnull=True)
    return qs if channel_ids is None else qs.filter(order__channel_id__in=list(channel_ids))


def unmapped_groups(channel_ids=None) -> QuerySet:
    """The unmapped lines per listing (channel, item, variant, seller SKU): lines, units, oldest order; oldest first."""
    return (
        unmapped_lines(channel_ids)
        .values("order__channel_id", "order__channel__name", "external_item_id", "external_variant_id", "seller_sku")
        .annotate(lines=Count("id"), units=Sum("quantity"), oldest=Min("order__channel_created_at"))
        .order_by("oldest", "order__channel__name", "seller_sku", "external_item_id", "external_variant_id")
    )


def order_lines_unmapped_store(channel_ids=None) -> dict[int, int]:
    """Recount the unmapped lines onto each channel's card field (Channel.order_lines_unmapped); {channel id: count}."""
    channels = Channel.objects.all() if channel_ids is None else Channel.objects.filter(pk__in=list(channel_ids))
    counts = dict(unmapped_lines([c.pk for c in channels]).values("order__channel_id").annotate(n=Count("id"))
                  .values_list("order__channel_id", "n"))
    ids = list(channels.values_list("pk", flat=True))
    for channel_id in ids:
        Channel.objects.filter(pk=channel_id).exclude(order_lines_unmapped=counts.get(channel_id, 0)).update(
            order_lines_unmapped=counts.get(channel_id, 0))
    return {pk: counts.get(pk, 0) for pk in ids}


def sku_for_code(code: str) -> Sku:
    """The SKU staff typed: its exact code, else the only one equal to it in any case."""
    code = (code or "").strip()
    if not code:
        raise ValidationError({"sku": _("Enter a SKU code.")})
    found = Sku.objects.filter(code=code).first()
    if found is None:
        rows = list(Sku.objects.filter(code__iexact=code)[:2])
        found = rows[0] if len(rows) == 1 else None
    if found is None:
        raise ValidationError({"sku": _("No SKU has the code “%(code)s”. Create it in the POS first, or pick one from the list.")
                                      % {"code": code}})
    return found


@dataclass
class LinkResult:
    sku: Sku
    lines: int
    movements: int
    listings: int
    #: The SKU's (on hand, available) at the channel's location afterwards; None for a bundle, which holds no stock.
    stock: tuple[int, int] | None = None


def _listing_match(item_id: str, variant_id: str, seller_sku: str) -> Q:
    """The lines of one listing, as the import resolves them: by item and variant, by variant alone (Lazada), else by seller SKU."""
    if item_id:
        return Q(external_item_id=item_id, external_variant_id=variant_id)
    if variant_id:
        return Q(external_variant_id=variant_id)
    return Q(external_item_id="", external_variant_id="", seller_sku__iexact=seller_sku.strip())


def listing_link(channel: Channel, *, item_id: str, variant_id: str, seller_sku: str, sku: Sku) -> LinkResult:
    """Link a channel listing to a SKU and give every unmapped line of it that SKU and its stock effect, in one transaction.

    Idempotent and safe to run twice at once: the orders and then their lines
    are locked (the order every importer locks them in) and only lines still
    without a SKU are taken, so a second click finds nothing left and posts
    nothing; the ledger's unique (line, step) refuses a double post anyway.
    """
    if not (item_id or variant_id or seller_sku.strip()):
        raise ValidationError(_("This line names no listing: it has no item id, variant id or seller SKU."))
    match = _listing_match(item_id, variant_id, seller_sku)
    with transaction.atomic():
        listings = 0
        if item_id:
            # A listing no scan has seen yet is recorded now, so the channel's next orders of it resolve on import.
            listing, created = Listing.objects.get_or_create(
                channel=channel, external_item_id=item_id[:64], external_variant_id=variant_id[:64],
                defaults={"seller_sku": seller_sku[:100], "sku": sku},
            )
            listings = 1 if created else Listing.objects.filter(pk=listing.pk).exclude(sku=sku).update(sku=sku)
        elif variant_id:
            listings = Listing.objects.filter(channel=channel, external_variant_id=variant_id).exclude(sku=sku).update(sku=sku)
        waiting = unmapped_lines([channel.pk]).filter(match)
        order_ids = sorted(set(waiting.values_list("order_id", flat=True)))
        orders = {o.pk: o for o in Order.objects.select_for_update().filter(pk__in=order_ids).order_by("pk")}
        lines = list(OrderLine.objects.select_for_update().filter(order_id__in=list(orders), sku__isnull=True)
                     .filter(match).order_by("order_id", "pk"))
        changes = []
        for line in lines:
            line.sku_id = sku.pk
            change = _effect_change(channel, orders[line.order_id], line)
            if change:
                changes.append(change)
        movements = len(ledger_post(changes))
        if lines:
            OrderLine.objects.bulk_update(lines, ["sku", "applied_allocated", "applied_deducted", "applied_location", "effect_version"])
        order_lines_unmapped_store([channel.pk])
        if listings:
            Channel.objects.filter(pk=channel.pk).update(listings_not_in_pos=listings_not_in_pos_count(channel))
        stock = None
        if not sku.components.exists():
            level = StockLevel.objects.filter(sku=sku, location_id=channel.location_id).first()
            stock = (level.on_hand, level.available) if level else (0, 0)
    return LinkResult(sku, len(lines), movements, listings, stock)


def unmapped_lines_resolve(channel: Channel) -> int:
    """Link the waiting lines that the POS can name by now: a scan mapped their listing, or staff created the SKU.

    Download Orders calls this, so a mapping made anywhere (a scan, the admin,
    a new SKU whose code matches) fixes the lines already waiting, the same way
    as "Link to SKU" on the page. Returns the number of lines that got a SKU.
    """
    refs = [SimpleNamespace(item_id=g["external_item_id"], variant_id=g["external_variant_id"], seller_sku=g["seller_sku"])
            for g in unmapped_groups([channel.pk])]
    resolved = _resolve_skus(channel, refs)
    if not resolved:
        return 0
    skus = Sku.objects.in_bulk(set(resolved.values()))
    linked = 0
    for ref in refs:
        sku_id = resolved.get(_line_ref(ref))
        if sku_id:
            linked += listing_link(channel, item_id=ref.item_id, variant_id=ref.variant_id, seller_sku=ref.seller_sku,
                                   sku=skus[sku_id]).lines
    return linked
