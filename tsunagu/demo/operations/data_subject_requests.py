"""Demo data-subject requests (開示等の請求), through the services, so the auditor's list shows each
stage and clock: a correction answered, a disclosure checked and waiting for its export (due soon),
a stop of use answered in part with its reason, a disclosure still waiting for the identity check
(overdue), and a withdrawn one. The customers are the first few by number (stable between loads and databases)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tsunagu.compliance import dsr_services as services
from tsunagu.compliance.dsr_reminders import dsr_reminders_create
from tsunagu.compliance.models import DataSubjectRequest
from tsunagu.core.models import User
from tsunagu.customers.models import Customer


def demo_requests_load(*, users: dict[str, User], as_of: dt.date) -> int:
    """Returns how many requests were registered."""
    auditor = users.get("auditor")
    people = list(Customer.objects.order_by("pk")[2:7])
    if auditor is None or len(people) < 5:
        return 0

    def receive(customer: Customer, kind: str, days_ago: int, **extra: Any) -> DataSubjectRequest:
        return services.dsr_receive(
            actor=auditor,
            customer=customer,
            kind=kind,
            received_on=as_of - dt.timedelta(days=days_ago),
            requester_name=customer.name,
            **{"channel": "post", **extra},
        )

    def verify(request: DataSubjectRequest, days_ago: int, document: str = "drivers_license") -> DataSubjectRequest:
        return services.dsr_verify(
            actor=auditor,
            request=request,
            identity_document=document,
            verified_on=as_of - dt.timedelta(days=days_ago),
        )

    corrected = verify(
        receive(people[0], "correction", 45, scope="旧姓のままの契約者名を現在の氏名に訂正してほしい"),
        43,
        "my_number_card",
    )
    services.dsr_complete(
        actor=auditor,
        request=corrected,
        decision="comply",
        completed_on=as_of - dt.timedelta(days=38),
        completion_note="契約者名を訂正し(顧客情報の変更履歴あり)、訂正後の内容を書面で送付。",
    )
    # Verified and waiting for its export: the auditor makes it on the request page. (The demo makes
    # no export itself: its access log is the simulated past, and an export is logged when it happens.)
    verify(
        receive(people[1], "disclosure", 12, channel="counter", scope="当社が保有する私の個人データのすべて"),
        11,
    )
    refused = verify(
        receive(
            people[2],
            "stop_use",
            30,
            channel="phone",
            scope="ダイレクトメールを含め個人データの利用をすべて停止してほしい",
        ),
        27,
    )
    services.dsr_complete(
        actor=auditor,
        request=refused,
        decision="partial",
        decision_reason=(
            "ご案内(ダイレクトメール)への利用は停止しました。ご契約の継続中は、契約の管理・保険金のお支払いに"
            "必要な範囲で利用を続けます。"
        ),
        completed_on=as_of - dt.timedelta(days=20),
        completion_note="回答書を郵送。連絡の同意を「なし」に変更済み。",
    )
    receive(people[3], "disclosure", 18, channel="web", response_channel="electronic", by_proxy=True)
    withdrawn = receive(people[4], "provision_records", 9)
    services.dsr_withdraw(actor=auditor, request=withdrawn, reason="本人から電話で取下げの連絡(代理店で確認できたため)")
    # The day's reminders, as the scheduled `compliance_daily` would have sent them: the auditor's
    # 期限リマインダー shows the overdue request and the one due soon from the first login.
    dsr_reminders_create(actor=auditor, on=as_of)
    return 5
