"""Formerly the staff roles; they moved to omnisync/migrations/0003_groups.py (the top app may name every app's
permissions, channels_app may not depend on the apps above it). Kept, empty, for databases that recorded it."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("channels_app", "0002_initial")]

    operations = []
