"""The analyser (pure): the insurance user dictionary, normalised content words, cues, cosine."""

from __future__ import annotations

import pytest

from tsunagu.voice import text


@pytest.mark.parametrize(
    ("sentence", "kept"),
    [
        ("ロードサービスを呼んだのに来なかった", "ロードサービス"),
        ("等級が下がった理由を知りたい", "等級"),
        ("保険料控除証明書が届きません", "保険料控除証明書"),
        ("ノンフリート等級の説明がなかった", "ノンフリート等級"),
        ("事故対応がとても丁寧でした", "事故対応"),
        ("弁護士費用特約は使えますか", "弁護士費用特約"),
    ],
)
def test_insurance_terms_stay_whole(sentence, kept):
    words = text.content_words(sentence)
    assert kept in words
    assert text.uses_user_dictionary()


def test_the_core_dictionary_alone_would_split_a_listed_term():
    # Why the user dictionary exists: without it ロードサービス is two words.
    from sudachipy import Dictionary, SplitMode

    tokenizer = Dictionary(dict="core").tokenizer(mode=SplitMode.C)
    assert [m.surface() for m in tokenizer.tokenize("ロードサービス")] == ["ロード", "サービス"]


def test_content_words_are_normalised_without_stop_words_or_names():
    words = text.content_words("代理店の山田さんはとても親切で、説明も分かりやすかったです。対応が遅くて困りました")
    # 山田 (a person's name) and とても/です (not content words) are dropped; 遅く → 遅い, 困り → 困る.
    assert words == ["代理店", "親切", "説明", "分かる", "対応", "遅い", "困る"]


@pytest.mark.parametrize(
    ("comment", "negative"),
    [
        ("対応が遅くて不満です", True),
        ("何度電話してもつながらない", True),
        ("説明がなかったので納得できない", True),
        ("とても親切で安心しました", False),
        ("迅速に対応していただき感謝しています", False),
    ],
)
def test_dissatisfaction_cues(comment, negative):
    assert bool(text.dissatisfaction_cues(comment)) is negative


def test_fallback_merges_listed_terms_when_the_user_dictionary_is_missing():
    tokens = [("ロード", "ロード", ("名詞",)), ("サービス", "サービス", ("名詞",)), ("が", "が", ("助詞",))]
    merged = text._merge_terms(tokens, frozenset({"ロードサービス"}))
    assert [t[0] for t in merged] == ["ロードサービス", "が"]


def test_user_dictionary_csv_prefers_the_whole_compound():
    rows = text.user_dictionary_csv(["保険料", "保険料控除証明書"]).splitlines()
    costs = {row.split(",")[0]: int(row.split(",")[3]) for row in rows}
    assert costs["保険料控除証明書"] < costs["保険料"] * 2  # cheaper than its listed parts together
    assert min(costs.values()) >= -32768  # SudachiPy stores costs as i16


@pytest.mark.parametrize(
    ("query", "document", "expected"),
    [
        ({"a": 1}, {"a": 1}, 1.0),
        ({"a": 1}, {"b": 1}, 0.0),
        ({"a": 1, "b": 1}, {"a": 1, "c": 1}, 0.5),  # equal idf: one shared of two each
    ],
)
def test_cosine(query, document, expected):
    assert text.cosine(query, document, {"a": 1.0, "b": 1.0, "c": 1.0}) == pytest.approx(expected)


def test_cosine_weighs_rare_words_more():
    idfs = {"rare": 5.0, "common": 0.5, "x": 1.0}
    shares_rare = text.cosine({"rare": 1, "common": 1}, {"rare": 1, "x": 1}, idfs)
    shares_common = text.cosine({"rare": 1, "common": 1}, {"common": 1, "x": 1}, idfs)
    assert shares_rare > shares_common
