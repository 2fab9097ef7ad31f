import pytest

from tests.cases.conftest import departments, holder  # noqa: F401 (case fixtures used by the cancellation tests)
from tests.core.helpers import FAST_HASHERS


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The personas' passwords are hashed with PBKDF2 otherwise (a third of a second each)."""
    settings.PASSWORD_HASHERS = FAST_HASHERS
