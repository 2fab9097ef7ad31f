"""Hand-built records with known numerators and denominators for fiscal year 2025 (2025/04–2026/03).

Agency A: 4 new policies in FY2025 (3 face to face), 1 renewal (not counted in 対面募集率), 1 new
policy in FY2024 (outside); renewals: 2 whose previous policy expires in FY2025, one concluded 30
days before expiry (early), one 10 days before (late); claims on A's policies in FY2025: 3, of which
2 reported via the agency (auto 1/2, fire 1/1). Agency B: 2 new policies in FY2025, none face to face;
1 claim reported via the call centre. Claim NPS (auto, A): answers 10, 9, 7, 3 → P2 D1 n4.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.conftest import _user, make_customer, make_policy
from tsunagu.core.choices import EmploymentStatus, Role
from tsunagu.policies.choices import LineOfBusiness, ReportChannel
from tsunagu.policies.services import claim_register
from tsunagu.practice.models import Attendance, Qualification, RolePlayScore, TrainingSession

D = dt.date


def _claim(actor: Any, policy: Any, number: str, on: dt.date, via: str) -> Any:
    return claim_register(
        actor=actor,
        policy=policy,
        number=number,
        accident_date=on,
        accident_place="東京都",
        accident_type="接触",
        reported_on=on,
        reported_via=via,
    )


@pytest.fixture
def book(org, hq_operator) -> dict[str, Any]:
    a, b = org["agency_a"], org["agency_b"]
    holder = make_customer(hq_operator, name="山田 花子", name_kana="ヤマダ ハナコ")
    other = make_customer(hq_operator, name="佐藤 次郎", name_kana="サトウ ジロウ")
    p = {}
    p["a1"] = make_policy(
        hq_operator, holder, agency=a, contract_date=D(2025, 4, 10), inception=D(2025, 4, 10), expiry=D(2026, 4, 10)
    )
    p["a2"] = make_policy(
        hq_operator,
        holder,
        agency=a,
        contract_date=D(2025, 8, 1),
        inception=D(2025, 8, 1),
        expiry=D(2026, 8, 1),
        line=LineOfBusiness.FIRE,
    )
    p["a3"] = make_policy(
        hq_operator, holder, agency=a, contract_date=D(2026, 3, 31), inception=D(2026, 4, 1), expiry=D(2027, 4, 1)
    )
    p["a4"] = make_policy(
        hq_operator,
        holder,
        agency=a,
        contract_date=D(2025, 11, 5),
        inception=D(2025, 11, 5),
        expiry=D(2026, 11, 5),
        face_to_face=False,
    )
    p["a_old"] = make_policy(
        hq_operator, holder, agency=a, contract_date=D(2025, 3, 31), inception=D(2025, 4, 1), expiry=D(2025, 10, 1)
    )
    p["a_old2"] = make_policy(
        hq_operator, holder, agency=a, contract_date=D(2024, 6, 1), inception=D(2024, 6, 1), expiry=D(2025, 6, 1)
    )
    # Renewals: of a_old (expires 2025/10/01) concluded 2025/09/01 (30 days before: early) and of
    # a_old2 (expires 2025/06/01) concluded 2025/05/22 (10 days before: late).
    p["r_early"] = make_policy(
        hq_operator,
        holder,
        agency=a,
        contract_date=D(2025, 9, 1),
        inception=D(2025, 10, 1),
        expiry=D(2026, 10, 1),
        previous_policy=p["a_old"],
        face_to_face=False,
    )
    p["r_late"] = make_policy(
        hq_operator,
        holder,
        agency=a,
        contract_date=D(2025, 5, 22),
        inception=D(2025, 6, 1),
        expiry=D(2026, 6, 1),
        previous_policy=p["a_old2"],
    )
    p["b1"] = make_policy(
        hq_operator,
        other,
        agency=b,
        contract_date=D(2025, 6, 1),
        inception=D(2025, 6, 1),
        expiry=D(2026, 6, 1),
        face_to_face=False,
    )
    p["b2"] = make_policy(
        hq_operator,
        other,
        agency=b,
        contract_date=D(2025, 7, 1),
        inception=D(2025, 7, 1),
        expiry=D(2026, 7, 1),
        face_to_face=False,
    )
    p["direct"] = make_policy(
        hq_operator,
        other,
        agency=None,
        contract_date=D(2025, 7, 1),
        inception=D(2025, 7, 1),
        expiry=D(2026, 7, 1),
        face_to_face=False,
    )
    claims = [
        _claim(hq_operator, p["a1"], "CL-1", D(2025, 5, 1), ReportChannel.AGENCY),
        _claim(hq_operator, p["a1"], "CL-2", D(2025, 6, 1), ReportChannel.CALL_CENTER),
        _claim(hq_operator, p["a2"], "CL-3", D(2026, 1, 10), ReportChannel.AGENCY),
        _claim(hq_operator, p["a_old2"], "CL-OLD", D(2025, 3, 10), ReportChannel.CALL_CENTER),  # FY2024
        _claim(hq_operator, p["b1"], "CL-4", D(2025, 9, 1), ReportChannel.CALL_CENTER),
        _claim(hq_operator, p["direct"], "CL-5", D(2025, 9, 1), ReportChannel.WEB),  # no agency: no figure
    ]
    return {"policies": p, "claims": claims, "holder": holder, "other": other}


@pytest.fixture
def claim_answers(book, hq_operator) -> list[Any]:
    """Claim survey answers about agency A's auto claims CL-1 / CL-2: 10, 9, 7, 3 (P2 D1 n4, NPS +25),
    and one fire answer 8 (P0 D0 n1); a non-claim answer 6 (survey_score)."""
    from tests.surveys.factories import claim_survey, cs_manager
    from tsunagu.core.services import system_user
    from tsunagu.surveys.services.responses import ResponseInput, responses_record

    survey = claim_survey(cs_manager())
    version = survey.versions.get(is_current=True)
    cl1, cl2, cl3 = book["claims"][:3]
    rows = [
        ResponseInput(book["holder"], {"nps": 10, "satisfaction": 9}, D(2025, 6, 1), claim=cl1),
        ResponseInput(book["holder"], {"nps": 9, "satisfaction": 8}, D(2025, 6, 2), claim=cl1),
        ResponseInput(book["holder"], {"nps": 7}, D(2025, 7, 1), claim=cl2),
        ResponseInput(book["holder"], {"nps": 3, "satisfaction": 2}, D(2026, 3, 31), claim=cl2),
        ResponseInput(book["holder"], {"nps": 8}, D(2026, 2, 1), claim=cl3),
        ResponseInput(book["holder"], {"nps": 6, "satisfaction": 5}, D(2025, 12, 1), policy=book["policies"]["a1"]),
        ResponseInput(book["holder"], {"nps": 0}, D(2025, 3, 31), claim=cl1),  # FY2024
    ]
    return responses_record(actor=system_user(), version=version, channel="post", rows=rows)


@pytest.fixture
def training(org, agency_a_staff, agency_b_staff, hq_operator):
    """Agency A: 3 staff in post (agency_a_staff, a2, a3) and one who left (gone). Two sessions in
    FY2025: the study session attended by staff, a2 and gone (gone not counted), the quality meeting
    by staff, a2 and a3; one session in FY2024. B: one session in FY2025 that B's only staff missed."""
    a, b = org["agency_a"], org["agency_b"]
    a2 = _user("a2", [Role.AGENCY_STAFF], agency=a)
    a3 = _user("a3", [Role.AGENCY_STAFF], agency=a)
    gone = _user("gone", [Role.AGENCY_STAFF], agency=a)
    gone.employment_status = EmploymentStatus.LEFT
    gone.save(update_fields=["employment_status"])

    def session(agency, kind, day, people):
        s = TrainingSession.objects.create(agency=agency, kind=kind, date=day, topic="テーマ")
        for person in people:
            Attendance.objects.create(session=s, person=person)
        return s

    study = session(a, "study", D(2025, 5, 10), [agency_a_staff, a2, gone])
    session(a, "quality_meeting", D(2026, 3, 10), [agency_a_staff, a2, a3])
    session(a, "study", D(2025, 3, 10), [agency_a_staff])  # FY2024
    session(b, "study", D(2025, 6, 10), [])
    for person, score, day in ((agency_a_staff, 30, D(2025, 5, 10)), (a2, 20, D(2025, 5, 10)), (a3, 36, D(2024, 5, 1))):
        RolePlayScore.objects.create(
            agency=a, session=study, person=person, scored_on=day, score=score, max_score=36, pass_mark=25,
            passed=score >= 25,
        )  # fmt: skip
    for person, kind, day in (
        (agency_a_staff, "basic_unit", D(2025, 4, 1)),
        (a2, "auto_unit", D(2026, 3, 31)),
        (a3, "fire_unit", D(2025, 3, 31)),  # FY2024
    ):
        Qualification.objects.create(agency=a, person=person, kind=kind, acquired_on=day)
    return {"a2": a2, "a3": a3, "gone": gone}
