"""Demo 名寄せ: three source systems, their files imported and matched by the identity services.

- 契約管理システム (KEIYAKU, deduplicated, verified names and birth dates): one record per sampled
  existing individual customer, in the contract system's notation (external id `C<customer id>`).
- 代理店システム (DAIRITEN, Shift_JIS file, single 氏名 column, 和暦 birth dates): copies of some
  of those customers with what agencies really type — 斉藤/齋藤-style variants, one-character
  typos, moves, married names, phone formats — a few people registered twice, and new prospects.
- Web申込 (WEB): mostly new people, some existing customers (half-width kana, phone without
  hyphens, an address typed differently) and some of the agency prospects applying online.
- Owner-run companies (代理店システム): a few companies run from an existing customer's home
  (株式会社<姓>工務店 at the customer's address, one with the home's landline), so that the
  review queue's 関連候補(法人と代表者) tab has candidates (issue 16: related, never merged).

Then the steward's full match run (`match_run_execute`, as `manage.py match_records` runs it):
the model is trained on these records and the identity app's customer ledger (every customer as a
`TSUNAGU` record), pairs above the auto-link threshold attach the records to the existing customers,
the review band waits in /identity/review/, new people become new customers. Nothing is linked by
hand: every link is the matcher's.
Deterministic per seed; the volume is bounded (at most about 1,100 records) whatever the book size.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import random
import time
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from tsunagu.core.models import User
from tsunagu.customers.choices import CustomerKind, PhoneKind
from tsunagu.customers.models import Customer
from tsunagu.identity import engine
from tsunagu.identity.choices import PairKind, PairStatus, RunKind
from tsunagu.identity.models import CandidatePair, MatchRun, SourceRecord
from tsunagu.identity.services.importing import records_import
from tsunagu.identity.services.matching import match_run_execute
from tsunagu.identity.services.sources import mapping_profile_save, source_system_register

from ..names import SURNAME_VARIANTS, era_of_birth_year, given_name_pool, surname_pool
from ..places import PREFECTURE_TABLE

KEIYAKU, DAIRITEN, WEB = "KEIYAKU", "DAIRITEN", "WEB"
# Below this book size there is no 名寄せ demo: the model needs a population to learn from (and
# small test loads stay fast and keep exactly the customers they asked for).
MIN_CUSTOMERS = 500
# Above it neither: a full run also matches every existing customer (the identity app's customer
# ledger): about 30 s of CPU at 10,000 customers (2 minutes on the shared 2-core machine), which
# would take the 10,000-customer load out of its speed class (docs/demo-data.md). A book built in
# steps keeps the 名寄せ data of its first, smaller load.
MAX_CUSTOMERS = 5_000
MAX_KEIYAKU = 600  # records of existing customers in the contract system
DAIRITEN_COPIES, DAIRITEN_NEW, DAIRITEN_TWICE = 70, 45, 6
WEB_COPIES, WEB_NEW, WEB_PROSPECTS = 30, 50, 8
OWNER_COMPANIES = 2
BUSINESSES = (("工務店", "コウムテン"), ("商店", "ショウテン"), ("設計", "セッケイ"), ("運送", "ウンソウ"))

SOURCES: tuple[dict[str, Any], ...] = (
    {
        "code": KEIYAKU,
        "name": "契約管理システム",
        "priority": 10,
        "verified_fields": ["name_kanji", "family_name", "given_name", "birth_date"],
        "deduplicated": True,
        "profile": "契約者マスタ",
        "encoding": "utf-8-sig",
        "columns": {
            "契約者番号": "record_id",
            "契約者姓": "family_name",
            "契約者名": "given_name",
            "契約者姓カナ": "family_kana",
            "契約者名カナ": "given_kana",
            "生年月日": "birth_date",
            "性別": "gender",
            "郵便番号": "postal_code",
            "住所": "address",
            "自宅電話": "phone",
            "携帯電話": "mobile",
            "メールアドレス": "email",
        },
    },
    {
        "code": DAIRITEN,
        "name": "代理店システム",
        "priority": 30,
        "verified_fields": [],
        "deduplicated": False,
        "profile": "代理店顧客台帳",
        "encoding": "cp932",
        "columns": {
            "顧客コード": "record_id",
            "氏名": "name_kanji",
            "フリガナ": "name_kana",
            "生年月日": "birth_date",
            "性別": "gender",
            "〒": "postal_code",
            "住所": "address",
            "TEL": "phone",
            "携帯": "mobile",
        },
    },
    {
        "code": WEB,
        "name": "Web申込",
        "priority": 50,
        "verified_fields": [],
        "deduplicated": False,
        "profile": "Web申込フォーム",
        "encoding": "",
        "columns": {
            "申込ID": "record_id",
            "お名前(姓)": "family_name",
            "お名前(名)": "given_name",
            "フリガナ(セイ)": "family_kana",
            "フリガナ(メイ)": "given_kana",
            "生年月日": "birth_date",
            "郵便番号": "postal_code",
            "住所": "address",
            "電話番号": "mobile",
            "メールアドレス": "email",
        },
    },
)

TOWNS = ("本町", "中央", "栄町", "緑町", "旭町", "若葉", "桜台", "東町", "西町", "南町", "寿町", "泉町", "松ケ丘")
# Characters agencies often mistype for each other (one-character typos in names).
LOOKALIKE = {"子": "了", "太": "大", "郎": "朗", "美": "実", "恵": "惠", "一": "市", "二": "次", "也": "哉", "史": "文"}
MARRIED_NAMES = ("佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤", "吉田", "山田")
MARRIED_KANA = (
    "サトウ",
    "スズキ",
    "タカハシ",
    "タナカ",
    "イトウ",
    "ワタナベ",
    "ヤマモト",
    "ナカムラ",
    "コバヤシ",
    "カトウ",
    "ヨシダ",
    "ヤマダ",
)
ERAS = ((dt.date(2019, 5, 1), "令和", 2018), (dt.date(1989, 1, 8), "平成", 1988), (dt.date(1926, 12, 25), "昭和", 1925))


@dataclass
class Person:
    """One person as a source system sees them (strings in that system's notation come later)."""

    family: str
    given: str
    family_kana: str
    given_kana: str
    birth: dt.date | None
    gender: str  # male / female / ""
    postal: str  # 7 digits
    address: str
    phone: str  # landline digits, or ""
    mobile: str  # mobile digits, or ""
    email: str
    customer_id: int | None = None
    variant: str = ""  # what was changed from the customer (for the report and the tests)


@dataclass
class IdentityResult:
    records: int = 0
    run_id: int | None = None
    run_status: str = ""
    pairs: int = 0
    auto_linked: int = 0
    review: int = 0  # 名寄せ候補 in review
    related: int = 0  # 関連候補(法人と代表者) in review
    new_customers: int = 0
    seconds: float = 0.0
    variants: dict[str, int] = field(default_factory=dict)
    stage_started: dict[str, float] = field(default_factory=dict)  # seconds from the start, per run stage


def _person_of(customer: Customer) -> Person:
    address = next((a for a in customer.addresses.all() if a.is_primary), None)
    phones = list(customer.phones.all())
    mobile = next((p.digits for p in phones if p.kind == PhoneKind.MOBILE), "")
    phone = next((p.digits for p in phones if p.kind == PhoneKind.HOME), "")
    email = next((e.address for e in customer.emails.all() if e.is_primary), "")
    family_kana, _, given_kana = customer.name_kana.partition(" ")
    return Person(
        family=customer.family_name,
        given=customer.given_name,
        family_kana=family_kana,
        given_kana=given_kana,
        birth=customer.birth_date,
        gender=customer.gender if customer.gender in ("male", "female") else "",
        postal=address.postal_code.replace("-", "") if address else "",
        address=f"{address.prefecture}{address.city}{address.street} {address.building}".strip() if address else "",
        phone=phone,
        mobile=mobile,
        email=email,
        customer_id=customer.pk,
    )


def _sample_customers(actor: User, rng: random.Random, count: int) -> list[Person]:
    ids = list(
        Customer.objects.visible_to(actor)
        .filter(kind=CustomerKind.INDIVIDUAL, merged_into__isnull=True, source_records__isnull=True)
        .exclude(family_name="")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    chosen = sorted(rng.sample(ids, min(count, len(ids))))
    customers = (
        Customer.objects.visible_to(actor)
        .filter(pk__in=chosen)
        .prefetch_related("addresses", "phones", "emails")
        .order_by("pk")
    )
    return [_person_of(c) for c in customers]


# --- variants ------------------------------------------------------------------------------------


def _kanji_variant(name: str) -> str | None:
    for index, char in enumerate(name):
        if char in SURNAME_VARIANTS and SURNAME_VARIANTS[char][0] != "𠮷":
            return name[:index] + SURNAME_VARIANTS[char][0] + name[index + 1 :]
        back = next((k for k, v in SURNAME_VARIANTS.items() if char in v), None)
        if back is not None:
            return name[:index] + back + name[index + 1 :]
    return None


def _typo(name: str, rng: random.Random) -> str | None:
    spots = [i for i, c in enumerate(name) if c in LOOKALIKE]
    if not spots:
        return None
    i = rng.choice(spots)
    return name[:i] + LOOKALIKE[name[i]] + name[i + 1 :]


def _new_place(rng: random.Random) -> tuple[str, str, str]:
    """(postal 7 digits, address, landline digits) somewhere in Japan."""
    weights = [p.population for p in PREFECTURE_TABLE]
    prefecture = rng.choices(PREFECTURE_TABLE, weights=weights)[0]
    city, area = rng.choice(prefecture.cities)
    postal = f"{rng.randint(prefecture.postal_from, prefecture.postal_to):03d}{rng.randint(0, 9999):04d}"
    street = f"{rng.choice(TOWNS)}{rng.randint(1, 5)}-{rng.randint(1, 30)}-{rng.randint(1, 20)}"
    rest = 10 - len(area)
    landline = area + "".join(str(rng.randint(0, 9)) for _ in range(rest))
    return postal, f"{prefecture.name}{city}{street}", landline


def _new_mobile(rng: random.Random) -> str:
    return rng.choice(("070", "080", "090")) + "".join(str(rng.randint(0, 9)) for _ in range(8))


def _vary(person: Person, rng: random.Random, *, married_ok: bool = True) -> Person:
    """A copy of the customer as another system has them: one realistic difference (or two)."""
    copy = Person(**person.__dict__)
    kinds = ["variant", "typo", "moved", "phone_format", "birth_slip", "same"]
    if married_ok and person.gender == "female" and person.birth and person.birth.year >= 1960:
        kinds.append("married")
    kind = rng.choice(kinds)
    if kind == "variant":
        family, given = _kanji_variant(copy.family), _kanji_variant(copy.given)
        if family is not None:
            copy.family = family
        elif given is not None:
            copy.given = given
        else:
            kind = "same"
    elif kind == "typo":
        given, family = _typo(copy.given, rng), _typo(copy.family, rng)
        if given is not None:
            copy.given = given
        elif family is not None:
            copy.family = family
        else:
            kind = "same"
    elif kind == "moved":
        copy.postal, copy.address, copy.phone = _new_place(rng)
    elif kind == "birth_slip" and copy.birth is not None:
        day = copy.birth.day
        swapped = int(str(day).zfill(2)[::-1])
        if 1 <= swapped <= 28 and swapped != day:
            copy.birth = copy.birth.replace(day=swapped)
        else:
            kind = "same"
    elif kind == "married":
        index = rng.randrange(len(MARRIED_NAMES))
        if MARRIED_NAMES[index] == copy.family:
            index = (index + 1) % len(MARRIED_NAMES)
        copy.family, copy.family_kana = MARRIED_NAMES[index], MARRIED_KANA[index]
        copy.postal, copy.address, copy.phone = _new_place(rng)
        copy.mobile = _new_mobile(rng) if rng.random() < 0.5 else ""
        copy.email = ""
    if kind == "same" and rng.random() < 0.7:  # no variant possible for this name: a move instead
        copy.postal, copy.address, copy.phone = _new_place(rng)
        kind = "moved"
    if kind in ("typo", "birth_slip", "moved") and rng.random() < 0.6:
        # Agencies often have only the home number: less evidence, so some of these need review.
        copy.mobile = copy.email = ""
    copy.variant = kind
    return copy


def _new_person(rng: random.Random, as_of: dt.date) -> Person:
    family, family_kana = surname_pool().pick(rng)
    gender = "male" if rng.random() < 0.5 else "female"
    birth = as_of - dt.timedelta(days=rng.randint(20 * 365, 80 * 365))
    given, given_kana = given_name_pool(gender, era_of_birth_year(birth.year)).pick(rng)
    postal, address, landline = _new_place(rng)
    return Person(
        family=family,
        given=given,
        family_kana=family_kana,
        given_kana=given_kana,
        birth=birth,
        gender=gender,
        postal=postal,
        address=address,
        phone=landline if rng.random() < 0.4 else "",
        mobile=_new_mobile(rng),
        email=f"user{rng.randint(10000, 99999)}@example.jp" if rng.random() < 0.6 else "",
        variant="new",
    )


# --- notations per source --------------------------------------------------------------------------


def _hyphenated(digits: str) -> str:
    if not digits:
        return ""
    if digits.startswith(("070", "080", "090")):
        return f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"
    return f"{digits[:-8]}-{digits[-8:-4]}-{digits[-4:]}"


def _wareki(day: dt.date) -> str:
    for start, era, offset in ERAS:
        if day >= start:
            year = day.year - offset
            return f"{era}{'元' if year == 1 else year}年{day.month}月{day.day}日"
    return day.isoformat()


def _half_width_kana(text: str) -> str:
    """Full-width katakana as half-width (what older agency and web systems store)."""
    out = []
    for char in text:
        decomposed = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFKC", decomposed[0]) if decomposed else char
        half = _HALF.get(base, base)
        if len(decomposed) > 1 and decomposed[1] == "\u3099":
            half += "ﾞ"
        elif len(decomposed) > 1 and decomposed[1] == "\u309a":
            half += "ﾟ"
        out.append(half)
    return "".join(out)


_FULL = (
    "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲンァィゥェォャュョッー "
)
_HALF_CHARS = "ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜｦﾝｧｨｩｪｫｬｭｮｯｰ "
_HALF = dict(zip(_FULL, _HALF_CHARS, strict=True))


def _keiyaku_row(external_id: str, p: Person) -> list[str]:
    return [
        external_id,
        p.family,
        p.given,
        p.family_kana,
        p.given_kana,
        p.birth.strftime("%Y/%m/%d") if p.birth else "",
        {"male": "1", "female": "2"}.get(p.gender, ""),
        f"{p.postal[:3]}-{p.postal[3:]}" if p.postal else "",
        p.address,
        _hyphenated(p.phone),
        _hyphenated(p.mobile),
        p.email,
    ]


def _dairiten_row(external_id: str, p: Person, rng: random.Random) -> list[str]:
    kana = f"{p.family_kana} {p.given_kana}"
    phone_style = rng.random()
    mobile = p.mobile if phone_style < 0.3 else _hyphenated(p.mobile)
    if p.variant == "phone_format" and p.mobile:
        mobile = f"({p.mobile[:3]}){p.mobile[3:7]}-{p.mobile[7:]}"
    return [
        external_id,
        f"{p.family}\u3000{p.given}",
        _half_width_kana(kana) if rng.random() < 0.4 else kana,
        _wareki(p.birth) if p.birth and rng.random() < 0.6 else (p.birth.isoformat() if p.birth else ""),
        {"male": "男", "female": "女"}.get(p.gender, ""),
        f"{p.postal[:3]}-{p.postal[3:]}" if p.postal else "",
        p.address,
        _hyphenated(p.phone),
        mobile,
    ]


def _web_row(external_id: str, p: Person, rng: random.Random) -> list[str]:
    half = rng.random() < 0.3
    return [
        external_id,
        p.family,
        p.given,
        _half_width_kana(p.family_kana) if half else p.family_kana,
        _half_width_kana(p.given_kana) if half else p.given_kana,
        p.birth.isoformat() if p.birth else "",
        p.postal,
        unicodedata.normalize("NFKC", p.address).replace("-", "－") if rng.random() < 0.3 else p.address,
        p.mobile if rng.random() < 0.7 else _hyphenated(p.mobile),
        p.email,
    ]


def _owner_company_rows(customers: list[Person], rng: random.Random) -> list[list[str]]:
    """代理店システム rows of companies run from customers' homes: 株式会社 + the owner's family
    name + a business, at the owner's address; the first also on the home's landline (the
    related finder needs the address and the landline or the family name in the trade name)."""
    homes = [p for p in customers if p.phone and p.address and p.family and p.family_kana and _cp932_safe(p)]
    rows = []
    for index, owner in enumerate(rng.sample(homes, min(OWNER_COMPANIES, len(homes)))):
        business, business_kana = rng.choice(BUSINESSES)
        name = f"株式会社{owner.family}{business}"
        kana = f"カブシキガイシャ{owner.family_kana}{business_kana}"  # one word: no family/given split
        rows.append(
            [
                f"H{20001 + index:05d}",
                name,
                kana,
                "",
                "",
                f"{owner.postal[:3]}-{owner.postal[3:]}" if owner.postal else "",
                owner.address,
                _hyphenated(owner.phone) if index == 0 else "",
                "",
            ]
        )
    return rows


def _csv(headers: list[str], rows: list[list[str]], encoding: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    text = out.getvalue()
    if encoding == "cp932":
        return text.encode("cp932", errors="replace")
    if encoding == "utf-8-sig":
        return text.encode("utf-8-sig")
    return text.encode("utf-8")


def _cp932_safe(p: Person) -> bool:
    try:
        f"{p.family}{p.given}{p.address}".encode("cp932")
    except UnicodeEncodeError:
        return False
    return True


# --- the load --------------------------------------------------------------------------------------


def demo_identity_load(*, actor: User, seed: int, as_of: dt.date, existing_customers: int) -> IdentityResult:
    """Register the sources, import their files and run the full match as the steward. Once per
    database (a later load, adding customers, leaves the 名寄せ data as it is) and only for a book
    of MIN_CUSTOMERS to MAX_CUSTOMERS."""
    result = IdentityResult()
    started = time.perf_counter()
    if SourceRecord.objects.filter(source__code=KEIYAKU).exists():
        return result
    if not MIN_CUSTOMERS <= Customer.objects.count() <= MAX_CUSTOMERS:
        return result
    rng = random.Random(f"tsunagu-demo-identity:{seed}:{existing_customers}")
    with transaction.atomic():
        for spec in SOURCES:
            source = source_system_register(
                actor=actor,
                code=spec["code"],
                name=spec["name"],
                priority=spec["priority"],
                verified_fields=spec["verified_fields"],
                deduplicated=spec["deduplicated"],
            )
            mapping_profile_save(
                actor=actor,
                source=source,
                name=spec["profile"],
                columns=spec["columns"],
                encoding=spec["encoding"],
                is_default=True,
            )
    customers = _sample_customers(actor, rng, MAX_KEIYAKU)
    if len(customers) < 10:
        return result
    # 契約管理システム: the customers as they are.
    keiyaku_ids = [f"C{p.customer_id:08d}" for p in customers]
    keiyaku_rows = [_keiyaku_row(i, p) for i, p in zip(keiyaku_ids, customers, strict=True)]
    # 代理店システム: copies with variants, a few people registered twice, new prospects.
    copies = [_vary(p, rng) for p in rng.sample(customers, min(DAIRITEN_COPIES, len(customers) // 3))]
    copies = [c for c in copies if _cp932_safe(c)]
    prospects = [_new_person(rng, as_of) for _ in range(DAIRITEN_NEW)]
    twice = [_vary(p, rng, married_ok=False) for p in rng.sample(prospects, DAIRITEN_TWICE)]
    dairiten_people = [*copies, *prospects, *twice]
    rng.shuffle(dairiten_people)
    dairiten_rows = [
        _dairiten_row(f"A{10001 + index // 40:05d}-{index % 40 + 1:04d}", p, rng)
        for index, p in enumerate(dairiten_people)
    ]
    companies = _owner_company_rows(customers, random.Random(f"tsunagu-demo-owner-companies:{seed}"))
    dairiten_rows += companies
    result.variants["owner_company"] = len(companies)
    # Web申込: new people, some customers, some agency prospects applying online.
    web_people = [
        *[_vary(p, rng, married_ok=False) for p in rng.sample(customers, min(WEB_COPIES, len(customers) // 4))],
        *[_new_person(rng, as_of) for _ in range(WEB_NEW)],
        *[_vary(p, rng, married_ok=False) for p in rng.sample(prospects, WEB_PROSPECTS)],
    ]
    rng.shuffle(web_people)
    web_rows = [_web_row(f"W{as_of:%y%m}{index + 1:05d}", p, rng) for index, p in enumerate(web_people)]
    for person in [*dairiten_people, *web_people]:
        result.variants[person.variant] = result.variants.get(person.variant, 0) + 1
    files = (
        (SOURCES[0], keiyaku_rows, f"keiyakusha_{as_of:%Y%m%d}.csv"),
        (SOURCES[1], dairiten_rows, f"dairiten_kokyaku_{as_of:%Y%m}.csv"),
        (SOURCES[2], web_rows, f"web_moushikomi_{as_of:%Y%m%d}.csv"),
    )
    for spec, rows, name in files:
        data = _csv(list(spec["columns"]), rows, spec["encoding"])
        imported = records_import(actor=actor, source_code=spec["code"], data=data, file_name=name, match=False)
        result.records += len(imported.changed_ids)
    before = Customer.objects.count()
    run = MatchRun.objects.create(kind=RunKind.TRAIN, started_by=actor)
    stages: dict[str, float] = {}

    def progress(stage: str, done: int, total: int) -> None:
        stages.setdefault(stage, time.perf_counter())

    engine.matching()  # imported first: the engine sets Splink's log level when it loads
    quiet = logging.getLogger("splink")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # Splink's training chatter would bury the command's report
    try:
        run = match_run_execute(run_id=run.pk, progress=progress)
    finally:
        quiet.setLevel(level)
    result.stage_started = {k: round(v - started, 1) for k, v in stages.items()}
    result.run_id, result.run_status = run.pk, run.status
    result.pairs, result.auto_linked = run.pairs_found, run.auto_linked
    result.review = CandidatePair.objects.filter(kind=PairKind.MATCH, status=PairStatus.REVIEW).count()
    result.related = CandidatePair.objects.filter(kind=PairKind.RELATED, status=PairStatus.REVIEW).count()
    result.new_customers = Customer.objects.count() - before
    result.seconds = time.perf_counter() - started
    return result
