"""The simulation of one case: every step checked the way the services check it (`Sim`)."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from tsunagu.cases.choices import CaseStatus, CaseType, EventKind, Priority
from tsunagu.cases.workflow import CLOSED_STATUSES, PAUSING_STATUSES, check_transition, label

from ...writer import Row
from .records import PolicyInfo, Stop, _utc
from .texts import DEFICIENCIES

if TYPE_CHECKING:
    from .generator import CaseGenerator


class Sim:
    """One case moving through the workflow; every step is checked like the services check it."""

    def __init__(
        self,
        g: CaseGenerator,
        *,
        case_type: str,
        sub_type: str,
        channel: str,
        customer_id: int,
        policy: PolicyInfo | None,
        subject: str,
        description: str,
        opened: dt.datetime,
        created_by: str,
        agency_id: int | None,
        priority: str = Priority.NORMAL,
        claim_id: int | None = None,
    ) -> None:
        self.g = g
        self.refs = g.refs
        self.cal = g.cal
        self.id = g.next_id("cases")
        self.case_type, self.sub_type = case_type, sub_type
        self.t = opened
        days, kind = self.refs.rule(case_type, sub_type)
        department: tuple[int | None, str] = self.refs.departments.get(kind, (None, "未設定"))
        self.department_id, self.department_name = department
        opened_on = opened.date()
        self.number = g.case_number(opened_on)
        self.due_date = self.cal.add_business_days(opened_on, days)
        self.created_by = self.refs.user(created_by)
        self.last_actor = self.created_by
        self.row: dict[str, Any] = {
            "id": self.id,
            "number": self.number,
            "case_type": case_type,
            "sub_type": sub_type,
            "channel": channel,
            "customer_id": customer_id,
            "policy_id": policy.id if policy else None,
            "claim_id": claim_id,
            "subject": subject,
            "description": description,
            "priority": priority,
            "status": CaseStatus.RECEIVED,
            "is_open": True,
            "assignee_id": None,
            "department_id": self.department_id,
            "agency_id": agency_id,
            "opened_on": opened_on,
            "due_date": self.due_date,
            "paused_since": None,
            "paused_business_days": 0,
            "closed_at": None,
            "resolution_summary": "",
            "created_by_id": self.created_by,
            "created_at": _utc(opened),
            "updated_at": _utc(opened),
            "version": 1,
        }
        self.initial = dict(self.row)
        self.events: list[Row] = []
        self.documents: list[dict[str, Any]] = [
            {
                "id": g.next_id("case_documents"),
                "name": name,
                "received_on": None,
                "deficiency_note": "",
                "deficiency_resolved": False,
            }
            for name in self.refs.docs(case_type, sub_type)
        ]
        self.tasks: list[dict[str, Any]] = []
        self.pauses: list[dict[str, Any]] = []
        self.panels: dict[str, dict[str, Any]] = {}
        self.articles: list[int] = []
        self.departments_involved: list[int] = []
        self.completion: Any = None  # what completing does for this type (the services' apply_*)
        self.stuck = False  # left in 対応中 after the first step (a forgotten case)
        self.cutoff = g.cutoff
        self.event(
            EventKind.CREATED,
            f"{CaseType(case_type).label}を受け付けた(担当: {self.department_name}、期限 {self.due_date:%Y/%m/%d})",
            body=description,
            data={"channel": channel, "sub_type": sub_type},
            actor=self.created_by,
        )

    # time
    def later(self, lo: int = 5, hi: int = 90) -> Sim:
        """Some minutes later, on the next business morning when the office has closed."""
        self.t += dt.timedelta(minutes=self.g.rng.randint(lo, hi))
        if self.t.hour >= 18:
            self.t = self._morning(self.cal.add_business_days(self.t.date(), 1))
        self._check()
        return self

    def days(self, lo: int, hi: int | None = None) -> Sim:
        """`lo`–`hi` business days later, in office hours."""
        n = self.g.rng.randint(lo, hi if hi is not None else lo)
        if n:
            self.t = self._morning(self.cal.add_business_days(self.t.date(), n))
        else:
            self.later()
        self._check()
        return self

    def _morning(self, day: dt.date) -> dt.datetime:
        return dt.datetime(day.year, day.month, day.day, 9) + dt.timedelta(minutes=self.g.rng.randint(0, 480))

    def _check(self) -> None:
        if self.t >= self.cutoff:
            raise Stop

    @property
    def today(self) -> dt.date:
        return self.t.date()

    # steps (what the services do)
    def event(
        self,
        kind: str,
        summary: str,
        *,
        body: str = "",
        data: dict[str, Any] | None = None,
        actor: int | None = None,
        bump: bool = False,
    ) -> None:
        actor = actor if actor is not None else self.last_actor
        self.events.append(
            (self.id, _utc(self.t), actor, kind, summary[:300], body, json.dumps(data or {}, ensure_ascii=False))
        )
        if bump:
            self.row["version"] += 1
            self.row["updated_at"] = _utc(self.t)
            self.last_actor = actor

    def assign(self, username: str | None, actor: int) -> None:
        self.row["assignee_id"] = self.refs.user(username) if username else None
        name = self.refs.users[username][1] if username else "未設定"
        self.event(EventKind.ASSIGN, f"担当者を{name}にした", actor=actor, bump=True)

    def transition(self, to: str, actor: int, *, note: str = "", resolution: str = "") -> None:
        old = self.row["status"]
        check_transition(self.case_type, old, to)  # a wrong demo flow fails loudly
        if old in PAUSING_STATUSES and to not in PAUSING_STATUSES:
            self._resume(actor)
        if to in PAUSING_STATUSES and self.row["paused_since"] is None:
            self.row["paused_since"] = self.today
            self.pauses.append(
                {
                    "id": self.g.next_id("case_pauses"),
                    "status": to,
                    "started_on": self.today,
                    "ended_on": None,
                    "days": 0,
                }
            )
            self.event(EventKind.PAUSE, f"お客さま待ちのため期限を停止した({label(to)})", actor=actor)
        if to == CaseStatus.COMPLETED:
            self.on_complete(actor)
        self.row["status"] = to
        self.row["is_open"] = to not in CLOSED_STATUSES
        if not self.row["is_open"]:
            self.row["closed_at"] = _utc(self.t)
            self.row["resolution_summary"] = resolution
        self.event(
            EventKind.STATUS,
            f"状態を「{label(old)}」から「{label(to)}」に変更した",
            body=note or resolution,
            data={"from": old, "to": to},
            actor=actor,
            bump=True,
        )
        if self.stuck and to == CaseStatus.IN_PROGRESS:
            raise Stop

    def on_complete(self, actor: int) -> None:
        if self.completion is not None:
            self.completion(actor)

    def _resume(self, actor: int) -> None:
        since = self.row["paused_since"]
        if since is None:
            return
        waited = self.cal.business_days_between(since, self.today)
        for pause in self.pauses:
            if pause["ended_on"] is None:
                pause["ended_on"], pause["days"] = self.today, waited
        old_due = self.row["due_date"]
        self.row["due_date"] = self.cal.add_business_days(old_due, waited)
        self.row["paused_business_days"] += waited
        self.row["paused_since"] = None
        self.event(
            EventKind.RESUME,
            f"期限を再開した(停止 {waited}営業日、期限 {old_due:%Y/%m/%d} → {self.row['due_date']:%Y/%m/%d})",
            actor=actor,
        )

    def handoff(self, kind: str, reason: str, actor: int) -> None:
        department_id, name = self.refs.departments[kind]
        old = self.department_name
        if self.row["status"] != CaseStatus.ESCALATED:
            check_transition(self.case_type, self.row["status"], CaseStatus.ESCALATED)
            self.row["status"] = CaseStatus.ESCALATED
        self.row["department_id"], self.department_name = department_id, name
        self.row["assignee_id"] = None
        self.event(
            EventKind.HANDOFF,
            f"「{old}」から「{name}」へ取次いだ",
            body=reason,
            data={"to": department_id},
            actor=actor,
            bump=True,
        )
        self.tasks.append(
            {
                "id": self.g.next_id("case_tasks"),
                "title": f"取次を受けた案件 {self.number} を確認する",
                "department_id": department_id,
                "assignee_id": None,
                "due_date": self.cal.add_business_days(self.today, 1),
                "done_at": None,
                "created_at": _utc(self.t),
            }
        )

    def receive(self, index: int, actor: int) -> None:
        doc = self.documents[index]
        doc["received_on"] = self.today
        self.event(EventKind.DOCUMENT, f"「{doc['name']}」を受領した({self.today:%Y/%m/%d})", actor=actor, bump=True)

    def deficiency(self, index: int, note: str, actor: int) -> dict[str, Any]:
        doc = self.documents[index]
        doc["deficiency_note"], doc["deficiency_resolved"] = note, False
        task = {
            "id": self.g.next_id("case_tasks"),
            "title": f"不備書類「{doc['name']}」の再提出を依頼する",
            "department_id": self.row["department_id"],
            "assignee_id": self.row["assignee_id"],
            "due_date": self.cal.add_business_days(self.today, 2),
            "done_at": None,
            "created_at": _utc(self.t),
        }
        self.tasks.append(task)
        self.event(EventKind.DOCUMENT, f"「{doc['name']}」に不備: {note}", actor=actor, bump=True)
        return task

    def resolve(self, index: int, actor: int) -> None:
        doc = self.documents[index]
        doc["deficiency_resolved"] = True
        self.event(EventKind.DOCUMENT, f"「{doc['name']}」の不備が解消した", actor=actor, bump=True)

    def task_done(self, task: dict[str, Any], actor: int) -> None:
        task["done_at"] = _utc(self.t)
        self.event(EventKind.TASK, f"タスク「{task['title']}」を完了した", actor=actor, bump=True)

    def note(self, text: str, actor: int) -> None:
        self.event(EventKind.NOTE, text[:80], body=text, actor=actor)

    def collect_documents(self, actor: int, *, deficiency_rate: float = 0.12, wait: tuple[int, int] = (3, 12)) -> None:
        """書類待ち → every document back (one of them perhaps with a 不備 fixed later) → 対応中."""
        rng = self.g.rng
        self.transition(
            CaseStatus.AWAITING_DOCUMENTS, actor, note=f"{'・'.join(d['name'] for d in self.documents)}を送付した"
        )
        self.days(*wait)
        for index in range(len(self.documents)):
            self.receive(index, actor)
        if self.documents and rng.random() < deficiency_rate:
            index = rng.randrange(len(self.documents))
            self.later()
            task = self.deficiency(index, rng.choice(DEFICIENCIES), actor)
            self.days(2, 8)
            self.resolve(index, actor)
            self.later()
            self.task_done(task, actor)
        self.later()
        self.transition(CaseStatus.IN_PROGRESS, actor)

    def receive_all(self, actor: int) -> None:
        for index in range(len(self.documents)):
            self.receive(index, actor)
