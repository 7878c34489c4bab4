from django.apps import AppConfig


class SandboxConfig(AppConfig):
    """Simulated marketplace seller APIs; an island that imports nothing from the project's apps."""

    name = "sandbox"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Sandbox marketplaces"
