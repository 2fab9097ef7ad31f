"""The UI kit's format filters (STYLE.md § Screens): one format each, tolerant of None, "" and strings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template

from tsunagu.core.templatetags import tsunagu as t

UTC = dt.UTC
TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(2026, 12, 4), "2026/12/04"),
        (dt.date(1, 1, 1), "0001/01/01"),
        (dt.datetime(2026, 12, 4, 16, 0, tzinfo=UTC), "2026/12/05"),  # 01:00 on the 5th in Tokyo
        (dt.datetime(2026, 12, 4, 9, 0), "2026/12/04"),  # naive: as given
        ("2026-12-05", "2026/12/05"),
        ("2026-12-04T23:30:00+00:00", "2026/12/05"),
        (None, ""),
        ("", ""),
        ("不明", "不明"),
        ("2026-13-01", "2026-13-01"),
    ],
)
def test_ymd(value, expected):
    assert t.ymd(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.datetime(2026, 12, 4, 5, 5, tzinfo=UTC), "2026/12/04 14:05"),
        (dt.datetime(2026, 12, 4, 14, 5, tzinfo=TOKYO), "2026/12/04 14:05"),
        (dt.date(2026, 12, 4), "2026/12/04"),
        ("2026-12-04T05:05:00+00:00", "2026/12/04 14:05"),
        (None, ""),
        ("", ""),
        ("abc", "abc"),
    ],
)
def test_ymd_hm(value, expected):
    assert t.ymd_hm(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.datetime(2026, 12, 4, 5, 5, tzinfo=UTC), "14:05"),
        (dt.time(9, 3), "09:03"),
        (None, ""),
        ("", ""),
        ("x", "x"),
    ],
)
def test_hm(value, expected):
    assert t.hm(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(1970, 3, 1), "昭和45年3月1日"),
        (dt.date(2019, 5, 1), "令和元年5月1日"),
        (dt.date(2026, 12, 4), "令和8年12月4日"),
        ("1989-01-08", "平成元年1月8日"),
        (dt.date(1800, 1, 1), "1800/01/01"),  # before Meiji: no era, no error
        (None, ""),
        ("", ""),
        ("?", "?"),
    ],
)
def test_wareki(value, expected):
    assert t.wareki(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2318931", "〒231-8931"),
        ("231-8931", "〒231-8931"),
        ("〒231-8931", "〒231-8931"),
        ("２３１８９３１", "〒231-8931"),
        ("12-34", "〒12-34"),
        (None, ""),
        ("", ""),
        ("  ", ""),
    ],
)
def test_postal(value, expected):
    assert t.postal(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0312345678", "03-1234-5678"),
        ("09012345678", "090-1234-5678"),
        ("+81 3 1234 5678", "03-1234-5678"),
        ("０３１２３４５６７８", "03-1234-5678"),
        ("045-123-4567", "045-123-4567"),  # written with hyphens: kept
        ("***-****-5678", "***-****-5678"),  # masked: kept
        ("123", "123"),
        (None, ""),
        ("", ""),
    ],
)
def test_phone(value, expected):
    assert t.phone(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (12345, "¥12,345"),
        (0, "¥0"),
        (-500, "-¥500"),
        (Decimal("1234.00"), "¥1,234"),
        ("12345", "¥12,345"),
        ("1,234", "¥1,234"),
        (None, ""),
        ("", ""),
        ("不明", "不明"),
        ("NaN", "NaN"),
        (float("inf"), "inf"),
    ],
)
def test_yen(value, expected):
    assert t.yen(value) == expected


def test_filters_in_a_template():
    template = Template(
        "{% load tsunagu %}{{ d|ymd }} {{ m|ymd_hm }} {{ m|hm }} {{ d|wareki }} "
        "{{ p|postal }} {{ ph|phone }} {{ y|yen }}"
    )
    html = template.render(
        Context(
            {
                "d": dt.date(2026, 12, 5),
                "m": dt.datetime(2026, 12, 4, 5, 5, tzinfo=UTC),
                "p": "2318931",
                "ph": "0312345678",
                "y": 12345,
            }
        )
    )
    assert html == "2026/12/05 2026/12/04 14:05 14:05 令和8年12月5日 〒231-8931 03-1234-5678 ¥12,345"


# --- the partials: every input has a label, errors once each, linked to their fields -------------

from django import forms  # noqa: E402
from django.template.loader import render_to_string  # noqa: E402
from django.test import RequestFactory  # noqa: E402


class SampleForm(forms.Form):
    name = forms.CharField(
        label="氏名", help_text="戸籍上の表記", error_messages={"required": "氏名を入力してください。"}
    )
    note = forms.CharField(label="備考", required=False)
    agree = forms.BooleanField(label="同意する", required=False)
    kind = forms.ChoiceField(label="種別", choices=[("a", "自宅"), ("b", "携帯")], widget=forms.RadioSelect)

    def clean(self):
        self.add_error(None, "同じ電話番号が登録されています。")
        return self.cleaned_data


def test_field_partial_labels_marks_and_describes():
    form = SampleForm(data={"note": "x"})
    assert not form.is_valid()
    html = render_to_string("ui/field.html", {"field": form["name"]})
    assert '<label for="id_name">氏名 <span class="required">必須</span></label>' in html
    assert '<p class="help" id="id_name_helptext">戸籍上の表記</p>' in html
    assert '<p class="field-error" id="id_name_error">氏名を入力してください。</p>' in html
    assert 'aria-describedby="id_name_helptext id_name_error"' in html
    assert 'aria-invalid="true"' in html
    optional = render_to_string("ui/field.html", {"field": form["note"]})
    assert "必須" not in optional
    assert 'value="x"' in optional
    checkbox = render_to_string("ui/field.html", {"field": form["agree"]})
    assert '<label for="id_agree">同意する</label>' in checkbox
    radios = render_to_string("ui/field.html", {"field": form["kind"]})
    assert "<legend>種別 <span" in radios
    assert "<fieldset" in radios


def test_error_summary_lists_each_error_once_with_a_link():
    form = SampleForm(data={})
    assert not form.is_valid()
    html = render_to_string("ui/form.html", {"form": form})
    assert html.count("氏名を入力してください。") == 2  # summary link + beside the field
    assert '<a href="#id_name">氏名: 氏名を入力してください。</a>' in html
    assert html.count("同じ電話番号が登録されています。") == 1  # non-field errors: only in the summary
    assert 'role="alert"' in html
    assert "data-error-summary" in html
    assert render_to_string("ui/form_errors.html", {"form": SampleForm()}).strip() == ""


def test_pagination_keeps_the_query():
    from django.core.paginator import Paginator

    request = RequestFactory().get("/x/", {"q": "山田", "page": "2"})
    page = Paginator(list(range(60)), 20).page(2)
    html = render_to_string("ui/pagination.html", {"page": page, "request": request})
    assert 'href="?q=%E5%B1%B1%E7%94%B0&amp;page=1"' in html
    assert 'href="?q=%E5%B1%B1%E7%94%B0&amp;page=3"' in html
    assert "2 / 3 ページ(全60件)" in html
    single = Paginator([1], 20).page(1)
    assert render_to_string("ui/pagination.html", {"page": single, "request": request}).strip() == ""


def test_badge_and_empty_state():
    assert (
        render_to_string("ui/badge.html", {"label": "期限超過 3日", "tone": "danger"})
        .strip()
        .endswith('<span class="badge danger">期限超過 3日</span>')
    )
    row = render_to_string("ui/empty.html", {"message": "案件はありません。", "colspan": 4})
    assert '<td colspan="4">案件はありません。</td>' in row
    context = {"message": "なし", "action_url": "/cases/new/", "action_label": "案件を開始"}
    block = render_to_string("ui/empty.html", context)
    assert '<a class="button" href="/cases/new/">案件を開始</a>' in block


def test_sort_header_toggles_direction():
    request = RequestFactory().get("/x/", {"sort": "opened_at", "page": "4"})
    context = {"key": "opened_at", "label": "受付日", "sort": "opened_at", "request": request}
    html = render_to_string("ui/th_sort.html", context)
    assert 'aria-sort="ascending"' in html
    assert 'href="?sort=-opened_at"' in html
