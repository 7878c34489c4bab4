import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group


def ensure_groups() -> None:
    """The roles come from a data migration; a transactional test's flush removes them, so make them again."""
    if Group.objects.filter(name__in=["viewers", "operators", "administrators"]).count() != 3:
        importlib.import_module("omnisync.migrations.0003_groups").create_groups(apps, None)
        importlib.import_module("alerts.migrations.0002_groups").grant(apps, None)


@pytest.fixture
def make_user(django_user_model):
    def make(username="staff", role=None, password="pw-Omnisync-2026", **extra):
        user = django_user_model.objects.create_user(username=username, password=password, **extra)
        if role:
            ensure_groups()
            user.groups.add(Group.objects.get(name=role))
        return user

    return make


@pytest.fixture
def viewer(make_user):
    return make_user("viewer", "viewers")


@pytest.fixture
def operator(make_user):
    return make_user("operator", "operators")


@pytest.fixture
def administrator(make_user):
    return make_user("administrator", "administrators", is_staff=True)


@pytest.fixture
def english(client, settings):
    """This test's client reads the pages in English, as staff who picked it with the switcher (its cookie).

    The shop's language is Indonesian whatever the browser asks for (omnisync.lib.language), so a test
    that checks English words says so with this fixture; Accept-Language no longer picks the language.
    """
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def english_messages():
    """Messages made outside a request (services, validators) in English: the shop's default language is Indonesian."""
    from django.utils import translation

    with translation.override("en"):
        yield
