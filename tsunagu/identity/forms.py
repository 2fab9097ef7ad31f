from __future__ import annotations

import re
import unicodedata
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from .choices import RelationRole
from .models import MappingProfile, SourceSystem

ENCODINGS = [("", "自動判定"), ("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8(BOM付き)"), ("cp932", "Shift_JIS(CP932)")]
MAX_UPLOAD_BYTES = 200 * 1024 * 1024


class ImportForm(forms.Form):
    source = forms.ModelChoiceField(
        label="ソースシステム",
        queryset=SourceSystem.objects.filter(is_active=True).exclude(code="TSUNAGU"),  # the ledger (services.ledger)
        to_field_name="code",
    )
    file = forms.FileField(label="ファイル(CSV・XLSX)")
    encoding = forms.ChoiceField(label="文字コード", choices=ENCODINGS, required=False)
    profile = forms.CharField(label="列マッピング名(空欄は既定)", required=False, max_length=100)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("ファイルが大きすぎます(200MBまで)。コマンド import_records をお使いください。")
        return upload


CUSTOMER_NUMBER_RE = re.compile(r"^K?(\d{1,10})$")
CUSTOMER_NUMBER_HELP = "顧客番号(例: K000000011)で入力してください。"


def customer_pk_from_number(text: str) -> int | None:
    """K000000011 (or k000000011, full-width, or the bare number 11) → 11; None if not a number."""
    value = unicodedata.normalize("NFKC", text or "").strip().upper().replace("-", "")
    match = CUSTOMER_NUMBER_RE.match(value)
    if match is None or int(match.group(1)) == 0:
        return None
    return int(match.group(1))


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label="判定", choices=[("link", "同一人物(統合する)"), ("not_link", "別人")])
    note = forms.CharField(label="メモ", required=False, max_length=300)
    survivor = forms.ChoiceField(
        label="残す顧客",
        required=False,
        help_text="2人の顧客を統合するときに残す顧客です。空欄のときは古い方を残します。",
        error_messages={"invalid_choice": "残す顧客は、この候補の2人の顧客のどちらかを選んでください。"},
    )

    def __init__(self, *args: Any, customers: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "古い方(既定)")] + [(str(c.pk), f"{c.number} {c.name}") for c in customers or []]
        self.fields["survivor"].choices = choices  # type: ignore[attr-defined]
        if len(customers or []) < 2:
            self.fields["survivor"].widget = forms.HiddenInput()

    def clean_survivor(self) -> int | None:
        value = self.cleaned_data.get("survivor")
        return int(value) if value else None


class RelatedDecisionForm(forms.Form):
    """A steward's decision on a related candidate (法人と代表者): never 同一人物."""

    decision = forms.ChoiceField(
        label="判定",
        choices=[("related", "関連として登録"), ("unrelated", "関連なし")],
        widget=forms.RadioSelect,
        error_messages={
            "required": "「関連として登録」か「関連なし」を選んでください。",
            "invalid_choice": "判定は「関連として登録」か「関連なし」を選んでください(この候補は統合できません)。",
        },
    )
    role = forms.ChoiceField(
        label="個人の立場",
        choices=RelationRole.choices,
        initial=RelationRole.REPRESENTATIVE,
        required=False,
        help_text="関連として登録するときの、個人から見た法人との関係です。",
        error_messages={"invalid_choice": "個人の立場は「代表者」か「関係者」を選んでください。"},
    )
    note = forms.CharField(
        label="メモ",
        required=False,
        max_length=300,
        error_messages={"max_length": "メモは300文字以内で入力してください。"},
    )

    def clean_role(self) -> str:
        return self.cleaned_data.get("role") or RelationRole.REPRESENTATIVE


class ReasonForm(forms.Form):
    reason = forms.CharField(label="理由", max_length=300)


class RelationEndForm(forms.Form):
    """関連の解除: why the relation ends (required, kept with the ended relation)."""

    reason = forms.CharField(
        label="解除の理由",
        max_length=300,
        help_text="例: 代表者の交代(登記簿で確認)。解除した関連は顧客画面に表示されなくなり、履歴に残ります。",
        error_messages={
            "required": "関連を解除する理由を入力してください。",
            "max_length": "解除の理由は300文字以内で入力してください。",
        },
    )


class MergeForm(forms.Form):
    absorbed = forms.CharField(
        label="統合する顧客(顧客番号)", max_length=20, help_text="この顧客に統合する顧客の顧客番号(例: K000000011)。"
    )
    reason = forms.CharField(label="理由", max_length=300)

    def clean_absorbed(self) -> int:
        pk = customer_pk_from_number(self.cleaned_data["absorbed"])
        if pk is None:
            raise forms.ValidationError(
                f"「{self.cleaned_data['absorbed']}」は顧客番号ではありません。{CUSTOMER_NUMBER_HELP}"
            )
        return pk


# --- source systems and column-mapping profiles ------------------------------------------------


def _field_choices() -> list[tuple[str, str]]:
    from .display import label
    from .records import MAPPABLE_FIELDS

    return [(name, label(name)) for name in MAPPABLE_FIELDS]


def _apply_profile_errors(form: forms.BaseForm, error: ValidationError) -> None:
    for field, messages in error.message_dict.items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)


class SourceSystemForm(forms.ModelForm):  # type: ignore[type-arg]
    """Admin form: the verified fields as check boxes instead of raw JSON."""

    verified_fields = forms.MultipleChoiceField(
        label="本人確認済みの項目", choices=_field_choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = SourceSystem
        fields = ["code", "name", "priority", "verified_fields", "deduplicated", "is_active"]


class MappingProfileAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    """Admin form: columns as JSON {file column: record field}, validated like the steward screen."""

    class Meta:
        model = MappingProfile
        fields = ["source", "name", "columns", "encoding", "is_default"]

    def clean(self) -> dict[str, Any]:
        from .services.sources import mapping_profile_clean

        cleaned = super().clean() or {}
        columns = cleaned.get("columns")
        if not isinstance(columns, dict):
            self.add_error("columns", '列の対応は {"ファイルの列名": "項目名"} の形式で入力してください。')
            return cleaned
        try:
            cleaned["columns"], cleaned["encoding"] = mapping_profile_clean(
                columns=columns, encoding=cleaned.get("encoding") or ""
            )
        except ValidationError as error:
            _apply_profile_errors(self, error)
        return cleaned


CONVENTION_PREFIX = "convention_"


class MappingProfileForm(forms.Form):
    """The steward screen: one row per file column (column name → record field), up to
    PROFILE_ROWS rows; blank rows are ignored. One check box per source-data convention
    (records.CONVENTIONS), each with its Japanese label and help text."""

    PROFILE_ROWS = 20

    name = forms.CharField(label="プロファイル名", max_length=100, initial="標準")
    encoding = forms.ChoiceField(label="文字コード", choices=ENCODINGS, required=False)
    is_default = forms.BooleanField(label="このソースの既定にする", required=False, initial=True)

    def __init__(
        self,
        *args: Any,
        initial_columns: dict[str, str] | None = None,
        initial_conventions: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        from .records import CONVENTIONS

        super().__init__(*args, **kwargs)
        for code, convention in CONVENTIONS.items():
            self.fields[f"{CONVENTION_PREFIX}{code}"] = forms.BooleanField(
                label=convention.label,
                required=False,
                help_text=convention.help,
                initial=code in (initial_conventions or []),
            )
        choices = [("", "(使わない)"), *_field_choices()]
        items = list((initial_columns or {}).items())
        for index in range(max(self.PROFILE_ROWS, len(items) + 3)):
            column, target = items[index] if index < len(items) else ("", "")
            self.fields[f"column_{index}"] = forms.CharField(
                label=f"列名 {index + 1}", max_length=100, required=False, initial=column
            )
            self.fields[f"target_{index}"] = forms.ChoiceField(
                label=f"対応する項目 {index + 1}", choices=choices, required=False, initial=target
            )

    @property
    def row_count(self) -> int:
        return sum(1 for name in self.fields if name.startswith("column_"))

    def rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"column_{i}"], self[f"target_{i}"]) for i in range(self.row_count)]

    def convention_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith(CONVENTION_PREFIX)]

    def clean(self) -> dict[str, Any]:
        from .services.sources import mapping_profile_clean

        cleaned = super().clean() or {}
        cleaned["conventions"] = [
            name.removeprefix(CONVENTION_PREFIX)
            for name in self.fields
            if name.startswith(CONVENTION_PREFIX) and cleaned.get(name)
        ]
        columns: dict[str, str] = {}
        for index in range(self.row_count):
            column = (cleaned.get(f"column_{index}") or "").strip()
            target = cleaned.get(f"target_{index}") or ""
            if column and not target:
                self.add_error(f"target_{index}", f"列「{column}」に対応する項目を選んでください。")
            elif target and not column:
                self.add_error(f"column_{index}", "列名を入力してください。")
            elif column in columns:
                self.add_error(f"column_{index}", f"列「{column}」が2回指定されています。")
            elif column:
                columns[column] = target
        try:
            cleaned["columns"], cleaned["encoding"] = mapping_profile_clean(
                columns=columns, encoding=cleaned.get("encoding") or "", conventions=cleaned["conventions"]
            )
        except ValidationError as error:
            _apply_profile_errors(self, error)
        return cleaned


class SourceForm(forms.Form):
    """The steward screen for a source system (create, or edit all but the code)."""

    code = forms.CharField(
        label="ソースコード",
        max_length=20,
        help_text="半角英数字・_・- の20文字以内(例: AGENCY)。取込コマンドで使います。登録後は変えられません。",
    )
    name = forms.CharField(label="ソース名", max_length=100)
    priority = forms.IntegerField(
        label="優先度",
        min_value=0,
        max_value=999,
        initial=100,
        help_text="小さいほど優先します(氏名・生年月日などの採用値を決めるとき)。",
        error_messages={"invalid": "優先度は0〜999の整数で入力してください。"},
    )
    verified_fields = forms.MultipleChoiceField(
        label="本人確認済みの項目",
        choices=_field_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="このシステムが本人確認書類で確かめている項目。採用値で優先されます。",
    )
    deduplicated = forms.BooleanField(
        label="重複なし(1人1レコード)",
        required=False,
        help_text="このシステムでは同じ人が2件以上登録されないとき。次の学習から照合に反映されます。",
    )
    is_active = forms.BooleanField(label="有効", required=False, initial=True)

    def __init__(self, *args: Any, source: SourceSystem | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.source = source
        if source is not None:
            self.fields["code"].required = False
            self.fields["code"].disabled = True
            self.fields["code"].initial = source.code

    def clean_code(self) -> str:
        from .models import code_validator
        from .services.ledger import LEDGER_CODE

        if self.source is not None:
            return self.source.code
        code = unicodedata.normalize("NFKC", self.cleaned_data["code"]).strip()
        code_validator(code)
        if code.upper() == LEDGER_CODE:
            raise forms.ValidationError(f"「{code}」は顧客台帳(既存顧客の照合用)のため使えません。")
        if SourceSystem.objects.filter(code=code).exists():
            raise forms.ValidationError(f"ソースコード「{code}」は既に登録されています。")
        return code

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("ソース名を入力してください。")
        return name
