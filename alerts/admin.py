"""Admin: webhook endpoints are configured here; alerts and deliveries are shown, never edited.

An endpoint's signing secret is write-only, as channel secrets are: the form
says whether one is set and keeps it unless a new one is typed. Left empty on
a new endpoint, one is generated and shown once, to copy into the receiver.
"""

from __future__ import annotations

import secrets

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from alerts.models import Alert, AlertKind, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from omnisync.lib.admin import ReadOnlyAdmin


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    new_secret = forms.CharField(
        label=_("signing secret"), required=False, widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the current secret (a new endpoint gets a generated one, shown once)."),
    )
    kinds = forms.MultipleChoiceField(
        label=_("alert kinds"), choices=AlertKind.choices, required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Only these kinds of alert; none chosen means every kind."),
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "active", "kinds"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["name", "url", "active", "secret_set"]
    fields = ["name", "url", "new_secret", "active", "kinds"]

    @admin.display(boolean=True, description=_("secret set"))
    def secret_set(self, obj):
        return bool(obj.secret)

    def save_model(self, request, obj, form, change):
        typed = form.cleaned_data.get("new_secret") or ""
        if typed:
            obj.secret = typed
        elif not obj.secret:
            obj.secret = secrets.token_urlsafe(32)
            messages.warning(request, _("The signing secret of %(name)s is %(secret)s. Copy it into the receiver now; it is not shown again.")
                             % {"name": obj.name, "secret": obj.secret})
        super().save_model(request, obj, form, change)


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = ["number", "at", "status_code", "duration_ms", "error", "response_excerpt"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["alert", "endpoint", "attempts", "status_code", "delivered_at", "next_attempt_at", "last_error"]
    list_filter = ["endpoint", "delivered_at"]
    inlines = [WebhookAttemptInline]


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ["kind", "channel", "severity", "first_seen", "last_seen", "acknowledged_at", "resolved_at"]
    list_filter = ["kind", "severity", "channel"]
