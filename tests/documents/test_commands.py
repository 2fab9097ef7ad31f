"""The command-line interfaces the acceptance checks and operators use."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tsunagu.documents.models import Document

from .conftest import ISSUE_DATE

ROOT = Path(__file__).resolve().parents[2]


def amounts(*args: str) -> dict:
    out = io.StringIO()
    call_command("deduction_amounts", *args, stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(
            ["--earthquake", "30000"], {"income_tax": 30_000, "resident_tax": 15_000}, id="E30000 -> 30000/15000"
        ),
        pytest.param(
            ["--earthquake", "60000", "--old-long-term", "12000"],
            {"income_tax": 50_000, "resident_tax": 25_000},
            id="E60000 L12000 -> combined caps 50000/25000",
        ),
        pytest.param(
            ["--earthquake", "10000", "--old-long-term", "12000"],
            {"income_tax": 21_000, "resident_tax": 13_500},
            id="E10000 L12000 -> 10000+11000 / 5000+8500",
        ),
        pytest.param(
            ["--old-long-term", "１５，０００円"],
            {"income_tax": 12_500, "resident_tax": 10_000},
            id="full-width L15000",
        ),
        pytest.param(
            ["--old-long-term", "10001", "--rounding", "down"],
            {"income_tax": 10_000, "resident_tax": 7_500},
            id="rounding down: 10000.5 -> 10000",
        ),
    ],
)
def test_deduction_amounts(args, expected):
    assert amounts(*args) == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--earthquake", "abc"], "0以上の整数", id="non-numeric"),
        pytest.param(["--earthquake=-1"], "負の金額", id="negative"),
        pytest.param(["--old-long-term", "1.5"], "0以上の整数", id="fraction"),
        pytest.param(["--earthquake", "1", "--tax-year", "2000"], "2000年分", id="no rules for 2000"),
    ],
)
def test_deduction_amounts_refuses_bad_input(args, message):
    with pytest.raises(CommandError, match=message):
        amounts(*args)


def test_deduction_amounts_exit_codes():
    ok = subprocess.run(
        [sys.executable, "manage.py", "deduction_amounts", "--earthquake", "60000", "--old-long-term", "12000"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0
    assert json.loads(ok.stdout) == {"income_tax": 50_000, "resident_tax": 25_000}
    bad = subprocess.run(
        [sys.executable, "manage.py", "deduction_amounts", "--earthquake", "-5"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode != 0
    assert "負の金額" in bad.stderr


def test_deduction_certificates_command(hq_operator, book, settings, tmp_path):
    settings.TSUNAGU_DOCUMENT_DIR = tmp_path / "docs"
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "deduction_certificates",
        "--tax-year",
        "2026",
        "--issue-date",
        ISSUE_DATE.isoformat(),
        "--actor",
        hq_operator.username,
        "--workers",
        "0",
        stdout=out,
        stderr=err,
    )
    assert "発行 2件" in out.getvalue()
    assert "例外 2件" in out.getvalue()
    assert Document.objects.count() == 2
    assert (tmp_path / "docs" / "deduction" / "2026" / "reports").is_dir()


def test_deduction_certificates_command_for_the_printing_vendor(hq_operator, book, settings, tmp_path):
    settings.TSUNAGU_DOCUMENT_DIR = tmp_path / "docs"
    out = io.StringIO()
    args = ["--tax-year", "2026", "--issue-date", ISSUE_DATE.isoformat(), "--workers", "0", "--vendor-prints"]
    call_command("deduction_certificates", *args, stdout=out, stderr=io.StringIO())
    assert "発行 2件" in out.getvalue()
    mailed = Document.objects.get(delivery_channel="post")
    assert mailed.storage_key.endswith(".csv")
    assert not list((tmp_path / "docs" / "deduction" / "2026" / "print").glob("*.pdf"))
    assert Document.objects.get(delivery_channel="electronic").storage_key.endswith(".pdf")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--tax-year", "2026", "--issue-date", "2026/10/15"], "YYYY-MM-DD", id="bad date"),
        pytest.param(["--tax-year", "2026", "--issue-date", "2025-10-15"], "より前", id="issue before year"),
        pytest.param(["--tax-year", "2026", "--actor", "nobody"], "見つかりません", id="unknown actor"),
    ],
)
def test_deduction_certificates_refuses_bad_input(db, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("deduction_certificates", *args, stdout=io.StringIO(), stderr=io.StringIO())
