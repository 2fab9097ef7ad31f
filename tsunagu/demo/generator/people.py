"""Customers: who they are, where they live, how to reach them, their relatives and former names."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tsunagu.core import normalize
from tsunagu.customers.choices import (
    AddressKind,
    ContactChannel,
    CustomerKind,
    EmailKind,
    Gender,
    KanaSource,
    NameChangeReason,
    PhoneKind,
    Relation,
)
from tsunagu.customers.models import Customer

from ..catalog import COMPANY_STEMS, COMPANY_WORDS, CUSTOMER_NOTES, ELDERLY_NOTES, EMAIL_DOMAINS, LEGAL_FORMS
from ..names import era_of_birth_year, given_name_pool, surname_pool, surname_reading, with_kanji_variant
from ..places import PREFECTURE_TABLE
from ..romaji import to_romaji
from .base import Chunk, CustomerInfo, GeneratorBase, Weighted

# Ages of policyholders: 18–95, about a quarter 70 or older.
AGE_BANDS: Weighted[tuple[int, int]] = Weighted(
    [((18, 29), 8), ((30, 39), 13), ((40, 49), 18), ((50, 59), 18), ((60, 69), 18), ((70, 79), 16),
     ((80, 89), 7.5), ((90, 95), 1.5)]
)  # fmt: skip
GENDERS: Weighted[str] = Weighted(
    [(Gender.MALE.value, 0.485), (Gender.FEMALE.value, 0.51), (Gender.OTHER.value, 0.002), ("", 0.003)]
)
KANA_SOURCES: Weighted[str] = Weighted(
    [
        (KanaSource.SELF_DECLARED.value, 0.85),
        (KanaSource.ID_DOCUMENT.value, 0.13),
        (KanaSource.FAMILY_REGISTER.value, 0.02),
    ]
)
CHANNELS: Weighted[str] = Weighted(
    [(ContactChannel.PHONE.value, 0.55), (ContactChannel.EMAIL.value, 0.15), (ContactChannel.POST.value, 0.2),
     (ContactChannel.SMS.value, 0.05), (ContactChannel.WEB.value, 0.03), (ContactChannel.IN_PERSON.value, 0.02)]
)  # fmt: skip
MOBILE_PREFIXES: Weighted[str] = Weighted([("090", 0.5), ("080", 0.35), ("070", 0.15)])
RELATIONS: Weighted[str] = Weighted(
    [(Relation.CHILD.value, 0.7), (Relation.SPOUSE.value, 0.15), (Relation.GRANDCHILD.value, 0.1),
     (Relation.SIBLING.value, 0.05)]
)  # fmt: skip
DOMAINS: Weighted[str] = Weighted(list(EMAIL_DOMAINS))
LEGAL: Weighted[tuple[str, str, float, str]] = Weighted([(form, form[2]) for form in LEGAL_FORMS])
PREFECTURES: Weighted[int] = Weighted([(index, p.population) for index, p in enumerate(PREFECTURE_TABLE)])


@dataclass(slots=True)
class Identity:
    corporate: bool
    name: str
    family_name: str
    given_name: str
    kana: str
    family_kana: str
    given_name_kana: str
    birth_date: dt.date | None
    gender: str
    age: int | None
    corporate_number: str


@dataclass(slots=True)
class Place:
    postal_code: str
    prefecture_index: int
    city: str
    street: str
    building: str
    area_code: str

    @property
    def prefecture(self) -> str:
        return PREFECTURE_TABLE[self.prefecture_index].name

    @property
    def text(self) -> str:
        return f"{self.prefecture}{self.city}{self.street} {self.building}".strip()


class PeopleMixin(GeneratorBase):
    _key_holder: Customer | None = None

    # -- identity -------------------------------------------------------------------------------

    def identity(self, customer_id: int) -> Identity:
        if self.chance(0.10):
            return self.corporation(customer_id)
        low, high = AGE_BANDS.pick(self.rng)
        age = self.between(low, high)
        birth_date = self.as_of - dt.timedelta(days=365 * age + int(age / 4) + self.between(1, 364))
        gender = GENDERS.pick(self.rng)
        name_gender = gender if gender in ("male", "female") else self.one_of(("male", "female"))
        family, family_kana = self.surname()
        given, given_kana = given_name_pool(name_gender, era_of_birth_year(birth_date.year)).pick(self.rng)
        return Identity(
            corporate=False,
            name=f"{family} {given}",
            family_name=family,
            given_name=given,
            kana=f"{family_kana} {given_kana}",
            family_kana=family_kana,
            given_name_kana=given_kana,
            birth_date=birth_date,
            gender=gender,
            age=age,
            corporate_number="",
        )

    def surname(self) -> tuple[str, str]:
        family, family_kana = surname_pool().pick(self.rng)
        return with_kanji_variant(family, self.rng), surname_reading(family, family_kana, self.rng)

    def company_name(self) -> tuple[str, str, str, str]:
        """(name with legal form, reading without it, the body's romaji, kind code)."""
        if self.chance(0.5):
            stem, stem_kana = surname_pool().pick(self.rng)
        else:
            stem, stem_kana = self.one_of(COMPANY_STEMS)
        word, word_kana = self.one_of(COMPANY_WORDS)
        form, _form_kana, _weight, kind_code = LEGAL.pick(self.rng)
        body = f"{stem}{word}"
        name = f"{form}{body}" if self.chance(0.6) else f"{body}{form}"
        # Readings of companies are registered without the legal form (as on the 法人番号 site).
        return name, f"{stem_kana}{word_kana}", to_romaji(stem_kana) + to_romaji(word_kana), kind_code

    def corporation(self, customer_id: int) -> Identity:
        name, kana, _slug, kind_code = self.company_name()
        number = ""
        if self.chance(0.9):
            body = f"{self.between(1, 47) * 100 + self.between(0, 30):04d}{kind_code}{customer_id % 1_000_000:06d}"
            number = f"{normalize.corporate_number_check_digit(body)}{body}"
        return Identity(True, name, "", "", kana, "", "", None, "", None, number)

    def keys(self, name: str, kana: str) -> tuple[str, str, str]:
        """The stored reading and search keys, computed by the model's own refresh_keys()."""
        holder = self._key_holder
        if holder is None:
            holder = self._key_holder = Customer()
        holder.name, holder.name_kana = name, kana
        holder.refresh_keys()
        return holder.name_kana, holder.name_key, holder.kana_key

    # -- addresses and phones -------------------------------------------------------------------

    def place(self, prefecture_index: int | None = None) -> Place:
        index = PREFECTURES.pick(self.rng) if prefecture_index is None else prefecture_index
        pref = PREFECTURE_TABLE[index]
        city, area = self.one_of(pref.cities)
        postal = f"{self.between(pref.postal_from, pref.postal_to):03d}{self.between(0, 9999):04d}"
        town = self.faker.town()
        chome, ban, gou = self.between(1, 6), self.between(1, 30), self.between(1, 25)
        style = self.rng.random()
        if style < 0.55:
            street = f"{town}{chome}-{ban}-{gou}"
        elif style < 0.8:
            street = f"{town}{chome}丁目{ban}番{gou}号"
        elif style < 0.92:
            street = f"{town}{chome}丁目{ban}-{gou}"
        else:
            street = f"{town}{self.between(1, 2500)}番地"
        building = ""
        if self.chance(0.35):
            room = f"{self.between(1, 12)}{self.between(1, 12):02d}"
            building = f"{self.faker.town()}{self.faker.building_name()}"
            building = f"{building} {room}号室" if self.chance(0.6) else f"{building}{room}"
        return Place(postal, index, city, street, building, area)

    def mobile(self) -> str:
        prefix = MOBILE_PREFIXES.pick(self.rng)
        middle, last = self.between(1000, 9999), self.between(0, 9999)
        return f"{prefix}{middle}{last:04d}" if self.chance(0.12) else f"{prefix}-{middle}-{last:04d}"

    def landline(self, area: str) -> str:
        exchange = f"{self.between(2, 9)}{self.between(0, 10 ** (5 - len(area)) - 1):0{5 - len(area)}d}"
        last = f"{self.between(0, 9999):04d}"
        roll = self.rng.random()
        if roll < 0.85:
            return f"{area}-{exchange}-{last}"
        if roll < 0.97:
            return f"{area}{exchange}{last}"
        return f"({area}){exchange}-{last}"

    def add_phone(self, chunk: Chunk, customer_id: int, kind: str, number: str, primary: bool) -> None:
        chunk.add("phones", (customer_id, primary, kind, number, normalize.phone_digits(number)))

    def add_address(self, chunk: Chunk, customer_id: int, kind: str, place: Place, primary: bool) -> None:
        chunk.add(
            "addresses",
            (customer_id, primary, kind, place.postal_code, place.prefecture, place.city, place.street, place.building),
        )

    def contact_points(self, chunk: Chunk, info: CustomerInfo, person: Identity, home: Place) -> bool:
        """Addresses, phones and emails; returns whether the customer has an email address."""
        cid = info.id
        self.add_address(chunk, cid, AddressKind.HEAD_OFFICE if person.corporate else AddressKind.HOME, home, True)
        if self.chance(0.12):
            kind = self.one_of(
                (AddressKind.BILLING, AddressKind.OTHER)
                if person.corporate
                else (AddressKind.BILLING, AddressKind.WORK)
            )
            self.add_address(chunk, cid, kind, self.place(), False)
        if person.corporate:
            office = self.landline(home.area_code)
            self.add_phone(chunk, cid, PhoneKind.WORK, office, True)
            if self.chance(0.3):
                self.add_phone(chunk, cid, PhoneKind.FAX, self.landline(home.area_code), False)
            if self.chance(0.2):
                self.add_phone(chunk, cid, PhoneKind.MOBILE, self.mobile(), False)
        else:
            age = person.age or 50
            mobile_first = self.chance(0.9 if age < 60 else 0.7 if age < 75 else 0.45)
            first_kind = PhoneKind.MOBILE if mobile_first else PhoneKind.HOME
            first = self.mobile() if mobile_first else self.landline(home.area_code)
            self.add_phone(chunk, cid, first_kind, first, True)
            if self.chance(0.45):
                if self.chance(0.1):
                    self.add_phone(chunk, cid, PhoneKind.WORK, self.landline(home.area_code), False)
                elif mobile_first:
                    self.add_phone(chunk, cid, PhoneKind.HOME, self.landline(home.area_code), False)
                else:
                    self.add_phone(chunk, cid, PhoneKind.MOBILE, self.mobile(), False)
        return self.email(chunk, cid, person)

    def email(self, chunk: Chunk, customer_id: int, person: Identity) -> bool:
        if person.corporate:
            if not self.chance(0.7):
                return False
            slug = to_romaji(person.kana)[:24] or "kaisha"
            local = self.one_of(("info", "office", "contact", "soumu", "jimu"))
            address = f"{local}@{slug}{customer_id % 1000}.example.co.jp"
            chunk.add("emails", (customer_id, True, EmailKind.WORK, address, normalize.email_key(address)))
            return True
        age = person.age or 50
        if not self.chance(0.75 if age < 40 else 0.6 if age < 60 else 0.4 if age < 70 else 0.15):
            return False
        family, given = to_romaji(person.family_kana) or "user", to_romaji(person.given_name_kana) or "name"
        style = self.rng.random()
        if style < 0.35:
            local = f"{given}.{family}"
        elif style < 0.6:
            local = f"{family}{(person.birth_date.year if person.birth_date else 1970) % 100:02d}"
        elif style < 0.85:
            local = f"{given[0]}{family}{self.between(1, 999)}"
        else:
            local = f"{given}{self.between(1, 9999)}"
        if self.chance(0.05):
            local = local.capitalize()
        address = f"{local}@{DOMAINS.pick(self.rng)}"
        kind = EmailKind.WORK if self.chance(0.1) else EmailKind.PERSONAL
        chunk.add("emails", (customer_id, True, kind, address, normalize.email_key(address)))
        return True

    # -- relatives and former names -------------------------------------------------------------

    def relatives(self, chunk: Chunk, info: CustomerInfo, person: Identity) -> None:
        """Registered relatives (親族登録) for about a third of the customers aged 70 and over."""
        if person.corporate or (person.age or 0) < 70 or not self.chance(0.35):
            return
        for _ in range(2 if self.chance(0.15) else 1):
            relation = RELATIONS.pick(self.rng)
            birth_year = (person.birth_date or self.as_of).year
            if relation == Relation.CHILD:
                birth_year += self.between(24, 38)
            elif relation == Relation.GRANDCHILD:
                birth_year += self.between(50, 65)
            else:
                birth_year += self.between(-5, 5)
            gender = self.one_of(("male", "female"))
            given, given_kana = given_name_pool(gender, era_of_birth_year(birth_year)).pick(self.rng)
            if relation == Relation.SPOUSE or self.chance(0.6):
                family, family_kana = person.family_name, person.family_kana
            else:
                family, family_kana = self.surname()
            consent = self.date_between(max(info.since, self.as_of - dt.timedelta(days=5 * 365)), self.latest_date)
            chunk.add(
                "relatives",
                (info.id, f"{family} {given}", f"{family_kana} {given_kana}", relation, self.mobile(), consent),
            )

    def former_names(self, chunk: Chunk, info: CustomerInfo, person: Identity) -> None:
        """Maiden names (旧姓, 婚姻) for some women; former trade names for some companies."""
        if person.corporate:
            if not self.chance(0.03):
                return
            old_name, old_kana, _slug, _kind = self.company_name()
            reason = NameChangeReason.CORPORATE_RENAME
            changed_on = self.date_between(self.as_of - dt.timedelta(days=15 * 365), self.latest_date)
        else:
            age = person.age or 0
            if person.gender != Gender.FEMALE or not 25 <= age <= 75 or not self.chance(0.06):
                return
            maiden, maiden_kana = self.surname()
            if maiden == person.family_name:
                return
            old_name, old_kana = f"{maiden} {person.given_name}", f"{maiden_kana} {person.given_name_kana}"
            reason = NameChangeReason.MARRIAGE
            birth = person.birth_date or self.as_of
            changed_on = min(self.latest_date, self.add_years(birth, self.between(23, 36)))
        recorded_on = min(max(changed_on, info.since), self.latest_date)
        chunk.add("former_names", (info.id, old_name, old_kana, reason, changed_on, self.moment(recorded_on)))

    def customer_row(
        self, chunk: Chunk, info: CustomerInfo, person: Identity, *, has_email: bool, created_at: dt.datetime
    ) -> None:
        kana, name_key, kana_key = self.keys(person.name, person.kana)
        channel = CHANNELS.pick(self.rng)
        if channel == ContactChannel.EMAIL and not has_email:
            channel = ContactChannel.PHONE.value
        note = ""
        if (person.age or 0) >= 70 and self.chance(0.08):
            note = self.one_of(ELDERLY_NOTES)
        elif self.chance(0.03):
            note = self.one_of(CUSTOMER_NOTES)
        kind = CustomerKind.CORPORATE if person.corporate else CustomerKind.INDIVIDUAL
        kana_source = KanaSource.SELF_DECLARED.value if person.corporate else KANA_SOURCES.pick(self.rng)
        chunk.add(
            "customers",
            (
                info.id, kind, person.name, person.family_name, person.given_name, kana, kana_source,
                person.birth_date, person.gender, person.corporate_number, self.chance(0.97), self.chance(0.35),
                channel, note, name_key, kana_key, created_at, created_at,
            ),
        )  # fmt: skip
        chunk.customer_history_dates.append(created_at)
