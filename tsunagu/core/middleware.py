from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .context import request_context


class ActorMiddleware:
    """Makes the client address and the screen available to services and the access log."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        address = request.META.get("REMOTE_ADDR", "")
        with request_context(client_address=address, screen=request.path[:100]):
            return self.get_response(request)
