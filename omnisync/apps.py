from django.apps import AppConfig


class OmnisyncConfig(AppConfig):
    name = "omnisync"
    verbose_name = "omnisync"
