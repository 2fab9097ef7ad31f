"""Japanese error pages that Django does not render from a plain template (CSRF failure)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.template import loader


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """The form's security token was missing or stale (e.g. the page was open past the session)."""
    return HttpResponseForbidden(loader.render_to_string("403_csrf.html", {"reason": reason}, request))
