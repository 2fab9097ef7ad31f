"""Forms of the target lists: the segment builder, an entry's result, and the results import."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from tsunagu.core.input import TextCheckedForm
from tsunagu.core.models import Agency, Branch
from tsunagu.customers.choices import PREFECTURE_CHOICES
from tsunagu.policies.choices import LineOfBusiness

from .choices import EntryResult, ListBasis, ModelKind
from .segments import MAX_AGE, Segment
from .target_services import CONTROL_PERCENT_ERROR, MAX_CONTROL_PERCENT, MIN_CONTROL_PERCENT, NOTE_MAX_LENGTH

LINE_CHOICES = [(c.value, c.label) for c in LineOfBusiness if c != LineOfBusiness.OTHER]
SCORE_KIND_CHOICES = [("", "使わない"), (ModelKind.CHURN.value, ModelKind.CHURN.label),
                      (ModelKind.NEXT_PRODUCT.value, ModelKind.NEXT_PRODUCT.label)]  # fmt: skip
MAX_LIST = 1_000_000


class SegmentForm(TextCheckedForm):
    name = forms.CharField(label="リスト名", max_length=100)
    basis = forms.ChoiceField(
        label="提案の根拠",
        choices=ListBasis.choices,
        help_text=(
            "次の商品・解約防止: お客さまごとのモデルの理由を提案のポイントにします。"
            "キャンペーン: 下のトークのポイントを使います。"
        ),
    )
    talking_points = forms.CharField(
        label="トークのポイント",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="1行に1つ。キャンペーンのリストでは必須、モデルの理由がないお客さまにも使います。",
    )
    age_min = forms.IntegerField(label="年齢(下限)", required=False, min_value=0, max_value=MAX_AGE)
    age_max = forms.IntegerField(label="年齢(上限)", required=False, min_value=0, max_value=MAX_AGE)
    prefectures = forms.MultipleChoiceField(
        label="都道府県", required=False, choices=PREFECTURE_CHOICES, widget=forms.SelectMultiple(attrs={"size": 6})
    )
    branches = forms.ModelMultipleChoiceField(
        label="営業拠点", required=False, queryset=Branch.objects.all(), widget=forms.SelectMultiple(attrs={"size": 4})
    )
    agencies = forms.ModelMultipleChoiceField(
        label="代理店",
        required=False,
        queryset=Agency.objects.filter(is_active=True),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    lines_held = forms.MultipleChoiceField(
        label="保有している種目(いずれか)", required=False, choices=LINE_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    lines_missing = forms.MultipleChoiceField(
        label="保有していない種目", required=False, choices=LINE_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    score_kind = forms.ChoiceField(label="スコアで絞り込む", required=False, choices=SCORE_KIND_CHOICES)
    score_min = forms.FloatField(label="スコアの下限", required=False, min_value=0, max_value=1)
    top_deciles = forms.IntegerField(
        label="スコア上位のデシル", required=False, min_value=1, max_value=10, help_text="1 = 上位10%、3 = 上位30%"
    )
    limit = forms.IntegerField(
        label="人数の上限", required=False, min_value=1, max_value=MAX_LIST, help_text="スコアの高い順に選びます。"
    )
    control_percent = forms.IntegerField(
        label="対照群の割合(%)",
        initial=10,
        min_value=MIN_CONTROL_PERCENT,
        max_value=MAX_CONTROL_PERCENT,
        help_text=(
            f"{MIN_CONTROL_PERCENT}〜{MAX_CONTROL_PERCENT}%。無作為に選んでワークリストから外し、"
            "効果(アップリフト)の比較に使います。"
        ),
        # min_value / max_value messages are %-formatted with the limit: their "%" doubled.
        error_messages={
            "required": CONTROL_PERCENT_ERROR,
            "invalid": CONTROL_PERCENT_ERROR,
            "min_value": CONTROL_PERCENT_ERROR.replace("%", "%%"),
            "max_value": CONTROL_PERCENT_ERROR.replace("%", "%%"),
        },
    )
    seed = forms.IntegerField(
        label="乱数シード",
        required=False,
        min_value=0,
        max_value=2**31 - 1,
        help_text="空欄なら自動で決めて記録します。",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("age_min"), data.get("age_max")
        if low is not None and high is not None and low > high:
            self.add_error("age_max", "年齢の上限は下限以上にしてください。")
        if (data.get("score_min") is not None or data.get("top_deciles")) and not data.get("score_kind"):
            self.add_error("score_kind", "スコアで絞り込むときは、使うスコアを選んでください。")
        return data

    def segment(self) -> Segment:
        data = self.cleaned_data
        return Segment(
            as_of=timezone.localdate(),
            age_min=data.get("age_min"),
            age_max=data.get("age_max"),
            prefectures=tuple(data.get("prefectures") or ()),
            agencies=tuple(a.pk for a in data.get("agencies") or ()),
            branches=tuple(b.pk for b in data.get("branches") or ()),
            lines_held=tuple(data.get("lines_held") or ()),
            lines_missing=tuple(data.get("lines_missing") or ()),
            score_kind=data.get("score_kind") or "",
            score_min=data.get("score_min"),
            top_deciles=data.get("top_deciles"),
            limit=data.get("limit"),
        )


class ResultForm(TextCheckedForm):
    # A blank first choice: nothing is preselected, so one click on 記録する cannot record a contact
    # that never happened.
    result = forms.ChoiceField(
        label="結果",
        choices=[("", "選んでください"), *(c for c in EntryResult.choices if c[0] != EntryResult.PENDING)],
        error_messages={"required": "結果を選んでください。", "invalid_choice": "結果を選んでください。"},
    )
    won_policy_number = forms.CharField(
        label="成約した契約の証券番号",
        required=False,
        max_length=30,
        help_text="成約の場合に入力します(基準日以降の新規契約。提案した種目があればその種目)。",
    )
    note = forms.CharField(
        label="メモ",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        error_messages={"max_length": f"メモは{NOTE_MAX_LENGTH}文字以内で入力してください。"},
    )


class ResultsImportForm(forms.Form):
    file = forms.FileField(
        label="結果のCSV・XLSX",
        help_text=(
            "列: 顧客番号・結果・成約証券番号・メモ(ワークリストのCSV・XLSXをそのまま編集して使えます)。"
            "CSV は UTF-8 または Shift_JIS。"
        ),
        error_messages={
            "required": "取り込むファイル(CSV または XLSX)を選んでください。",
            "empty": "ファイルが空です。ワークリストのCSV・XLSXに結果を入れて取り込んでください。",
        },
    )
