"""Named permissions: the one registry that services, views, the API and templates ask.

Row scoping (which customers, policies, cases …) is `core.scoping`; field masking is
`core.masking`. This module answers the remaining question, "may this user use this function at
all?", by name, so a role check is never written into a view, a service or a template:

    permissions.require(user, permissions.IDENTITY_STEWARD)      # services: PermissionDenied in Japanese
    permissions.has(user, permissions.DOCUMENT_BATCHES_START)    # views
    {% can "identity.steward" as steward %}                      # templates (core.templatetags.tsunagu)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied

from .choices import DepartmentKind, Role
from .scoping import Reach, reach


@dataclass(frozen=True)
class Permission:
    name: str
    label: str  # what the function is, in Japanese
    denied: str  # the message a refused user reads
    check: Callable[[Any], bool]


REGISTRY: dict[str, Permission] = {}


def _register(name: str, label: str, denied: str, check: Callable[[Any], bool]) -> str:
    REGISTRY[name] = Permission(name, label, denied, check)
    return name


def _active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def _head_office(user: Any) -> bool:
    return _active(user) and reach(user) is Reach.ALL


def _has_role(user: Any, *roles: Role) -> bool:
    return _active(user) and user.has_role(*roles)


def _steward(user: Any) -> bool:
    # Stewards are head-office staff (a department, never an agency) with the data_steward role.
    if not _active(user):
        return False
    return user.is_superuser or (user.department_id is not None and _has_role(user, Role.DATA_STEWARD))


def _agency_staff(user: Any) -> bool:
    return _active(user) and reach(user) is Reach.AGENCY and _has_role(user, Role.AGENCY_STAFF)


def _branch_staff(user: Any) -> bool:
    # Branch (営業拠点) staff support their branch's agencies: rows are scoped to those agencies (core.scoping).
    return _active(user) and reach(user) is Reach.BRANCH and _has_role(user, Role.BRANCH_STAFF)


def _batch_starter(user: Any) -> bool:
    # Batches mail every customer: administrators and the 契約管理 department only.
    if not _active(user):
        return False
    if user.is_superuser or user.has_role(Role.ADMIN):
        return True
    return user.department is not None and user.department.kind == DepartmentKind.POLICY_ADMIN


IDENTITY_STEWARD = _register("identity.steward", "名寄せ", "名寄せの操作はデータスチュワードだけが行えます。", _steward)
DOCUMENT_BATCHES_VIEW = _register(
    "documents.batches.view",
    "帳票バッチの閲覧",
    "帳票バッチは本社の担当者だけが閲覧できます。",
    _head_office,
)
DOCUMENT_BATCHES_START = _register(
    "documents.batches.start",
    "帳票バッチの実行",
    "帳票バッチを実行できるのはシステム管理者と契約管理部の担当者だけです。",
    _batch_starter,
)
DOCUMENT_MAILING_LISTS = _register(
    "documents.mailing_lists",
    "契約内容のお知らせ 送付リスト",
    "送付リストをダウンロードできるのは代理店の担当者と本社の担当者だけです。",
    # Rows are scoped by construction (the notices the user can see): an agency gets its own policies' only.
    lambda user: _agency_staff(user) or _head_office(user),
)
DOCUMENT_MAILING_LISTS_OWN_AGENCY = _register(
    "documents.mailing_lists.own_agency",
    "送付リスト(自代理店分)",
    "自代理店分の送付リストは代理店の担当者の機能です(本社は帳票バッチの画面から)。",
    _agency_staff,  # the menu entry; head office reaches the lists from the batch pages
)
COMPLAINT_SENSITIVE = _register(
    "cases.complaint_sensitive",
    "苦情の機微情報",
    "苦情の原因・対策などは苦情対応担当とコンプライアンス監査だけが閲覧できます。",
    lambda user: _has_role(user, Role.COMPLAINTS_OFFICER, Role.COMPLIANCE_AUDITOR),
)
ACCIDENT_SENSITIVE = _register(
    "cases.accident_sensitive",
    "事故受付の機微情報",
    "けが人の状況(機微情報)は損害サービスの担当者とコンプライアンス監査だけが閲覧できます。",
    lambda user: _has_role(user, Role.CLAIMS_HANDLER, Role.COMPLIANCE_AUDITOR),
)
ADMIN_SITE = _register(
    "core.admin_site",
    "管理画面",
    "管理画面はシステム管理者だけが利用できます。",
    lambda user: _active(user) and bool(user.is_staff),
)
CUSTOMERS_EDIT_CONTACTS = _register(
    "customers.edit_contacts",
    "連絡先・同意・親族の編集",
    "顧客の連絡先・同意・登録親族を変更できるのは、オペレーター・代理店スタッフ・システム管理者だけです。",
    lambda user: _has_role(user, Role.OPERATOR, Role.AGENCY_STAFF, Role.ADMIN) and reach(user) is not Reach.NONE,
)


def _compliance_staff(user: Any) -> bool:
    """Head-office compliance auditors and administrators: the access log, monitoring, breaches, 開示."""
    return _head_office(user) and _has_role(user, Role.COMPLIANCE_AUDITOR, Role.ADMIN)


ACCESS_LOG_VIEW = _register(
    "compliance.access_log_view",
    "アクセスログの閲覧",
    "アクセスログはコンプライアンス監査担当とシステム管理者だけが閲覧できます。",
    _compliance_staff,
)
CASES_WORK = _register(
    "cases.work",
    "案件対応",
    "案件を担当できるのは案件対応の担当者だけです。",
    lambda user: (
        _has_role(user, Role.OPERATOR, Role.AGENCY_STAFF, Role.CLAIMS_HANDLER, Role.COMPLAINTS_OFFICER, Role.ADMIN)
        and reach(user) is not Reach.NONE
    ),
)
CASES_DEPARTMENT_QUEUE = _register(
    "cases.department_queue",
    "部署キュー",
    "部署キューは本社の案件担当者だけが利用できます。",
    lambda user: _head_office(user) and has(user, CASES_WORK),
)
CASES_AGENCY_QUEUE = _register(
    "cases.agency_queue",
    "代理店の案件",
    "代理店の案件一覧は代理店の担当者だけが利用できます。",
    lambda user: _active(user) and reach(user) is Reach.AGENCY and has(user, CASES_WORK),
)
CASES_POLICY_ADMIN_DESK = _register(
    "cases.policy_admin_desk",
    "異動・解約の処理",
    "異動・解約の処理状況は契約管理部の担当者だけが閲覧できます。",
    lambda user: (
        _active(user)
        and (user.is_superuser or (user.department is not None and user.department.kind == DepartmentKind.POLICY_ADMIN))
    ),
)
CASES_COMPLAINTS_DESK = _register(
    "cases.complaints_desk",
    "苦情対応",
    "苦情の対応状況は苦情対応担当だけが閲覧できます。",
    lambda user: _head_office(user) and _has_role(user, Role.COMPLAINTS_OFFICER),
)
CASES_CLAIMS_DESK = _register(
    "cases.claims_desk",
    "事故対応",
    "事故受付の対応状況は損害サービス担当だけが閲覧できます。",
    lambda user: _head_office(user) and _has_role(user, Role.CLAIMS_HANDLER),
)
ANALYTICS_AGGREGATES = _register(
    "analytics.aggregates",
    "集計の閲覧",
    "集計はアナリストとシステム管理者だけが閲覧できます。",
    lambda user: _head_office(user) and _has_role(user, Role.ANALYST, Role.ADMIN),
)
# analytics (予測モデル): analysts train and activate models and see the scored lists; scores with
# their reasons are personal data, shown to the staff who act on them (agency staff: their customers).
ANALYTICS_MODELS = _register(
    "analytics.models",
    "予測モデルの管理",
    "予測モデルの学習・有効化と採点結果の一覧は、本社のアナリストとシステム管理者だけが利用できます。",
    lambda user: _head_office(user) and _has_role(user, Role.ANALYST, Role.ADMIN),
)
ANALYTICS_SCORES = _register(
    "analytics.scores",
    "予測スコアの閲覧",
    "予測スコアとターゲットリストを利用できるのは、アナリスト・オペレーター・システム管理者と代理店・営業拠点の担当者だけです。",
    lambda user: (
        _agency_staff(user)
        or _branch_staff(user)  # the worklists of their branch's agencies (TargetEntry is scoped)
        or (_head_office(user) and _has_role(user, Role.ANALYST, Role.OPERATOR, Role.ADMIN))
    ),
)


# --- surveys (アンケート) -----------------------------------------------------------------------


def _survey_owner(user: Any) -> bool:
    # Surveys are defined by head office's CS (お客様相談室, CRM推進部) and administrators.
    if not _head_office(user):
        return False
    if user.is_superuser or user.has_role(Role.ADMIN):
        return True
    return user.department is not None and user.department.kind in (
        DepartmentKind.CUSTOMER_RELATIONS,
        DepartmentKind.CRM,
    )


SURVEYS_VIEW = _register(
    "surveys.view",
    "アンケートの閲覧",
    "アンケートの定義は本社の担当者だけが閲覧できます。",
    _head_office,
)
SURVEYS_MANAGE = _register(
    "surveys.manage",
    "アンケートの作成・変更",
    "アンケートを作成・変更できるのは本社のお客様相談室・CRM推進部とシステム管理者だけです。",
    _survey_owner,
)
SURVEYS_ENTER = _register(
    "surveys.enter",
    "アンケート回答の入力",
    "はがき・電話のアンケート回答を入力できるのは、オペレーター・代理店スタッフ・本社の担当者だけです。",
    lambda user: (
        _has_role(user, Role.OPERATOR, Role.AGENCY_STAFF, Role.CLAIMS_HANDLER, Role.COMPLAINTS_OFFICER, Role.ADMIN)
        and reach(user) is not Reach.NONE
    ),
)
SURVEYS_IMPORT = _register(
    "surveys.import",
    "アンケート結果の取込",
    "アンケート結果の取込は本社のお客様相談室・CRM推進部とシステム管理者だけが行えます。",
    _survey_owner,
)

# --- survey results (アンケート結果): figures for head office's CS and analysts, and for agencies
# (their own agency's, scoped in surveys.results); comments are personal data: staff who follow up.
SURVEY_RESULTS = _register(
    "surveys.results",
    "アンケート結果",
    "アンケート結果を閲覧できるのは、本社の担当者(オペレーター・損害サービス・苦情対応・アナリスト・"
    "システム管理者)と代理店の担当者だけです。",
    lambda user: (
        _agency_staff(user)
        or (
            _head_office(user)
            and _has_role(user, Role.OPERATOR, Role.CLAIMS_HANDLER, Role.COMPLAINTS_OFFICER, Role.ANALYST, Role.ADMIN)
        )
    ),
)
SURVEY_COMMENTS = _register(
    "surveys.comments",
    "アンケートの自由記述",
    "アンケートの自由記述(お客様の個人情報)を閲覧できるのは、オペレーター・損害サービス・苦情対応・"
    "システム管理者と代理店の担当者だけです。",
    lambda user: (
        _agency_staff(user)
        or (
            _head_office(user)
            and _has_role(user, Role.OPERATOR, Role.CLAIMS_HANDLER, Role.COMPLAINTS_OFFICER, Role.ADMIN)
        )
    ),
)


def has(user: Any, name: str) -> bool:
    return REGISTRY[name].check(user)


def require(user: Any, name: str) -> None:
    """Raise PermissionDenied (with the permission's Japanese message) unless the user has it."""
    if not has(user, name):
        raise PermissionDenied(REGISTRY[name].denied)


# --- case assignment (an object-level rule: whose case it is) ----------------------------------

CASES_ASSIGN = _register(
    "cases.assign",
    "案件の担当者割当",
    "案件の担当者を決められるのは、その案件の担当部署(代理店の案件はその代理店)の担当者と責任者だけです。",
    lambda user: _active(user) and (user.department_id is not None or user.agency_id is not None),
)


def is_case_supervisor(user: Any) -> bool:
    """Supervisors assign any case they can see (until a supervisor role exists: the admin role)."""
    return _active(user) and (user.is_superuser or _has_role(user, Role.ADMIN))


def may_assign_case(user: Any, case: Any) -> bool:
    """A supervisor, the staff of the case's department, or (agency staff) of the case's agency."""
    if not has(user, CASES_ASSIGN):
        return False
    if is_case_supervisor(user):
        return True
    if user.department_id is not None:
        return bool(case.department_id == user.department_id)
    return bool(case.agency_id is not None and case.agency_id == user.agency_id)


def require_assign_case(user: Any, case: Any) -> None:
    if not may_assign_case(user, case):
        raise PermissionDenied(REGISTRY[CASES_ASSIGN].denied)


# --- お客様の声 (voice) --------------------------------------------------------------------------
# Recording: every member of staff who serves customers. Managing (categories, 回覧, improvements):
# head office's CS (お客様相談室, complaints officers) and administrators, and agency staff for their own
# agency (the product has no agency-manager role; the agency's register is kept by its staff).
VOICE_RECORD = _register(
    "voice.record",
    "お客様の声の記録",
    "お客様の声を記録・閲覧できるのは、お客さまに対応する担当者(オペレーター・代理店スタッフ・損害サービス・苦情対応・"
    "システム管理者)だけです。",
    lambda user: (
        _has_role(user, Role.OPERATOR, Role.AGENCY_STAFF, Role.CLAIMS_HANDLER, Role.COMPLAINTS_OFFICER, Role.ADMIN)
        and reach(user) is not Reach.NONE
    ),
)
VOICE_MANAGE = _register(
    "voice.manage",
    "回覧・改善の管理",
    "回覧の作成と改善の登録は、本社のお客様相談室・苦情対応担当・システム管理者と代理店の担当者だけが行えます。",
    lambda user: (
        _agency_staff(user)
        or (
            _head_office(user)
            and (
                user.is_superuser
                or _has_role(user, Role.COMPLAINTS_OFFICER, Role.ADMIN)
                or (user.department is not None and user.department.kind == DepartmentKind.CUSTOMER_RELATIONS)
            )
        )
    ),
)


# --- 募集品質 (practice: 意向把握, 高齢者対応, 満期管理, 研修) ------------------------------------------
# Agency staff record their agency's practice; agency managers (agency staff who are somebody's
# manager, User.manager) double-check non-recommended choices and manage training; head office
# (operators, compliance, administrators) sees every agency's records and may double-check/manage.
def _practice_head_office(user: Any) -> bool:
    return _head_office(user) and (
        user.is_superuser or _has_role(user, Role.OPERATOR, Role.COMPLIANCE_AUDITOR, Role.ADMIN)
    )


def _agency_manager(user: Any) -> bool:
    return _agency_staff(user) and bool(user.reports.filter(is_active=True).exists())


PRACTICE_VIEW = _register(
    "practice.view",
    "募集品質の閲覧",
    "募集品質の記録は、代理店の担当者と本社の担当者(オペレーター・コンプライアンス監査・システム管理者)だけが閲覧できます。",
    lambda user: _agency_staff(user) or _practice_head_office(user),
)
PRACTICE_RECORD = _register(
    "practice.record",
    "募集品質の記録",
    "意向把握・高齢者対応・満期管理の記録は、代理店の担当者とシステム管理者だけが行えます。",
    lambda user: _agency_staff(user) or (_head_office(user) and (user.is_superuser or _has_role(user, Role.ADMIN))),
)
PRACTICE_DOUBLE_CHECK = _register(
    "practice.double_check",
    "意向把握のダブルチェック",
    "推奨商品以外の選択のダブルチェックは、代理店の管理者(部下のいる担当者)とシステム管理者だけが行えます。",
    lambda user: _agency_manager(user) or (_head_office(user) and (user.is_superuser or _has_role(user, Role.ADMIN))),
)
PRACTICE_MANAGE = _register(
    "practice.manage",
    "研修・募集品質の管理",
    "研修・資格・新人指導の登録は、代理店の管理者(部下のいる担当者)とシステム管理者だけが行えます。",
    lambda user: _agency_manager(user) or (_head_office(user) and (user.is_superuser or _has_role(user, Role.ADMIN))),
)


# --- compliance monitoring (アクセス監視・アクセス権レビュー) -------------------------------------------
# Alerts, thresholds, reports and campaigns: the auditor (and administrators), head office only.
# Answering a business-reason request or reviewing one's staff's roles: any member of staff who is
# somebody's manager (the screens list only what is addressed to the user).
def _is_manager(user: Any) -> bool:
    """Somebody's manager (User.manager); asked once per request's user object (menu, home, views)."""
    if not _active(user):
        return False
    if "_tsunagu_is_manager" not in user.__dict__:
        user.__dict__["_tsunagu_is_manager"] = user.reports.exists()
    return bool(user.__dict__["_tsunagu_is_manager"])


COMPLIANCE_ALERTS = _register(
    "compliance.alerts",
    "アクセス監視アラート",
    "アクセス監視のアラート・閾値・レポートはコンプライアンス監査担当とシステム管理者だけが利用できます。",
    _compliance_staff,
)
COMPLIANCE_REVIEWS_MANAGE = _register(
    "compliance.reviews_manage",
    "アクセス権レビューの実施",
    "アクセス権レビューを開始・締切できるのはコンプライアンス監査担当とシステム管理者だけです。",
    _compliance_staff,
)
COMPLIANCE_MANAGER_DESK = _register(
    "compliance.manager_desk",
    "上長の確認(理由照会・アクセス権)",
    "上長の確認画面は、部下が登録されている職員(上長)だけが利用できます。",
    lambda user: _is_manager(user),
)


def _server_command(user: Any) -> bool:
    """The `system` actor of a management command: whoever runs commands on the server already holds
    the database, so a command run without --user (e.g. `dsr_export`) acts, and is logged, as it."""
    from .services import SYSTEM_USERNAME  # services imports models; permissions must not at import time

    return getattr(user, "pk", None) is not None and user.username == SYSTEM_USERNAME and not user.is_active


COMPLIANCE_DSR = _register(
    "compliance.dsr",
    "開示等の請求への対応",
    "開示等の請求への対応(保有個人データの出力)は、コンプライアンス監査担当とシステム管理者だけが行えます。",
    lambda user: _compliance_staff(user) or _server_command(user),
)
COMPLIANCE_BREACHES = _register(
    "compliance.breaches",
    "漏えい等事案の管理",
    "漏えい等事案の登録・報告・本人通知の管理は、コンプライアンス監査担当とシステム管理者だけが利用できます。",
    _compliance_staff,
)
COMPLIANCE_REGISTERS = _register(
    "compliance.registers",
    "委託先管理・内部監査",
    "委託先の管理と拠点・代理店の内部監査は、コンプライアンス監査担当とシステム管理者だけが利用できます。",
    _compliance_staff,
)
COMPLIANCE_RETENTION = _register(
    "compliance.retention",
    "保存期間と廃棄・匿名化",
    "保存期間・リーガルホールド・廃棄と匿名化の処理は、コンプライアンス監査担当とシステム管理者だけが利用できます。",
    lambda user: _compliance_staff(user) or _server_command(user),
)


# --- survey follow-ups (アンケートのフォローアップ) ---------------------------------------------------
# Closing the loop with a dissatisfied customer: agency staff for their agency's follow-ups, and head-office
# staff who talk to customers (a follow-up without an agency belongs to お客様相談室).
SURVEYS_FOLLOW_UP = _register(
    "surveys.follow_up",
    "アンケートのフォローアップ",
    "アンケートのフォローアップは、代理店の担当者と本社のお客さま対応の担当者(オペレーター・損害サービス・"
    "苦情対応・お客様相談室・システム管理者)だけが行えます。",
    lambda user: (
        _agency_staff(user)
        or (
            _head_office(user)
            and (
                user.is_superuser
                or _has_role(user, Role.OPERATOR, Role.CLAIMS_HANDLER, Role.COMPLAINTS_OFFICER, Role.ADMIN)
                or (user.department is not None and user.department.kind == DepartmentKind.CUSTOMER_RELATIONS)
            )
        )
    ),
)


# --- 苦情分析 (complaint analysis, aggregates only) -------------------------------------------------
# Head office's complaints officers, お客様相談室, compliance and administrators see every agency's
# figures; agency staff see their own agency's (the selectors narrow them).
COMPLAINT_ANALYSIS = _register(
    "voice.complaint_analysis",
    "苦情分析",
    "苦情分析は、本社の苦情対応担当・お客様相談室・コンプライアンス監査・システム管理者と代理店の担当者だけが閲覧できます。",
    lambda user: (
        _agency_staff(user)
        or (
            _head_office(user)
            and (
                user.is_superuser
                or _has_role(user, Role.COMPLAINTS_OFFICER, Role.COMPLIANCE_AUDITOR, Role.ADMIN)
                or (user.department is not None and user.department.kind == DepartmentKind.CUSTOMER_RELATIONS)
            )
        )
    ),
)
# The menu shows 苦情分析 under お客様の声; those who may analyse complaints but do not record voices
# (compliance auditors) get it as an entry of its own.
COMPLAINT_ANALYSIS_OUTSIDE_VOICE = _register(
    "voice.complaint_analysis_menu",
    "苦情分析(メニュー)",
    "苦情分析は、本社の苦情対応担当・お客様相談室・コンプライアンス監査・システム管理者と代理店の担当者だけが閲覧できます。",
    lambda user: has(user, COMPLAINT_ANALYSIS) and not has(user, VOICE_RECORD),
)


# --- KPI pack (顧客本位の業務運営の取組状況, issue 13) ---------------------------------------------------
# Figures: agency staff (their own agency, narrowed by kpis.selectors.scope_for) and head office.
# Targets, the report's commentary and publishing: agency staff for their own agency (the product has
# no agency-manager role; the agency keeps its own report), head office's CS/CRM and administrators.
KPIS_VIEW = _register(
    "kpis.view",
    "KPI",
    "KPIを閲覧できるのは、代理店・営業拠点の担当者と本社の職員だけです。",
    # Branch staff: their branch and its agencies (kpis.selectors.scope_for, scoping.visible_agencies).
    lambda user: _agency_staff(user) or _branch_staff(user) or _head_office(user),
)
KPIS_MANAGE = _register(
    "kpis.manage",
    "KPIの目標・取組状況の公表",
    "KPIの目標と取組状況の公表は、代理店の担当者(自店分)と本社のお客様相談室・CRM推進部・システム管理者だけが行えます。",
    lambda user: (
        _agency_staff(user)
        or (
            _head_office(user)
            and (
                user.is_superuser
                or _has_role(user, Role.ADMIN)
                or (
                    user.department is not None
                    and user.department.kind in (DepartmentKind.CUSTOMER_RELATIONS, DepartmentKind.CRM)
                )
            )
        )
    ),
)


# --- 解約防止分析 (cancellation retention, issue 14) ---------------------------------------------------
# The reasons, retention rates and the win-back list are the call center's management information:
# head-office analysts and administrators, and the call center's supervisors (a call-center member who
# is somebody's manager, User.manager — the product has no supervisor role). Operators and agencies
# work single requests on the case page, not the analysis; the drill-down lists customers (logged).
ANALYTICS_RETENTION = _register(
    "analytics.retention",
    "解約防止分析",
    "解約防止分析は、本社のアナリスト・システム管理者とコールセンターの責任者(部下のいる担当者)だけが利用できます。",
    lambda user: (
        _head_office(user)
        and (
            user.is_superuser
            or _has_role(user, Role.ANALYST, Role.ADMIN)
            or (
                user.department is not None and user.department.kind == DepartmentKind.CALL_CENTER and _is_manager(user)
            )
        )
    ),
)
