"""Settings for an experiment of `bench/load.py --conn-max-age N` only: the production settings with
persistent database connections on SQLite too (settings.py keeps them for PostgreSQL only).

Opening a SQLite connection costs ~3 ms of CPU on the 100,000-customer database (the schema is
parsed again for every connection, then four PRAGMAs); with CONN_MAX_AGE = 0 every request pays it.
"""

import os

from tsunagu.config.settings import *  # noqa: F403
from tsunagu.config.settings import DATABASES

DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ["LOAD_CONN_MAX_AGE"])
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
