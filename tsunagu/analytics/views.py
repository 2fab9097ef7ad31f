from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from tsunagu.core import permissions
from tsunagu.core.http import AuthedRequest

from . import selectors, services
from .charts import gains_chart
from .choices import ModelKind
from .modeling.artifact import model_from_json
from .modeling.errors import ModelingError

TOP_LIST = 30
TOP_SCREEN = "分析: 上位スコア"


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    """Model versions of every kind and the highest churn / next-product scores with reasons."""
    versions = list(selectors.model_versions(user=request.user))
    lists = [
        {
            "kind": kind,
            "scores": selectors.top_scores(
                user=request.user, kind=kind.value, limit=TOP_LIST, screen="分析: 上位スコア"
            ),
        }
        for kind in (ModelKind.CHURN, ModelKind.NEXT_PRODUCT, ModelKind.CONVERSION)
    ]
    labels = dict(ModelKind.choices)
    training = [str(labels.get(kind, kind)) for kind in sorted(services.trainings_in_progress())]
    return render(
        request, "analytics/home.html", {"versions": versions, "lists": lists, "top": TOP_LIST, "training": training}
    )


@login_required
def model_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    version = selectors.model_version_get(user=request.user, pk=pk)
    lightgbm = version.metrics.get("lightgbm") or {}
    try:
        importance = model_from_json(version.artifact).importance()[:15]
    except ModelingError:
        importance = []
    return render(
        request,
        "analytics/model.html",
        {
            "version": version,
            "lightgbm": lightgbm,
            "baseline": version.metrics.get("baseline") or {},
            "baseline_margin": ((version.metrics.get("baseline") or {}).get("auc") or 0) - (lightgbm.get("auc") or 0),
            "chart": gains_chart(lightgbm.get("gains") or []),
            "importance": importance,
            "drift": version.drift[:15],
        },
    )


@login_required
@require_POST
def model_activate(request: AuthedRequest, pk: int) -> HttpResponse:
    version = selectors.model_version_get(user=request.user, pk=pk)
    if version.is_active:  # e.g. a second click, or a page opened before another analyst's activation
        messages.info(request, f"{version} はすでに使用中です(変更はありません)。")
    else:
        services.model_activate(actor=request.user, version=version)
        messages.success(request, f"{version} を使用中にしました。")
    return redirect("analytics:model", pk=version.pk)


@login_required
@require_POST
def train_start(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, permissions.ANALYTICS_MODELS)
    kind = request.POST.get("kind", "")
    try:
        services.model_train_queue(actor=request.user, kind=kind, as_of=timezone.localdate())
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        label = dict(ModelKind.choices).get(kind, kind)
        messages.success(request, f"{label}の学習をバックグラウンドで開始しました。終わると一覧に表示されます。")
    return redirect("analytics:home")


@login_required
@require_POST
def score_start(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, permissions.ANALYTICS_MODELS)
    try:
        services.scores_refresh_queue(actor=request.user, as_of=timezone.localdate())
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "採点をバックグラウンドで開始しました。終わると一覧が新しいスコアになります。")
    return redirect("analytics:home")
