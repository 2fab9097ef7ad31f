"""Forms of the compliance registers: every problem a Japanese message next to its field. The services
check the rules again (a form is one way in; the API and commands are others)."""

from __future__ import annotations

from typing import Any

from django import forms

from tsunagu.core.input import check_date_order
from tsunagu.core.models import Agency, Branch, Department, User

from .breach_forms import _date
from .choices import (
    AuditMethod,
    ChecklistResult,
    ContractorRating,
    ContractorStatus,
    DataLocation,
    FindingSeverity,
    FindingStatus,
)
from .dsr_forms import _choice
from .models import AuditChecklistItem


def _text(label: str, *, required: bool = False, rows: int = 3, max_length: int = 2000, help_text: str = "") -> Any:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={
            "required": f"{label}を入力してください。",
            "max_length": f"{label}は{max_length}文字以内で入力してください。",
        },
    )


def _line(label: str, *, required: bool = False, max_length: int = 200, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        help_text=help_text,
        error_messages={
            "required": f"{label}を入力してください。",
            "max_length": f"{label}は{max_length}文字以内で入力してください。",
        },
    )


class ContractorForm(forms.Form):
    name = _line("委託先名", required=True)
    corporate_number = _line("法人番号", max_length=13, help_text="13桁(分かる場合)")
    address = _line("所在地", max_length=300)
    contact = _line("窓口(部署・担当者・連絡先)", max_length=300)
    service = _text("委託する業務の内容", required=True, help_text="例: 満期案内DMの印刷・封入・発送")
    data_items = _text("提供する個人データの項目", required=True, help_text="例: 氏名、住所、証券番号、満期日")
    persons = forms.IntegerField(
        label="対象となる本人の数(概数)",
        required=False,
        min_value=0,
        error_messages={
            "invalid": "対象となる本人の数は数字で入力してください。",
            "min_value": "0以上の数を入力してください。",
        },
    )
    sensitive = forms.BooleanField(label="機微情報・要配慮個人情報を含む", required=False)
    location = _choice("取扱いの場所", DataLocation.choices, DataLocation.DOMESTIC)
    country = _line("国名(外国の場合)", max_length=100)
    subcontracting = forms.BooleanField(label="再委託あり", required=False)
    subcontractors = _text("再委託先と再委託する業務", rows=2)
    owner_department = forms.ModelChoiceField(
        label="所管部署",
        queryset=Department.objects.order_by("code"),
        required=False,
        empty_label="選択してください",
        error_messages={"invalid_choice": "所管部署を一覧から選んでください。"},
    )
    audit_interval_months = forms.IntegerField(
        label="監査の間隔(月)",
        min_value=1,
        max_value=36,
        initial=12,
        error_messages={
            "required": "監査の間隔を入力してください。",
            "invalid": "監査の間隔は月数(数字)で入力してください。",
            "min_value": "監査の間隔は1〜36か月で入力してください。",
            "max_value": "監査の間隔は1〜36か月で入力してください。",
        },
    )
    status = _choice("状態", ContractorStatus.choices, ContractorStatus.ACTIVE)
    started_on = _date("委託開始日", required=True)
    ended_on = _date("委託終了日")
    data_disposal = _text("終了時のデータの返却・消去の記録", rows=2)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        check_date_order(self, "started_on", "ended_on")
        return data


class AgreementForm(forms.Form):
    title = _line("契約名", required=True)
    signed_on = _date("締結日", required=True, not_future=True)
    valid_from = _date("有効期間の開始日", required=True)
    valid_to = _date("有効期間の終了日", help_text="自動更新で終了日がない場合は空欄")
    safety_clause = forms.BooleanField(label="安全管理措置の条項", required=False)
    confidentiality_clause = forms.BooleanField(label="秘密保持・目的外利用の禁止", required=False)
    subcontract_clause = forms.BooleanField(label="再委託の条件(事前の承認)", required=False)
    audit_clause = forms.BooleanField(label="監査・報告を求める権利", required=False)
    breach_clause = forms.BooleanField(label="漏えい等の発生時の報告義務", required=False)
    return_clause = forms.BooleanField(label="終了時の返却・消去", required=False)
    note = _text("備考", rows=2)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        check_date_order(self, "valid_from", "valid_to")
        return data


class ContractorAuditForm(forms.Form):
    audited_on = _date("監査日", required=True, not_future=True)
    method = _choice("方法", AuditMethod.choices)
    rating = _choice("評価", ContractorRating.choices)
    findings = _text("指摘事項")
    follow_up = _text("是正の要請", help_text="評価がC・Dの場合は必須")
    follow_up_due = _date("是正の期限")


class FollowUpDoneForm(forms.Form):
    audit = forms.TypedChoiceField(
        label="対象の監査",
        coerce=int,
        error_messages={
            "required": "対象の監査を選んでください。",
            "invalid_choice": "対象の監査を一覧から選んでください。",
        },
    )
    done_on = _date("是正の確認日", required=True, not_future=True)
    note = _text("是正の確認内容", required=True, rows=2)

    def __init__(self, *args: Any, audits: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        open_ones = [a for a in audits if a.follow_up_due is not None and a.follow_up_done_on is None]
        self.fields["audit"].choices = [  # type: ignore[attr-defined]
            (a.pk, f"{a.audited_on:%Y-%m-%d} の監査(是正期限 {a.follow_up_due:%Y-%m-%d})") for a in open_ones
        ]


class InternalAuditPlanForm(forms.Form):
    branch = forms.ModelChoiceField(
        label="営業拠点",
        queryset=Branch.objects.order_by("code"),
        required=False,
        empty_label="(代理店を監査する場合は空欄)",
        error_messages={"invalid_choice": "営業拠点を一覧から選んでください。"},
    )
    agency = forms.ModelChoiceField(
        label="代理店",
        queryset=Agency.objects.order_by("code"),
        required=False,
        empty_label="(営業拠点を監査する場合は空欄)",
        error_messages={"invalid_choice": "代理店を一覧から選んでください。"},
    )
    planned_on = _date("実施予定日", required=True)
    auditor = forms.ModelChoiceField(
        label="監査担当",
        queryset=User.objects.filter(is_active=True, department__isnull=False).order_by("username"),
        empty_label="選択してください",
        error_messages={
            "required": "監査担当を選んでください。",
            "invalid_choice": "監査担当を一覧から選んでください。",
        },
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("branch")) == bool(data.get("agency")):
            raise forms.ValidationError("監査の対象として営業拠点か代理店のどちらか一方を選んでください。")
        return data


class AnswersForm(forms.Form):
    """One result and comment per checklist answer of the audit (fields `result_<id>`, `comment_<id>`)."""

    performed_on = _date("実施日", required=True, not_future=True)

    def __init__(self, *args: Any, answers: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.answers = answers
        message = "結果を一覧から選んでください。"
        for answer in answers:
            self.fields[f"result_{answer.pk}"] = forms.ChoiceField(
                label=f"{answer.item.code} の結果",
                choices=[("", "未回答"), *ChecklistResult.choices],
                required=False,
                initial=answer.result,
                error_messages={"invalid_choice": message},
            )
            self.fields[f"comment_{answer.pk}"] = forms.CharField(
                label=f"{answer.item.code} の所見",
                required=False,
                max_length=1000,
                initial=answer.comment,
                error_messages={"max_length": "所見は1000文字以内で入力してください。"},
            )

    def answer_values(self) -> dict[int, tuple[str, str]]:
        return {a.pk: (self.cleaned_data[f"result_{a.pk}"], self.cleaned_data[f"comment_{a.pk}"]) for a in self.answers}

    def rows(self) -> list[tuple[Any, Any, Any]]:
        return [(a, self[f"result_{a.pk}"], self[f"comment_{a.pk}"]) for a in self.answers]


class FindingForm(forms.Form):
    item = forms.ModelChoiceField(
        label="チェック項目",
        queryset=AuditChecklistItem.objects.all(),
        required=False,
        empty_label="(項目によらない指摘)",
        error_messages={"invalid_choice": "チェック項目を一覧から選んでください。"},
    )
    severity = _choice("重要度", FindingSeverity.choices)
    description = _text("指摘内容", required=True, rows=2)
    corrective_action = _text("是正措置", required=True, rows=2)
    owner = _line("是正の責任者", required=True, max_length=100)
    due_on = _date("是正期限", required=True)

    def __init__(self, *args: Any, audit: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if audit is not None:
            self.fields["item"].queryset = AuditChecklistItem.objects.filter(  # type: ignore[attr-defined]
                pk__in=audit.answers.values("item")
            )


class ReportForm(forms.Form):
    reported_on = _date("報告日", required=True)
    summary = _text("総評", required=True, rows=4)


class FindingProgressForm(forms.Form):
    finding = forms.TypedChoiceField(
        label="指摘事項",
        coerce=int,
        error_messages={
            "required": "指摘事項を選んでください。",
            "invalid_choice": "指摘事項を一覧から選んでください。",
        },
    )
    status = _choice("状態", [c for c in FindingStatus.choices if c[0] != FindingStatus.OPEN])
    done_on = _date("是正完了日", not_future=True, help_text="是正済にする場合は必須")
    note = _text("是正の確認内容", rows=2)

    def __init__(self, *args: Any, findings: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["finding"].choices = [  # type: ignore[attr-defined]
            (f.pk, f"{f.get_severity_display()}: {f.description[:40]}(期限 {f.due_on:%Y-%m-%d})")
            for f in findings
            if f.status != FindingStatus.DONE
        ]


class CloseForm(forms.Form):
    closed_on = _date("完了日", required=True)
