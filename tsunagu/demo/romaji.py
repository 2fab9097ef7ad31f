"""Katakana → simple Hepburn romaji, enough to build plausible demo email addresses."""

from __future__ import annotations

_DIGRAPHS = {
    "キャ": "kya", "キュ": "kyu", "キョ": "kyo", "シャ": "sha", "シュ": "shu", "ショ": "sho", "チャ": "cha",
    "チュ": "chu", "チョ": "cho", "ニャ": "nya", "ニュ": "nyu", "ニョ": "nyo", "ヒャ": "hya", "ヒュ": "hyu",
    "ヒョ": "hyo", "ミャ": "mya", "ミュ": "myu", "ミョ": "myo", "リャ": "rya", "リュ": "ryu", "リョ": "ryo",
    "ギャ": "gya", "ギュ": "gyu", "ギョ": "gyo", "ジャ": "ja", "ジュ": "ju", "ジョ": "jo", "ビャ": "bya",
    "ビュ": "byu", "ビョ": "byo", "ピャ": "pya", "ピュ": "pyu", "ピョ": "pyo", "ティ": "ti", "ディ": "di",
    "ファ": "fa", "フィ": "fi", "フェ": "fe", "フォ": "fo", "ウィ": "wi", "ウェ": "we", "ヴァ": "va",
}  # fmt: skip
_MONO = dict(
    zip(
        "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲン"
        "ガギグゲゴザジズゼゾダヂヅデドバビブベボパピプペポヴァィゥェォャュョ",
        (
            "a i u e o ka ki ku ke ko sa shi su se so ta chi tsu te to na ni nu ne no ha hi fu he ho "
            "ma mi mu me mo ya yu yo ra ri ru re ro wa o n "
            "ga gi gu ge go za ji zu ze zo da ji zu de do ba bi bu be bo pa pi pu pe po vu a i u e o ya yu yo"
        ).split(),
        strict=True,
    )
)


def to_romaji(kana: str) -> str:
    """サトウ → satou, ハットリ → hattori, シュンスケ → shunsuke. Unknown characters are dropped."""
    out: list[str] = []
    double_next = False
    i = 0
    while i < len(kana):
        pair = kana[i : i + 2]
        if pair in _DIGRAPHS:
            syllable = _DIGRAPHS[pair]
            i += 2
        else:
            char = kana[i]
            i += 1
            if char == "ッ":
                double_next = True
                continue
            if char == "ー":
                continue
            syllable = _MONO.get(char, "")
        if double_next and syllable:
            syllable = ("t" if syllable.startswith("ch") else syllable[0]) + syllable
            double_next = False
        out.append(syllable)
    return "".join(out)
