import pytest


@pytest.fixture
def sandbox_pushes():
    """The sandbox's services and its push outbox, switched to manual so a test decides when pushes go out."""
    services = pytest.importorskip("sandbox.services")
    from sandbox import notifications

    notifications.reset()
    notifications.outbox.manual = True
    yield services, notifications
    notifications.reset()
    notifications.outbox.manual = False
