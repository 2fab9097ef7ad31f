"""Settings for development tools (pytest, mypy): the production settings with the local defaults.

`settings.py` refuses to start without DEBUG or a secret key, which is right for a server but would
make every tool need two variables. This module supplies them *through the environment* (not by
overriding settings), so `manage.py` subprocesses started by tests inherit the same configuration.
pytest-django imports settings before any conftest runs, hence a settings module and not a conftest.
"""

import os

os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("DJANGO_SECRET_KEY", "tsunagu-development-only-not-secret")

from .settings import *  # noqa: F403
