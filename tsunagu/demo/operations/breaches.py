"""Demo compliance monitoring and breach register. The monitoring rules run over the demo's 90 days
of access log (the auditor's queue shows the planted anomalies); the late-night bulk reading turned
out to be a staff member taking customer data: its alert is concluded as an incident, which is
registered from the alert (速報 made, 確報 pending, persons found from the log and partly notified);
last year's mis-sent letter is a closed incident. Everything through the services."""

from __future__ import annotations

import datetime as dt

from tsunagu.compliance import breach_services as services
from tsunagu.compliance.choices import BreachCause, Conclusion
from tsunagu.compliance.models import Alert
from tsunagu.compliance.services import alert_assign, alert_conclude, rules_run
from tsunagu.core.models import User
from tsunagu.customers.models import Customer

from .access_log import NIGHT_ADDRESS, AccessLogResult


def demo_breaches_load(*, access_log: AccessLogResult, users: dict[str, User], as_of: dt.date) -> int:
    """Returns how many incidents were registered."""
    auditor = users.get("auditor")
    if auditor is None:
        return 0
    count = 0
    rules_run(actor=auditor, date_from=as_of - dt.timedelta(days=91), date_to=as_of)
    first = Customer.objects.order_by("pk").first()
    if first is not None:
        missend = services.breach_open(
            actor=auditor,
            title="契約内容のお知らせの封入誤り(他のお客さまの書面を同封)",
            cause_kind=BreachCause.MISSEND,
            aware_on=as_of - dt.timedelta(days=300),
            occurred_from=as_of - dt.timedelta(days=303),
            occurred_to=as_of - dt.timedelta(days=303),
            summary="契約内容のお知らせの発送時に、別のお客さまの書面1枚が同封された。受け取ったお客さまからの連絡で判明。",
            data_items="氏名、住所、証券番号、保険料",
            cause="封入作業での確認漏れ(2名確認の手順が守られていなかった)",
            secondary_damage="書面は回収済みで、二次被害は確認されていない。",
            action_to_persons="対象のお客さまに電話でおわびし、経緯を郵送で説明した。",
            publication="対象が1名のため公表していない。",
            prevention="封入時の2名確認を再徹底し、照合機による書面と宛名の突合を導入した。",
        )
        services.breach_add_affected(actor=auditor, incident=missend, customers=[first])
        services.breach_record_report(
            actor=auditor, incident=missend, kind="preliminary", reported_on=missend.aware_on + dt.timedelta(days=2)
        )
        services.breach_notify(
            actor=auditor,
            incident=missend,
            person_ids=missend.affected.values_list("pk", flat=True),
            method="phone",
            notified_on=missend.aware_on + dt.timedelta(days=1),
        )
        services.breach_close(actor=auditor, incident=missend)
        count += 1
    bulk = next((a for a in access_log.anomalies if a.kind == "late_night_bulk"), None)
    suspect = users.get(bulk.username) if bulk else None
    if bulk is not None and suspect is not None:
        day = bulk.start.date()
        alert = Alert.objects.filter(user=suspect, day=day, rule="bulk_viewing").first()
        if alert is not None:
            alert_assign(actor=auditor, alert=alert, assignee=auditor)
            alert_conclude(
                actor=auditor,
                alert=alert,
                conclusion=Conclusion.INCIDENT,
                comment="本人への聴取で、顧客情報を私的に持ち出したおそれがあると判明した。漏えい等事案として登録する。",
            )
            alert.refresh_from_db()
        aware_on = min(as_of, day + dt.timedelta(days=3))
        incident = services.breach_open(
            actor=auditor,
            alert=alert,
            title="従業者による深夜の大量閲覧(持出しのおそれ)",
            cause_kind=BreachCause.MISUSE,
            aware_on=aware_on,
            occurred_from=day,
            occurred_to=min(as_of, day + dt.timedelta(days=1)),
            suspect_user=suspect,
            malicious=True,
            summary=f"アクセス監視で{suspect}の深夜の大量閲覧(顧客ID順)を検出。本人への聴取で私的な持出しの疑いが判明した。",
            data_items="氏名、フリガナ、住所、電話番号、生年月日、契約内容",
            cause="業務上の必要のない閲覧。閲覧件数の上限と深夜の利用制限がなかった。",
        )
        # The persons are the night's reads from the address used for them, not the user's daytime work.
        services.breach_find_affected(actor=auditor, incident=incident, client_address=NIGHT_ADDRESS, hours=(23, 5))
        services.breach_record_report(
            actor=auditor,
            incident=incident,
            kind="preliminary",
            reported_on=min(as_of, aware_on + dt.timedelta(days=2)),
        )
        first_half = list(incident.affected.order_by("pk").values_list("pk", flat=True))
        services.breach_notify(
            actor=auditor,
            incident=incident,
            person_ids=first_half[: len(first_half) // 2],
            method="post",
            notified_on=min(as_of, aware_on + dt.timedelta(days=7)),
        )
        count += 1
    return count
