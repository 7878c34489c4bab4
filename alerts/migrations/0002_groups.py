"""The roles see alerts; operators and administrators acknowledge them; administrators configure webhook endpoints."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "viewers": [("view", "alert")],
    "operators": [("view", "alert"), ("acknowledge", "alert")],
    "administrators": [
        ("view", "alert"), ("acknowledge", "alert"), ("view", "webhookdelivery"),
        ("view", "webhookendpoint"), ("add", "webhookendpoint"), ("change", "webhookendpoint"), ("delete", "webhookendpoint"),
    ],
}


def grant(apps, schema_editor):
    create_permissions(global_apps.get_app_config("alerts"), verbosity=0, apps=apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in ROLES.items():
        group = Group.objects.filter(name=name).first()
        if group is None:
            continue
        group.permissions.add(*[
            Permission.objects.get(content_type__app_label="alerts", codename=f"{action}_{model}") for action, model in perms
        ])


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=ROLES):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="alerts"))


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0001_initial"),
        ("omnisync", "0003_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
