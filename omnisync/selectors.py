"""Reads for the top-level pages."""

from channels_app.models import Channel


def dashboard_channels():
    return list(Channel.objects.select_related("location").order_by("name"))
