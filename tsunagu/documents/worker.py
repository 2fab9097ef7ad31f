"""Start-up of batch worker processes that read the database (no Django at import time: a spawned
worker imports this module before Django is set up)."""

from __future__ import annotations

import os
from typing import Any


def django_worker(settings_module: str | None, database: dict[str, Any]) -> None:
    """Process-pool initializer: Django set up on the parent's database (whose name may be a test
    database's, which the settings alone would not give)."""
    if settings_module:  # otherwise the inherited environment names it
        os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    import django

    django.setup()
    from django.db import connections

    connections["default"].settings_dict.update(database)
