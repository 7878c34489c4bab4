"""The unmapped order lines page: lines whose listing is linked to no SKU, grouped by listing, each with "Link to SKU"."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from channels_app.models import Channel, RunKind
from channels_app.runs import run_request
from inventory.models import Sku
from omnisync.dashboard.stock import channels_selling_from
from omnisync.dashboard.views import RUN_JOBS, _is_htmx, _require_run_jobs
from orders.services.linking import listing_link, sku_for_code, unmapped_groups

#: Listings shown at once: linking one removes its row, so the next ones come up.
LIMIT = 200
SKU_CHOICES = 20


def _channel_ids(request) -> list[int] | None:
    raw = request.GET.get("channel", "")
    return [int(raw)] if raw.isdigit() else None


def unmapped_page(request):
    channel_ids = _channel_ids(request)
    groups = list(unmapped_groups(channel_ids)[:LIMIT + 1])
    return render(request, "dashboard/unmapped.html", {
        "groups": groups[:LIMIT], "more": len(groups) > LIMIT, "limit": LIMIT,
        "channels": Channel.objects.order_by("name"), "channel_id": channel_ids[0] if channel_ids else None,
        "can_link": request.user.has_perm(RUN_JOBS),
    })


def listing_link_and_push(channel: Channel, *, item_id: str, variant_id: str, seller_sku: str, sku: Sku, user):
    """Link the listing, then request Update Inventory where the change shows: the linked listing now has a
    target on its channel, and the lines' stock effects moved the stock of every channel selling from that
    location. The runs are queued after the link commits (run_request queues on commit)."""
    result = listing_link(channel, item_id=item_id, variant_id=variant_id, seller_sku=seller_sku, sku=sku)
    pushes = {channel.pk: channel} if channel.active else {}
    if result.movements:
        pushes.update({c.pk: c for c in channels_selling_from(channel.location)})
    for target in pushes.values():
        run_request(target, RunKind.UPDATE_INVENTORY, user=user)
    return result, sorted(c.name for c in pushes.values())


@require_GET
def unmapped_sku_options(request):
    """The SKU chooser's suggestions for what staff typed: codes and names containing it, active SKUs first."""
    q = request.GET.get("sku", "").strip()
    skus = Sku.objects.order_by("-active", "code")
    if q:
        skus = skus.filter(code__icontains=q) | skus.filter(name__icontains=q)
    return render(request, "dashboard/includes/unmapped_sku_options.html", {"skus": skus[:SKU_CHOICES]})


@require_POST
def unmapped_link(request):
    _require_run_jobs(request)
    channel = get_object_or_404(Channel, pk=request.POST.get("channel") or 0)
    group = {
        "order__channel_id": channel.pk, "order__channel__name": channel.name,
        "external_item_id": request.POST.get("item_id", ""), "external_variant_id": request.POST.get("variant_id", ""),
        "seller_sku": request.POST.get("seller_sku", ""), "lines": request.POST.get("lines", ""),
        "units": request.POST.get("units", ""), "oldest": parse_datetime(request.POST.get("oldest", "")),
    }
    error, result = "", None
    try:
        sku = sku_for_code(request.POST.get("sku", ""))
        result, pushed = listing_link_and_push(
            channel, item_id=group["external_item_id"], variant_id=group["external_variant_id"],
            seller_sku=group["seller_sku"], sku=sku, user=request.user)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    done = ""
    if result is not None:
        done = ngettext(
            "Linked to %(sku)s: %(n)s order line got its SKU and its stock effect (%(m)s stock movements).",
            "Linked to %(sku)s: %(n)s order lines got their SKU and their stock effect (%(m)s stock movements).",
            result.lines,
        ) % {"sku": result.sku.code, "n": result.lines, "m": result.movements}
        if result.stock is not None:
            done += " " + _("%(sku)s at %(location)s: on hand %(on_hand)s, available %(available)s.") % {
                "sku": result.sku.code, "location": channel.location.name, "on_hand": result.stock[0], "available": result.stock[1]}
        if pushed:
            done += " " + _("Update Inventory requested for: %(channels)s.") % {"channels": ", ".join(pushed)}
    if not _is_htmx(request):
        if error:
            messages.error(request, error)
        else:
            messages.success(request, done)
        return redirect("unmapped")
    return render(request, "dashboard/includes/unmapped_row.html", {
        "g": group, "error": error, "done": done, "typed": request.POST.get("sku", ""), "can_link": True,
        "row_id": request.POST.get("row", ""),
    })
