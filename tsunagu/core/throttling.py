"""Login and API-token throttling: django-axes for the login form, a cache counter for API tokens.

Axes applies one failure limit to every lockout parameter. We count per username *and* per client
address, but an address is often a whole office behind one NAT, so it gets its own, higher limit
(`TSUNAGU_LOGIN_FAILURES_PER_ADDRESS`) while a username keeps `AXES_FAILURE_LIMIT`.
"""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.core.cache import cache
from django.db.models import Sum
from django.http import HttpRequest


class AxesRequestBackend(AxesStandaloneBackend):
    """The axes backend, except for authentication without a request.

    Every login over the network passes its request (the login view, the admin login). A call
    without one (a shell, the test client's `login()`) cannot be brute-forced from outside, and the
    plain axes backend would raise instead of letting the next backend decide.
    """

    def authenticate(  # type: ignore[override]
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


class PerUserAndAddressHandler(AxesDatabaseHandler):
    """Axes' database handler with a separate limit for the client address.

    Axes compares `get_failures()` with `AXES_FAILURE_LIMIT`; the address's count is reported as
    "at the limit" once it reaches its own limit, so either count locks the login out.
    Relies on `AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address"]]` (in that order).
    """

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        by_user, by_address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        if by_address >= settings.TSUNAGU_LOGIN_FAILURES_PER_ADDRESS:
            return max(by_user, int(settings.AXES_FAILURE_LIMIT))
        return int(by_user)

    def reset_user_attempts(self, request: HttpRequest, credentials: dict | None = None) -> int:
        """On a successful login (AXES_RESET_ON_SUCCESS) clear that username's failures only.

        Axes would delete every attempt matching the username *or the address*, so anyone with an
        account could clear the count against a colleague's username by signing in themselves from
        the same address between guesses."""
        by_user = self.filter_user_attempts(request, credentials)[0]  # AXES_LOCKOUT_PARAMETERS[0]: username
        count, _ = by_user.delete()
        return int(count)


# --- API tokens ---------------------------------------------------------------------------------
# Counted in Django's cache per client address. With the default per-process cache each web process
# counts on its own (the limit is per process); a shared cache (CACHES, e.g. database or Redis)
# makes it one count for all processes, see docs/deployment.md.


def _token_key(address: str) -> str:
    return f"tsunagu:api-token-failures:{address}"


def client_address(request: HttpRequest) -> str:
    """The client's address (AXES_CLIENT_IP_CALLABLE, so both throttles count the same address).

    Behind TSUNAGU_PROXY_COUNT trusted reverse proxies, the client is the address the outermost
    of them appended to X-Forwarded-For, i.e. the proxy_count-th entry from the right; entries
    further left were sent by the client and can be anything. Without proxies the header is ignored
    (anyone could send it) and REMOTE_ADDR is the client."""
    remote = str(request.META.get("REMOTE_ADDR", ""))
    proxies = int(getattr(settings, "TSUNAGU_PROXY_COUNT", 0))
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
    forwarded = [part for part in forwarded if part]
    return forwarded[-proxies] if len(forwarded) >= proxies else remote


def api_token_blocked(request: HttpRequest) -> bool:
    return int(cache.get(_token_key(client_address(request)), 0)) >= settings.TSUNAGU_API_TOKEN_FAILURES_PER_ADDRESS


def api_token_failed(request: HttpRequest) -> None:
    key, timeout = _token_key(client_address(request)), settings.TSUNAGU_API_TOKEN_LOCKOUT_MINUTES * 60
    # add() then incr(): the window starts at the first failure and is not extended by later ones.
    if not cache.add(key, 1, timeout):
        try:
            cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, timeout)


def api_token_reset(request: HttpRequest) -> None:
    cache.delete(_token_key(client_address(request)))


def lockout_minutes() -> int:
    return int(settings.TSUNAGU_API_TOKEN_LOCKOUT_MINUTES)
