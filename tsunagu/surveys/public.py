"""The customer's web page: `/surveys/r/<token>/`, no login, the single-use token is the key.

Only the token's sha256 is stored (`Invitation.token_hash`); a wrong token gets a 404 that says
nothing about whether anything exists, and an address that keeps trying wrong tokens is refused
for a while (429), so tokens cannot be guessed. An answered link shows 「回答済みです」, an expired
one 「回答期限が過ぎています」 (410). The page shows the survey's questions and nothing about the
customer (no name, no number, no policy): whoever holds the link learns nothing from it. It is a
plain POST form (works without JavaScript), mobile-first with large text.
"""

from __future__ import annotations

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from tsunagu.core.throttling import client_address

from . import config
from .choices import Channel, InvitationStatus
from .forms import AnswerForm
from .models import Invitation
from .selectors import invitation_for_token
from .services.responses import ResponseInput, responses_record, survey_opt_out_from_link

BAD_TOKEN_WINDOW_S = 15 * 60  # wrong tokens (config.bad_tokens()) within this window are refused
ANSWERED_KEY = "tsunagu.survey_answered"


def _failures_key(request: HttpRequest) -> str:
    return f"tsunagu:survey-token-failures:{client_address(request)}"


def _blocked(request: HttpRequest) -> bool:
    limit = config.bad_tokens()
    return int(cache.get(_failures_key(request), 0)) >= limit


def _failed(request: HttpRequest) -> None:
    key = _failures_key(request)
    if not cache.add(key, 1, BAD_TOKEN_WINDOW_S):
        try:
            cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, BAD_TOKEN_WINDOW_S)


def _notice(request: HttpRequest, title: str, message: str, status: int) -> HttpResponse:
    return render(request, "surveys/public/notice.html", {"title": title, "message": message}, status=status)


def _closed(request: HttpRequest, invitation: Invitation) -> HttpResponse | None:
    """The page for a link that can no longer be answered, or None when it can."""
    if invitation.status == InvitationStatus.ANSWERED or invitation.answered_at is not None:
        return _notice(
            request,
            "回答済みです",
            "このアンケートにはすでにご回答いただいています。ご協力ありがとうございました。",
            200,
        )
    expired = invitation.expires_on is not None and invitation.expires_on < timezone.localdate()
    if expired or invitation.status == InvitationStatus.EXPIRED:
        return _notice(
            request,
            "回答期限が過ぎています",
            "このアンケートの回答期限が過ぎたため、ご回答いただけません。ご協力に感謝いたします。",
            410,
        )
    if (
        invitation.status not in (InvitationStatus.SCHEDULED, InvitationStatus.SENT)
        or not invitation.version.survey.is_active
    ):
        return _notice(request, "このアンケートは終了しました", "このアンケートは現在ご回答いただけません。", 410)
    return None


def _invitation_or_notice(request: HttpRequest, token: str) -> Invitation | HttpResponse:
    """The invitation the link names, or the page for a refused address / a wrong link."""
    if _blocked(request):
        return _notice(
            request,
            "しばらくしてからお試しください",
            "誤ったURLでのアクセスが続いたため、一時的にご利用いただけません。時間をおいてメールのURLを開き直してください。",
            429,
        )
    invitation = invitation_for_token(token)
    if invitation is None:
        _failed(request)
        return _notice(
            request,
            "URLが正しくありません",
            "このURLではアンケートを表示できません。メールやはがきに記載のURLをそのままお使いください。",
            404,
        )
    return invitation


@never_cache
def answer(request: HttpRequest, token: str) -> HttpResponse:
    invitation = _invitation_or_notice(request, token)
    if isinstance(invitation, HttpResponse):
        return invitation
    if (closed := _closed(request, invitation)) is not None:
        return closed
    version = invitation.version
    questions = list(version.questions.all())
    form = AnswerForm(request.POST if request.method == "POST" else None, questions=questions)
    if request.method == "POST" and form.is_valid():
        row = ResponseInput(
            customer=invitation.customer,
            answers=form.answers(),
            answered_on=timezone.localdate(),
            policy=invitation.policy,
            claim=invitation.claim,
            case=invitation.case,
            invitation=invitation,
        )
        try:
            responses_record(actor=None, version=version, channel=Channel.WEB, rows=[row])
        except ValidationError as error:
            form.add_service_error(error)
        else:
            request.session[ANSWERED_KEY] = True  # the thank-you page is shown once, after an answer
            return redirect("surveys:thanks")
    context = {"version": version, "survey": version.survey, "form": form, "token": token}
    return render(request, "surveys/public/answer.html", context)


@never_cache
def opt_out(request: HttpRequest, token: str) -> HttpResponse:
    """「今後アンケートを受け取らない」: a confirmation page (GET), then the opt-out (POST). Any link
    sent to the customer works, answered or expired too: the link proves who was asked. A plain
    form: no JavaScript needed."""
    invitation = _invitation_or_notice(request, token)
    if isinstance(invitation, HttpResponse):
        return invitation
    if request.method == "POST":
        survey_opt_out_from_link(invitation=invitation)
        return _notice(
            request,
            "今後アンケートをお送りしません",
            "承りました。今後、当社からアンケートのご案内はお送りしません。"
            "お手続きやお問い合わせのご連絡は、これまでどおりお送りします。",
            200,
        )
    return render(request, "surveys/public/opt_out.html", {"token": token})


@never_cache
def thanks(request: HttpRequest) -> HttpResponse:
    if not request.session.pop(ANSWERED_KEY, False):
        return _notice(
            request, "ページが見つかりません", "メールやはがきに記載のURLからアンケートを開いてください。", 404
        )
    return render(request, "surveys/public/thanks.html")
