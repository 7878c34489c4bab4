"""What an alert says, written when it is read: in the reader's language, times in the shop's time zone.

The alert keeps only numbers, names and times (`detail`), so one alert reads
in Indonesian on one screen and in English on another, and the e-mail and the
webhook (sent in the site's default language) say the same as the page.
"""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from alerts.models import AlertKind
from omnisync.lib.format import local_date, local_datetime


def _when(value: str | None) -> str:
    return local_datetime(parse_datetime(value) if value else None)


def _day(value: str | None) -> str:
    return local_date(parse_date(value) if value else None)


def alert_text(alert) -> str:
    d = alert.detail or {}
    channel = d.get("channel", "")
    count = int(d.get("count") or 0)
    kind = alert.kind
    if kind == AlertKind.AUTH_EXPIRING:
        return _("The authorisation of %(channel)s expires on %(when)s. Authorise the channel again in the admin before then.") % {
            "channel": channel, "when": _when(d.get("expires_at"))}
    if kind == AlertKind.AUTH_EXPIRED:
        return _("The authorisation of %(channel)s expired on %(when)s: orders cannot be read nor stock pushed. "
                 "Authorise the channel again in the admin.") % {"channel": channel, "when": _when(d.get("expires_at"))}
    if kind == AlertKind.DOWNLOAD_STALE:
        if d.get("last_success"):
            return _("No successful Download Orders for %(channel)s in %(hours)s hours (the last one finished %(when)s).") % {
                "channel": channel, "hours": d.get("hours"), "when": _when(d.get("last_success"))}
        return _("%(channel)s has had no successful Download Orders since it was set up (%(when)s).") % {
            "channel": channel, "when": _when(d.get("since"))}
    if kind == AlertKind.PUSH_REFUSED:
        return ngettext(
            "%(channel)s refused the last stock update of %(count)s listing.",
            "%(channel)s refused the last stock update of %(count)s listings.", count,
        ) % {"channel": channel, "count": count}
    if kind == AlertKind.PUSH_UNCONFIRMED:
        return ngettext(
            "%(channel)s accepted the last stock update of %(count)s listing but still shows another quantity.",
            "%(channel)s accepted the last stock update of %(count)s listings but still shows another quantity.", count,
        ) % {"channel": channel, "count": count}
    if kind == AlertKind.UNKNOWN_STATUSES:
        return ngettext(
            "%(count)s order on %(channel)s has a status omnisync does not know; map it so its stock counts.",
            "%(count)s orders on %(channel)s have a status omnisync does not know; map them so their stock counts.", count,
        ) % {"channel": channel, "count": count}
    if kind == AlertKind.UNMAPPED_LINES:
        return ngettext(
            "%(count)s order line on %(channel)s has no SKU; map its listing so its stock counts.",
            "%(count)s order lines on %(channel)s have no SKU; map their listings so their stock counts.", count,
        ) % {"channel": channel, "count": count}
    if kind == AlertKind.SALE_TOMORROW:
        return _("The sale event %(name)s starts tomorrow (%(first)s – %(last)s): %(syncs)s syncs a day, %(buffer)s extra buffer units.") % {
            "name": d.get("name", ""), "first": _day(d.get("first_day")), "last": _day(d.get("last_day")),
            "syncs": d.get("syncs_per_day"), "buffer": d.get("extra_buffer")}
    return alert.get_kind_display()


def alert_link(alert) -> str:
    """The page where staff act on the alert (a path; callers add the site's address)."""
    channel_id = alert.channel_id
    kind = alert.kind
    if kind in (AlertKind.AUTH_EXPIRING, AlertKind.AUTH_EXPIRED) and channel_id:
        return reverse("admin:channels_app_channel_change", args=[channel_id])
    if kind == AlertKind.DOWNLOAD_STALE and channel_id:
        return f"{reverse('runs')}?channel={channel_id}&kind=download_orders"
    if kind in (AlertKind.PUSH_REFUSED, AlertKind.PUSH_UNCONFIRMED) and channel_id:
        return f"{reverse('discrepancies')}?channel={channel_id}"
    if kind == AlertKind.UNKNOWN_STATUSES and channel_id:
        return f"{reverse('mismatches')}?kind=unknown_status&channel={channel_id}"
    if kind == AlertKind.UNMAPPED_LINES and channel_id:
        try:
            return f"{reverse('unmapped')}?channel={channel_id}"
        except NoReverseMatch:
            return f"{reverse('listings')}?channel={channel_id}"
    if kind == AlertKind.SALE_TOMORROW:
        return reverse("admin:channels_app_saleevent_changelist")
    return reverse("alerts")
