"""Reference data the case simulation reads once: departments, users, rules, documents, categories."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from tsunagu.cases.models import CaseTypeRule, ComplaintCategory, RequiredDocument, RetentionGuidance
from tsunagu.core.choices import DepartmentKind
from tsunagu.core.models import Department
from tsunagu.policies.models import Product

from ...org import DEMO_USERS, OrgRefs


@dataclass
class Refs:
    """Reference data read once: departments, users, rules, documents, categories, guidance, FAQ."""

    departments: dict[str, tuple[int, str]]  # kind → (id, name): the queue_for() department
    users: dict[str, tuple[int, str]]  # username → (id, str(user))
    agency_staff: dict[int, str]  # agency id → username
    rules: dict[tuple[str, str], tuple[int, str]]  # (type, sub_type) → (SLA business days, queue kind)
    documents: dict[tuple[str, str], list[str]]
    complaint_categories: list[tuple[int, str, str]]  # (id, parent code, name) of level-2 categories
    guidance: dict[tuple[str, str], list[str]]  # (reason, line) → offers
    guidance_ids: dict[tuple[str, str], list[int]]  # (reason, line) → RetentionGuidance ids
    article_ids: dict[str, int]
    refund_methods: dict[int, str]  # product id → 短期率/月割

    def rule(self, case_type: str, sub_type: str) -> tuple[int, str]:
        return self.rules.get((case_type, sub_type)) or self.rules[(case_type, "")]

    def docs(self, case_type: str, sub_type: str) -> list[str]:
        names = self.documents.get((case_type, ""), []) + (
            self.documents.get((case_type, sub_type), []) if sub_type else []
        )
        return names

    def user(self, username: str) -> int:
        return self.users[username][0]


def _refs(org: OrgRefs, article_ids: dict[str, int]) -> Refs:
    departments: dict[str, tuple[int, str]] = {}
    for kind in DepartmentKind:
        department = Department.objects.filter(kind=kind).order_by("code").first()
        if department is not None:
            departments[kind.value] = (department.pk, department.name)
    users = {name: (user.pk, str(user)) for name, user in org.users.items()}
    agency_staff: dict[int, str] = {}
    for demo in DEMO_USERS:
        user = org.users.get(demo.username)
        if user is not None and demo.agency_index is not None and user.agency_id is not None:
            agency_staff.setdefault(user.agency_id, demo.username)
    rules = {
        (t, s): (days, kind)
        for t, s, days, kind in CaseTypeRule.objects.values_list(
            "case_type", "sub_type", "sla_business_days", "queue_kind"
        )
    }
    documents: dict[tuple[str, str], list[str]] = defaultdict(list)
    for t, s, name in (
        RequiredDocument.objects.filter(is_active=True)
        .order_by("order", "id")
        .values_list("case_type", "sub_type", "name")
    ):
        documents[(t, s)].append(name)
    categories = [
        (pk, parent_code or "", name)
        for pk, parent_code, name in ComplaintCategory.objects.filter(is_active=True, parent__isnull=False)
        .order_by("order", "code")
        .values_list("id", "parent__code", "name")
    ]
    guidance: dict[tuple[str, str], list[str]] = defaultdict(list)
    guidance_ids: dict[tuple[str, str], list[int]] = defaultdict(list)
    for g in RetentionGuidance.objects.filter(is_active=True).order_by("order", "id"):
        guidance[(g.reason, g.line)].extend(g.offer_list)
        guidance_ids[(g.reason, g.line)].append(g.pk)
    return Refs(
        departments=departments,
        users=users,
        agency_staff=agency_staff,
        rules=rules,
        documents=dict(documents),
        complaint_categories=categories,
        guidance=dict(guidance),
        guidance_ids=dict(guidance_ids),
        article_ids=article_ids,
        refund_methods=dict(Product.objects.values_list("id", "refund_method")),
    )
