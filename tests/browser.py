"""Headless Debian Chromium for the pages staff click, and logging an operator in through the login form."""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager

import pytest
from django.contrib.auth.models import Permission

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "pw-Omnisync-2026"


@contextmanager
def chromium_page():
    """A page in Chromium set up in English (the browser's locale; the pages follow the language switcher, not it)."""
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        pytest.skip("install Chromium: apt-get install chromium")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's loop runs in this thread; the ORM calls stay sync
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"])
        context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(20_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()


def operator_log_in(page, base_url: str, django_user_model, username: str = "op"):
    """Create an operator (may run jobs) and log in as them through the login form; returns the user."""
    user = django_user_model.objects.create_user(username, password=PASSWORD)
    user.user_permissions.add(Permission.objects.get(codename="run_jobs"))
    page.goto(base_url + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form:has(input[name=password]) button[type=submit]")
    page.wait_for_url(base_url + "/")
    return user
