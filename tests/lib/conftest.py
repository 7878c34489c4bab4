from tests.dashboard.conftest import shop  # noqa: F401  (a fixture: a channel with n of everything the lists show)
from tests.lib.localserver import server  # noqa: F401  (a fixture)
