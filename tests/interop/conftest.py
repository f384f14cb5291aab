"""The API fixtures (app, two municipalities with an account per role) for the interop corpus."""

from tests.api.conftest import api, app, services, world  # noqa: F401 - fixtures used by the tests here
