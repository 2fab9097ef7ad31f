"""The WSGI module does the per-process start-up work once, before the first request.

Measured with bench/load.py: importing the views and building the API schema lazily cost each
gunicorn worker seconds of CPU inside its first requests (and again after every --max-requests
restart). tsunagu/config/wsgi.py imports the URLconf at start-up, so `gunicorn --preload` does it
once in the master, and leaves no database connection open to be shared by forked workers.
"""

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

PROBE = """
import sys
import tsunagu.config.wsgi
from django.db import connections
views = ["tsunagu.desk.views", "tsunagu.search.views", "tsunagu.cases.views", "tsunagu.documents.views"]
print("views", all(name in sys.modules for name in views))
print("api", "tsunagu.cases.api" in sys.modules)
print("open", any(connections[alias].connection is not None for alias in connections))
"""


def test_wsgi_module_imports_every_view_and_closes_connections() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tsunagu.config.settings_dev"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.split("\n")[:3] == ["views True", "api True", "open False"], done.stdout + done.stderr
