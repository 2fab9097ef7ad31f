"""normalize.split_legal_form: a Latin legal form followed by a branch (issue 16)."""

from __future__ import annotations

import pytest

from tsunagu.core import normalize


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Sky Tech Co., Ltd. 大阪支店", ("skytech", "kabushiki")),
        ("Blue Bridge Co., Ltd. 横浜市栄支店", ("bluebridge", "kabushiki")),
        ("Sky Tech Co., Ltd.大阪支店", ("skytech", "kabushiki")),  # no space before the branch
        ("Sky Tech Inc. 東京営業所", ("skytech", "kabushiki")),
        ("First Link LLC 名古屋工場", ("firstlink", "godo")),
        ("Sky Tech Co., Ltd. ABC支店", ("skytech", "kabushiki")),
        ("ＳＫＹ ＴＥＣＨ ＣＯ．，ＬＴＤ． 大阪支店", ("skytech", "kabushiki")),  # full width
    ],
)
def test_latin_legal_form_before_a_branch(name, expected):
    assert normalize.split_legal_form(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Sky Tech Co., Ltd.", ("skytech", "kabushiki")),
        ("山田工業株式会社 大阪支店", ("山田工業", "kabushiki")),
        ("株式会社山田工業 大阪支店", ("山田工業", "kabushiki")),
        ("Sky Tech 大阪支店", ("skytech", "")),  # no legal form: not a corporation by its name
        ("Sakura Inc. Tokyo", ("sakurainctokyo", "")),  # the form is not at the end (nor before a branch)
        ("田中太郎", ("田中太郎", "")),
    ],
)
def test_other_names_unchanged(name, expected):
    assert normalize.split_legal_form(name) == expected


def test_branch_keeps_the_key_of_the_head_office():
    head = normalize.split_legal_form("Sky Tech Co., Ltd.")
    assert normalize.split_legal_form("Sky Tech Co., Ltd. 大阪支店") == head
    assert normalize.is_corporate_name("Sky Tech Co., Ltd. 大阪支店")
