"""Demo compliance registers, through the services, so the auditor's screens show each state:
three contractors (a printer audited and fine, a BPO call center abroad whose follow-up is overdue, a
cloud storage provider whose agreement lacks clauses and whose audit is overdue) and one ended one with
its data disposal recorded; three internal audits (a branch audit completed, an agency audit reported
with an overdue finding, an agency audit planned). Dates are relative to the demo date."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tsunagu.compliance import registers_services as services
from tsunagu.compliance.models import AuditChecklistItem
from tsunagu.core.models import Agency, Branch, Department, User

ALL_CLAUSES = {
    "safety_clause": True, "confidentiality_clause": True, "subcontract_clause": True, "audit_clause": True,
    "breach_clause": True, "return_clause": True,
}  # fmt: skip


def _seed_checklist() -> None:
    """A flushed test database has lost the migration's rows; the demo needs them."""
    if not AuditChecklistItem.objects.exists():
        import importlib

        from django.apps import apps

        importlib.import_module("tsunagu.compliance.migrations.0005_seed_audit_checklist").seed(apps, None)


def demo_registers_load(*, users: dict[str, User], as_of: dt.date) -> int:
    """Returns how many register records (contractors and internal audits) were written."""
    auditor = users.get("auditor")
    if auditor is None:
        return 0
    _seed_checklist()

    def ago(days: int) -> dt.date:
        return as_of - dt.timedelta(days=days)

    department = Department.objects.filter(kind="policy_admin").first()
    printer = services.contractor_save(
        actor=auditor, name="株式会社サンプル印刷", corporate_number="1234567890123", address="東京都江東区新砂1-2-3",
        contact="営業部 山口(03-0000-1111)", service="満期案内・保険料控除証明書の印刷・封入・発送",
        data_items="氏名、住所、証券番号、保険種類、満期日、保険料", persons=180000, owner_department=department,
        started_on=dt.date(2019, 4, 1),
    )  # fmt: skip
    services.contractor_agreement_add(
        actor=auditor, contractor=printer, title="印刷・発送業務委託契約書(2024年改定)", signed_on=dt.date(2024, 3, 20),
        valid_from=dt.date(2024, 4, 1), valid_to=None, **ALL_CLAUSES,
    )  # fmt: skip
    services.contractor_audit_record(
        actor=auditor, contractor=printer, audited_on=ago(120), method="on_site", rating="A",
        findings="入退室記録・廃棄記録とも適切。",
    )  # fmt: skip

    bpo = services.contractor_save(
        actor=auditor, name="グローバル・コンタクト株式会社", address="マニラ(フィリピン)",
        contact="日本窓口 業務管理部", service="夜間・休日の事故受付の一次対応",
        data_items="氏名、電話番号、証券番号、事故の状況",
        persons=25000, sensitive=True, location="foreign", country="フィリピン", subcontracting=True,
        subcontractors="国内のIT保守会社(システムの保守のみ、データへのアクセスなし)", audit_interval_months=6,
        started_on=dt.date(2023, 10, 1),
    )  # fmt: skip
    services.contractor_agreement_add(
        actor=auditor, contractor=bpo, title="事故受付業務委託契約書", signed_on=dt.date(2023, 9, 15),
        valid_from=dt.date(2023, 10, 1), valid_to=as_of + dt.timedelta(days=40), **ALL_CLAUSES,
    )  # fmt: skip
    services.contractor_audit_record(
        actor=auditor, contractor=bpo, audited_on=ago(75), method="remote", rating="C",
        findings="オペレーターのIDが交代勤務で共有されていた。画面の撮影禁止が掲示されていない。",
        follow_up="個人別IDの発行と共有禁止の徹底、撮影禁止の掲示と誓約の取り直し", follow_up_due=ago(15),
    )  # fmt: skip

    cloud = services.contractor_save(
        actor=auditor, name="データ保管サービス株式会社", service="帳票PDFの長期保管(クラウドストレージ)",
        data_items="帳票PDF(氏名、住所、証券番号、保険料を含む)", persons=400000, audit_interval_months=12,
        started_on=ago(500),
    )  # fmt: skip
    services.contractor_agreement_add(
        actor=auditor, contractor=cloud, title="クラウド保管サービス利用契約", signed_on=ago(510), valid_from=ago(500),
        valid_to=None, **{**ALL_CLAUSES, "audit_clause": False, "return_clause": False},
        note="約款型の契約で、監査権と終了時の消去の条項がない。覚書で追加を交渉中。",
    )  # fmt: skip

    ended: dict[str, Any] = {
        "status": "ended", "ended_on": ago(200), "data_disposal": "データ消去証明書を受領(消去日と対象媒体を確認)。",
    }  # fmt: skip
    services.contractor_save(
        actor=auditor, name="旧アンケート集計株式会社", service="顧客満足度アンケートの集計",
        data_items="氏名、回答内容", persons=8000, started_on=dt.date(2021, 4, 1), **ended,
    )  # fmt: skip

    count = 4
    branch = Branch.objects.order_by("code").first()
    agencies = list(Agency.objects.order_by("code")[:2])
    if branch is not None:
        done = services.internal_audit_plan(actor=auditor, planned_on=ago(90), auditor=auditor, branch=branch)
        services.internal_audit_answer(
            actor=auditor, audit=done, performed_on=ago(88),
            answers={a.pk: ("conforms", "") for a in done.answers.all()},
        )  # fmt: skip
        services.internal_audit_report(actor=auditor, audit=done, summary="指摘事項なし。", reported_on=ago(80))
        services.internal_audit_close(actor=auditor, audit=done, closed_on=ago(80))
        count += 1
    if len(agencies) == 2:
        reported = services.internal_audit_plan(actor=auditor, planned_on=ago(40), auditor=auditor, agency=agencies[0])
        answers = {a.pk: ("conforms", "") for a in reported.answers.all()}
        by_code = {a.item.code: a for a in reported.answers.select_related("item")}
        answers[by_code["H-02"].pk] = ("partial", "2名が今年度の研修を未受講")
        answers[by_code["P-03"].pk] = ("nonconforms", "廃棄書類をシュレッダーにかけず一般ごみで廃棄")
        answers[by_code["T-05"].pk] = ("na", "他社への提供はない")
        services.internal_audit_answer(actor=auditor, audit=reported, performed_on=ago(38), answers=answers)
        training = services.internal_audit_finding_add(
            actor=auditor, audit=reported, item=by_code["H-02"].item, severity="low",
            description="研修の未受講者がいる", corrective_action="未受講者の受講と受講記録の提出",
            owner="代理店 教育担当", due_on=ago(10),
        )  # fmt: skip
        services.internal_audit_finding_add(
            actor=auditor, audit=reported, item=by_code["P-03"].item, severity="high",
            description="顧客情報を含む書類を一般ごみで廃棄していた",
            corrective_action="溶解処理業者との契約と廃棄記録簿の運用開始", owner="代理店主", due_on=ago(5),
        )  # fmt: skip
        services.internal_audit_report(
            actor=auditor,
            audit=reported,
            summary="廃棄方法に重大な不備。研修の受講管理に改善の余地。",
            reported_on=ago(35),
        )
        services.audit_finding_progress(
            actor=auditor, finding=training, status="done", done_on=ago(12), note="受講記録(2名分)を確認"
        )
        services.internal_audit_plan(actor=auditor, planned_on=as_of + dt.timedelta(days=14), auditor=auditor,
                                     agency=agencies[1])  # fmt: skip
        count += 2
    return count
