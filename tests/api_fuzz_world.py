"""The seeded world the API fuzz (tests/test_api_fuzz.py) aims at: two agencies, each with a customer,
a policy and a case, a customer both serve (each agency with its own policy and case there), and the
identity rows (a candidate pair, an import batch with an error row, a merge)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from tests.conftest import _user, make_customer, make_policy
from tsunagu.cases.choices import CaseChannel, CaseType
from tsunagu.cases.services import CaseInput, case_create
from tsunagu.core.choices import DepartmentKind, Role
from tsunagu.core.models import Department, User
from tsunagu.core.services import api_token_create


@dataclass
class World:
    tokens: dict[str, str]
    # Per agency ("A", "B"): the strings that must never reach the other agency's staff.
    markers: dict[str, list[str]]
    # Ids to aim generated requests at, by the parameter or field name that carries them.
    ids: dict[str, list[int]] = field(default_factory=dict)
    # Per agency ("A", "B", "shared_A", "shared_B", "complaint_A", "complaint_B"): customer, policy, case ids.
    rows: dict[str, dict[str, int]] = field(default_factory=dict)
    search_words: list[str] = field(default_factory=list)

    def private_ids(self, agency: str) -> dict[str, set[int]]:
        """Ids that only `agency` (and head office) may see, by the field name a body carries them in:
        its own customer (not the shared one), its policies."""
        own, shared = self.rows[agency], self.rows[f"shared_{agency}"]
        return {"customer_id": {own["customer_id"]}, "policy_id": {own["policy_id"], shared["policy_id"]}}

    def fingerprint(self, agency: str) -> list[tuple[Any, ...]]:
        """The cases only `agency` may see, with their version and status: any write to them by the
        other agency (a new case for its customer, a transition of its case) changes this, even when
        the response, being scoped, shows nothing."""
        from django.db.models import Q

        from tsunagu.cases.models import Case

        private = self.private_ids(agency)
        rows = Case.objects.filter(Q(customer_id__in=private["customer_id"]) | Q(policy_id__in=private["policy_id"]))
        return list(rows.order_by("pk").values_list("pk", "version", "status"))


def _open_case(actor: User, customer: Any, policy: Any, subject: str) -> Any:
    return case_create(
        actor=actor,
        data=CaseInput(
            case_type=CaseType.INQUIRY,
            sub_type="contract",
            channel=CaseChannel.PHONE,
            customer=customer,
            policy=policy,
            subject=subject,
            opened_on=dt.date(2026, 6, 1),
            extra={},
        ),
    )


def _solicitation(staff: User, customer: Any, policy: Any) -> int:
    from tsunagu.practice.models import ElderlySolicitation

    return ElderlySolicitation.objects.create(
        policy=policy,
        customer=customer,
        agency=policy.agency,
        solicited_on=dt.date(2026, 4, 1),
        age=81,
        tier="enhanced",
        recorded_by=staff,
        missing=["別担当者による確認電話"],
    ).pk


def _open_complaint(actor: User, customer: Any, policy: Any) -> Any:
    from tests.conftest import seed_case_reference_data
    from tsunagu.cases.models import ComplaintCategory

    seed_case_reference_data()
    category = ComplaintCategory.objects.filter(parent__isnull=False).order_by("code").first()
    assert category is not None
    return case_create(
        actor=actor,
        data=CaseInput(
            case_type=CaseType.COMPLAINT,
            channel=CaseChannel.PHONE,
            customer=customer,
            policy=policy,
            subject="対応への不満",
            opened_on=dt.date(2026, 6, 1),
            extra={"category": category.pk, "customer_request": "説明してほしい"},
        ),
    )


def _identity_rows(steward: User, hq_operator: User, org: dict[str, Any]) -> dict[str, int]:
    """A candidate pair, an import batch with an error row, and a merge of two agency A customers."""
    from tests.identity.conftest import COLUMNS, csv_bytes, person
    from tsunagu.identity.choices import PairStatus
    from tsunagu.identity.models import CandidatePair, SourceRecord
    from tsunagu.identity.services.importing import records_import
    from tsunagu.identity.services.merging import customer_merge
    from tsunagu.identity.services.sources import mapping_profile_save, source_system_register

    source = source_system_register(actor=steward, code="AGENCY", name="代理店システム", priority=20)
    mapping_profile_save(actor=steward, source=source, columns=COLUMNS)
    rows = [
        person("F1", name="渡辺 恵子", kana="ワタナベ ケイコ", email="k@example.jp"),
        person("F2", name="渡邊 恵子", kana="ワタナベ ケイコ", email="k2@example.jp", mobile="090-9999-0000"),
        person("F3", birth="2099-01-01"),  # an error row
    ]
    batch = records_import(
        actor=steward, source_code="AGENCY", data=csv_bytes(rows), file_name="f.csv", match=False
    ).batch
    pair = CandidatePair.objects.create(
        record_l=SourceRecord.objects.get(external_id="F1"),
        record_r=SourceRecord.objects.get(external_id="F2"),
        match_probability=0.93,
        match_weight=3.8,
        evidence={"dob": {"level": "exact", "weight": 5.1}},
        status=PairStatus.REVIEW,
    )
    survivor = make_customer(hq_operator, name="統合 先子", name_kana="トウゴウ サキコ")
    absorbed = make_customer(hq_operator, name="統合 元子", name_kana="トウゴウ モトコ")
    for customer in (survivor, absorbed):
        make_policy(hq_operator, customer, agency=org["agency_a"])
    merge = customer_merge(actor=steward, survivor=survivor, absorbed=absorbed, reason="同一人物")
    return {
        "pair_id": pair.pk,
        "batch_id": batch.pk,
        "merge_id": merge.pk,
        "survivor_id": survivor.pk,
        "absorbed_id": absorbed.pk,
    }


def _org() -> dict[str, Any]:
    from tsunagu.core.models import Agency, Branch
    from tsunagu.policies.choices import LineOfBusiness
    from tsunagu.policies.models import Product

    branch = Branch.objects.create(code="B01", name="東京営業部")
    for line, label in LineOfBusiness.choices:
        Product.objects.create(code=f"P-{line}", name=f"{label}保険", line=line)
    return {
        "call_center": Department.objects.create(code="CC", name="コールセンター", kind=DepartmentKind.CALL_CENTER),
        "crm": Department.objects.create(code="CRM", name="CRM推進部", kind=DepartmentKind.CRM),
        "agency_a": Agency.objects.create(code="A0001", name="あおぞら保険サービス", branch=branch),
        "agency_b": Agency.objects.create(code="B0001", name="みどり保険事務所", branch=branch),
    }


def build_world() -> World:
    org = _org()
    hq_operator = _user("hq_operator", [Role.OPERATOR], department=org["call_center"])
    users = {
        "hq_operator": hq_operator,
        "agency_a_staff": _user("agency_a_staff", [Role.AGENCY_STAFF], agency=org["agency_a"]),
        "agency_b_staff": _user("agency_b_staff", [Role.AGENCY_STAFF], agency=org["agency_b"]),
        "steward": _user("steward", [Role.DATA_STEWARD], department=org["crm"]),
    }
    tokens = {name: api_token_create(actor=hq_operator, user=user, name="fuzz")[1] for name, user in users.items()}

    markers: dict[str, list[str]] = {"A": [], "B": []}
    complaints: list[int] = []
    rows: dict[str, dict[str, int]] = {}
    names = {"A": ("鷹司 葵", "タカツカサ アオイ"), "B": ("勅使河原 楓", "テシガワラ カエデ")}
    for agency in ("A", "B"):
        own = org[f"agency_{agency.lower()}"]
        staff = users[f"agency_{agency.lower()}_staff"]
        name, kana = names[agency]
        phone = f"090-55{ord(agency)}-0001"
        customer = make_customer(hq_operator, name=name, name_kana=kana, phones=[("mobile", phone)])
        policy = make_policy(hq_operator, customer, agency=own)
        case = _open_case(staff, customer, policy, subject=f"{agency}社の問い合わせ")
        markers[agency] += [customer.name, customer.name_kana, customer.number, policy.number, case.number]
        rows[agency] = {"customer_id": customer.pk, "policy_id": policy.pk, "case_id": case.pk}
        # An elderly handling of the policy, so the 高齢者対応 record operation has a row to answer.
        rows[agency]["solicitation_id"] = _solicitation(staff, customer, policy)
        # A complaint too, so the そんぽADR operations (complaint cases only) have a row to answer.
        complaint = _open_complaint(staff, customer, policy)
        markers[agency].append(complaint.number)
        complaints.append(complaint.pk)
        rows[f"complaint_{agency}"] = {"customer_id": customer.pk, "policy_id": policy.pk, "case_id": complaint.pk}

    # A customer served by both agencies: each sees the customer, neither sees the other's policy or
    # case (a case follows its policy's agency), so only those are markers.
    shared = make_customer(hq_operator, name="共有 太郎", name_kana="キョウユウ タロウ")
    for agency in ("A", "B"):
        staff = users[f"agency_{agency.lower()}_staff"]
        policy = make_policy(hq_operator, shared, agency=org[f"agency_{agency.lower()}"])
        case = _open_case(staff, shared, policy, subject=f"共有顧客の{agency}社案件")
        markers[agency] += [policy.number, case.number]
        rows[f"shared_{agency}"] = {"customer_id": shared.pk, "policy_id": policy.pk, "case_id": case.pk}

    identity = _identity_rows(users["steward"], hq_operator, org)
    customers = [r["customer_id"] for r in rows.values()]
    ids: dict[str, list[int]] = {
        "case_id": [r["case_id"] for r in rows.values()] + complaints,
        "customer_id": customers,
        "policy_id": [r["policy_id"] for r in rows.values()],
        "survivor_id": [*customers, identity["survivor_id"]],
        "absorbed_id": [*customers, identity["absorbed_id"]],
        "assignee_id": [u.pk for u in users.values()],
        "department_id": [org["crm"].pk, org["call_center"].pk],
        "pair_id": [identity["pair_id"]],
        "merge_id": [identity["merge_id"]],
        "batch_id": [identity["batch_id"]],
        "solicitation_id": [rows[agency]["solicitation_id"] for agency in ("A", "B")],
    }
    return World(
        tokens=tokens,
        markers=markers,
        ids=ids,
        rows=rows,
        search_words=markers["A"] + markers["B"] + ["0001", "共有", "090-5565-0001", "タロウ"],
    )
