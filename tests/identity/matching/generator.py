"""Synthetic Japanese customer records for the matching tests and the scale benchmark.

People live in households (same family name, address, postal code and home landline); each
person has one or more source records in varied notation, with realistic slips: unsplit names,
half-width or hiragana readings, 和暦 or compact birth dates, kanji variants, one-digit birth date
slips, kana typos, moves, changed phones and married-name changes (new family name, same given
name, birth date, mobile and email). Ground truth: `cluster_id` (person) and `household_id`;
`variations` lists the variations applied (analysis only).

The names come from tsunagu.demo.names (real frequencies on top, a long composed tail).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

import jaconv
import pandas as pd

from tsunagu.core.normalize import to_wareki
from tsunagu.demo import names

PREFECTURES = ("東京都", "神奈川県", "大阪府", "愛知県", "埼玉県", "千葉県", "兵庫県", "北海道", "福岡県", "静岡県")
CITIES = (
    "中央区", "港区", "世田谷区", "横浜市青葉区", "川崎市中原区", "名古屋市中区", "さいたま市浦和区",
    "船橋市", "神戸市灘区", "札幌市北区", "福岡市博多区", "静岡市葵区", "堺市北区", "八王子市", "町田市",
)  # fmt: skip
TOWNS = (
    "本町", "栄町", "緑が丘", "桜台", "旭町", "新町", "大手町", "霞ヶ関", "東山", "西野", "南台", "北沢",
    "若葉", "松原", "青葉台", "中野", "日吉", "元町", "宮前", "富士見",
)  # fmt: skip
BUILDINGS = ("ハイツ", "コーポ", "メゾン", "パーク", "シティ", "レジデンス")
SOURCES = ("agency", "policy", "claims", "web")
KANJI_DIGITS = "〇一二三四五六七八九"
EMAIL_DOMAINS = ("gmail.com", "docomo.ne.jp", "ezweb.ne.jp", "softbank.ne.jp", "yahoo.co.jp", "outlook.jp")


@dataclass
class Person:
    person_id: int
    household_id: int
    family: str
    family_kana: str
    given: str
    given_kana: str
    gender: str
    dob: tuple[int, int, int]
    mobile: str | None
    email: str | None
    address: tuple[str, str, str, int, int, int]  # pref, city, town, block numbers
    building: str | None
    postal: str
    landline: str | None


def _kanji_number(n: int) -> str:
    if n < 10:
        return KANJI_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else KANJI_DIGITS[tens]) + "十" + (KANJI_DIGITS[ones] if ones else "")


def _hira(text: str) -> str:
    return jaconv.kata2hira(text)


def _half(text: str) -> str:
    return jaconv.z2h(text, kana=True, ascii=False, digit=False)


class Generator:
    def __init__(self, seed: int = 1) -> None:
        self.rng = random.Random(seed)
        self.surnames = names.surname_pool()
        self.next_phone = 10_000_000

    def _phone(self, prefix: str) -> str:
        self.next_phone += self.rng.randint(1, 50)
        return prefix + f"{self.next_phone:08d}"

    def _landline(self) -> str:
        self.next_phone += self.rng.randint(1, 50)
        return "0" + self.rng.choice("3456") + f"{self.next_phone % 100_000_000:08d}"

    def _given(self, gender: str, year: int) -> tuple[str, str]:
        return names.given_name_pool(gender, names.era_of_birth_year(year)).pick(self.rng)

    def _dob(self) -> tuple[int, int, int]:
        return self.rng.randint(1935, 2004), self.rng.randint(1, 12), self.rng.randint(1, 28)

    def _address(self) -> tuple[tuple[str, str, str, int, int, int], str | None, str]:
        rng = self.rng
        address = (
            rng.choice(PREFECTURES),
            rng.choice(CITIES),
            rng.choice(TOWNS),
            rng.randint(1, 9),
            rng.randint(1, 30),
            rng.randint(1, 25),
        )
        building = f"{rng.choice(BUILDINGS)}{rng.randint(1, 12)}0{rng.randint(1, 9)}" if rng.random() < 0.4 else None
        return address, building, f"{rng.randint(100, 999)}{rng.randint(0, 9999):04d}"

    def people(self, count: int) -> list[Person]:
        rng = self.rng
        out: list[Person] = []
        household = 0
        while len(out) < count:
            household += 1
            family, family_kana = self.surnames.pick(rng)
            address, building, postal = self._address()
            landline = self._landline() if rng.random() < 0.6 else None
            size = rng.choices((1, 2, 3, 4), weights=(50, 25, 15, 10))[0]
            given_names: set[str] = set()
            for _member in range(size):
                gender = rng.choice(("male", "female"))
                dob = self._dob()
                given, given_kana = self._given(gender, dob[0])
                while given in given_names:  # siblings never share a given name
                    given, given_kana = self._given(gender, dob[0])
                given_names.add(given)
                mobile = self._phone(rng.choice(("090", "080", "070"))) if rng.random() < 0.8 else None
                email = f"u{len(out)}x{rng.randint(10, 99)}@{rng.choice(EMAIL_DOMAINS)}" if rng.random() < 0.6 else None
                out.append(
                    Person(
                        len(out),
                        household,
                        family,
                        family_kana,
                        given,
                        given_kana,
                        gender,
                        dob,
                        mobile,
                        email,
                        address,
                        building,
                        postal,
                        landline,
                    )
                )
                if len(out) >= count:
                    break
        return out

    def record(self, person: Person, tags: list[str]) -> dict[str, object]:
        """One source record of `person`, in a random notation, with the variations in `tags`."""
        rng = self.rng
        family, family_kana, given, given_kana = person.family, person.family_kana, person.given, person.given_kana
        year, month, day = person.dob
        mobile, email, landline = person.mobile, person.email, person.landline
        (pref, city, town, b1, b2, b3), building, postal = person.address, person.building, person.postal
        if "married_name" in tags:
            family, family_kana = self.surnames.pick(rng)
            if rng.random() < 0.5:
                tags.append("moved")
        if "moved" in tags:
            (pref, city, town, b1, b2, b3), building, postal = self._address()
            landline = self._landline() if landline else None
        if "itaiji" in tags:
            family = _variant(family)
        if "kana_typo" in tags and len(given_kana) > 1:
            i = rng.randrange(len(given_kana))
            given_kana = given_kana[:i] + rng.choice("アカサタナハマヤラ") + given_kana[i + 1 :]
        if "dob_typo" in tags:
            kind = rng.choice(("swap", "digit"))
            if kind == "swap" and day <= 12 and day != month:
                month, day = day, month
            else:
                day = day + 1 if day < 28 else day - 1
        if "phone_changed" in tags and mobile:
            mobile = self._phone("090")
        if "email_typo" in tags and email:
            i = rng.randrange(1, email.index("@"))
            email = email[:i] + email[i + 1 :]

        sep = rng.choice(("", " ", "\u3000"))
        tags.append({"": "namesep_none", " ": "namesep_half", "\u3000": "namesep_full"}[sep])
        kana_form = rng.choice(("zen", "han", "hira"))
        tags.append(f"kana_{kana_form}")
        kana = family_kana + sep + given_kana
        kana = {"zen": kana, "han": _half(kana), "hira": _hira(kana)}[kana_form]
        if "kana_missing" in tags:
            kana = ""
        dob_form = rng.choice(("iso", "slash", "compact", "wareki", "wareki_short"))
        tags.append(f"dob_{dob_form}")
        date = dt.date(year, month, day)
        birth = {
            "iso": date.isoformat(),
            "slash": f"{year}/{month}/{day}",
            "compact": f"{year}{month:02d}{day:02d}",
            "wareki": to_wareki(date),
            "wareki_short": _wareki_short(date),
        }[dob_form]
        postal_form = rng.choice(("hyphen", "compact", "mark"))
        tags.append(f"postal_{postal_form}")
        postal_text = {
            "hyphen": f"{postal[:3]}-{postal[3:]}",
            "compact": postal,
            "mark": f"〒{postal[:3]}-{postal[3:]}",
        }[postal_form]
        addr_form = rng.choice(("hyphen", "kanji", "kanji_num"))
        tags.append(f"addr_{addr_form}")
        block = {
            "hyphen": f"{b1}-{b2}-{b3}",
            "kanji": f"{b1}丁目{b2}番{b3}号",
            "kanji_num": f"{_kanji_number(b1)}丁目{_kanji_number(b2)}番{_kanji_number(b3)}号",
        }[addr_form]
        drop_pref = rng.random() < 0.3
        if drop_pref:
            tags.append("addr_no_pref")
        if building and rng.random() < 0.3:
            tags.append("addr_building_dropped")
            building = None
        address = ("" if drop_pref else pref) + city + town + block + ((" " + building) if building else "")
        phone = mobile if mobile and (not landline or rng.random() < 0.6) else landline
        phone_text = None
        if phone:
            form = rng.choice(("hyphen", "compact", "intl", "paren"))
            tags.append(f"phone_{form}")
            if form == "hyphen":
                phone_text = (
                    f"{phone[:3]}-{phone[3:7]}-{phone[7:]}"
                    if len(phone) == 11
                    else f"{phone[:2]}-{phone[2:6]}-{phone[6:]}"
                )
            elif form == "intl":
                phone_text = "+81-" + phone[1:]
            elif form == "paren":
                phone_text = f"({phone[:3]}){phone[3:7]}-{phone[7:]}"
            else:
                phone_text = phone
        return {
            "name_kanji": family + sep + given,
            "name_kana": kana,
            "birth_date": birth,
            "gender": rng.choice(("男", "M", "1")) if person.gender == "male" else rng.choice(("女", "F", "2")),
            "postal_code": postal_text,
            "address": address,
            "phone": phone_text,
            "email": email.upper() if email and rng.random() < 0.1 else email,
        }

    def records(self, people_count: int, *, dup_rate: float = 0.35) -> pd.DataFrame:
        rng = self.rng
        rows: list[dict[str, object]] = []
        slips = (
            ("itaiji", 0.04), ("kana_typo", 0.03), ("dob_typo", 0.02), ("married_name", 0.04), ("moved", 0.05),
            ("phone_changed", 0.04), ("email_typo", 0.02), ("kana_missing", 0.04),
        )  # fmt: skip
        for person in self.people(people_count):
            copies = 1
            while copies < 4 and rng.random() < (dup_rate if copies == 1 else 0.3):
                copies += 1
            for copy in range(copies):
                tags = ["orig" if copy == 0 else "dup"]
                if copy:
                    tags += [tag for tag, rate in slips if rng.random() < rate]
                row = self.record(person, tags)
                row.update(
                    record_id=f"S{len(rows):07d}",
                    cluster_id=person.person_id,
                    household_id=person.household_id,
                    source_system=rng.choice(SOURCES),
                    variations="|".join(tags),
                )
                rows.append(row)
        columns = ["record_id", "cluster_id", "household_id", "source_system", "name_kanji", "name_kana", "birth_date",
                   "gender", "postal_code", "address", "phone", "email", "variations"]  # fmt: skip
        return pd.DataFrame(rows, columns=columns)


_VARIANTS = {"高": "髙", "崎": "﨑", "斎": "齋", "辺": "邊", "沢": "澤", "浜": "濱", "島": "嶋", "国": "國", "広": "廣"}


def _variant(name: str) -> str:
    for i, ch in enumerate(name):
        if ch in _VARIANTS:
            return name[:i] + _VARIANTS[ch] + name[i + 1 :]
    return name


def _wareki_short(date: dt.date) -> str:
    for letter, start in (("R", dt.date(2019, 5, 1)), ("H", dt.date(1989, 1, 8)), ("S", dt.date(1926, 12, 25))):
        if date >= start:
            return f"{letter}{date.year - start.year + 1}.{date.month}.{date.day}"
    return date.isoformat()


def generate(people: int, *, seed: int = 1, dup_rate: float = 0.35) -> pd.DataFrame:
    """Records for `people` people (about 1.5 records per person)."""
    return Generator(seed).records(people, dup_rate=dup_rate)


def generate_records(count: int, *, seed: int = 1) -> pd.DataFrame:
    """About `count` records (people ≈ count / 1.5), cut to exactly `count`."""
    frame = generate(int(count / 1.48) + 10, seed=seed)
    return frame.iloc[:count].reset_index(drop=True)
