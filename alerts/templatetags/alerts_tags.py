"""The alerts banner, rendered in place (swapped out of band after an acknowledgement)."""

from django import template

from alerts.selectors import alerts_unacknowledged_count

register = template.Library()


@register.inclusion_tag("alerts/includes/banner.html", takes_context=True)
def alerts_banner(context, oob=False):
    request = context.get("request")
    user = getattr(request, "user", None)
    count = alerts_unacknowledged_count() if user is not None and user.is_authenticated else 0
    return {"count": count, "oob": oob}
