"""Screens of the target lists: the segment builder (analysts), the lists and their results with
uplift, the shared worklist (agency staff see their own customers), an entry's result, the CSV/XLSX
export and the results import."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tsunagu.analytics.downloads import CONTENT_TYPES, table_response
from tsunagu.core import permissions
from tsunagu.core.http import AuthedRequest
from tsunagu.core.input import add_service_errors

from . import segments, target_selectors, target_services
from .choices import EntryResult
from .forms import ResultForm, ResultsImportForm, SegmentForm

PAGE_SIZE = 50


@login_required
def list_index(request: AuthedRequest) -> HttpResponse:
    lists = target_selectors.target_lists_with_counts(user=request.user)[:100]
    return render(
        request,
        "analytics/targets/index.html",
        {"lists": lists, "builder": permissions.has(request.user, permissions.ANALYTICS_MODELS)},
    )


@login_required
def list_create(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, permissions.ANALYTICS_MODELS)
    form = SegmentForm(request.POST or None)
    preview: int | None = None
    if request.method == "POST" and form.is_valid():
        segment = form.segment()
        if "preview" in request.POST:
            preview = segments.segment_count(user=request.user, segment=segment)
        else:
            data = form.cleaned_data
            try:
                target = target_services.target_list_create(
                    actor=request.user,
                    name=data["name"],
                    basis=data["basis"],
                    segment=segment,
                    control_percent=data["control_percent"],
                    talking_points=data.get("talking_points") or "",
                    seed=data.get("seed"),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    f"ターゲットリスト「{target.name}」を作成しました"
                    f"(ワークリスト {target.treatment_count:,}人、対照群 {target.control_count:,}人)。",
                )
                return redirect("analytics:target_list", pk=target.pk)
    return render(request, "analytics/targets/create.html", {"form": form, "preview": preview})


@login_required
def list_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    target = target_selectors.target_list_get(user=request.user, pk=pk)
    # Branch and agency staff see their part of the list (as on the index), the whole list beside it.
    shown = target_selectors.target_lists_with_counts(user=request.user).filter(pk=target.pk).first()
    mine = {name: getattr(shown, name, 0) for name in ("shown_treatment", "shown_control")}
    reports = [
        {"label": label, "rows": target_selectors.uplift_report(user=request.user, target=target, by=by)}
        for by, (label, _key) in target_selectors.BREAKDOWNS.items()
    ]
    return render(
        request,
        "analytics/targets/detail.html",
        {
            "target": target,
            "builder": permissions.has(request.user, permissions.ANALYTICS_MODELS),
            "mine": mine,
            "reports": reports,
            "counts": target_selectors.result_counts(user=request.user, target=target),
            "import_form": ResultsImportForm(),
        },
    )


@login_required
def worklist(request: AuthedRequest, pk: int) -> HttpResponse:
    target = target_selectors.target_list_get(user=request.user, pk=pk)
    result = request.GET.get("result", "")
    if result not in EntryResult.values:
        result = ""
    page = Paginator(target_selectors.worklist(user=request.user, target=target, result=result), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = target_selectors.worklist_rows(user=request.user, entries=list(page.object_list), target=target)
    return render(
        request,
        "analytics/targets/worklist.html",
        {"target": target, "rows": rows, "page_obj": page, "result": result, "results": EntryResult.choices},
    )


@login_required
def worklist_export(request: AuthedRequest, pk: int) -> HttpResponse:
    target = target_selectors.target_list_get(user=request.user, pk=pk)
    file_format = request.GET.get("format", "csv")
    if file_format not in CONTENT_TYPES:
        messages.error(request, "出力形式は CSV か XLSX を選んでください。")
        return redirect("analytics:target_worklist", pk=target.pk)
    rows = target_selectors.worklist_export_rows(user=request.user, target=target, file_format=file_format)
    return table_response(rows, file_format, sheet_name=target.name, filename=f"worklist-{target.pk}")


@login_required
def entry_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    row = target_selectors.entry_get(user=request.user, pk=pk)
    entry = row.entry
    initial = {"note": entry.result_note}
    if entry.result != EntryResult.PENDING:
        initial["result"] = entry.result
        initial["won_policy_number"] = entry.won_policy.number if entry.won_policy else ""
    form = ResultForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = target_services.target_entry_record_result(
                actor=request.user,
                entry_id=entry.pk,
                result=form.cleaned_data["result"],
                won_policy_number=form.cleaned_data.get("won_policy_number") or "",
                note=form.cleaned_data.get("note") or "",
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            if outcome.changed:
                messages.success(request, "活動結果を記録しました。")
            else:
                messages.info(request, "変更がないため、記録しませんでした(結果・証券番号・メモは前と同じです)。")
            return redirect("analytics:target_entry", pk=entry.pk)
    return render(
        request,
        "analytics/targets/entry.html",
        {
            "row": row,
            "entry": entry,
            "form": form,
            "history": target_selectors.entry_history(entry=entry),
            "policies": target_selectors.customer_policies(user=request.user, entry=entry)[:10],
        },
    )


@login_required
@require_POST
def results_import(request: AuthedRequest, pk: int) -> HttpResponse:
    target = target_selectors.target_list_get(user=request.user, pk=pk)
    form = ResultsImportForm(request.POST, request.FILES)
    errors: list[str] = []
    if not form.is_valid():
        errors = [str(e) for e in form.errors.get("file", ["ファイルを選んでください。"])]
    else:
        try:
            outcome = target_services.target_results_import(
                actor=request.user, target=target, data=form.cleaned_data["file"].read()
            )
        except ValidationError as error:
            errors = list(error.messages)
        else:
            errors = outcome.errors
            if not errors:
                messages.success(
                    request, f"結果を {outcome.applied:,}件取り込みました(変更なし {outcome.unchanged:,}件)。"
                )
                return redirect("analytics:target_list", pk=target.pk)
    return render(request, "analytics/targets/import_errors.html", {"target": target, "errors": errors})
