"""The alert e-mail: one message per evaluation that raised something, to OMNISYNC_ALERT_EMAILS."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from alerts.models import Alert
from alerts.texts import alert_link


def alerts_email(alert_ids: list[int]) -> int:
    """Mail the alerts not mailed yet (the task may be delivered twice); returns how many were in the message.

    Written in the site's default language, since the recipients' own is unknown.
    """
    if not settings.ALERT_EMAILS:
        return 0
    now = timezone.now()
    claimed = list(Alert.objects.filter(pk__in=alert_ids, emailed_at__isnull=True).values_list("pk", flat=True))
    mine = [pk for pk in claimed if Alert.objects.filter(pk=pk, emailed_at__isnull=True).update(emailed_at=now)]
    if not mine:
        return 0
    alerts = list(Alert.objects.filter(pk__in=mine).select_related("channel").order_by("pk"))
    with translation.override(settings.LANGUAGE_CODE):
        rows = [{"alert": a, "text": a.text, "url": settings.SITE_URL + alert_link(a)} for a in alerts]
        if len(rows) == 1:
            subject = _("omnisync alert: %(text)s") % {"text": rows[0]["text"]}
        else:
            subject = ngettext("omnisync: %(count)s new alert", "omnisync: %(count)s new alerts", len(rows)) % {"count": len(rows)}
        body = render_to_string("alerts/alert_email.txt", {"rows": rows, "site_url": settings.SITE_URL})
    send_mail(subject[:200], body, settings.DEFAULT_FROM_EMAIL, settings.ALERT_EMAILS)
    return len(rows)
