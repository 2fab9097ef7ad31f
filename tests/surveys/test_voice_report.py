"""manage.py voice_report: the interface acceptance checks use (keys, closed date range, agency,
Japanese errors with exit status 1 and no traceback)."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError

from tests.surveys.factories import cs_manager
from tests.surveys.helpers_results import claim_survey, holders, record_scores

pytestmark = pytest.mark.django_db

KEYS = {"n", "promoters", "passives", "detractors", "nps", "mean_satisfaction"}


def _report(*args: str) -> dict:
    out = StringIO()
    call_command("voice_report", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def world(hq_operator, org):
    survey = claim_survey(cs_manager())
    a_auto, _a_fire, b_auto, _b_fire = holders(hq_operator, [org["agency_a"], org["agency_b"]])
    record_scores(survey, a_auto, [10, 9, 7, 3], dt.date(2025, 4, 1))  # the first day of the range
    record_scores(survey, b_auto, [0, 10], dt.date(2025, 4, 30))  # the last day
    record_scores(survey, a_auto, [10], dt.date(2025, 3, 31))  # outside
    record_scores(survey, a_auto, [0], dt.date(2025, 5, 1))  # outside
    return org


def test_the_json_object_has_the_interface_keys_and_counts_the_closed_range(world):
    report = _report("--survey", "claim", "--from", "2025-04-01", "--to", "2025-04-30")
    assert report.keys() >= KEYS
    # 10 9 7 3 0 10: promoters 3, passives 1, detractors 2 → round(100 × 1/6) = 17
    assert {k: report[k] for k in KEYS} == {
        "n": 6,
        "promoters": 3,
        "passives": 1,
        "detractors": 2,
        "nps": 17,
        "mean_satisfaction": round((10 + 9 + 7 + 3 + 0 + 10) / 6, 2),
    }


def test_agency_filter(world):
    report = _report("--survey", "claim", "--from", "2025-04-01", "--to", "2025-04-30", "--agency", "B0001")
    assert (report["n"], report["promoters"], report["detractors"], report["nps"]) == (2, 1, 1, 0)
    assert report["agency"] == "B0001"


def test_an_empty_range_gives_zero_and_nulls(world):
    report = _report("--survey", "claim", "--from", "2024-01-01", "--to", "2024-01-31")
    assert (report["n"], report["nps"], report["mean_satisfaction"]) == (0, None, None)


def test_the_readable_table_is_japanese(world):
    out = StringIO()
    call_command("voice_report", "--survey", "claim", "--from", "2025-04-01", "--to", "2025-04-30", stdout=out)
    text = out.getvalue()
    assert "推奨者(9〜10): 3" in text
    assert "NPS: +17" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--survey", "nope", "--from", "2025-04-01", "--to", "2025-04-30"],
            "アンケートコード「nope」は登録されていません",
        ),
        (
            ["--survey", "claim", "--from", "2025-13-01", "--to", "2025-04-30"],
            "--from の日付「2025-13-01」が正しくありません",
        ),
        (
            ["--survey", "claim", "--from", "2025/04/01", "--to", "2025-04-30"],
            "--from の日付「2025/04/01」が正しくありません",
        ),
        (["--survey", "claim", "--from", "2025-04-01"], "--to を YYYY-MM-DD 形式で指定してください"),
        (["--survey", "claim", "--from", "2025-05-01", "--to", "2025-04-30"], "より後になっています"),
        (["--survey", "claim", "--from", "2025-04-01", "--to", "2025-04-30", "--agency", "ZZ"], "代理店コード「ZZ」"),
        (["--from", "2025-04-01", "--to", "2025-04-30"], "--survey にアンケートコードを指定してください"),
    ],
)
def test_bad_arguments_are_japanese_errors(world, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("voice_report", *args, "--json")


def test_an_error_exits_1_without_a_traceback(world, capsys):
    argv = ["manage.py", "voice_report", "--survey", "claim", "--from", "bad", "--to", "2025-01-01", "--json"]
    with pytest.raises(SystemExit) as exited:
        ManagementUtility(argv).execute()
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert "--from の日付「bad」が正しくありません" in err
    assert "Traceback" not in err
