"""Five source systems, each writing a snapshot of a person or company in its own conventions.

- host (mainframe): half-width kana only without small kana, no kanji name; birth dates as era
  codes (S550102 / 3550102); phones with the leading 0 lost; no e-mail.
- branch (an old 支社 system): old 3- or 5-digit postal codes; old municipality names (合併前);
  birth dates 19800102; no e-mail.
- agency: kanji with a full-width space, katakana; 1980/01/02; 123-4567; 1丁目2番3号 or 1-2-3,
  prefecture sometimes dropped; e-mail.
- web: kanji without a space, hiragana; English trade names; 1980-01-02; 〒123-4567; full-width
  digits; +81 phones sometimes; e-mail.
- claims: 昭和55年1月2日; 1234567; 地番 (〇番地〇) instead of 住居表示 for some plots; no e-mail.
"""

from __future__ import annotations

import datetime as dt
import random

import jaconv

from tools.identity_gen2.world import (
    ENGLISH_FORM,
    ERA_NAMES,
    ERA_STARTS,
    LEGAL_FORMS,
    OLD_MUNICIPALITY,
    Address,
    Company,
    Person,
)

SOURCES = {"host": 20, "branch": 15, "agency": 30, "web": 20, "claims": 15}
_SMALL_TO_LARGE = str.maketrans("ァィゥェォッャュョヮ", "アイウエオツヤユヨワ")


def halfwidth_kana(text: str) -> str:
    """A mainframe's reading: large kana only (ｼﾖｳｼﾞ), half-width."""
    return jaconv.z2h(text.translate(_SMALL_TO_LARGE), kana=True, ascii=True, digit=True)


def era_code(date: dt.date, rng: random.Random) -> str:
    for start, letter, digit in ERA_STARTS:
        if date >= start:
            year = date.year - start.year + 1
            head = letter if rng.random() < 0.5 else str(digit)
            return f"{head}{year:02d}{date.month:02d}{date.day:02d}"
    return date.strftime("%Y%m%d")


def wareki(date: dt.date) -> str:
    for start, letter, _digit in ERA_STARTS:
        if date >= start:
            year = date.year - start.year + 1
            return f"{ERA_NAMES[letter]}{'元' if year == 1 else year}年{date.month}月{date.day}日"
    return f"{date.year}年{date.month}月{date.day}日"


def render_address(source: str, address: Address, rng: random.Random, tags: set[str]) -> tuple[str, str]:
    """(postal code, address text) as the source writes them."""
    place = address.place
    city = place.city
    if source == "branch" and (place.prefecture, place.city) in OLD_MUNICIPALITY:
        city = OLD_MUNICIPALITY[(place.prefecture, place.city)]
        tags.add("old_municipality")
    chome, ban, go = address.block
    if source == "claims" and rng.random() < 0.5:
        lot, sub = address.lot
        street = f"{place.town}{lot}番地{sub}" if not place.chome else f"{place.town}{chome}丁目{lot}番地{sub}"
        tags.add("chiban")
    elif source == "agency" and rng.random() < 0.5:
        street = f"{place.town}{chome}丁目{ban}番{go}号" if place.chome else f"{place.town}{ban}番{go}号"
    else:
        street = f"{place.town}{chome}-{ban}-{go}" if place.chome else f"{place.town}{ban}-{go}"
    prefecture = "" if source == "agency" and rng.random() < 0.2 else place.prefecture
    text = prefecture + city + street + ((" " + address.building) if address.building and rng.random() < 0.7 else "")
    if source == "web" and rng.random() < 0.5:
        text = jaconv.h2z(text, digit=True, ascii=True)
    postal = place.postal
    if source == "branch":
        tags.add("old_postal")
        old = place.old_postal
        postal = old if len(old) == 3 else f"{old[:3]}-{old[3:]}"
    elif source == "agency":
        postal = f"{postal[:3]}-{postal[3:]}"
    elif source == "web":
        postal = f"〒{postal[:3]}-{postal[3:]}"
    if rng.random() < 0.04:
        postal = ""
    return postal, text


def render_phone(source: str, digits: str, rng: random.Random, tags: set[str]) -> str:
    if not digits:
        return ""
    if source == "host":
        tags.add("phone_no_zero")
        return digits[1:]
    if source == "web" and rng.random() < 0.3:
        return "+81-" + _hyphenate(digits)[1:]
    return _hyphenate(digits)


def _hyphenate(digits: str) -> str:
    if len(digits) == 11:
        return f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"
    area = 2 if digits[:2] in ("03", "06") else (4 if digits.startswith(("0276", "0544")) else 3)
    return f"{digits[:area]}-{digits[area:6]}-{digits[6:]}"


def render_date(source: str, date: dt.date, rng: random.Random, tags: set[str]) -> str:
    if rng.random() < 0.02:  # a one-digit slip
        text = date.strftime("%Y%m%d")
        i = rng.randrange(5, 8)
        text = text[:i] + str((int(text[i]) + 1) % 10) + text[i + 1 :]
        tags.add("dob_slip")
        return text
    if source == "host":
        tags.add("era_code")
        return era_code(date, rng)
    return {
        "branch": date.strftime("%Y%m%d"),
        "agency": date.strftime("%Y/%m/%d"),
        "web": date.isoformat(),
        "claims": wareki(date),
    }[source]


def person_record(
    person: Person, state: tuple[str, str, Address, str], source: str, rng: random.Random
) -> dict[str, str]:
    family, family_kana, address, state_tag = state
    tags = {"person", f"src_{source}", *person.tags}
    if state_tag:
        tags.add(state_tag)
    kana = family_kana + (" " if rng.random() < 0.6 else "") + person.given_kana
    if source == "host":
        name, kana = "", halfwidth_kana(kana)
        tags.update({"kana_only", "halfwidth_kana"})
    elif source == "agency":
        name = family + "\u3000" + person.given
    elif source == "web":
        name, kana = family + person.given, jaconv.kata2hira(kana)
    else:
        name = family + " " + person.given
    postal, text = render_address(source, address, rng, tags)
    phones = [p for p in (person.mobile, person.home_landline) if p]
    phone = rng.choice(phones) if phones and rng.random() < 0.9 else ""
    email = ""
    if source in ("agency", "web"):
        emails = [e for e in (person.email, person.family_email) if e]
        email = rng.choice(emails) if emails and rng.random() < 0.85 else ""
    else:
        tags.add("no_email")
    return {
        "source_system": source,
        "name_kanji": name,
        "name_kana": kana,
        "birth_date": render_date(source, person.dob, rng, tags),
        "postal_code": postal,
        "address": text,
        "phone": render_phone(source, phone, rng, tags),
        "email": email,
        "variations": "|".join(sorted(tags)),
    }


def company_name(company: Company, source: str, form: str, rng: random.Random, tags: set[str]) -> tuple[str, str]:
    kanji_form, kana_form, zengin, abbreviations = LEGAL_FORMS[form]
    front = company.front
    if rng.random() < 0.1:
        front = not front  # 前株/後株 written the other way round
        tags.add("corp_position")
    if source == "host":
        core = halfwidth_kana(company.core_kana)
        if rng.random() < 0.6:
            tags.add("corp_zengin")
            return "", f"{zengin}){core}" if front else f"{core}({zengin}"
        tags.add("corp_kabushiki_kana")
        legal = halfwidth_kana(kana_form)
        return "", (legal + core) if front else (core + legal)
    if source == "web" and company.english and rng.random() < 0.6:
        tags.add("corp_en_kana")
        name = f"{company.english} {rng.choice(ENGLISH_FORM[form])}"
    else:
        legal = kanji_form
        if rng.random() < 0.4:
            legal = rng.choice(abbreviations)
            tags.add("corp_abbrev")
        space = " " if rng.random() < 0.2 else ""
        name = (legal + space + company.core) if front else (company.core + space + legal)
    roll = rng.random()
    if roll < 0.45:
        tags.add("corp_kabushiki_kana")
        kana = (kana_form + company.core_kana) if front else (company.core_kana + kana_form)
    elif roll < 0.85:
        tags.add("corp_kana_nolegal")
        kana = company.core_kana
    else:
        kana = ""
    return name, kana


def company_record(
    company: Company, source: str, rng: random.Random, *, before_conversion: bool, at_branch: bool, branch_phone: str
) -> dict[str, str]:
    tags = {"corp", f"src_{source}", *company.tags}
    form = company.form
    if before_conversion:
        form = "yugen"
        tags.add("corp_yugen_to_kabu")
    elif company.converted_from_yugen:
        tags.add("corp_yugen_to_kabu")
    name, kana = company_name(company, source, form, rng, tags)
    address, phone = company.address, company.phone
    if at_branch and company.branch is not None:
        tags.add("corp_branch")
        address, phone = company.branch, branch_phone
        branch_name = company.branch.place.city.rstrip("市区町村") + "支店"
        if name:
            name += " " + branch_name
    if "corp_owner_home" in company.tags or "corp_group" in company.tags:
        tags.add("corp_rep_phone")
    postal, text = render_address(source, address, rng, tags)
    email = ""
    if source in ("agency", "web") and rng.random() < 0.6:
        email = f"{rng.choice(['info', 'soumu', 'contact'])}@{company.domain}"
    return {
        "source_system": source,
        "name_kanji": name,
        "name_kana": kana,
        "birth_date": "",
        "postal_code": postal,
        "address": text,
        "phone": render_phone(source, phone, rng, tags),
        "email": email,
        "variations": "|".join(sorted(tags)),
    }
