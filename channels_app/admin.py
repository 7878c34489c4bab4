"""Admin for channels, sale events and sync runs.

Channel secrets are write-only here: the form shows whether each one is set,
never its value, and keeps a stored value unless a new one is typed. That way
a screenshot, a shared screen or the page source never leaks marketplace
credentials, and saving other settings cannot wipe a token by accident.
Connecting a channel (test, authorise) lives on the channel's own page so the
staff who set it up can see at once whether it works.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from channels_app.adapters.base import Adapter
from channels_app.adapters.registry import ADAPTERS, adapter_class, get_adapter
from channels_app.models import Channel, RunIssue, SaleEvent, SyncRun
from omnisync.lib.admin import ReadOnlyAdmin
from omnisync.lib.http import ApiError

STATE_SALT = "channels_app.channel.authorize"
STATE_MAX_AGE = 30 * 60
CHANGE_PERMISSION = "channels_app.change_channel"

#: Every credential name any platform uses, in a stable order, with the platforms using it.
CREDENTIAL_PLATFORMS: dict[str, list[str]] = {}
for _cls in ADAPTERS.values():
    for _name in _cls.credential_names:
        CREDENTIAL_PLATFORMS.setdefault(_name, []).append(_cls.label)


def credential_field_name(name: str) -> str:
    return f"secret_{name}"


def _formfield(db_field, **kwargs):
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


# Kept up to date by the jobs; shown, never edited.
HEALTH_FIELDS = [
    "last_scan_at", "orders_verified_until", "orders_missing", "orders_missing_since", "orders_wrong_status", "stock_discrepancies",
    "listings_not_in_pos", "token_expires_at", "authorization_expires_at", "last_error", "last_error_at",
    "created_at", "updated_at",
]

class ChannelAdminForm(forms.ModelForm):
    """The channel's settings plus one write-only field per credential name of its platform."""

    class Meta:
        model = Channel
        formfield_callback = _formfield
        fields = [
            "name",
            "platform",
            "location",
            "currency",
            "api_base_url",
            "auth_base_url",
            "buffer_kind",
            "buffer_value",
            "stock_cap",
            "sync_hour",
            "active",
            "count_unpaid",
            "receive_returns_automatically",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        stored = self.instance.credentials or {} if self.instance else {}
        for name in self.credential_names():
            is_set = stored.get(name) not in (None, "")
            platforms = ", ".join(CREDENTIAL_PLATFORMS.get(name, []))
            status = _("set") if is_set else _("not set")
            help_text = f"{status}. " + str(_("Type a new value to replace it; leave empty to keep it."))
            if not self.instance.pk:
                help_text = f"{status}. ({platforms})"
            self.fields[credential_field_name(name)] = forms.CharField(
                label=name,
                required=False,
                strip=True,
                widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
                help_text=help_text,
            )

    def credential_names(self) -> list[str]:
        platform = self.instance.platform if self.instance and self.instance.pk else None
        if platform in ADAPTERS:
            return list(ADAPTERS[platform].credential_names)
        return list(CREDENTIAL_PLATFORMS)

    def save(self, commit=True):
        channel = super().save(commit=False)
        creds = dict(channel.credentials or {})
        allowed = set(ADAPTERS[channel.platform].credential_names) if channel.platform in ADAPTERS else set(CREDENTIAL_PLATFORMS)
        for name in self.credential_names():
            value = self.cleaned_data.get(credential_field_name(name))
            if value and name in allowed:
                creds[name] = value
        channel.credentials = creds
        if commit:
            channel.save()
            self.save_m2m()
        return channel


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    form = ChannelAdminForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    change_form_template = "admin/channels_app/channel/change_form.html"
    list_display = ["name", "platform", "location", "active", "health", "token_expires_at", "last_error_at"]
    list_filter = ["platform", "active", "location"]
    search_fields = ["name"]
    actions = ["test_connection_action"]
    readonly_fields = ["credentials_status", *HEALTH_FIELDS]

    def get_fieldsets(self, request, obj=None):
        form = self.form(instance=obj) if obj else self.form()
        secret_fields = [credential_field_name(n) for n in form.credential_names()]
        if not self.has_change_permission(request, obj) and obj is not None:
            secret_fields = []
        fieldsets = [
            (_("Identity"), {"fields": ["name", "platform", "location", "currency"]}),
            (_("Connection"), {"fields": ["api_base_url", "auth_base_url", "credentials_status"]}),
            (
                _("Credentials"),
                {
                    "fields": secret_fields,
                    "description": _(
                        "Secrets are stored encrypted and never shown. Marketplaces that authorise sellers "
                        "(Shopee, TikTok Shop, Lazada) fill in the tokens through \u201cAuthorise\u201d above."
                    ),
                },
            ),
            (_("Stock and buffer"), {"fields": ["buffer_kind", "buffer_value", "stock_cap", "sync_hour"]}),
            (_("Switches"), {"fields": ["active", "count_unpaid", "receive_returns_automatically"]}),
            (
                _("Health"),
                {
                    "classes": ["collapse"],
                    "fields": HEALTH_FIELDS,
                },
            ),
        ]
        return [fs for fs in fieldsets if fs[1]["fields"]]

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["fields"] = list(ChannelAdminForm._meta.fields)
        return super().get_form(request, obj, change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        fields = list(self.readonly_fields)
        if obj is not None:
            fields.append("platform")
        return fields

    @admin.display(description=_("credentials"))
    def credentials_status(self, obj: Channel) -> str:
        if not obj or not obj.pk:
            return "—"
        names = ADAPTERS[obj.platform].credential_names if obj.platform in ADAPTERS else sorted(obj.credentials or {})
        stored = obj.credentials or {}
        return ", ".join(f"{n}: {'set' if stored.get(n) not in (None, '') else 'not set'}" for n in names)

    @admin.display(description=_("health"))
    def health(self, obj: Channel) -> str:
        problems = []
        if obj.orders_missing:
            problems.append(f"{obj.orders_missing} missing")
        if obj.orders_wrong_status:
            problems.append(f"{obj.orders_wrong_status} wrong status")
        if obj.stock_discrepancies:
            problems.append(f"{obj.stock_discrepancies} stock")
        if obj.last_error:
            problems.append("error")
        return ", ".join(problems) or "ok"

    # -- connection tools ------------------------------------------------
    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path(
                "<int:object_id>/test-connection/",
                self.admin_site.admin_view(self.test_connection_view),
                name=f"{prefix}_test_connection",
            ),
            path(
                "<int:object_id>/authorize/",
                self.admin_site.admin_view(self.authorize_view),
                name=f"{prefix}_authorize",
            ),
            path(
                "authorize/callback/",
                self.admin_site.admin_view(self.authorize_callback_view),
                name=f"{prefix}_authorize_callback",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        channel = self.get_object(request, object_id)
        if channel is not None and channel.platform in ADAPTERS:
            can_change = request.user.has_perm(CHANGE_PERMISSION)
            extra_context["can_connect"] = can_change
            extra_context["can_authorize"] = can_change and adapter_class(channel.platform).authorize_url is not Adapter.authorize_url
            extra_context["platform_label"] = adapter_class(channel.platform).label
        return super().change_view(request, object_id, form_url, extra_context)

    def _channel_for_tool(self, request: HttpRequest, object_id) -> Channel:
        if not request.user.has_perm(CHANGE_PERMISSION):
            raise PermissionDenied
        return get_object_or_404(Channel, pk=object_id)

    def _change_url(self, channel: Channel) -> str:
        return reverse("admin:channels_app_channel_change", args=[channel.pk])

    def test_connection_view(self, request, object_id):
        return require_POST(self._test_connection_view)(request, object_id)

    def _test_connection_view(self, request, object_id):
        channel = self._channel_for_tool(request, object_id)
        self._test_one(request, channel)
        return HttpResponseRedirect(self._change_url(channel))

    @admin.action(description=_("Test connection"), permissions=["change"])
    def test_connection_action(self, request, queryset):
        for channel in queryset:
            self._test_one(request, channel)

    def _test_one(self, request: HttpRequest, channel: Channel) -> None:
        try:
            adapter = get_adapter(channel)
        except ApiError as err:
            self._record_failure(request, channel, err)
            return
        try:
            description = adapter.check_connection()
        except ApiError as err:
            self._record_failure(request, channel, err)
            return
        finally:
            adapter.session.close()
        Channel.objects.filter(pk=channel.pk).update(last_error="", last_error_at=None)
        self.message_user(request, f"{channel}: connected \u2014 {description}", messages.SUCCESS)

    def _record_failure(self, request: HttpRequest, channel: Channel, err: ApiError) -> None:
        Channel.objects.filter(pk=channel.pk).update(last_error=err.message, last_error_at=timezone.now())
        self.message_user(request, f"{channel}: connection failed \u2014 {err.message}", messages.ERROR)

    def _callback_uri(self, request: HttpRequest) -> str:
        return request.build_absolute_uri(reverse("admin:channels_app_channel_authorize_callback"))

    def authorize_view(self, request, object_id):
        channel = self._channel_for_tool(request, object_id)
        adapter = get_adapter(channel)
        state = signing.dumps({"channel": channel.pk, "user": request.user.pk}, salt=STATE_SALT)
        try:
            url = adapter.authorize_url(self._callback_uri(request), state)
        except ApiError as err:
            self.message_user(request, err.message, messages.ERROR)
            return HttpResponseRedirect(self._change_url(channel))
        if not url:
            self.message_user(
                request,
                f"{adapter.label} does not authorise sellers through a web page: enter the keys in the form below.",
                messages.WARNING,
            )
            return HttpResponseRedirect(self._change_url(channel))
        return HttpResponseRedirect(url)

    def authorize_callback_view(self, request):
        if not request.user.has_perm(CHANGE_PERMISSION):
            raise PermissionDenied
        try:
            state = signing.loads(request.GET.get("state", ""), salt=STATE_SALT, max_age=STATE_MAX_AGE)
        except signing.SignatureExpired:
            self.message_user(request, "The authorisation took longer than 30 minutes; start it again.", messages.ERROR)
            return HttpResponseRedirect(reverse("admin:channels_app_channel_changelist"))
        except signing.BadSignature:
            raise PermissionDenied("The authorisation answer does not belong to this site.") from None
        if state.get("user") != request.user.pk:
            raise PermissionDenied("The authorisation was started by another user.")
        channel = get_object_or_404(Channel, pk=state.get("channel"))
        params = {k: v for k, v in request.GET.items() if k != "state"}
        if params.get("error"):
            self.message_user(request, f"{channel}: the seller did not authorise the app ({params['error']}).", messages.ERROR)
            return HttpResponseRedirect(self._change_url(channel))
        adapter = get_adapter(channel)
        try:
            tokens = adapter.exchange_code(params)
            adapter.store_tokens(tokens)
        except ApiError as err:
            self._record_failure(request, channel, err)
            return HttpResponseRedirect(self._change_url(channel))
        finally:
            adapter.session.close()
        Channel.objects.filter(pk=channel.pk).update(last_error="", last_error_at=None)
        until = f", access token valid until {timezone.localtime(tokens.access_expires_at):%Y-%m-%d %H:%M}" if tokens.access_expires_at else ""
        self.message_user(request, f"{channel}: authorised with {adapter.label}{until}.", messages.SUCCESS)
        return HttpResponseRedirect(self._change_url(channel))


@admin.register(SaleEvent)
class SaleEventAdmin(admin.ModelAdmin):
    list_display = ["name", "first_day", "last_day", "syncs_per_day", "extra_buffer", "channel_list"]
    list_filter = ["first_day"]
    search_fields = ["name"]
    filter_horizontal = ["channels"]
    date_hierarchy = "first_day"

    @admin.display(description=_("channels"))
    def channel_list(self, obj: SaleEvent) -> str:
        names = [c.name for c in obj.channels.all()]
        return ", ".join(names) if names else str(_("every channel"))

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("channels")


class RunIssueInline(admin.TabularInline):
    model = RunIssue
    extra = 0
    can_delete = False
    fields = ["severity", "object_type", "object_ref", "code", "reason", "created_at"]
    readonly_fields = fields
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    list_display = ["id", "channel", "kind", "status", "trigger", "created_at", "finished_at", "requests_made", "progress"]
    list_filter = ["status", "kind", "channel", "trigger"]
    list_select_related = ["channel"]
    date_hierarchy = "created_at"
    inlines = [RunIssueInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    @admin.display(description=_("progress"))
    def progress(self, obj: SyncRun) -> str:
        return format_html("{}/{} ({}%)", obj.progress_done, obj.progress_total, obj.progress_percent)
