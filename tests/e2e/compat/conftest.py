"""The official SDKs against a real uvicorn server on 127.0.0.1 (the same fixture as tests/e2e/api)."""

from tests.e2e.api.conftest import api  # noqa: F401  (the module-scoped server fixture)
