"""Forms of the practice screens (Japanese labels and messages; the services re-check everything)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from tsunagu.core.input import TextCheckedForm, validate_text
from tsunagu.core.models import Agency, User
from tsunagu.customers.models import Relative

from . import elderly, intent
from .choices import ConfirmationMethod, MeasureKind, QualificationKind, RenewalOutcome, SessionKind
from .models import IntentRecord, RenewalProgress, TrainingSession
from .services import IntentInput, MeasureInput, RenewalInput

DATE = forms.DateInput(attrs={"type": "date"})
PRODUCT_ROWS = 4
YES_NO = [("", "—"), ("はい", "はい"), ("いいえ", "いいえ")]


def _intent_field(f: intent.IntentField, prefix: str) -> forms.Field:
    label = f"{prefix}: {f.label}"
    if f.kind == "choice":
        return forms.ChoiceField(label=label, required=False, choices=[("", "—"), *((o, o) for o in f.options)])
    if f.kind in ("yen", "years"):
        return forms.IntegerField(
            label=label,
            required=False,
            min_value=0 if f.kind == "yen" else 1,
            max_value=100_000_000 if f.kind == "yen" else intent.MAX_TERM_YEARS,
        )
    return forms.CharField(label=label, required=False, max_length=500)


class IntentForm(TextCheckedForm):
    """The structured intents of the policy's line (initial_*, final_*), then the rest of the record."""

    change_reason = forms.CharField(
        label="意向が変わった理由", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    narrowing_reason = forms.CharField(
        label="絞り込みの基準・理由", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    recommended_product = forms.CharField(label="推奨商品", required=False, max_length=200)
    recommendation_reason = forms.CharField(
        label="推奨理由", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    chose_recommended = forms.TypedChoiceField(
        label="お客さまの選択",
        choices=[("1", "推奨商品を選んだ"), ("0", "推奨商品以外を選んだ")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        initial="1",
    )
    chosen_product = forms.CharField(label="申込商品", required=False, max_length=200)
    non_recommended_reason = forms.CharField(
        label="推奨商品以外を選んだ理由", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    other_insurer = forms.BooleanField(label="申込商品は他社の商品", required=False)
    confirmed_on = forms.DateField(label="お客さまの意向確認日", required=False, widget=DATE)
    confirmation_method = forms.ChoiceField(
        label="意向確認の方法", required=False, choices=[("", "—"), *ConfirmationMethod.choices]
    )

    def __init__(self, *args: Any, line: str, record: IntentRecord | None = None, **kwargs: Any) -> None:
        if record is not None and "data" not in kwargs and not args:
            kwargs["initial"] = self.initial_from(record)
        super().__init__(*args, **kwargs)
        self.line = line
        for f in intent.fields_of(line):
            self.fields[f"initial_{f.key}"] = _intent_field(f, "当初意向")
            self.fields[f"final_{f.key}"] = _intent_field(f, "最終意向")
        for i in range(1, PRODUCT_ROWS + 1):
            self.fields[f"insurer_{i}"] = forms.CharField(
                label=f"提示商品{i}: 保険会社", required=False, max_length=100
            )
            self.fields[f"product_{i}"] = forms.CharField(label=f"提示商品{i}: 商品名", required=False, max_length=200)
            self.fields[f"premium_{i}"] = forms.IntegerField(
                label=f"提示商品{i}: 保険料(円)", required=False, min_value=0, max_value=100_000_000
            )
        for name, field in self.fields.items():
            if isinstance(field, forms.CharField) and name.startswith(("initial_", "final_", "insurer_", "product_")):
                field.validators.append(validate_text)

    @staticmethod
    def initial_from(record: IntentRecord) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "change_reason": record.change_reason,
            "narrowing_reason": record.narrowing_reason,
            "recommended_product": record.recommended_product,
            "recommendation_reason": record.recommendation_reason,
            "chose_recommended": "1" if record.chose_recommended else "0",
            "chosen_product": record.chosen_product,
            "non_recommended_reason": record.non_recommended_reason,
            "other_insurer": record.other_insurer,
            "confirmed_on": record.confirmed_on,
            "confirmation_method": record.confirmation_method,
        }
        for key, value in record.initial_intent.items():
            initial[f"initial_{key}"] = value
        for key, value in record.final_intent.items():
            initial[f"final_{key}"] = value
        for i, row in enumerate(record.products_presented[:PRODUCT_ROWS], start=1):
            initial[f"insurer_{i}"] = row.get("insurer", "")
            initial[f"product_{i}"] = row.get("product", "")
            initial[f"premium_{i}"] = row.get("premium")
        return initial

    def intent_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"initial_{f.key}"], self[f"final_{f.key}"]) for f in intent.fields_of(self.line)]

    def product_rows(self) -> list[tuple[forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [(self[f"insurer_{i}"], self[f"product_{i}"], self[f"premium_{i}"]) for i in range(1, PRODUCT_ROWS + 1)]

    def to_input(self) -> IntentInput:
        d = self.cleaned_data
        fields = intent.fields_of(self.line)
        products = [
            {"insurer": d[f"insurer_{i}"], "product": d[f"product_{i}"], "premium": d[f"premium_{i}"]}
            for i in range(1, PRODUCT_ROWS + 1)
            if d[f"product_{i}"] or d[f"insurer_{i}"] or d[f"premium_{i}"] is not None
        ]
        return IntentInput(
            initial_intent={f.key: d[f"initial_{f.key}"] for f in fields if d[f"initial_{f.key}"] not in (None, "")},
            final_intent={f.key: d[f"final_{f.key}"] for f in fields if d[f"final_{f.key}"] not in (None, "")},
            change_reason=d["change_reason"],
            products_presented=products,
            narrowing_reason=d["narrowing_reason"],
            recommended_product=d["recommended_product"],
            recommendation_reason=d["recommendation_reason"],
            chose_recommended=bool(d["chose_recommended"]),
            chosen_product=d["chosen_product"],
            non_recommended_reason=d["non_recommended_reason"],
            confirmed_on=d["confirmed_on"],
            confirmation_method=d["confirmation_method"],
            other_insurer=d["other_insurer"],
        )


class DoubleCheckForm(TextCheckedForm):
    note = forms.CharField(
        label="ダブルチェックの所見", required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class SolicitationForm(forms.Form):
    solicited_on = forms.DateField(label="募集日", widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["solicited_on"].initial = timezone.localdate()


class MeasureForm(TextCheckedForm):
    kind = forms.ChoiceField(label="対応", choices=[("", "—"), *MeasureKind.choices])
    done_on = forms.DateField(label="実施日", widget=DATE)
    relative = forms.ModelChoiceField(
        label="同席した登録親族", queryset=Relative.objects.none(), required=False, help_text="親族同席のとき"
    )
    second_agent = forms.ModelChoiceField(
        label="同行した募集人", queryset=User.objects.none(), required=False, help_text="複数募集人のとき"
    )
    recording_ref = forms.CharField(
        label="録音・録画の参照", required=False, max_length=200, help_text="録音・ビデオ面談のとき"
    )
    notes = forms.CharField(label="メモ", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, customer_id: int, agency_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["done_on"].initial = timezone.localdate()
        relative_field = self.fields["relative"]
        assert isinstance(relative_field, forms.ModelChoiceField)
        relative_field.queryset = Relative.objects.filter(customer_id=customer_id).order_by("id")
        agent_field = self.fields["second_agent"]
        assert isinstance(agent_field, forms.ModelChoiceField)
        agent_field.queryset = User.objects.filter(agency_id=agency_id, is_active=True).order_by("username")
        for key, question in elderly.CALL_QUESTIONS:
            self.fields[f"call_{key}"] = forms.ChoiceField(
                label=f"確認電話: {question}", choices=YES_NO, required=False
            )

    def call_fields(self) -> list[forms.BoundField]:
        return [self[f"call_{key}"] for key, _ in elderly.CALL_QUESTIONS]

    def to_input(self) -> MeasureInput:
        d = self.cleaned_data
        return MeasureInput(
            kind=d["kind"],
            done_on=d["done_on"],
            relative=d["relative"],
            second_agent=d["second_agent"],
            call_answers={key: d[f"call_{key}"] for key, _ in elderly.CALL_QUESTIONS if d[f"call_{key}"]},
            recording_ref=d["recording_ref"],
            notes=d["notes"],
        )


class RenewalForm(TextCheckedForm):
    agent = forms.ModelChoiceField(label="担当者", queryset=User.objects.none(), required=False)
    started_on = forms.DateField(label="着手日", required=False, widget=DATE)
    notice_sent_on = forms.DateField(label="満期案内の送付日", required=False, widget=DATE)
    first_contact_on = forms.DateField(label="初回接触日", required=False, widget=DATE)
    completed_on = forms.DateField(label="更改手続の完了日", required=False, widget=DATE)
    outcome = forms.ChoiceField(label="結果", choices=RenewalOutcome.choices)
    reviewed_coverage = forms.BooleanField(label="補償の見直しを実施", required=False)
    notes = forms.CharField(label="メモ", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, agency_id: int, progress: RenewalProgress | None = None, **kwargs: Any) -> None:
        if progress is not None and "data" not in kwargs and not args:
            kwargs["initial"] = {
                "agent": progress.agent_id,
                "started_on": progress.started_on,
                "notice_sent_on": progress.notice_sent_on,
                "first_contact_on": progress.first_contact_on,
                "completed_on": progress.completed_on,
                "outcome": progress.outcome,
                "reviewed_coverage": progress.reviewed_coverage,
                "notes": progress.notes,
            }
        super().__init__(*args, **kwargs)
        agent_field = self.fields["agent"]
        assert isinstance(agent_field, forms.ModelChoiceField)
        agent_field.queryset = User.objects.filter(agency_id=agency_id, is_active=True).order_by("username")

    def to_input(self, renewal_policy: Any = None) -> RenewalInput:
        d = self.cleaned_data
        return RenewalInput(
            agent=d["agent"],
            started_on=d["started_on"],
            notice_sent_on=d["notice_sent_on"],
            first_contact_on=d["first_contact_on"],
            completed_on=d["completed_on"],
            outcome=d["outcome"],
            renewal_policy=renewal_policy,
            reviewed_coverage=d["reviewed_coverage"],
            notes=d["notes"],
        )


def _people(field: forms.Field, agency_id: int | None) -> None:
    assert isinstance(field, forms.ModelChoiceField | forms.ModelMultipleChoiceField)
    qs = User.objects.filter(agency__isnull=False, is_active=True)
    field.queryset = qs.filter(agency_id=agency_id) if agency_id else qs.none()


class SessionForm(TextCheckedForm):
    agency = forms.ModelChoiceField(label="代理店", queryset=Agency.objects.none(), required=False)
    kind = forms.ChoiceField(label="種類", choices=SessionKind.choices)
    date = forms.DateField(label="開催日", widget=DATE)
    topic = forms.CharField(label="テーマ", max_length=200)
    notes = forms.CharField(label="内容", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    attendees = forms.ModelMultipleChoiceField(
        label="参加者", queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agency_field = self.fields["agency"]
        assert isinstance(agency_field, forms.ModelChoiceField)
        if user.agency_id:
            del self.fields["agency"]
        else:
            agency_field.queryset = Agency.objects.filter(is_active=True).order_by("code")
        raw = str(user.agency_id or (self.data.get("agency") if self.is_bound else "") or "")
        _people(self.fields["attendees"], int(raw) if raw.isdigit() else None)

    def clean_date(self) -> dt.date:
        day: dt.date = self.cleaned_data["date"]
        if day > timezone.localdate() + dt.timedelta(days=366):
            raise forms.ValidationError("開催日は1年以内の日付にしてください。")
        return day


class RolePlayForm(TextCheckedForm):
    person = forms.ModelChoiceField(label="募集人", queryset=User.objects.none())
    scored_on = forms.DateField(label="採点日", widget=DATE)
    theme = forms.CharField(label="テーマ", required=False, max_length=200)
    score = forms.IntegerField(label="点数", min_value=0, max_value=1000)
    session = forms.ModelChoiceField(label="研修", queryset=TrainingSession.objects.none(), required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        qs = User.objects.filter(agency__isnull=False, is_active=True).order_by("agency_id", "username")
        person_field = self.fields["person"]
        session_field = self.fields["session"]
        assert isinstance(person_field, forms.ModelChoiceField)
        assert isinstance(session_field, forms.ModelChoiceField)
        person_field.queryset = qs.filter(agency_id=user.agency_id) if user.agency_id else qs
        session_field.queryset = TrainingSession.objects.visible_to(user).order_by("-date")[:100]
        self.fields["scored_on"].initial = timezone.localdate()


class QualificationForm(forms.Form):
    person = forms.ModelChoiceField(label="取得者", queryset=User.objects.none())
    kind = forms.ChoiceField(label="資格", choices=QualificationKind.choices)
    acquired_on = forms.DateField(label="取得日", widget=DATE)
    expires_on = forms.DateField(label="有効期限", required=False, widget=DATE)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        qs = User.objects.filter(agency__isnull=False, is_active=True).order_by("agency_id", "username")
        person_field = self.fields["person"]
        assert isinstance(person_field, forms.ModelChoiceField)
        person_field.queryset = qs.filter(agency_id=user.agency_id) if user.agency_id else qs


class GuidanceForm(TextCheckedForm):
    trainee = forms.ModelChoiceField(label="指導を受けた人", queryset=User.objects.none())
    given_on = forms.DateField(label="指導日", widget=DATE)
    topic = forms.CharField(label="テーマ", max_length=200)
    content = forms.CharField(label="内容", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        qs = User.objects.filter(agency__isnull=False, is_active=True).order_by("agency_id", "username")
        trainee_field = self.fields["trainee"]
        assert isinstance(trainee_field, forms.ModelChoiceField)
        trainee_field.queryset = qs.filter(agency_id=user.agency_id) if user.agency_id else qs
