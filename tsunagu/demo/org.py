"""The demo organization: departments, branches, agencies, agents, products and staff users.

Created through the ORM (a few hundred rows at most) with row history naming the acting user;
users go through `tsunagu.core.services.user_create`. Everything is get-or-create, so loading demo
data again reuses what is there and only adds agencies when the book has grown.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from tsunagu.core import writes
from tsunagu.core.choices import DepartmentKind, Role
from tsunagu.core.models import Agency, Agent, Branch, Department, User
from tsunagu.core.services import user_create
from tsunagu.policies.models import Product

from .catalog import AGENCY_SUFFIXES, COMPANY_STEMS, PRODUCTS
from .names import given_name_pool, surname_pool
from .places import BRANCH_NAMES

CUSTOMERS_PER_AGENCY = 5_000
MIN_AGENCIES = 5

STAFF_PASSWORD = "tsunagu-demo-2026"
ADMIN_PASSWORD = "tsunagu-admin-2026"

# (code, name, kind) of the six departments.
DEPARTMENTS: tuple[tuple[str, str, DepartmentKind], ...] = (
    ("CR", "お客様相談室", DepartmentKind.CUSTOMER_RELATIONS),
    ("CC", "コールセンター", DepartmentKind.CALL_CENTER),
    ("CL", "損害サービス部", DepartmentKind.CLAIMS),
    ("PA", "契約管理部", DepartmentKind.POLICY_ADMIN),
    ("CRM", "CRM推進部", DepartmentKind.CRM),
    ("CP", "コンプライアンス部", DepartmentKind.COMPLIANCE),
)


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    role: Role
    department: DepartmentKind | None = None  # department users
    agency_index: int | None = None  # agency staff: 1 = the first (largest) demo agency
    branch_index: int | None = None  # branch staff: 1 = BR01, the branch of agencies 10001, 10004 …
    password: str = STAFF_PASSWORD
    manager: str | None = None  # the username of the user's 上長 (User.manager), another demo user
    takes_work: bool = True  # False: the generator assigns no cases, contacts or reads to this user


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", "システム管理者", Role.ADMIN, DepartmentKind.CRM, password=ADMIN_PASSWORD),
    DemoUser("operator", "佐藤 美咲(コールセンター)", Role.OPERATOR, DepartmentKind.CALL_CENTER, manager="supervisor1"),
    DemoUser(
        "operator2", "鈴木 健太(コールセンター)", Role.OPERATOR, DepartmentKind.CALL_CENTER, manager="supervisor1"
    ),
    DemoUser(
        "policy_admin", "渡辺 直樹(契約管理)", Role.OPERATOR, DepartmentKind.POLICY_ADMIN, manager="policy_manager"
    ),
    DemoUser("complaints", "高橋 恵(お客様相談室)", Role.COMPLAINTS_OFFICER, DepartmentKind.CUSTOMER_RELATIONS),
    DemoUser("claims", "田中 誠(損害サービス)", Role.CLAIMS_HANDLER, DepartmentKind.CLAIMS, manager="claims_manager"),
    DemoUser(
        "claims2", "伊藤 由美(損害サービス)", Role.CLAIMS_HANDLER, DepartmentKind.CLAIMS, manager="claims_manager"
    ),
    DemoUser("steward", "山本 聡(CRM推進)", Role.DATA_STEWARD, DepartmentKind.CRM),
    DemoUser("analyst", "中村 彩(CRM推進)", Role.ANALYST, DepartmentKind.CRM),
    DemoUser("auditor", "小林 学(コンプライアンス)", Role.COMPLIANCE_AUDITOR, DepartmentKind.COMPLIANCE),
    DemoUser("agency1", "加藤 翔太(代理店)", Role.AGENCY_STAFF, agency_index=1, manager="agency1_manager"),
    DemoUser("agency2", "吉田 陽子(代理店)", Role.AGENCY_STAFF, agency_index=2, manager="agency2_manager"),
    # Agency managers: agency staff who are somebody's manager, the ones who double-check a
    # non-recommended choice (practice.double_check) and record training (practice.manage).
    DemoUser("agency1_manager", "松本 大輔(代理店・管理者)", Role.AGENCY_STAFF, agency_index=1),
    DemoUser("agency2_manager", "井上 真理(代理店・管理者)", Role.AGENCY_STAFF, agency_index=2),
    # Branch staff (営業拠点): the customers of every agency of branch BR01 (agency1's 10001 among them).
    DemoUser("branch1", "木村 拓也(営業拠点)", Role.BRANCH_STAFF, branch_index=1),
    # The call center's supervisor (SV): an operator who is the operators' manager (User.manager) — the
    # product has no supervisor role, so 解約防止分析 (analytics.retention) and the business-reason requests
    # of the compliance alerts go to the call-center member with reports. Last in the list, so the other
    # demo users keep their ids, and the generator gives them no work, so the demo book is unchanged.
    DemoUser(
        "supervisor1", "山口 恵子(コールセンター・SV)", Role.OPERATOR, DepartmentKind.CALL_CENTER, takes_work=False
    ),
    # The managers of the claims handlers and of 契約管理: they answer the compliance alerts' business-reason
    # requests (照会) about their staff and confirm their roles in an access review. Created after the
    # others (ids kept) and given no work (the demo book and its planted anomalies are unchanged).
    DemoUser(
        "claims_manager", "斎藤 修(損害サービス・課長)", Role.CLAIMS_HANDLER, DepartmentKind.CLAIMS, takes_work=False
    ),
    DemoUser(
        "policy_manager", "清水 直子(契約管理・課長)", Role.OPERATOR, DepartmentKind.POLICY_ADMIN, takes_work=False
    ),
)


@dataclass
class OrgRefs:
    """Plain ids the generator needs; no ORM objects cross into the hot loop."""

    agency_ids: list[int]
    agents_by_agency: dict[int, list[int]]
    product_ids: dict[str, int]
    staff_by_department: dict[str, list[int]]
    agency_staff: dict[int, int]  # agency id -> demo agency_staff user id
    claims_handlers: list[int]
    actor_id: int
    users: dict[str, User] = field(default_factory=dict)


def agency_count_for(total_customers: int) -> int:
    return max(MIN_AGENCIES, -(-total_customers // CUSTOMERS_PER_AGENCY))


def _agency_name(index: int) -> str:
    rng = random.Random(f"tsunagu-agency-{index}")
    suffix = rng.choice(AGENCY_SUFFIXES)
    stem = surname_pool().pick(rng)[0] if rng.random() < 0.5 else rng.choice(COMPANY_STEMS)[0]
    roll = rng.random()
    if roll < 0.45:
        return f"株式会社{stem}{suffix}"
    if roll < 0.6:
        return f"有限会社{stem}{suffix}"
    return f"{stem}{suffix}"


def _agent_name(agency_index: int, number: int) -> tuple[str, str]:
    rng = random.Random(f"tsunagu-agent-{agency_index}-{number}")
    family, family_kana = surname_pool().pick(rng)
    gender = "male" if rng.random() < 0.6 else "female"
    given, given_kana = given_name_pool(gender, rng.choice(("mid", "young"))).pick(rng)
    return f"{family} {given}", f"{family_kana} {given_kana}"


def ensure_departments(actor: User) -> dict[DepartmentKind, Department]:
    out: dict[DepartmentKind, Department] = {}
    for code, name, kind in DEPARTMENTS:
        department = Department.objects.filter(kind=kind).order_by("id").first()
        if department is None:
            department = Department(code=code, name=name, kind=kind)
            writes.save(department, actor=actor, clean=False)
        out[kind] = department
    return out


def ensure_agencies(actor: User, count: int) -> list[Agency]:
    """Demo agencies are coded 10001, 10002 …; a bigger book opens more agencies and branches."""
    branch_count = min(len(BRANCH_NAMES), max(3, count // 8))
    branches = []
    for index, name in enumerate(BRANCH_NAMES[:branch_count], start=1):
        branch = Branch.objects.filter(code=f"BR{index:02d}").first()
        if branch is None:
            branch = Branch(code=f"BR{index:02d}", name=name)
            writes.save(branch, actor=actor, clean=False)
        branches.append(branch)
    existing = {a.code: a for a in Agency.objects.filter(code__in=[f"{10000 + i}" for i in range(1, count + 1)])}
    new_agencies = [
        Agency(code=f"{10000 + i}", name=_agency_name(i), branch=branches[(i - 1) % len(branches)])
        for i in range(1, count + 1)
        if f"{10000 + i}" not in existing
    ]
    if new_agencies:
        writes.bulk_create(new_agencies, actor=actor)
    agencies = list(Agency.objects.filter(code__in=[f"{10000 + i}" for i in range(1, count + 1)]).order_by("code"))
    new_agents: list[Agent] = []
    with_agents = set(Agent.objects.filter(agency__in=agencies).values_list("agency_id", flat=True))
    for index, agency in enumerate(agencies, start=1):
        if agency.pk in with_agents:
            continue
        for number in range(1, 3 + (index * 7) % 8 + 1):
            name, kana = _agent_name(index, number)
            new_agents.append(
                Agent(registration_number=f"{agency.code}{number:04d}", name=name, name_kana=kana, agency=agency)
            )
    if new_agents:
        writes.bulk_create(new_agents, actor=actor)
    return agencies


def ensure_products(actor: User) -> dict[str, int]:
    existing = {p.code: p.pk for p in Product.objects.filter(code__in=[s.code for s in PRODUCTS])}
    for spec in PRODUCTS:
        if spec.code not in existing:
            product = Product(code=spec.code, name=spec.name, line=spec.line)
            writes.save(product, actor=actor, clean=False)
            existing[spec.code] = product.pk
    return existing


def ensure_users(actor: User, departments: dict[DepartmentKind, Department], agencies: list[Agency]) -> dict[str, User]:
    """Create the demo staff that do not exist yet; existing accounts are left as they are."""
    users: dict[str, User] = {u.username: u for u in User.objects.filter(username__in=[d.username for d in DEMO_USERS])}
    for demo in DEMO_USERS:
        if demo.username in users:
            continue
        users[demo.username] = user_create(
            actor=actor,
            username=demo.username,
            password=demo.password,
            display_name=demo.display_name,
            roles=[demo.role],
            department=departments[demo.department] if demo.department is not None else None,
            agency=agencies[demo.agency_index - 1] if demo.agency_index is not None else None,
            branch=Branch.objects.get(code=f"BR{demo.branch_index:02d}") if demo.branch_index is not None else None,
        )
    for demo in DEMO_USERS:
        user = users[demo.username]
        if demo.manager is not None and user.manager_id is None:
            user.manager = users[demo.manager]
            writes.save(user, actor=actor, clean=False, update_fields=["manager"])
    return users


def ensure_org(actor: User, total_customers: int) -> OrgRefs:
    departments = ensure_departments(actor)
    agencies = ensure_agencies(actor, agency_count_for(total_customers))
    product_ids = ensure_products(actor)
    users = ensure_users(actor, departments, agencies)
    agents_by_agency: dict[int, list[int]] = {a.pk: [] for a in agencies}
    for agent_id, agency_id in Agent.objects.filter(agency__in=agencies).order_by("id").values_list("id", "agency_id"):
        agents_by_agency[agency_id].append(agent_id)
    staff_by_department: dict[str, list[int]] = {kind.value: [] for kind in DepartmentKind}
    agency_staff: dict[int, int] = {}
    for demo in DEMO_USERS:
        user = users[demo.username]
        if user.agency_id is not None and demo.role == Role.AGENCY_STAFF:
            agency_staff.setdefault(user.agency_id, user.pk)
        elif user.department_id is not None and demo.role != Role.ADMIN and demo.takes_work:
            kind = next(k for k, d in departments.items() if d.pk == user.department_id)
            staff_by_department[kind.value].append(user.pk)
    fallback = staff_by_department[DepartmentKind.CALL_CENTER.value] or [actor.pk]
    for kind in DepartmentKind:
        if not staff_by_department[kind.value]:
            staff_by_department[kind.value] = fallback
    return OrgRefs(
        agency_ids=[a.pk for a in agencies],
        agents_by_agency=agents_by_agency,
        product_ids=product_ids,
        staff_by_department=staff_by_department,
        agency_staff=agency_staff,
        claims_handlers=staff_by_department[DepartmentKind.CLAIMS.value],
        actor_id=actor.pk,
        users=users,
    )
