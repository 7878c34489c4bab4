from tests.lib.localserver import server  # noqa: F401  (a fixture)
