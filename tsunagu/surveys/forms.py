"""Forms of the survey screens: the definition (survey + a formset of questions), the answers
(built from a version's questions: the customer's web page and staff entry share it), staff entry
details, and the import upload. Messages are Japanese; the services validate again."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from tsunagu.core.input import TextCheckedForm, validate_text
from tsunagu.policies.models import Policy

from .answers import MAX_QUESTIONS, RANGES, QuestionSpec
from .choices import Channel, QuestionKind, SurveyPurpose
from .models import Question, Survey

REQUIRED = "入力してください。"
# The end labels of the 0–10 scales (what 0 and 10 mean), shown with the radio buttons.
END_LABELS = {
    QuestionKind.NPS: ("0 = まったくそう思わない", "10 = 非常にそう思う"),
    QuestionKind.SCALE: ("0 = 非常に不満", "10 = 非常に満足"),
    QuestionKind.RATING: ("1 = 悪い", "5 = 良い"),
}
CONSENT_CHOICES = [("yes", "はい"), ("no", "いいえ")]
_CHOICE_SPLIT = re.compile(r"[\r\n/／、,]+")


class SurveyForm(TextCheckedForm):
    code = forms.SlugField(
        label="アンケートコード",
        max_length=40,
        help_text="半角英数字とハイフン(例: claim、renewal)。結果の集計と取込で使います。作成後は変えられません。",
        error_messages={"required": REQUIRED, "invalid": "半角英数字・ハイフン・下線で入力してください。"},
    )
    name = forms.CharField(label="アンケート名", max_length=100, error_messages={"required": REQUIRED})
    purpose = forms.ChoiceField(label="種類", choices=SurveyPurpose.choices, error_messages={"required": REQUIRED})
    description = forms.CharField(label="説明(社内向け)", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    intro = forms.CharField(
        label="冒頭の案内文(お客さま向け)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            for name in ("code", "purpose"):
                self.fields[name].disabled = True
                self.fields[name].required = False


class QuestionForm(forms.Form):
    code = forms.SlugField(
        label="設問コード", max_length=40, error_messages={"invalid": "半角英数字・ハイフン・下線で入力してください。"}
    )
    # A blank first choice: the formset's empty extra rows must post nothing, or the browser's first
    # option would make every blank row "changed" and fail the required code and text.
    kind = forms.ChoiceField(
        label="形式",
        choices=[("", "選択してください"), *QuestionKind.choices],
        error_messages={"required": "形式を選んでください。", "invalid_choice": "形式を一覧から選んでください。"},
    )
    text = forms.CharField(label="設問文", max_length=300, validators=[validate_text])
    choices = forms.CharField(
        label="選択肢",
        required=False,
        help_text="単一選択のみ。「/」か改行で区切る(例: 良い/普通/悪い)",
        max_length=500,
    )
    is_driver = forms.BooleanField(label="満足度の要因", required=False)
    required = forms.BooleanField(label="必須", required=False)

    def spec(self) -> QuestionSpec:
        data = self.cleaned_data
        choices = tuple(c.strip() for c in _CHOICE_SPLIT.split(data.get("choices") or "") if c.strip())
        return QuestionSpec(
            code=data["code"],
            kind=data["kind"],
            text=data["text"],
            choices=choices,
            is_driver=bool(data.get("is_driver")),
            required=bool(data.get("required")),
        )


class BaseQuestionFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    def specs(self) -> list[QuestionSpec]:
        return [
            form.spec()
            for form in self.forms
            if form.has_changed() and form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


QuestionFormSet = forms.formset_factory(
    QuestionForm, formset=BaseQuestionFormSet, extra=2, can_delete=True, max_num=MAX_QUESTIONS, validate_max=True
)


def question_initial(questions: Sequence[Question]) -> list[dict[str, Any]]:
    return [
        {
            "code": q.code,
            "kind": q.kind,
            "text": q.text,
            "choices": "/".join(q.choices),
            "is_driver": q.is_driver,
            "required": q.required,
        }
        for q in questions
    ]


def field_name(code: str) -> str:
    return f"q_{code}"


def _answer_field(question: Question) -> forms.Field:
    common: dict[str, Any] = {
        "label": question.text,
        "required": question.required,
        "error_messages": {"required": "回答を選んでください。" if question.kind != QuestionKind.TEXT else REQUIRED},
    }
    if question.kind in RANGES:
        low, high = RANGES[question.kind]
        left, right = END_LABELS[QuestionKind(question.kind)]
        return forms.ChoiceField(
            choices=[(str(n), str(n)) for n in range(low, high + 1)],
            widget=forms.RadioSelect(attrs={"class": "scale"}),
            help_text=f"{left}、{right}",
            **common,
        )
    if question.kind == QuestionKind.CHOICE:
        return forms.ChoiceField(choices=[(c, c) for c in question.choices], widget=forms.RadioSelect, **common)
    if question.kind == QuestionKind.CONSENT:
        return forms.ChoiceField(choices=CONSENT_CHOICES, widget=forms.RadioSelect, **common)
    return forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), max_length=2000, validators=[validate_text], **common
    )


class AnswerForm(forms.Form):
    """One field per question (`q_<code>`); `answers()` gives {code: value} for responses_record."""

    def __init__(self, *args: Any, questions: Sequence[Question], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for question in self.questions:
            self.fields[field_name(question.code)] = _answer_field(question)

    def answers(self) -> dict[str, Any]:
        answers: dict[str, Any] = {}
        for question in self.questions:
            value = self.cleaned_data.get(field_name(question.code))
            if value in (None, ""):
                continue
            answers[question.code] = (value == "yes") if question.kind == QuestionKind.CONSENT else value
        return answers

    def add_service_error(self, error: ValidationError) -> None:
        """Errors keyed by question code go beside their question; the rest into the summary."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for code, errors in error.error_dict.items():
            name = field_name(code)
            for item in errors:
                self.add_error(name if name in self.fields else None, ValidationError(item.messages))


class EntryForm(TextCheckedForm):
    """How a staff-entered answer arrived (postcard or phone), when, and about which policy."""

    channel = forms.ChoiceField(
        label="回答方法",
        choices=[(Channel.POST.value, Channel.POST.label), (Channel.PHONE.value, Channel.PHONE.label)],
        widget=forms.RadioSelect,
        error_messages={"required": "回答方法を選んでください。"},
    )
    answered_on = forms.DateField(
        label="回答日",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": REQUIRED, "invalid": "日付は 2026-06-10 の形で入力してください。"},
    )
    policy = forms.ModelChoiceField(
        label="対象の契約", queryset=Policy.objects.none(), required=False, empty_label="(契約を指定しない)"
    )

    def __init__(self, *args: Any, policies: Sequence[Policy] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["policy"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Policy.objects.filter(pk__in=[p.pk for p in policies]).order_by("-inception")
        field.label_from_instance = lambda p: f"{p.number} {p.get_line_display()}"  # type: ignore[method-assign,assignment]
        if not self.is_bound:
            self.initial.setdefault("answered_on", timezone.localdate())

    def clean_answered_on(self) -> dt.date:
        day: dt.date = self.cleaned_data["answered_on"]
        if day > timezone.localdate():
            raise ValidationError("回答日に未来の日付は入力できません。")
        return day


class ImportForm(forms.Form):
    survey = forms.ModelChoiceField(
        label="アンケート",
        queryset=Survey.objects.order_by("code"),
        error_messages={"required": "アンケートを選んでください。"},
    )
    file = forms.FileField(
        label="結果ファイル(CSV・XLSX)",
        help_text="1行目は見出し: policy_number,answered_on,nps,satisfaction,comment"
        "(ほかの設問コードの列、customer_number も可)。CSVは UTF-8(BOM付き可)。",
        error_messages={"required": "ファイルを選んでください。", "empty": "ファイルが空です。"},
    )


class OptOutForm(TextCheckedForm):
    """Staff record that the customer asked not to receive surveys (アンケート辞退)."""

    since = forms.DateField(
        label="辞退の申し出日",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": REQUIRED, "invalid": "日付は 2026-06-10 の形で入力してください。"},
    )
    note = forms.CharField(
        label="備考",
        required=False,
        max_length=200,
        help_text="申し出の経緯など(200文字以内。例: 電話で申し出、はがきに記入)",
        error_messages={"max_length": "備考は200文字以内で入力してください。"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("since", timezone.localdate())

    def clean_since(self) -> dt.date:
        day: dt.date = self.cleaned_data["since"]
        if day > timezone.localdate():
            raise ValidationError(
                f"辞退の申し出日({day:%Y/%m/%d})が未来の日付です。申し出のあった日を入力してください。"
            )
        return day


class OptInForm(TextCheckedForm):
    """Staff withdraw the opt-out (the customer agrees to surveys again)."""

    note = forms.CharField(
        label="取消の理由",
        max_length=200,
        help_text="例: お客さまから再開の申し出(電話)",
        error_messages={"required": "取消の理由を入力してください。", "max_length": "200文字以内で入力してください。"},
    )


class LookupForm(forms.Form):
    """The postcard/phone entry screen: find the customer by the postcard's 回答番号 or a policy number."""

    q = forms.CharField(
        label="回答番号または証券番号",
        max_length=40,
        help_text="はがきに印字された回答番号(Q から始まる10桁。例: Q000001234)か、証券番号を入力してください。",
        error_messages={
            "required": "回答番号または証券番号を入力してください。",
            "max_length": "40文字以内で入力してください。",
        },
    )
