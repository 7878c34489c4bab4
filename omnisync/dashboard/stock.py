"""The Stock page: manual adjustments and stock counts, each a ledger movement with a reason, then the push.

A change of on hand moves what every channel selling from that location may
show, so a correction is followed by Update Inventory on those channels, the
same run the dashboard's button starts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from channels_app.models import Channel, Location, RunKind, RunStatus
from channels_app.runs import run_request
from inventory.models import MovementReason, Sku, StockLevel, StockMovement
from inventory.services.ledger import stock_adjust, stock_count
from omnisync.dashboard.views import RUN_JOBS, _require_run_jobs

ADJUST, COUNT = "adjust", "count"
MANUAL_REASONS = (MovementReason.MANUAL_ADJUSTMENT, MovementReason.STOCK_COUNT)
RECENT = 20


class StockChangeForm(forms.Form):
    """One correction as staff type it; every mistake is said beside its field and nothing is posted."""

    sku = forms.CharField(label=gettext_lazy("SKU code"), max_length=64)
    location = forms.ModelChoiceField(queryset=Location.objects.all(), label=gettext_lazy("location"))
    kind = forms.ChoiceField(
        label=gettext_lazy("kind"), initial=ADJUST, widget=forms.RadioSelect,
        choices=[(ADJUST, gettext_lazy("adjust on hand by ± units")),
                 (COUNT, gettext_lazy("count: on hand becomes the counted quantity"))],
    )
    quantity = forms.IntegerField(
        label=gettext_lazy("quantity"),
        help_text=gettext_lazy("Adjust: units to add, or to remove with a minus sign (-3). Count: the units on the shelf."),
    )
    reason = forms.CharField(label=gettext_lazy("reason"), max_length=300,
                             help_text=gettext_lazy("Why: found in the back room, damaged, monthly stock count…"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        locations = list(Location.objects.all()[:2])
        if len(locations) == 1 and not self.is_bound:
            self.initial.setdefault("location", locations[0].pk)

    def clean_sku(self) -> Sku:
        code = self.cleaned_data["sku"].strip()
        found = Sku.objects.filter(code=code).first() or _only(Sku.objects.filter(code__iexact=code))
        if found is None:
            raise forms.ValidationError(_("No SKU has the code “%(code)s”.") % {"code": code})
        return found

    def clean(self):
        data = super().clean()
        kind, quantity = data.get("kind"), data.get("quantity")
        if quantity is None:
            return data
        if kind == ADJUST and quantity == 0:
            self.add_error("quantity", _("An adjustment of zero changes nothing: enter the units to add or remove."))
        elif kind == COUNT and quantity < 0:
            self.add_error("quantity", _("A count cannot be below zero."))
        elif kind == ADJUST and data.get("sku") and data.get("location"):
            level = StockLevel.objects.filter(sku=data["sku"], location=data["location"]).first()
            on_hand = level.on_hand if level else 0
            if quantity < 0 and on_hand + quantity < 0:
                self.add_error("quantity", _(
                    "That would leave %(on_hand_after)s on hand (now %(on_hand)s). Count the shelf instead."
                ) % {"on_hand_after": on_hand + quantity, "on_hand": on_hand})
        return data


def _only(queryset: QuerySet):
    rows = list(queryset[:2])
    return rows[0] if len(rows) == 1 else None


@dataclass
class StockCorrection:
    movement: StockMovement | None
    on_hand: int
    available: int
    queued: list[Channel] = field(default_factory=list)
    already_running: list[Channel] = field(default_factory=list)


def channels_selling_from(location: Location) -> QuerySet[Channel]:
    """Active channels whose shown stock depends on this location: their own location or a linked warehouse."""
    return (Channel.objects.filter(active=True)
            .filter(Q(location=location) | Q(warehouse_links__location=location))
            .distinct().order_by("name"))


def stock_correct(*, sku: Sku, location: Location, kind: str, quantity: int, reason: str, user) -> StockCorrection:
    """Post the adjustment or count with its reason, then request Update Inventory where the stock is sold.

    One transaction: the runs are queued only once the movement is committed,
    so the push reads the corrected stock. A count that matches the book posts
    nothing and pushes nothing.
    """
    with transaction.atomic():
        if kind == COUNT:
            movement = stock_count(sku=sku, location=location, counted=quantity, user=user, note=reason)
        else:
            movement = stock_adjust(sku=sku, location=location, change=quantity, user=user, note=reason)
        level = StockLevel.objects.filter(sku=sku, location=location).first()
        result = StockCorrection(movement, level.on_hand if level else 0, level.available if level else 0)
        if movement is None:
            return result
        for channel in channels_selling_from(location):
            run, _created = run_request(channel, RunKind.UPDATE_INVENTORY, user=user)
            # A queued run reads stock when it starts, so it will carry this change; a running one may not.
            (result.queued if run.status == RunStatus.QUEUED else result.already_running).append(channel)
    return result


def manual_movements() -> QuerySet[StockMovement]:
    return (StockMovement.objects.filter(reason__in=MANUAL_REASONS)
            .select_related("sku", "location", "created_by").order_by("-created_at", "-id")[:RECENT])


def _say(request, form: StockChangeForm, result: StockCorrection) -> None:
    where = {"sku": form.cleaned_data["sku"].code, "location": form.cleaned_data["location"].name}
    if result.movement is None:
        messages.info(request, _("The count matches the book: %(sku)s at %(location)s has %(on_hand)s on hand. Nothing was posted.")
                      % {**where, "on_hand": result.on_hand})
        return
    messages.success(request, _("%(sku)s at %(location)s: on hand %(on_hand)s, available %(available)s.")
                     % {**where, "on_hand": result.on_hand, "available": result.available})
    if result.queued:
        messages.info(request, _("Update Inventory queued for: %(channels)s.")
                      % {"channels": ", ".join(c.name for c in result.queued)})
    if result.already_running:
        messages.warning(request, _(
            "Update Inventory was already running for: %(channels)s. It may have read the stock before this change; "
            "run it again when it ends."
        ) % {"channels": ", ".join(c.name for c in result.already_running)})
    if not result.queued and not result.already_running:
        messages.info(request, _("No active channel sells from %(location)s: nothing to push.") % where)


def stock_adjust_page(request):
    """GET: the form (operators) and the latest manual movements (everyone); POST: one correction."""
    can_change = request.user.has_perm(RUN_JOBS)
    status = 200
    if request.method == "POST":
        _require_run_jobs(request)
        form = StockChangeForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = stock_correct(sku=data["sku"], location=data["location"], kind=data["kind"],
                                       quantity=data["quantity"], reason=data["reason"], user=request.user)
            except ValidationError as exc:
                form.add_error("quantity", exc.messages)
            else:
                _say(request, form, result)
                return redirect("stock_adjust")
        status = 400
    else:
        initial = {k: request.GET[k] for k in ("sku", "location") if request.GET.get(k)}
        form = StockChangeForm(initial=initial)
    return render(request, "dashboard/stock.html", {
        "form": form if can_change else None, "movements": manual_movements(),
    }, status=status)
