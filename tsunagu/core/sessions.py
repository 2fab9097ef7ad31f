"""Staff sessions end after a period without requests (TSUNAGU_SESSION_IDLE_MINUTES, default 30).

The session's age is the idle limit (SESSION_COOKIE_AGE), and activity renews it. Django's
SESSION_SAVE_EVERY_REQUEST would renew it with a session write on every request, which costs a
database write per page and contends with the access log on SQLite; renewing at most once per
REFRESH_SECONDS keeps the limit within that margin for a fraction of the writes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

REFRESH_SECONDS = 60
KEY = "_tsunagu_active_at"


class IdleSessionMiddleware:
    """After SessionMiddleware: a signed-in request older than REFRESH_SECONDS since the last renewal
    marks the session modified, so SessionMiddleware saves it with a fresh expiry (server side and
    cookie). Requests with no signed-in user never create or renew a session."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            if now - int(request.session.get(KEY, 0)) >= REFRESH_SECONDS:
                request.session[KEY] = now
        return response


@receiver(user_logged_in, dispatch_uid="tsunagu.core.sessions.mark_login")
def _mark_login(sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    # login() saves the session with a fresh expiry; record that, so the next request need not.
    if request is not None and hasattr(request, "session"):
        request.session[KEY] = int(time.time())


def record_last_login(sender: Any, user: Any, **kwargs: Any) -> None:
    """Replaces Django's update_last_login (disconnected in CoreConfig.ready): its user.save() wrote
    a User history row on every login (last_login is excluded from the history, the row was not),
    which the 運用点検 report counted as a change of the user. A queryset update saves no history."""
    now = timezone.now()
    type(user)._default_manager.filter(pk=user.pk).update(last_login=now)
    user.last_login = now
