"""`manage.py agency_kpis`: the JSON interface acceptance checks use, and Japanese errors."""

from __future__ import annotations

import json
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tsunagu.kpis import definitions

pytestmark = pytest.mark.django_db


def _run(*args: str) -> list[dict]:
    out = StringIO()
    call_command("agency_kpis", *args, stdout=out)
    return json.loads(out.getvalue())


def test_json_lists_the_company_and_every_agency(book):
    rows = _run("--fiscal-year", "2025", "--json")
    assert all(set(r) == {"agency", "kpi", "value", "numerator", "denominator", "target"} for r in rows)
    assert {r["agency"] for r in rows} == {None, "A0001", "B0001"}
    keys = {r["kpi"] for r in rows if r["agency"] is None}
    assert keys >= set(definitions.REQUIRED_KEYS)
    by = {(r["agency"], r["kpi"]): r for r in rows}
    assert by[("A0001", "face_to_face_rate")] == {
        "agency": "A0001",
        "kpi": "face_to_face_rate",
        "value": 75.0,
        "numerator": 3,
        "denominator": 4,
        "target": None,
    }
    assert by[(None, "agency_accident_window_rate")]["numerator"] == 2
    assert by[(None, "agency_accident_window_rate")]["denominator"] == 4


def test_one_agency(book):
    rows = _run("--fiscal-year", "2025", "--agency", "B0001", "--json")
    assert {r["agency"] for r in rows} == {"B0001"}
    by = {r["kpi"]: r for r in rows}
    assert (by["face_to_face_rate"]["numerator"], by["face_to_face_rate"]["denominator"]) == (0, 2)


def test_text_output(book):
    out = StringIO()
    call_command("agency_kpis", "--fiscal-year", "2025", stdout=out)
    assert "対面募集率" in out.getvalue()
    assert "2025年度" in out.getvalue()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "年度"),
        (("--fiscal-year", "20x5"), "西暦4桁"),
        (("--fiscal-year", "1800"), "2000〜2100"),
        (("--fiscal-year", "2025", "--agency", "NOPE"), "代理店コード「NOPE」"),
    ],
)
def test_bad_arguments_are_japanese_command_errors(org, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("agency_kpis", *args, "--json")


def test_unknown_option_exits_non_zero_with_japanese_and_no_traceback():
    done = subprocess.run(
        [sys.executable, "manage.py", "agency_kpis", "--fiscal-year", "2025", "--bogus"],
        capture_output=True,
        text=True,
        env={"DJANGO_SETTINGS_MODULE": "tsunagu.config.settings_dev", "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert done.returncode != 0
    assert "引数が正しくありません" in done.stderr
    assert "Traceback" not in done.stderr
