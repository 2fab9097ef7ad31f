"""Defect 11 on the customer page: one date format (2026/12/05), 〒 written once and formatted."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from tests.conftest import make_customer, make_policy
from tsunagu.customers.choices import Relation
from tsunagu.customers.services import AddressInput, relative_add
from tsunagu.interactions.services import interaction_log
from tsunagu.policies.choices import ReportChannel
from tsunagu.policies.services import claim_register

pytestmark = pytest.mark.django_db


def test_the_customer_page_uses_the_kit_formats(client, hq_operator, org):
    customer = make_customer(
        hq_operator,
        name="横浜 一郎",
        name_kana="ヨコハマ イチロウ",
        addresses=[AddressInput("2318931", "神奈川県", "横浜市中区", "本町1-1")],
    )
    policy = make_policy(hq_operator, customer, agency=org["agency_a"])
    claim_register(
        actor=hq_operator, policy=policy, number="C-FMT-1", accident_date=dt.date(2026, 4, 1), accident_place="横浜市",
        accident_type="物損", reported_on=dt.date(2026, 4, 2), reported_via=ReportChannel.CALL_CENTER,
    )  # fmt: skip
    relative_add(
        actor=hq_operator, customer=customer, name="横浜 花子", relation=Relation.SPOUSE, phone="090-5555-6666",
        consent_date=dt.date(2026, 1, 10),
    )  # fmt: skip
    interaction_log(actor=hq_operator, customer=customer, channel="phone", subject="住所の確認")
    client.force_login(hq_operator)
    page = client.get(reverse("desk:customer_detail", args=[customer.pk])).content.decode()
    assert "〒231-8931 神奈川県" in page
    assert "〒〒" not in page
    assert "2318931" not in page
    assert "2026/04/01" in page  # accident date
    assert "2026/04/02" in page  # reported on
    assert "2026/01/10" in page  # relative's consent date
    western_long = re.findall(r"\d{4}年\d{1,2}月\d{1,2}日", page)
    assert western_long == []  # 2026年12月5日 is not a staff-screen format (和暦 like 昭和45年3月1日 is)
    assert re.search(r"<time datetime=\"[^\"]+\">\d{4}/\d{2}/\d{2} \d{2}:\d{2}</time>", page)
