"""A small synthetic generator of Japanese customer records for tests (no external data):
people with duplicates across sources (variants, typos, married names) and household members."""

from __future__ import annotations

import random

FAMILY = [("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"), ("田中", "タナカ"), ("渡辺", "ワタナベ"),
          ("伊藤", "イトウ"), ("山本", "ヤマモト"), ("中村", "ナカムラ"), ("小林", "コバヤシ"), ("加藤", "カトウ"),
          ("吉田", "ヨシダ"), ("山田", "ヤマダ"), ("佐々木", "ササキ"), ("松本", "マツモト"), ("井上", "イノウエ"),
          ("木村", "キムラ"), ("林", "ハヤシ"), ("斎藤", "サイトウ"), ("清水", "シミズ"), ("山崎", "ヤマザキ")]  # fmt: skip  # noqa: E501
GIVEN = [("太郎", "タロウ", "男"), ("花子", "ハナコ", "女"), ("一郎", "イチロウ", "男"), ("恵子", "ケイコ", "女"),
         ("健一", "ケンイチ", "男"), ("美咲", "ミサキ", "女"), ("翔太", "ショウタ", "男"), ("陽子", "ヨウコ", "女"),
         ("大輔", "ダイスケ", "男"), ("由美", "ユミ", "女"), ("誠", "マコト", "男"), ("裕子", "ユウコ", "女"),
         ("拓也", "タクヤ", "男"), ("直美", "ナオミ", "女"), ("浩", "ヒロシ", "男"), ("久美子", "クミコ", "女")]  # fmt: skip  # noqa: E501
VARIANTS = {"高": "髙", "崎": "﨑", "斎": "齋", "辺": "邊", "沢": "澤"}
CITIES = [("東京都", "千代田区", "100"), ("東京都", "世田谷区", "154"), ("大阪府", "大阪市北区", "530"),
          ("神奈川県", "横浜市中区", "231"), ("愛知県", "名古屋市中区", "460"), ("福岡県", "福岡市博多区", "812")]  # fmt: skip  # noqa: E501


def people(n: int, seed: int = 7) -> list[dict[str, str]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        family, fkana = rng.choice(FAMILY)
        given, gkana, gender = rng.choice(GIVEN)
        pref, city, zip3 = rng.choice(CITIES)
        out.append(
            {
                "person": str(i),
                "name": f"{family} {given}",
                "kana": f"{fkana} {gkana}",
                "birth": f"{rng.randint(1940, 2000)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                "gender": gender,
                "postal": f"{zip3}-{rng.randint(0, 9999):04d}",
                "address": f"{pref}{city}{rng.randint(1, 5)}-{rng.randint(1, 20)}-{rng.randint(1, 30)}",
                "phone": f"03-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
                "mobile": f"090-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
                "email": f"user{i}@example.jp",
            }
        )
    return out


def variant(p: dict[str, str], rng: random.Random) -> dict[str, str]:
    """The same person as another system holds them: variant kanji, hiragana, 和暦, formatting."""
    q = dict(p)
    q["name"] = "".join(VARIANTS.get(ch, ch) for ch in p["name"]) if rng.random() < 0.5 else p["name"].replace(" ", "")
    if rng.random() < 0.5:
        q["kana"] = "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in p["kana"])
    if rng.random() < 0.5:
        y, m, d = (int(x) for x in p["birth"].split("-"))
        if 1927 <= y <= 1988:
            q["birth"] = f"S{y - 1925}.{m}.{d}"
    q["phone"] = p["phone"].replace("-", "") if rng.random() < 0.5 else p["phone"]
    if rng.random() < 0.3:
        q["email"] = ""
    return q


def row(rid: str, p: dict[str, str]) -> list[str]:
    return [
        rid,
        p["name"],
        p["kana"],
        p["birth"],
        p["gender"],
        p["postal"],
        p["address"],
        p["phone"],
        p["mobile"],
        p["email"],
    ]
