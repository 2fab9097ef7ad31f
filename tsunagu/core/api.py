"""API building blocks shared by every app's router: token auth, throttling and error mapping.

Every error body is Japanese JSON `{"detail": "..."}` (plus `errors` for input errors), including
the ones django-ninja produces itself (401, 405, 422, 429) and unhandled exceptions (500, logged).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.urls import URLPattern, URLResolver
from django.utils import timezone
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as SchemaValidationError
from ninja.renderers import JSONRenderer
from ninja.security import HttpBearer, SessionAuth

from . import throttling
from .models import ApiToken
from .services import hash_api_key

logger = logging.getLogger("tsunagu.api")

UNAUTHORIZED = "認証が必要です。有効な API トークン(Authorization: Bearer)を指定するか、ログインしてください。"
TOO_MANY_TOKEN_FAILURES = (
    "無効な API トークンによる認証の失敗が続いたため、この接続元からの API 利用を一時的に停止しています。"
    "時間をおいてから、正しいトークンでお試しください。"
)
STATUS_MESSAGES = {
    400: "リクエストの内容に誤りがあります。",
    401: UNAUTHORIZED,
    403: "この操作を行う権限がありません。",
    404: "見つかりません。",
    405: "この URL では、このメソッドは使えません。",
    429: "リクエストが多すぎます。時間をおいてからお試しください。",
}
SERVER_ERROR = "システムエラーが発生しました。エラーは記録されました。時間をおいてからお試しください。"


class TooManyTokenFailures(HttpError):
    def __init__(self) -> None:
        super().__init__(429, TOO_MANY_TOKEN_FAILURES)


class LoginSessionAuth(SessionAuth):
    """The screens' login session. Without a session cookie there is nobody to check CSRF for: the
    caller is anonymous and gets 401 (ninja's SessionAuth would answer 403 "CSRF check failed")."""

    def _get_key(self, request: HttpRequest) -> str | None:
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <key>`; revoked tokens and inactive users are refused.

    Failed tokens are counted per client address (tsunagu.core.throttling); past the limit every
    Bearer request from that address is refused with 429 before any token is looked up, so keys
    cannot be guessed at request speed."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        if throttling.api_token_blocked(request):
            raise TooManyTokenFailures()
        found = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=hash_api_key(token), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if found is None:
            throttling.api_token_failed(request)
            return None
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
        request.user = found.user
        return found.user


def _messages(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {field: [str(m) for e in errors for m in e.messages] for field, errors in error.error_dict.items()}
    return {"__all__": [str(m) for m in error.messages]}


# pydantic error types → Japanese. Types not listed get a general message; the field location and
# the type code are always included, so a client can still tell exactly what was wrong.
SCHEMA_MESSAGES = {
    "missing": "必須項目です。",
    "extra_forbidden": "この項目は指定できません。",
    "int_parsing": "整数を指定してください。",
    "int_type": "整数を指定してください。",
    "int_from_float": "整数を指定してください。",
    "float_parsing": "数値を指定してください。",
    "float_type": "数値を指定してください。",
    "decimal_parsing": "数値を指定してください。",
    "bool_parsing": "true か false を指定してください。",
    "bool_type": "true か false を指定してください。",
    "string_type": "文字列を指定してください。",
    "string_too_short": "短すぎます。",
    "string_too_long": "長すぎます。",
    "string_pattern_mismatch": "形式が正しくありません。",
    "date_parsing": "日付を YYYY-MM-DD 形式で指定してください。",
    "date_from_datetime_parsing": "日付を YYYY-MM-DD 形式で指定してください。",
    "date_type": "日付を YYYY-MM-DD 形式で指定してください。",
    "datetime_parsing": "日時を ISO 8601 形式で指定してください。",
    "datetime_from_date_parsing": "日時を ISO 8601 形式で指定してください。",
    "datetime_type": "日時を ISO 8601 形式で指定してください。",
    "enum": "選択肢にない値です。",
    "literal_error": "選択肢にない値です。",
    "list_type": "配列を指定してください。",
    "dict_type": "オブジェクトを指定してください。",
    "model_type": "オブジェクトを指定してください。",
    "model_attributes_type": "オブジェクトを指定してください。",
    "greater_than": "値が小さすぎます。",
    "greater_than_equal": "値が小さすぎます。",
    "less_than": "値が大きすぎます。",
    "less_than_equal": "値が大きすぎます。",
    "too_short": "要素が少なすぎます。",
    "too_long": "要素が多すぎます。",
    "json_invalid": "JSON として読み取れません。",
    "uuid_parsing": "UUID の形式が正しくありません。",
}


def schema_error_message(error: dict[str, Any]) -> str:
    kind = str(error.get("type", ""))
    if kind == "value_error":
        # Our own validators (e.g. tsunagu.core.input) raise Japanese ValueErrors: keep their text.
        cause = (error.get("ctx") or {}).get("error")
        if cause is not None:
            return str(cause)
    if kind in SCHEMA_MESSAGES:
        return SCHEMA_MESSAGES[kind]
    return "値が正しくありません。"


def schema_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"loc": list(error.get("loc", ())), "msg": schema_error_message(error), "type": error.get("type")}
        for error in errors
    ]


def _japanese_405(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """django-ninja answers a method it has no operation for with a plain-text English 405 from
    inside its path view (no exception to handle), so the view is wrapped instead."""

    @functools.wraps(view)  # keeps csrf_exempt and the other attributes ninja sets
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and response.get("Content-Type", "").startswith("text/"):
            japanese = JsonResponse(
                {"detail": STATUS_MESSAGES[405]}, status=405, json_dumps_params={"ensure_ascii": False}
            )
            japanese["Allow"] = response.get("Allow", "")
            return japanese
        return response

    return wrapped


class JapaneseJSONRenderer(JSONRenderer):
    """UTF-8 JSON as is: Japanese messages stay readable in logs and curl, not \\uXXXX escapes."""

    json_dumps_params = {"ensure_ascii": False}


class TsunaguNinjaAPI(NinjaAPI):
    def _get_urls(self) -> list[URLResolver | URLPattern]:
        urls = super()._get_urls()
        for pattern in urls:
            if isinstance(pattern, URLPattern):
                pattern.callback = _japanese_405(pattern.callback)
        return urls


def build_api() -> NinjaAPI:
    api = TsunaguNinjaAPI(
        title="つなぐ API",
        version="1",
        description="顧客管理・顧客対応 API。認証は Bearer トークンまたはログインセッション。",
        auth=[TokenAuth(), LoginSessionAuth()],
        urls_namespace="api",
        renderer=JapaneseJSONRenderer(),
        # The interactive docs and the schema are for signed-in staff only; the page loads Swagger UI
        # from the static files of the installed django-ninja ("ninja" in INSTALLED_APPS), never a CDN.
        docs_decorator=login_required,
    )

    def reply(request: HttpRequest, status: int, detail: str, **extra: Any) -> HttpResponse:
        return api.create_response(request, {"detail": detail, **extra}, status=status)

    @api.exception_handler(ValidationError)
    def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return reply(request, 400, "入力内容に誤りがあります。", errors=_messages(exc))

    @api.exception_handler(SchemaValidationError)
    def on_schema_error(request: HttpRequest, exc: SchemaValidationError) -> HttpResponse:
        return reply(request, 422, "入力内容に誤りがあります。", errors=schema_errors(list(exc.errors)))

    @api.exception_handler(BadRequest)
    def on_bad_request(request: HttpRequest, exc: BadRequest) -> HttpResponse:
        return reply(request, 400, str(getattr(exc, "message", "") or exc) or STATUS_MESSAGES[400])

    @api.exception_handler(PermissionDenied)
    def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return reply(request, 403, str(exc) or STATUS_MESSAGES[403])

    @api.exception_handler(Http404)
    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return reply(request, 404, STATUS_MESSAGES[404])

    @api.exception_handler(AuthenticationError)
    def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return reply(request, 401, UNAUTHORIZED)

    @api.exception_handler(Throttled)
    def on_throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        response = reply(request, 429, STATUS_MESSAGES[429])
        if exc.wait:
            response["Retry-After"] = str(int(exc.wait))
        return response

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        # Our own HttpErrors carry Japanese text; ninja's carry English defaults ("Forbidden", ...).
        own = isinstance(exc, TooManyTokenFailures) or not str(exc).isascii()
        message = str(exc) if own else STATUS_MESSAGES.get(exc.status_code, STATUS_MESSAGES[400])
        response = reply(request, exc.status_code, message)
        if isinstance(exc, TooManyTokenFailures):
            response["Retry-After"] = str(60 * throttling.lockout_minutes())
        return response

    @api.exception_handler(Exception)
    def on_unhandled(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("Unhandled API error: %s %s", request.method, request.path, exc_info=exc)
        return reply(request, 500, SERVER_ERROR)

    return api
