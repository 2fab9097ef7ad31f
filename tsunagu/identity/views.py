"""Data stewards' screens (名寄せ). Views parse input, call one selector or service, and render."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from tsunagu.core import csv_export, normalize
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.http import AuthedRequest
from tsunagu.customers.models import Customer
from tsunagu.customers.selectors import customer_get

from . import display, selectors
from .choices import PairKind
from .forms import (
    DecisionForm,
    ImportForm,
    MappingProfileForm,
    MergeForm,
    ReasonForm,
    RelatedDecisionForm,
    RelationEndForm,
    SourceForm,
)
from .models import StagedRow
from .records import FIELD_LABELS
from .services.importing import records_import
from .services.ledger import LEDGER_CODE
from .services.matching import match_run_start
from .services.merging import customer_merge, customer_unmerge, merge_check
from .services.related import related_decide, related_evidence, relation_end
from .services.resolution import current_customer_id
from .services.review import pair_decide
from .services.sources import mapping_profile_save, source_system_register

EVIDENCE_LABELS = {
    **FIELD_LABELS,
    "name": "氏名",
    "kanji": "氏名(漢字)",
    "kana": "フリガナ",
    "dob": "生年月日",
    "postal": "郵便番号",
    "addr": "住所",
    "landline": "固定電話",
    "mobile_n": "携帯電話",
    "email_n": "メール",
    "rule": "ルール",
    "location": "住所・郵便番号・固定電話",
    "other_id": "共通ID",
    # Corporations (matching/corporate.py)
    "corporate_name": "商号",
    "legal_form": "法人格",
    "company": "会社の特定",
}

# Levels of the matching engine's comparisons and its rules (tsunagu.identity.matching), for
# data stewards.
LEVEL_LABELS = {
    "null": "片方が未登録",
    "kanji": "漢字一致",
    "reading": "読み一致(漢字違い)",
    "swapped": "姓名が逆",
    "fuzzy": "1文字違い",
    "similar": "類似",
    "swapped_fuzzy": "姓名が逆(表記ゆれあり)",
    "crossed": "姓と名が入れ替わって一致",
    "crossed_fuzzy": "姓と名が入れ替わって類似",
    "weak": "やや類似",
    "kanji_differs_reading_unknown": "漢字違い(読み不明)",
    "else": "不一致",
    "exact": "一致",
    "day_month_swapped": "月日が逆",
    "one_digit": "1桁違い",
    "two_digits": "2桁違い",
    "years_apart": "10年以上離れている",
    "partial": "年月または月日のみ一致",
    "typo": "1文字違い",
    "two_typos": "2文字違い",
    "address_and_landline": "住所・固定電話とも一致",
    "address": "住所一致",
    "landline": "固定電話一致",
    "postal_similar_address": "郵便番号一致・住所類似",
    "similar_address": "住所類似",
    "postal": "郵便番号のみ一致",
    "weakly_similar_address": "住所やや類似",
    "given_name_conflict": "名が異なる(別人: 家族の可能性)",
    "birth_date_conflict": "同姓同名で生年が10年以上離れている(親子の可能性、自動統合しない)",
    "no_personal_evidence": "世帯の情報のみ一致(自動統合しない)",
    "personal_fields_agree": "名・生年月日・個人の連絡先が一致(改姓でも同一人物)",
    "possible_name_change": "名と生年月日が一致・姓が異なる(改姓の可能性、要確認)",
    "name_and_birth_date_only": "氏名と生年月日のみ一致(同姓同名の別人の可能性、自動統合しない)",
    "possible_twins": "同姓・同じ生年月日で名が似ている(双子の可能性、自動統合しない)",
    "moved_together": "同じ世帯の人も同じ旧住所から同じ新住所へ(世帯の転居)",
    "contact_at_both_addresses": "名・生年月日が一致し、両方の住所の記録に同じ連絡先(世帯の転居・改姓)",
    "shared_contact_only": "名が似ているだけで生年月日が異なる(家族で共有の連絡先、自動統合しない)",
    "competing_candidates": "重複なしのシステムに同じくらい確からしい候補が複数(要確認)",
    # Corporations (matching/corporate.py): comparison levels, then the rules.
    "equal": "一致(表記・読み)",
    "sounds_alike": "英字とカナで同じ音",
    "compatible": "同じ(有限会社→株式会社を含む)",
    "differs": "異なる",
    "agrees": "一致",
    "branch_of_the_one_company": "支店: 同じ商号・法人格の会社がほかに一社のみ",
    "same_company": "同じ会社の他の記録を通じて一致",
    "corporate_match": "商号と連絡先(住所・電話・メール・ドメイン)が一致",
    "corporate_number": "法人番号で判定(一致: 同一法人、相違: 別法人)",
    "corporate_name_only": "商号のみ一致(支店または同じ商号の別会社、自動統合しない)",
    "corporate_form_differs": "商号は一致・法人格が異なる(自動統合しない)",
    "corporate_similar_name": "商号が類似・連絡先が一致(要確認)",
    "corporate_same_company": "商号が一致し、同じ会社の他の記録を通じてつながる",
    "corporate_branch": "支店と、同じ商号・法人格のただ一つの会社",
}


# Why the finder (matching/related.py) proposed a related pair, for data stewards.
RELATED_REASON_LABELS = {
    "address": "住所が一致",
    "landline": "固定電話が一致",
    "mobile": "携帯電話が一致",
    "family_name": "個人の姓が商号に含まれる",
    "family_kana": "個人の姓の読みで商号の読みが始まる",
}


def _form_errors(form: Any, error: ValidationError) -> None:
    """A service's error beside its field when the form has it, else at the top of the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            for e in errors:
                for message in e.messages:
                    form.add_error(name if name in form.fields else None, str(message))
        return
    for message in error.messages:
        form.add_error(None, str(message))


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    context = selectors.dashboard(user=request.user)
    return render(request, "identity/home.html", context)


@login_required
def import_upload(request: AuthedRequest) -> HttpResponse:
    selectors.dashboard(user=request.user)  # stewards only
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = records_import(
                actor=request.user,
                source_code=form.cleaned_data["source"].code,
                data=upload.read(),
                file_name=upload.name,
                encoding=form.cleaned_data["encoding"],
                profile_name=form.cleaned_data["profile"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            batch = result.batch
            messages.success(
                request,
                f"取り込みました: 新規{batch.created_count}件・更新{batch.updated_count}件・"
                f"変更なし{batch.unchanged_count}件・エラー{batch.invalid_count}件",
            )
            if result.matched:
                messages.info(request, result.match_summary())
            for warning in result.warnings[:20]:
                messages.warning(request, warning)
            return redirect("identity:batch", pk=batch.pk)
    return render(request, "identity/import.html", {"form": form})


@login_required
def source_list(request: AuthedRequest) -> HttpResponse:
    sources = selectors.sources_list(user=request.user)
    return render(request, "identity/sources.html", {"sources": sources, "ledger_code": LEDGER_CODE})


@login_required
def source_edit(request: AuthedRequest, code: str = "") -> HttpResponse:
    """Register a source system, or change its name, priority, verified fields, 重複なし, 有効."""
    selectors.steward_check(user=request.user)
    source = selectors.source_get(user=request.user, code=code) if code else None
    initial = (
        {
            "code": source.code,
            "name": source.name,
            "priority": source.priority,
            "verified_fields": source.verified_fields,
            "deduplicated": source.deduplicated,
            "is_active": source.is_active,
        }
        if source
        else None
    )
    form = SourceForm(request.POST or None, initial=initial, source=source)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = source_system_register(
                actor=request.user,
                code=data["code"],
                name=data["name"],
                priority=data["priority"],
                verified_fields=data["verified_fields"],
                deduplicated=data["deduplicated"],
                is_active=data["is_active"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"ソースシステム「{saved.code}: {saved.name}」を保存しました。")
            return redirect("identity:source", code=saved.code)
    profiles = list(source.profiles.order_by("name")) if source else []
    return render(request, "identity/source.html", {"form": form, "source": source, "profiles": profiles})


@login_required
def profile_edit(request: AuthedRequest, code: str = "", pk: int | None = None) -> HttpResponse:
    """Create (per source) or edit a column-mapping profile."""
    profile = selectors.profile_get(user=request.user, pk=pk) if pk is not None else None
    source = profile.source if profile is not None else selectors.source_get(user=request.user, code=code)
    initial = (
        {"name": profile.name, "encoding": profile.encoding, "is_default": profile.is_default} if profile else None
    )
    form = MappingProfileForm(
        request.POST or None,
        initial=initial,
        initial_columns=dict(profile.columns) if profile else None,
        initial_conventions=list(profile.conventions or []) if profile else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = mapping_profile_save(
                actor=request.user,
                source=source,
                columns=form.cleaned_data["columns"],
                name=profile.name if profile else form.cleaned_data["name"],
                encoding=form.cleaned_data["encoding"],
                is_default=form.cleaned_data["is_default"],
                conventions=form.cleaned_data["conventions"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"列マッピング「{source.code}: {saved.name}」を保存しました。")
            return redirect("identity:source", code=source.code)
    return render(request, "identity/profile.html", {"form": form, "source": source, "profile": profile})


@login_required
def batch_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    batch = selectors.batch_get(user=request.user, pk=pk, screen="取込結果")
    rows = StagedRow.objects.filter(batch=batch).order_by("row_number")[:500]
    return render(request, "identity/batch.html", {"batch": batch, "rows": rows})


@login_required
def batch_errors_csv(request: AuthedRequest, pk: int) -> HttpResponse:
    """The error report: row number, column, reason, then the original values (UTF-8 with BOM)."""
    batch = selectors.batch_get(user=request.user, pk=pk, screen="取込エラー一覧CSV")
    buffer = io.StringIO()
    writer = csv_export.writer(buffer)
    writer.writerow(["行番号", "列", "エラー内容", "ソースID"])
    for row in StagedRow.objects.filter(batch=batch).order_by("row_number").iterator():
        for error in row.errors:
            writer.writerow([row.row_number, error["column"], error["message"], row.source_id])
    response = HttpResponse(("\ufeff" + buffer.getvalue()).encode(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{batch.pk}-errors.csv"'
    return response


@login_required
@require_POST
def run_start(request: AuthedRequest) -> HttpResponse:
    selectors.dashboard(user=request.user)
    run = match_run_start(actor=request.user, retrain=request.POST.get("retrain") == "1")
    return redirect("identity:run", pk=run.pk)


@login_required
def run_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    run = selectors.run_get(user=request.user, pk=pk)
    template = "identity/_run.html" if request.htmx else "identity/run.html"
    return render(request, template, {"run": run})


@login_required
def review_list(request: AuthedRequest) -> HttpResponse:
    """Two tabs: 名寄せ候補 (same person?) and 関連候補(法人と代表者) (?kind=related)."""
    kind = PairKind.RELATED if request.GET.get("kind") == PairKind.RELATED else PairKind.MATCH
    screen = "関連候補一覧" if kind == PairKind.RELATED else "名寄せ確認一覧"
    pairs = selectors.review_queue(user=request.user, screen=screen, kind=kind)
    if kind == PairKind.RELATED:
        for pair in pairs:
            person, corporation = _related_sides(pair)
            pair.person, pair.corporation = person, corporation  # type: ignore[attr-defined]
            pair.reason_labels = _reason_labels(pair)  # type: ignore[attr-defined]
    else:
        for pair in pairs:
            pair.rule_label = _rule_label(pair)  # type: ignore[attr-defined]
    counts = selectors.review_counts(user=request.user)
    return render(request, "identity/review.html", {"pairs": pairs, "kind": kind, "counts": counts})


def _related_sides(pair: Any) -> tuple[Any, Any]:
    """(person record, corporation record) of a related pair (stored in id order)."""
    evidence = related_evidence(pair)
    if evidence.get("corporation") == pair.record_l_id or evidence.get("person") == pair.record_r_id:
        return pair.record_r, pair.record_l
    return pair.record_l, pair.record_r


def _rule_label(pair: Any) -> str:
    """Why a rule put the pair in review (a slipped name change the model scores near 0, say); ""
    where the model's own probability did."""
    rule = (pair.evidence or {}).get("rule")
    level = rule.get("level") if isinstance(rule, dict) else None
    return str(LEVEL_LABELS.get(str(level), level)) if level else ""


def _reason_labels(pair: Any) -> list[str]:
    reasons = related_evidence(pair).get("reasons") or []
    return [RELATED_REASON_LABELS.get(str(r), str(r)) for r in reasons]


def _side_by_side(pair: Any, left_record: Any = None, right_record: Any = None) -> list[dict[str, Any]]:
    """Both records field by field: compared on their validated (canonical) values, shown with
    the product's formatting on both sides (和暦, 性別, 〒, phone hyphens)."""
    left_record = left_record or pair.record_l
    right_record = right_record or pair.record_r
    rows = []
    for name, label in FIELD_LABELS.items():
        if name in ("record_id", "source_system"):
            continue
        left, right = display.canonical(left_record, name), display.canonical(right_record, name)
        if not (left or right):
            continue
        rows.append(
            {
                "label": label,
                "left": display.shown(name, left),
                "right": display.shown(name, right),
                "same": _comparable(name, left) == _comparable(name, right),
            }
        )
    return rows


def _comparable(name: str, value: str) -> str:
    """Canonical values compared loosely where sources differ only in writing (spaces, kana width)."""
    text = normalize.nfkc(value)
    if name in ("phone", "mobile", "postal_code"):
        return normalize.digits_only(text)
    if name == "email":
        return text.strip().lower()
    return normalize.collapse_spaces(text).replace(" ", "")


def _evidence_rows(pair: Any) -> list[dict[str, Any]]:
    """The comparisons' weights, then the base (prior odds, candidates competing in a
    deduplicated source) so that the column adds up to the pair's match weight."""
    rows = [
        {
            "name": EVIDENCE_LABELS.get(name, "その他の比較"),
            "level": LEVEL_LABELS.get(str(item.get("level")), item.get("level")),
            "weight": item.get("weight"),
        }
        for name, item in (pair.evidence or {}).items()
        if isinstance(item, dict)
    ]
    compared = sum(r["weight"] for r in rows if isinstance(r["weight"], int | float))
    if any(isinstance(r["weight"], int | float) for r in rows):
        rows.insert(
            0,
            {"name": "基準(事前確率など)", "level": "比較の前の重み", "weight": round(pair.model_weight - compared, 2)},
        )
    return rows


@login_required
def pair_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    pair = selectors.pair_get(user=request.user, pk=pk, screen="名寄せ候補の確認")
    customers = selectors.pair_customers(user=request.user, pair=pair)
    if pair.kind == PairKind.RELATED:
        return _related_pair_detail(request, pair, customers)
    form = DecisionForm(request.POST or None, customers=customers)
    if request.method == "POST" and form.is_valid():
        survivor_pk = form.cleaned_data["survivor"]
        survivor = next((c for c in customers if c.pk == survivor_pk), None)
        try:
            pair_decide(
                actor=request.user,
                pair=pair,
                link=form.cleaned_data["decision"] == "link",
                note=form.cleaned_data["note"],
                survivor=survivor,
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "判定を記録しました。")
            return redirect("identity:review")
    evidence = _evidence_rows(pair)
    rows = _side_by_side(pair)
    by_pk = {c.pk: c for c in customers}
    return render(
        request,
        "identity/pair.html",
        {
            "pair": pair,
            "rows": rows,
            "differing": sum(1 for r in rows if not r["same"]),
            "evidence": evidence,
            "form": form,
            "left_customer": by_pk.get(current_customer_id(pair.record_l.customer_id) or 0),
            "right_customer": by_pk.get(current_customer_id(pair.record_r.customer_id) or 0),
        },
    )


def _related_pair_detail(request: AuthedRequest, pair: Any, customers: list[Customer]) -> HttpResponse:
    """A related candidate (法人と代表者): the person and the corporation side by side, why they
    were proposed, and 関連として登録 / 関連なし (never 同一人物)."""
    form = RelatedDecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        related = form.cleaned_data["decision"] == "related"
        try:
            related_decide(
                actor=request.user,
                pair=pair,
                related=related,
                role=form.cleaned_data["role"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "関連として登録しました。" if related else "関連なしと判定しました。")
            return redirect(f"{reverse('identity:review')}?kind={PairKind.RELATED}")
    person, corporation = _related_sides(pair)
    by_pk = {c.pk: c for c in customers}
    person_customer = by_pk.get(current_customer_id(person.customer_id) or 0)
    corporation_customer = by_pk.get(current_customer_id(corporation.customer_id) or 0)
    relation = selectors.pair_relation(
        user=request.user, pair=pair, person=person_customer, corporation=corporation_customer
    )
    return render(
        request,
        "identity/related_pair.html",
        {
            "pair": pair,
            "person": person,
            "corporation": corporation,
            "person_customer": person_customer,
            "corporation_customer": corporation_customer,
            "rows": _side_by_side(pair, person, corporation),
            "reasons": _reason_labels(pair),
            "relation": relation,
            "form": form,
        },
    )


@login_required
def relation_end_view(request: AuthedRequest, pk: int) -> HttpResponse:
    """関連の解除: the relation (both customers, role, who registered it) and the reason form;
    POST ends it and goes back to the person's customer page."""
    relation = selectors.relation_get(user=request.user, pk=pk, screen="顧客の関連の解除")
    form = RelationEndForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            relation_end(actor=request.user, relation=relation, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "関連を解除しました。")
            # The person as they live now: a customer merged away has no page of its own to return to.
            return redirect("desk:customer_detail", pk=current_customer_id(relation.person_id) or relation.person_id)
    return render(request, "identity/relation_end.html", {"relation": relation, "form": form})


@login_required
def customer_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    context = selectors.customer_identity(user=request.user, pk=pk, screen="顧客の名寄せ情報")
    context["form"] = MergeForm()
    return render(request, "identity/customer.html", context)


def _merge_rows(survivor: Customer, absorbed: Customer) -> list[dict[str, Any]]:
    """The two customers side by side for the merge confirmation; `same` compares normalised values."""

    def addresses(c: Customer) -> list[str]:
        return [a.full_text for a in c.addresses.all()]

    def phones(c: Customer) -> list[str]:
        return [display.shown("phone", p.number) for p in c.phones.all()]

    def emails(c: Customer) -> list[str]:
        return [e.address for e in c.emails.all()]

    def birth(c: Customer) -> str:
        return display.shown("birth_date", c.birth_date.isoformat()) if c.birth_date else ""

    fields: list[tuple[str, Any, Any]] = [
        ("氏名・名称", lambda c: c.name, lambda c: normalize.name_key(c.name)),
        ("フリガナ", lambda c: c.name_kana, lambda c: normalize.fuzzy_kana_key(c.name_kana or "")),
        ("生年月日", birth, lambda c: c.birth_date),
        ("性別", lambda c: c.get_gender_display(), lambda c: c.gender),
        ("住所", lambda c: "\n".join(addresses(c)), lambda c: sorted(normalize.address_key(a) for a in addresses(c))),
        ("電話番号", lambda c: "\n".join(phones(c)), lambda c: sorted(p.digits for p in c.phones.all())),
        ("メールアドレス", lambda c: "\n".join(emails(c)), lambda c: sorted(e.lower() for e in emails(c))),
    ]
    return [
        {"label": label, "left": shown(survivor), "right": shown(absorbed), "same": key(survivor) == key(absorbed)}
        for label, shown, key in fields
    ]


@login_required
@require_POST
def customer_merge_view(request: AuthedRequest, pk: int) -> HttpResponse:
    """Merge in two steps: the number and reason posted from the customer page show both
    customers side by side (differences marked); 統合する (confirm=1) merges."""
    context = selectors.customer_identity(user=request.user, pk=pk, screen="顧客の統合")
    form = MergeForm(request.POST)
    if form.is_valid():
        absorbed = Customer.objects.visible_to(request.user).filter(pk=form.cleaned_data["absorbed"]).first()
        if absorbed is None:
            number = f"K{form.cleaned_data['absorbed']:09d}"
            form.add_error("absorbed", f"顧客番号 {number} の顧客が見つかりません。顧客番号を確かめてください。")
        elif request.POST.get("confirm") != "1":
            try:
                merge_check(survivor=context["customer"], absorbed=absorbed)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                absorbed = customer_get(
                    user=request.user, pk=absorbed.pk, purpose=AccessPurpose.VIEW, screen="顧客の統合(確認)"
                )
                rows = _merge_rows(context["customer"], absorbed)
                return render(
                    request,
                    "identity/merge_confirm.html",
                    {
                        "customer": context["customer"],
                        "absorbed": absorbed,
                        "rows": rows,
                        "differing": sum(1 for r in rows if not r["same"]),
                        "form": form,
                    },
                )
        else:
            try:
                merge = customer_merge(
                    actor=request.user,
                    survivor=context["customer"],
                    absorbed=absorbed,
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, "顧客を統合しました。")
                return redirect("identity:merge", pk=merge.pk)
    context["form"] = form
    return render(request, "identity/customer.html", context)


@login_required
def merge_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    merge = selectors.merge_get(user=request.user, pk=pk, screen="顧客の統合")
    return render(request, "identity/merge.html", {"merge": merge, "form": ReasonForm()})


@login_required
@require_POST
def unmerge_view(request: AuthedRequest, pk: int) -> HttpResponse:
    merge = selectors.merge_get(user=request.user, pk=pk, screen="顧客の統合解除")
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            result = customer_unmerge(actor=request.user, merge=merge, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "統合を解除しました。")
            for name, (_old, _new, current) in result.kept_on_survivor.items():
                messages.warning(request, f"{name}は統合後に変更されていたため、変更後の値「{current}」を残しました。")
            return redirect("identity:merge", pk=merge.pk)
    return render(request, "identity/merge.html", {"merge": merge, "form": form})
