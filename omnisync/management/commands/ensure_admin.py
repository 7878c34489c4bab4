"""Create the `admin` user once; keep it (and its password) on later runs."""

import os
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the admin user if missing (password from OMNISYNC_ADMIN_PASSWORD or generated and printed once)."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")

    def handle(self, *args, username, **options):
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is not None:
            self.stdout.write(f"User {username!r} exists; its password is unchanged.")
            return
        password = os.environ.get("OMNISYNC_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        user = User.objects.create_superuser(username=username, email="", password=password)
        user.groups.add(*Group.objects.filter(name="administrators"))
        if os.environ.get("OMNISYNC_ADMIN_PASSWORD"):
            self.stdout.write(f"Created user {username!r} with the password from OMNISYNC_ADMIN_PASSWORD.")
        else:
            self.stdout.write(self.style.WARNING(f"Created user {username!r} with password: {password}  (shown once; write it down)"))
