from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    """The alert centre: what the tick finds wrong, told to staff by banner, e-mail and webhook.

    It sits above orders and below the top of omnisync: it reads the health
    fields the lower apps keep up to date and imports nothing from the top.
    """

    name = "alerts"
    verbose_name = _("Alerts")
    default_auto_field = "django.db.models.BigAutoField"
