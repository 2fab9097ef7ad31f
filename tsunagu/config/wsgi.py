import os

from django.core.wsgi import get_wsgi_application
from django.db import connections
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsunagu.config.settings")
application = get_wsgi_application()

# Import every view and build the API schema now, not in the first request each worker serves:
# that lazy import cost seconds of CPU per worker (bench/load.py, docs/benchmarks.md "Load"), and
# with `gunicorn --preload` it is done once in the master and shared by every forked worker.
get_resolver().url_patterns  # noqa: B018 (the property imports the URLconf and every view module)
# Nothing above should have queried, but a connection opened in a --preload master would be shared
# by the forked workers: close any.
connections.close_all()
