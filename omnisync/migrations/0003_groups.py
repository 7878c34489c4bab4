"""The three staff roles: viewers see, operators also run jobs, administrators also configure.

They name permissions of every app, so the migration belongs to the top app (omnisync), which may depend on all of
them; it was once channels_app 0003, which is kept as an empty step for databases that recorded it."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW_MODELS = [
    ("channels_app", "channel"), ("channels_app", "saleevent"), ("channels_app", "syncrun"), ("channels_app", "runissue"),
    ("channels_app", "location"), ("inventory", "sku"), ("inventory", "stocklevel"), ("inventory", "stockmovement"),
    ("inventory", "listing"), ("inventory", "warehouselink"), ("orders", "order"), ("orders", "orderline"),
    ("orders", "remoteorder"), ("orders", "statusoverride"),
]
CONFIG_MODELS = [
    ("channels_app", "channel"), ("channels_app", "saleevent"), ("channels_app", "location"), ("inventory", "sku"),
    ("inventory", "warehouselink"), ("orders", "statusoverride"),
]


def create_groups(apps, schema_editor):
    for label in ("auth", "contenttypes", "channels_app", "inventory", "orders"):
        create_permissions(global_apps.get_app_config(label), verbosity=0, apps=apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def perms(pairs, actions):
        found = []
        for app_label, model in pairs:
            for action in actions:
                found.append(Permission.objects.get(content_type__app_label=app_label, codename=f"{action}_{model}"))
        return found

    view = perms(VIEW_MODELS, ["view"])
    run = [Permission.objects.get(content_type__app_label="channels_app", codename="run_jobs")]
    configure = perms(CONFIG_MODELS, ["add", "change", "delete"])
    adjust = [Permission.objects.get(content_type__app_label="inventory", codename="add_stockmovement")]

    viewers, _ = Group.objects.get_or_create(name="viewers")
    viewers.permissions.set(view)
    operators, _ = Group.objects.get_or_create(name="operators")
    operators.permissions.set(view + run)
    administrators, _ = Group.objects.get_or_create(name="administrators")
    administrators.permissions.set(view + run + configure + adjust)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["viewers", "operators", "administrators"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("omnisync", "0002_stock_fixed"),
        ("channels_app", "0004_real_shop"),
        ("inventory", "0002_real_shop"),
        ("orders", "0004_real_shop"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
