import json
from collections.abc import Callable
from urllib.parse import parse_qsl

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils.html import escape

from . import access_log_sensitive
from .context import request_context
from .input import BadInput, find_bad_text
from .throttling import client_address

UNDECODABLE = (
    "送信された内容を UTF-8 の文字として読み取れませんでした(文字コードが違う可能性があります)。"
    "UTF-8 で送信し直してください。"
)
API_PREFIX = "/api/"


class ActorMiddleware:
    """Makes the client address and the screen available to services and the access log.

    It also refuses, before any view runs, requests whose text cannot be read faithfully: Django
    decodes undecodable bytes as U+FFFD, which would then be stored (in append-only tables too) as
    if the user had typed it; and JSON may carry NUL or lone surrogates that no database stores.
    One check here covers every form, API operation and query string, present and future."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # The same address the login throttle counts (TSUNAGU_PROXY_COUNT trusted proxies).
        address = client_address(request)
        # Sensitive fields shown while answering are logged once, when the response is ready
        # (core.access_log_sensitive); a failure to log turns the response into an error.
        with request_context(client_address=address, screen=request.path[:100]), access_log_sensitive.batched():
            try:
                check_request_input(request)
            except BadInput as error:
                return bad_input_response(request, error.message)
            response = self.get_response(request)
        return method_not_allowed_page(request, response)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """Views raise BadInput (e.g. from `query_int`); answer it with the specific message."""
        if isinstance(exception, BadInput):
            return bad_input_response(request, exception.message)
        return None


def _strict_form_decode(raw: bytes, encoding: str) -> None:
    try:
        text = raw.decode(encoding)
        parse_qsl(text, keep_blank_values=True, encoding=encoding, errors="strict")
    except (UnicodeDecodeError, LookupError, ValueError) as error:
        raise BadInput(UNDECODABLE) from error


def check_request_input(request: HttpRequest) -> None:
    """Raise BadInput for an undecodable query string or body, or JSON text no database can store."""
    encoding = request.encoding or settings.DEFAULT_CHARSET
    query = request.META.get("QUERY_STRING", "")
    if query:
        try:
            # WSGI passes the raw bytes as latin-1 text; undo that to see what the client sent.
            raw_query = query.encode("latin-1")
        except UnicodeEncodeError:
            raw_query = query.encode("utf-8", "surrogateescape")
        _strict_form_decode(raw_query, encoding)
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    content_type = request.content_type or ""
    if content_type == "application/x-www-form-urlencoded":
        _strict_form_decode(request.body, encoding)
    elif content_type == "multipart/form-data":
        # The multipart parser decodes every field with errors="replace" and keeps no raw bytes,
        # so U+FFFD in a parsed field is the only trace of undecodable input.
        for values in request.POST.lists():
            if any("\ufffd" in value for value in values[1]):
                raise BadInput(UNDECODABLE)
    elif content_type == "application/json" and request.body:
        try:
            data = json.loads(request.body.decode("utf-8"))
        except UnicodeDecodeError as error:
            raise BadInput(UNDECODABLE) from error
        except ValueError:
            return  # malformed JSON: the API answers it with its own 400/422
        except RecursionError as error:
            raise BadInput("JSON の入れ子が深すぎます。") from error
        found = find_bad_text(data)
        if found:
            path, problem = found
            raise BadInput(f"{path}: {problem}")


def method_not_allowed_page(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """A screen URL opened with the wrong method (a GET to a POST-only action, from a bookmark or a
    typed address): Django's 405 has an empty body (the browser's own error page); this is the
    Japanese error page, with the same status and Allow header. The API keeps its own answers."""
    if response.status_code != 405 or request.path.startswith(API_PREFIX) or response.content:
        return response
    page = HttpResponse(render_to_string("405.html", request=request), status=405)
    if response.has_header("Allow"):
        page["Allow"] = response["Allow"]
    return page


def bad_input_response(request: HttpRequest, message: str) -> HttpResponse:
    """Japanese 400: JSON for the API, the error page (with the reason) for screens."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": message}, status=400, json_dumps_params={"ensure_ascii": False})
    body: str
    try:
        body = render_to_string("400.html", {"message": message}, request=request)
    except TemplateDoesNotExist:
        body = (
            '<!doctype html><html lang="ja"><meta charset="utf-8"><title>入力内容を確認してください</title>'
            f"<h1>入力内容を確認してください</h1><p>{escape(message)}</p></html>"
        )
    return HttpResponseBadRequest(body)
