"""Open cases and open complaints show as badges on search results, scoped like the cases themselves."""

from __future__ import annotations

from tsunagu.cases.choices import CaseStatus, CaseType
from tsunagu.cases.models import ComplaintCategory
from tsunagu.cases.services import case_transition
from tsunagu.search.selectors import search_customers

from .conftest import open_case


def _badges(user, q="佐藤"):
    return {r.name: r.badges for r in search_customers(user=user, q=q).rows}


def test_open_cases_and_complaints_are_badged(hq_operator, agency_a_staff, agency_b_staff, holder):
    customer, policy = holder
    assert not any("件" in b for b in _badges(hq_operator)["佐藤 一郎"])
    category = ComplaintCategory.objects.get(code="C1")
    open_case(hq_operator, customer, policy, CaseType.COMPLAINT, category=category.pk, customer_request="謝罪")
    inquiry = open_case(hq_operator, customer, policy, CaseType.INQUIRY, "product", question="補償内容")
    open_case(hq_operator, customer, policy, CaseType.INQUIRY, "premium", question="保険料")

    assert _badges(hq_operator)["佐藤 一郎"] == ("苦情対応中 1件", "未完了案件 2件")
    assert _badges(agency_a_staff)["佐藤 一郎"] == ("苦情対応中 1件", "未完了案件 2件")
    assert "佐藤 一郎" not in _badges(agency_b_staff)  # outsiders see neither the customer nor the badge

    case_transition(actor=hq_operator, case=inquiry, to=CaseStatus.WITHDRAWN, resolution_summary="解決済み")
    assert _badges(hq_operator)["佐藤 一郎"] == ("苦情対応中 1件", "未完了案件 1件")
