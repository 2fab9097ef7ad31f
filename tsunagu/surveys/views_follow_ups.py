"""アンケートのフォローアップ: the worklist (the user's agency or department; overdue first and in red;
the period's follow-up rate and time to close) and one follow-up (the customer's answers, a link to
the customer page, the form that records the outcome)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from tsunagu.core import permissions
from tsunagu.core.http import AuthedRequest
from tsunagu.core.scoping import Reach, reach

from .choices import FollowUpStatus
from .services.follow_ups import (
    OUTCOME_MAX,
    FollowUpFilters,
    follow_up_close,
    follow_up_get,
    follow_up_page,
    follow_up_stats,
    overdue_label,
)
from .views_triggers import PeriodForm


class WorklistForm(PeriodForm):
    status = forms.ChoiceField(
        label="状態",
        required=False,
        choices=[("open", "未対応"), ("closed", "完了"), ("all", "すべて")],
        error_messages={"invalid_choice": "状態は一覧から選んでください。"},
    )
    scope = forms.ChoiceField(
        label="対象",
        required=False,
        choices=[("mine", "自部署の担当分"), ("all", "すべて")],
        error_messages={"invalid_choice": "対象は一覧から選んでください。"},
    )


class CloseForm(forms.Form):
    status = forms.ChoiceField(
        label="対応結果",
        choices=[(FollowUpStatus.DONE.value, "対応済"), (FollowUpStatus.NOT_REACHED.value, "連絡不通")],
        widget=forms.RadioSelect,
        error_messages={
            "required": "対応結果の区分を選択してください。",
            "invalid_choice": "対応結果の区分を「対応済」か「連絡不通」から選択してください。",
        },
    )
    outcome = forms.CharField(
        label="対応の内容",
        max_length=OUTCOME_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="お客さまとのやりとり、お詫びや説明の内容、連絡を試みた日時など。",
        error_messages={
            "required": "対応の内容を入力してください。",
            "max_length": f"対応の内容は{OUTCOME_MAX:,}文字以内で入力してください。",
        },
    )


@login_required
@require_GET
def worklist(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, permissions.SURVEYS_FOLLOW_UP)
    form = WorklistForm(request.GET or None)
    today = timezone.localdate()
    date_from, date_to = form.period(today)
    data: dict[str, Any] = form.cleaned_data if form.is_bound and form.is_valid() else {}
    filters = FollowUpFilters(
        status=data.get("status") or "open",
        scope=data.get("scope") or "mine",
        date_from=date_from,
        date_to=date_to,
    )
    page = follow_up_page(user=request.user, filters=filters, page=request.GET.get("page"))
    rows = [
        (f, (today - f.due_date).days if f.status == FollowUpStatus.OPEN and f.due_date < today else 0) for f in page
    ]
    context = {
        "form": form,
        "page_obj": page,
        "rows": rows,
        "stats": follow_up_stats(user=request.user, filters=filters, today=today),
        "date_from": date_from,
        "date_to": date_to,
        "head_office": reach(request.user) is Reach.ALL,
    }
    return render(request, "surveys/follow_ups/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    follow_up, answers = follow_up_get(user=request.user, pk=pk)  # 404 outside the user's scope, logged
    form = CloseForm(request.POST or None)
    if request.method == "POST" and follow_up.status == FollowUpStatus.OPEN and form.is_valid():
        try:
            follow_up_close(
                actor=request.user,
                follow_up=follow_up,
                status=form.cleaned_data["status"],
                outcome=form.cleaned_data["outcome"],
            )
        except ValidationError as error:
            form.add_error(None, error)  # per field: the service names the form's fields
        else:
            messages.success(request, "フォローアップの対応結果を記録しました。")
            return redirect("surveys:follow_ups")
    overdue = overdue_label(follow_up, timezone.localdate())
    context = {"follow_up": follow_up, "answers": answers, "form": form, "overdue": overdue}
    return render(request, "surveys/follow_ups/detail.html", context)
