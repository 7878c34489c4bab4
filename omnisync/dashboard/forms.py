"""Forms for starting jobs; they turn staff input into run parameters or say beside the field what is wrong."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from channels_app.models import Channel, RunKind
from omnisync.lib.format import DateTimeText

BUTTON_KINDS = (RunKind.SCAN, RunKind.DOWNLOAD_ORDERS, RunKind.UPDATE_INVENTORY, RunKind.ROUTINE)
#: shop time, typed and shown as the pages write a time (omnisync.lib.format)
LOCAL_INPUT = DateTimeText()


class JobForm(forms.Form):
    """One button press: which channel and which job, with the job's switches."""

    channel = forms.ModelChoiceField(queryset=Channel.objects.all())
    kind = forms.ChoiceField(choices=[(k.value, k.label) for k in BUTTON_KINDS])
    full = forms.BooleanField(required=False, label=_("full scan"))
    force = forms.BooleanField(required=False, label=_("push every mapped listing"))
    dry_run = forms.BooleanField(required=False, label=_("dry run"))

    def params(self) -> dict:
        kind, data = self.cleaned_data["kind"], self.cleaned_data
        if kind == RunKind.SCAN:
            return {"full": data["full"]}
        if kind == RunKind.UPDATE_INVENTORY:
            return {"dry_run": data["dry_run"], "force": data["force"]}
        return {}


class DownloadOrdersForm(forms.Form):
    """Download Orders with an optional window; empty means "from the verified mark up to now"."""

    channel = forms.ModelChoiceField(queryset=Channel.objects.all(), widget=forms.HiddenInput)
    since = forms.DateTimeField(label=_("From"), required=False, widget=LOCAL_INPUT)
    until = forms.DateTimeField(label=_("To"), required=False, widget=LOCAL_INPUT)

    def clean_since(self):
        since = self.cleaned_data.get("since")
        if since and since > timezone.now():
            raise forms.ValidationError(_("The start is in the future."))
        return since

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and until <= since:
            self.add_error("until", _("The end must be after the start."))
        return data

    def params(self) -> dict:
        out = {}
        for name in ("since", "until"):
            value = self.cleaned_data.get(name)
            if value:
                out[name] = value.isoformat()
        return out
