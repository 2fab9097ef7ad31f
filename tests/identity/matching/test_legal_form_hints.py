"""The vectorized legal-form hint (features._legal_form_hints) sends a row to corporate_keys wherever
normalize.may_have_legal_form would: a corporation it missed would be taken for a person."""

from __future__ import annotations

import itertools

import pandas as pd

from tsunagu.core import normalize
from tsunagu.identity.matching import features

NAMES = [
    "",
    "山田 太郎",
    "株式会社山田商事",
    "山田商事(株)",
    "㈱山田商事",
    "山田商事（株）",
    "有限会社ヤマダ",
    "合同会社さくら",
    "一般社団法人 日本協會",
    "Sakura Tech Co., Ltd.",
    "Ｓａｋｕｒａ",
    "Éclair",
    "会田 花子",
    "法子",
    "山\ufe00田",
    "ｶ)ﾔﾏﾀﾞ",
]
READINGS = [
    "",
    "ヤマダ タロウ",
    "やまだ たろう",
    "カブシキガイシャ ヤマダ",
    "かぶしきがいしゃやまだ",
    "ｶﾌﾞｼｷｶﾞｲｼｬﾔﾏﾀﾞ",
    "ｶ)ﾔﾏﾀﾞ",
    "(ｶ)ﾔﾏﾀﾞ",
    "ユウケ゛ンカ゛イシヤ",  # spacing dakuten
    "ゴウドウガイシ\u3000ヤ",
    "ゴウドウガイシ\u2028ヤ",  # a line separator between the kana: Python's \s, not RE2's
    "ゴウドウガイシ\ufe00ヤ",  # a variation selector, which nfkc removes
    "チ゛ヤ",  # チ + spacing dakuten: ヂヤ after nfkc
    "シンジ",
    "ジュンヤ",
]


def test_the_hint_is_true_wherever_the_rule_is():
    rows = list(itertools.product(NAMES, READINGS))
    names = pd.Series([n for n, _ in rows], dtype=object)
    readings = pd.Series([r for _, r in rows], dtype=object)
    hints = features._legal_form_hints(names, readings)
    expected = [normalize.may_have_legal_form(n, r) for n, r in rows]
    missed = [row for row, hint, rule in zip(rows, hints, expected, strict=True) if rule and not hint]
    assert missed == []
    # And it rejects what the rule rejects (persons), not everything.
    assert hints.sum() == sum(expected)


def test_a_corporation_is_still_keyed_and_a_person_is_not():
    frame = pd.DataFrame(
        {
            "record_id": ["1", "2", "3"],
            "source_system": ["A", "A", "A"],
            "name_kanji": ["山田商事(株)", "山田 太郎", None],
            "name_kana": [None, "ヤマダ タロウ", "ﾕｳｹﾞﾝｶﾞｲｼｬ ﾔﾏﾀﾞ"],
        }
    )
    prepared = features.prepare(frame)
    assert prepared["corp_form"].tolist()[0] == "kabushiki"
    assert pd.isna(prepared["corp_form"].tolist()[1])
    assert prepared["corp_form"].tolist()[2] == "yugen"
