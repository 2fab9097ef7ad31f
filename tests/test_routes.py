"""The route-walking contract: every URL pattern and every API operation, with the personas.

The routes are enumerated at test time — URL patterns from the resolver (recursively, with
namespaces), API operations from the django-ninja OpenAPI schema (paths × methods) — and each must
have an entry in ROUTES (pages, keyed by route name) or API_ROUTES (keyed by method and path). A
new route without one fails `test_every_route_has_a_persona_expectation`; an entry for a route that
no longer exists fails it too. For each entry, in the fixture world of tests/routes_world.py:

- anonymous → the login page (302 to /login/?next=…) for pages, 401 for the API; a public route
  (the customer's download link) answers a bad token with a 4xx instead;
- agency B's staff (the outsider, for agency A's objects) → 404 for object routes, 403 or 404 for
  screens their role may not use at all, and for lists and searches (which everyone may use) a
  response without agency A's customer in it — never any of the world's markers in the body, and
  no access-log row or audit event for agency A's customer; the API also with B's Bearer token;
- the permitted persona → the expected status (200; the documented redirect or 400 for POST-only
  routes, which are sent a minimal form), never a 500, and when the route shows a customer's
  personal data, at least one new access-log row naming that customer;
- every other persona → never a 500; whoever is shown the customer's personal data (whatever the
  table says) has the read logged.

Not walked here: `admin/` (tests/core/test_admin_scoping.py and tests/test_contracts.py cover the
admin's scoping, logging and pages), static files (not URL patterns of the project), login and
logout (tested at the end of this module).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.core.helpers import FAST_HASHERS
from tests.routes_world import NAME, PERSONAS, PHONE, POLICY_NUMBER, World, build_world
from tsunagu.core.models import AccessLog, AuditEvent
from tsunagu.core.services import api_token_create

# --- the expectation table ----------------------------------------------------------------------

NOT_FOUND = "not_found"  # an object of agency A: the outsider gets 404 and nothing else
FORBIDDEN = "forbidden"  # a screen the outsider's role may not use at all: 403 or 404, never 200
NOTHING_OF_A = "nothing_of_a"  # a list or search anyone may use: 200 is fine, but nothing of agency A

# Role-gated functions (core.permissions): who may use them at all.
STEWARDS = ("steward",)  # 名寄せ: data stewards
AUDITORS = ("auditor",)  # the access log: compliance auditors (and administrators)
ANALYSTS = ("analyst",)  # 予測モデル: analysts (and administrators)
HEAD_OFFICE = ("hq_operator", "auditor", "steward", "policy_admin", "complaints_officer", "analyst")  # no agency

ANY_CUSTOMER = None  # a log row without a customer (staged import rows) also counts

# Searches echo the query: they ask for the family name alone, which is no marker, but matches.
FAMILY_NAME = NAME.split()[0]

W = World
Kwargs = Callable[[World], dict[str, Any]]


def _none(_: World) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Expect:
    permitted: str  # the persona (tests/routes_world.PERSONAS) for whom the route works
    kwargs: Kwargs = _none  # URL kwargs (pages) or path parameters (API)
    method: str = "GET"
    query: Kwargs = _none  # query string
    data: Kwargs | None = None  # POST form or JSON body
    ok: tuple[int, ...] = (200,)  # what the permitted persona gets
    logs: Callable[[World], list[int | None]] | None = None  # customers whose read must be logged
    outsider: str = NOT_FOUND
    dummy_tasks: bool = False  # the route enqueues heavy work: queue it, do not run it
    public: bool = False  # no login: a bad token is a 4xx for everyone
    only: tuple[str, ...] | None = None  # a role-gated function: every other persona gets 403 or 404
    xfail: dict[str, str] = field(default_factory=dict)  # test name → the defect, while it is open


def customer_a(w: World) -> list[int | None]:
    return [w.customer.pk]


def any_row(_: World) -> list[int | None]:
    return [ANY_CUSTOMER]


def merged(w: World) -> list[int | None]:
    return [w.identity["merge"].survivor_id, w.identity["merge"].absorbed_id]


# The contact edit screens (customers.edit_contacts): operators, agency staff and administrators.
EDITORS = ("hq_operator", "agency_a_staff", "agency_a_manager", "policy_admin")  # policy_admin: an operator
# Agency managers (agency staff who are somebody's User.manager): practice.double_check and practice.manage.
AGENCY_MANAGERS = ("agency_a_manager",)


def contact_row(w: World) -> dict[str, Any]:
    return {"pk": w.customer.pk, "kind": "phones", "item": w.customer.phones.order_by("pk").first().pk}


# Surveys are defined and imported by head office's CS (お客様相談室, CRM推進部) and administrators.
SURVEY_OWNERS = ("complaints_officer", "steward")


def survey_code(w: World) -> dict[str, Any]:
    return {"code": w.surveys["survey"].code}


def case_pk(kind: str) -> Kwargs:
    return lambda w: {"pk": w.cases[kind].pk}


def case_action(kind: str, **extra: Any) -> Expect:
    """A POST-only action on the case page: a minimal (invalid) form is answered with the case page
    again (200, the bound form with its errors: the one error-display path); the case is read (and
    logged) before the form is looked at."""
    return Expect(
        "agency_a_staff", case_pk(kind), method="POST", data=lambda w: {}, ok=(200,), logs=customer_a, **extra
    )


def compliance_pk(name: str) -> Kwargs:
    return lambda w: {"pk": w.compliance[name].pk}


ROUTES: dict[str, Expect] = {
    # search
    "search:customers": Expect(
        "agency_a_staff", query=lambda w: {"q": FAMILY_NAME}, logs=customer_a, outsider=NOTHING_OF_A
    ),
    # desk
    "desk:home": Expect("agency_a_staff", outsider=NOTHING_OF_A),
    "desk:customer_detail": Expect("agency_a_staff", lambda w: {"pk": w.customer.pk}, logs=customer_a),
    "desk:interaction_create": Expect(
        # Always 200 (htmx swaps the panel with the form's errors).
        "agency_a_staff",
        lambda w: {"pk": w.customer.pk},
        method="POST",
        data=lambda w: {},
        logs=customer_a,
    ),
    # the customer's contact edit screens (desk/contacts.py): operators, agency staff and admins
    "desk:contacts": Expect("agency_a_staff", lambda w: {"pk": w.customer.pk}, logs=customer_a, only=EDITORS),
    "desk:contact_new": Expect(
        "agency_a_staff", lambda w: {"pk": w.customer.pk, "kind": "phones"}, logs=customer_a, only=EDITORS
    ),
    "desk:contact_edit": Expect("agency_a_staff", contact_row, logs=customer_a, only=EDITORS),
    "desk:contact_delete": Expect("agency_a_staff", contact_row, logs=customer_a, only=EDITORS),
    # policies (pages composed in desk): the policyholder's read is logged
    "policies:policy_detail": Expect("agency_a_staff", lambda w: {"pk": w.policy.pk}, logs=customer_a),
    "policies:claim_detail": Expect("agency_a_staff", lambda w: {"pk": w.claim.pk}, logs=customer_a),
    # cases
    "cases:new": Expect("agency_a_staff", query=lambda w: {"customer": w.customer.pk}, logs=customer_a),
    "cases:mine": Expect("hq_operator", outsider=NOTHING_OF_A),
    "cases:queue": Expect("agency_a_staff", logs=customer_a, outsider=NOTHING_OF_A),
    "cases:overdue": Expect("hq_operator", outsider=NOTHING_OF_A),
    "cases:faq": Expect("hq_operator", query=lambda w: {"q": "補償"}, outsider=NOTHING_OF_A),
    "cases:detail": Expect("agency_a_staff", case_pk("inquiry"), logs=customer_a),
    "cases:transition": case_action("inquiry"),
    "cases:handoff": case_action("inquiry"),
    "cases:assign": case_action("inquiry"),
    "cases:change_edit": Expect("agency_a_staff", case_pk("change"), logs=customer_a),
    "cases:faq_pick": Expect("agency_a_staff", case_pk("inquiry"), ok=(302,), logs=customer_a),
    "cases:note": case_action("inquiry"),
    "cases:call": case_action("inquiry"),
    "cases:identity": case_action("reissue"),
    "cases:answer": case_action("inquiry"),
    "cases:complaint": case_action("complaint"),
    "cases:adr_refer": case_action("complaint"),
    "cases:adr_advance": case_action("complaint"),
    "cases:adr_conclude": case_action("complaint"),
    "cases:insurer_report": case_action("complaint"),
    "cases:cancellation": case_action("cancellation"),
    "cases:document": Expect(
        "agency_a_staff",
        lambda w: {"pk": w.cases["reissue"].pk, "doc": w.case_document.pk, "action": "deficiency"},
        method="POST",
        data=lambda w: {},
        ok=(302,),
        logs=customer_a,
    ),
    "cases:task_done": Expect(
        "agency_a_staff",
        lambda w: {"pk": w.cases["inquiry"].pk, "task": w.task.pk},
        method="POST",
        data=lambda w: {},
        ok=(302,),
        logs=customer_a,
    ),
    # documents
    "documents:download": Expect("agency_a_staff", lambda w: {"pk": w.document.pk}, logs=customer_a),
    "documents:notice_reply": Expect("agency_a_staff", lambda w: {"pk": w.notice.pk}, logs=customer_a),
    "documents:case_issue": Expect("agency_a_staff", case_pk("reissue_open"), logs=customer_a),
    "documents:link": Expect("hq_operator", lambda w: {"token": "not-a-valid-token"}, public=True),
    "documents:batches": Expect("policy_admin", outsider=FORBIDDEN, only=HEAD_OFFICE),
    "documents:batch": Expect("policy_admin", lambda w: {"pk": w.batch.pk}, outsider=FORBIDDEN, only=HEAD_OFFICE),
    "documents:batch_exceptions": Expect(
        "policy_admin", lambda w: {"pk": w.batch.pk}, logs=customer_a, outsider=FORBIDDEN, only=HEAD_OFFICE
    ),
    # 送付リスト: the list page names no customer; a download holds the user's own agency's notices only
    "documents:mailing_lists": Expect("agency_a_staff", outsider=NOTHING_OF_A),
    "documents:mailing_list": Expect(
        "agency_a_staff",
        lambda w: {"month": f"{w.notice.notice_for:%Y-%m}", "file_format": "csv"},
        logs=customer_a,
        outsider=NOTHING_OF_A,
    ),
    # identity (名寄せ): data stewards only
    # compliance: the auditor's read-only access-log screen and its CSV export
    "compliance:access_log": Expect("auditor", outsider=FORBIDDEN, only=AUDITORS),
    "compliance:access_log_csv": Expect("auditor", logs=any_row, outsider=FORBIDDEN, only=AUDITORS),
    # compliance monitoring: the auditor's alerts, thresholds, reports and reviews; a manager's page
    # (complaints_officer is hq_operator's manager in the world). POST actions get a minimal invalid form:
    # the page again with the errors (200).
    "compliance:alerts": Expect("auditor", outsider=FORBIDDEN, only=AUDITORS),
    "compliance:alert_detail": Expect("auditor", compliance_pk("alert"), outsider=FORBIDDEN, only=AUDITORS),
    "compliance:alert_assign": Expect(
        "auditor", compliance_pk("alert"), method="POST", data=lambda w: {}, outsider=FORBIDDEN, only=AUDITORS
    ),
    "compliance:alert_ask": Expect(
        "auditor", compliance_pk("alert"), method="POST", data=lambda w: {}, outsider=FORBIDDEN, only=AUDITORS
    ),
    "compliance:alert_conclude": Expect(
        "auditor", compliance_pk("alert"), method="POST", data=lambda w: {}, outsider=FORBIDDEN, only=AUDITORS
    ),
    # Anyone who is somebody's manager: complaints_officer (hq_operator's) and agency A's manager.
    "compliance:manager": Expect(
        "complaints_officer", outsider=FORBIDDEN, only=("complaints_officer", "agency_a_manager")
    ),
    "compliance:reason_answer": Expect("complaints_officer", compliance_pk("request")),
    "compliance:review_item_decide": Expect(
        "complaints_officer", compliance_pk("item"), method="POST", data=lambda w: {}
    ),
    "compliance:settings": Expect("auditor", outsider=FORBIDDEN, only=AUDITORS),
    "compliance:setting_new": Expect("auditor", outsider=FORBIDDEN, only=AUDITORS),
    "compliance:setting_edit": Expect("auditor", compliance_pk("setting"), outsider=FORBIDDEN, only=AUDITORS),
    "compliance:report": Expect(
        "auditor",
        query=lambda w: {
            "kind": "who_saw",
            "customer": w.customer.number,
            "date_from": "2026-01-01",
            "date_to": "2026-12-31",
        },
        logs=customer_a,
        outsider=FORBIDDEN,
        only=AUDITORS,
    ),
    "compliance:reviews": Expect("auditor", outsider=FORBIDDEN, only=AUDITORS),
    # the breach register (漏えい等事案): the auditor; the persons list and its CSV are logged reads
    "compliance:breaches": Expect("auditor", outsider=FORBIDDEN, only=AUDITORS),
    "compliance:breach_new": Expect("auditor", outsider=FORBIDDEN, only=AUDITORS),
    "compliance:contractors": Expect("auditor", outsider=FORBIDDEN, only=AUDITORS),
    "compliance:contractor_new": Expect("auditor", outsider=FORBIDDEN, only=AUDITORS),
    "compliance:contractor_detail": Expect("auditor", compliance_pk("contractor"), outsider=FORBIDDEN, only=AUDITORS),
    "compliance:contractor_edit": Expect("auditor", compliance_pk("contractor"), outsider=FORBIDDEN, only=AUDITORS),
    **{
        f"compliance:{name}": Expect(
            "auditor", compliance_pk("contractor"), method="POST", data=lambda w: {}, outsider=FORBIDDEN, only=AUDITORS
        )
        for name in ("contractor_agreement_add", "contractor_audit_add", "contractor_follow_up_done")
    },
    "compliance:retention": Expect("auditor", logs=customer_a, outsider=FORBIDDEN, only=AUDITORS),
    "compliance:retention_period_set": Expect(
        "auditor", method="POST", data=lambda w: {}, outsider=FORBIDDEN, only=AUDITORS
    ),
    "compliance:retention_hold_place": Expect(
        "auditor", method="POST", data=lambda w: {}, outsider=FORBIDDEN, only=AUDITORS
    ),
    "compliance:retention_hold_release": Expect(
        "auditor", compliance_pk("hold"), method="POST", data=lambda w: {}, ok=(302,), outsider=FORBIDDEN, only=AUDITORS
    ),
    "compliance:retention_run": Expect(
        "auditor", method="POST", data=lambda w: {"confirm": "1"}, ok=(302,), outsider=FORBIDDEN, only=AUDITORS
    ),
    "compliance:dsr_reminders": Expect("auditor", outsider=FORBIDDEN, only=AUDITORS),
    "compliance:internal_audits": Expect("auditor", outsider=FORBIDDEN, only=AUDITORS),
    "compliance:internal_audit_new": Expect("auditor", outsider=FORBIDDEN, only=AUDITORS),
    "compliance:internal_audit_detail": Expect(
        "auditor", compliance_pk("internal_audit"), outsider=FORBIDDEN, only=AUDITORS
    ),
    **{
        f"compliance:{name}": Expect(
            "auditor",
            compliance_pk("internal_audit"),
            method="POST",
            data=lambda w: {},
            outsider=FORBIDDEN,
            only=AUDITORS,
        )
        for name in (
            "internal_audit_answer",
            "internal_audit_finding",
            "internal_audit_progress",
            "internal_audit_report",
            "internal_audit_close",
        )
    },
    "compliance:breach_detail": Expect(
        "auditor", compliance_pk("breach"), logs=customer_a, outsider=FORBIDDEN, only=AUDITORS
    ),
    "compliance:breach_edit": Expect("auditor", compliance_pk("breach"), outsider=FORBIDDEN, only=AUDITORS),
    "compliance:breach_find": Expect(
        "auditor", compliance_pk("breach"), method="POST", data=lambda w: {}, outsider=FORBIDDEN, only=AUDITORS
    ),
    "compliance:breach_add": Expect(
        "auditor", compliance_pk("breach"), method="POST", data=lambda w: {}, outsider=FORBIDDEN, only=AUDITORS
    ),
    "compliance:breach_report": Expect(
        "auditor", compliance_pk("breach"), method="POST", data=lambda w: {}, outsider=FORBIDDEN, only=AUDITORS
    ),
    "compliance:breach_notify": Expect(
        "auditor", compliance_pk("breach"), method="POST", data=lambda w: {}, outsider=FORBIDDEN, only=AUDITORS
    ),
    "compliance:breach_close": Expect(
        "auditor", compliance_pk("breach"), method="POST", data=lambda w: {}, outsider=FORBIDDEN, only=AUDITORS
    ),
    "compliance:breach_pdf": Expect("auditor", compliance_pk("breach"), outsider=FORBIDDEN, only=AUDITORS),
    "compliance:breach_persons_csv": Expect(
        "auditor", compliance_pk("breach"), logs=customer_a, outsider=FORBIDDEN, only=AUDITORS
    ),
    # data-subject requests (開示等の請求): the auditor; the list, the page and the exports are logged reads
    "compliance:dsr_list": Expect("auditor", logs=customer_a, outsider=FORBIDDEN, only=AUDITORS),
    "compliance:dsr_new": Expect("auditor", outsider=FORBIDDEN, only=AUDITORS),
    "compliance:dsr_detail": Expect(
        "auditor", compliance_pk("dsr"), logs=customer_a, outsider=FORBIDDEN, only=AUDITORS
    ),
    "compliance:dsr_verify": Expect(
        "auditor", compliance_pk("dsr"), method="POST", data=lambda w: {}, outsider=FORBIDDEN, only=AUDITORS
    ),
    "compliance:dsr_complete": Expect(
        "auditor", compliance_pk("dsr"), method="POST", data=lambda w: {}, outsider=FORBIDDEN, only=AUDITORS
    ),
    "compliance:dsr_withdraw": Expect(
        "auditor", compliance_pk("dsr"), method="POST", data=lambda w: {}, outsider=FORBIDDEN, only=AUDITORS
    ),
    "compliance:dsr_export_pdf": Expect(
        "auditor", compliance_pk("dsr"), method="POST", logs=customer_a, outsider=FORBIDDEN, only=AUDITORS
    ),
    "compliance:dsr_export_json": Expect(
        "auditor", compliance_pk("dsr"), method="POST", logs=customer_a, outsider=FORBIDDEN, only=AUDITORS
    ),
    "compliance:review_detail": Expect("auditor", compliance_pk("campaign"), outsider=FORBIDDEN, only=AUDITORS),
    "compliance:review_close": Expect(
        "auditor",
        compliance_pk("campaign"),
        method="POST",
        data=lambda w: {"confirm": "1"},
        ok=(302,),
        outsider=FORBIDDEN,
        only=AUDITORS,
    ),
    # 苦情分析: figures only (no customer, nothing logged); agency staff their own agency's
    "voice:complaint_analysis": Expect("agency_a_staff", outsider=NOTHING_OF_A),
    "voice:complaint_analysis_export": Expect(
        "agency_a_staff", query=lambda w: {"format": "csv"}, outsider=NOTHING_OF_A
    ),
    # the drill-down list: case numbers, dates, categories, statuses (no customer), scoped like the figures
    "voice:complaint_cases": Expect(
        "agency_a_staff", query=lambda w: {"dim": "all", "key": "*"}, outsider=NOTHING_OF_A
    ),
    # surveys: results (figures, agency staff their own agency's) and comments (personal data, logged)
    "surveys:results": Expect("agency_a_staff", outsider=NOTHING_OF_A),
    # KPI (issue 13): figures of the user's agency (head office: any); drill-down lists are logged
    # reads; the 取組状況 of agency A (fiscal year 2026, 第1版 published in the world)
    "kpis:dashboard": Expect("agency_a_staff", outsider=NOTHING_OF_A),
    "kpis:drill": Expect(
        "agency_a_staff", lambda w: {"kpi": "face_to_face_rate"}, query=lambda w: {"fy": "2026"}, outsider=NOTHING_OF_A
    ),
    "kpis:export": Expect("agency_a_staff", lambda w: {"fmt": "csv"}, outsider=NOTHING_OF_A),
    "kpis:targets": Expect("agency_a_staff", outsider=NOTHING_OF_A),
    "kpis:rebuild": Expect(
        "complaints_officer",
        method="POST",
        data=lambda w: {},
        ok=(302,),
        outsider=FORBIDDEN,
        only=("complaints_officer", "steward"),
    ),
    "kpis:reports": Expect("agency_a_staff", outsider=NOTHING_OF_A),
    "kpis:report": Expect("agency_a_staff", lambda w: {"agency": "A0001", "year": 2026}),
    "kpis:publish": Expect(
        "agency_a_staff", lambda w: {"agency": "A0001", "year": 2026}, method="POST", data=lambda w: {}, ok=(302,)
    ),
    "kpis:report_pdf": Expect("agency_a_staff", lambda w: {"agency": "A0001", "year": 2026}),
    "kpis:version_pdf": Expect("agency_a_staff", lambda w: {"agency": "A0001", "year": 2026, "number": 1}),
    "surveys:results_export": Expect("agency_a_staff", lambda w: {"file_format": "csv"}, outsider=NOTHING_OF_A),
    "surveys:results_comments": Expect("agency_a_staff", logs=customer_a, outsider=NOTHING_OF_A),
    # survey sending (送付ルール and 送付リスト: the survey owners; 送付状況: head office) and follow-ups
    # (agency staff: their agency's; the list asks for the world's answer date)
    "surveys:triggers": Expect("complaints_officer", outsider=FORBIDDEN, only=("complaints_officer", "steward")),
    "surveys:trigger_new": Expect("complaints_officer", outsider=FORBIDDEN, only=("complaints_officer", "steward")),
    "surveys:trigger_edit": Expect(
        "complaints_officer",
        lambda w: {"pk": w.surveys["trigger"].pk},
        outsider=FORBIDDEN,
        only=("complaints_officer", "steward"),
    ),
    "surveys:invitation_status": Expect("complaints_officer", outsider=FORBIDDEN, only=HEAD_OFFICE),
    "surveys:send_lists": Expect("complaints_officer", outsider=FORBIDDEN, only=("complaints_officer", "steward")),
    "surveys:send_list": Expect(
        "complaints_officer",
        lambda w: {"day": "2026-06-09", "file_format": "csv"},
        logs=customer_a,
        outsider=FORBIDDEN,
        only=("complaints_officer", "steward"),
    ),
    "surveys:follow_ups": Expect(
        "agency_a_staff", query=lambda w: {"date_from": "2026-06-01"}, logs=customer_a, outsider=NOTHING_OF_A
    ),
    "surveys:follow_up": Expect("agency_a_staff", lambda w: {"pk": w.surveys["follow_up"].pk}, logs=customer_a),
    "identity:home": Expect("steward", outsider=FORBIDDEN, only=STEWARDS),
    "identity:import": Expect("steward", outsider=FORBIDDEN, only=STEWARDS),
    "identity:sources": Expect("steward", outsider=FORBIDDEN, only=STEWARDS),
    "identity:source_new": Expect("steward", outsider=FORBIDDEN, only=STEWARDS),
    "identity:source": Expect(
        "steward", lambda w: {"code": w.identity["source"].code}, outsider=FORBIDDEN, only=STEWARDS
    ),
    "identity:profile_new": Expect(
        "steward", lambda w: {"code": w.identity["source"].code}, outsider=FORBIDDEN, only=STEWARDS
    ),
    "identity:profile": Expect(
        "steward", lambda w: {"pk": w.identity["profile"].pk}, outsider=FORBIDDEN, only=STEWARDS
    ),
    "identity:batch": Expect(
        "steward", lambda w: {"pk": w.identity["batch"].pk}, logs=any_row, outsider=FORBIDDEN, only=STEWARDS
    ),
    "identity:batch_errors": Expect(
        "steward", lambda w: {"pk": w.identity["batch"].pk}, logs=any_row, outsider=FORBIDDEN, only=STEWARDS
    ),
    "identity:run_start": Expect(
        "steward", method="POST", data=lambda w: {}, ok=(302,), outsider=FORBIDDEN, only=STEWARDS, dummy_tasks=True
    ),
    "identity:run": Expect("steward", lambda w: {"pk": w.identity["run"].pk}, outsider=FORBIDDEN, only=STEWARDS),
    "identity:review": Expect("steward", logs=any_row, outsider=FORBIDDEN, only=STEWARDS),
    "identity:pair": Expect(
        "steward", lambda w: {"pk": w.identity["pair"].pk}, logs=any_row, outsider=FORBIDDEN, only=STEWARDS
    ),
    "identity:relation_end": Expect(
        # An invalid form (no reason) re-renders the relation with the error (200).
        "steward",
        lambda w: {"pk": w.identity["relation"].pk},
        method="POST",
        data=lambda w: {},
        ok=(200,),
        logs=customer_a,
        outsider=FORBIDDEN,
        only=STEWARDS,
    ),
    "identity:customer": Expect(
        "steward", lambda w: {"pk": w.customer.pk}, logs=customer_a, outsider=FORBIDDEN, only=STEWARDS
    ),
    "identity:merge_into": Expect(
        # An invalid form re-renders the customer's page with the errors (200, the one error path).
        "steward",
        lambda w: {"pk": w.customer.pk},
        method="POST",
        data=lambda w: {},
        ok=(200,),
        logs=customer_a,
        outsider=FORBIDDEN,
        only=STEWARDS,
    ),
    "identity:merge": Expect(
        "steward", lambda w: {"pk": w.identity["merge"].pk}, logs=merged, outsider=FORBIDDEN, only=STEWARDS
    ),
    "identity:unmerge": Expect(
        "steward",
        lambda w: {"pk": w.identity["merge"].pk},
        method="POST",
        data=lambda w: {},
        ok=(200,),
        logs=merged,
        outsider=FORBIDDEN,
        only=STEWARDS,
    ),
    # お客様の声: staff who serve customers (voice.record); agency staff see their agency's voices only
    "voice:list": Expect("agency_a_staff", logs=customer_a, outsider=NOTHING_OF_A),
    "voice:new": Expect("agency_a_staff", query=lambda w: {"customer": w.customer.pk}, logs=customer_a),
    "voice:similar": Expect(
        "agency_a_staff", query=lambda w: {"text": w.voices["voice"].text}, logs=customer_a, outsider=NOTHING_OF_A
    ),
    "voice:detail": Expect("agency_a_staff", lambda w: {"pk": w.voices["voice"].pk}, logs=customer_a),
    "voice:edit": Expect("agency_a_staff", lambda w: {"pk": w.voices["voice"].pk}, logs=customer_a),
    "voice:complaint": Expect(
        # 苦情として扱いますか with nothing chosen records 未判断 and returns to the voice page.
        "agency_a_staff",
        lambda w: {"pk": w.voices["voice"].pk},
        method="POST",
        data=lambda w: {},
        ok=(302,),
        logs=customer_a,
    ),
    "voice:proposals": Expect("agency_a_staff", outsider=NOTHING_OF_A),
    "voice:proposal": Expect("agency_a_staff", lambda w: {"pk": w.surveys["response"].pk}, logs=customer_a),
    "voice:circulations": Expect("agency_a_staff", outsider=NOTHING_OF_A),
    "voice:circulation": Expect("agency_a_staff", lambda w: {"pk": w.voices["circulation"].pk}, logs=customer_a),
    "voice:circulation_read": Expect(
        "agency_a_staff",
        lambda w: {"pk": w.voices["circulation"].pk},
        method="POST",
        data=lambda w: {},
        ok=(302,),
        logs=customer_a,
    ),
    "voice:improvements": Expect("agency_a_staff", outsider=NOTHING_OF_A),
    "voice:improvement_new": Expect("agency_a_staff", outsider=NOTHING_OF_A),
    "voice:improvement": Expect("agency_a_staff", lambda w: {"pk": w.voices["improvement"].pk}, logs=customer_a),
    "voice:improvement_edit": Expect("agency_a_staff", lambda w: {"pk": w.voices["improvement"].pk}, logs=customer_a),
    "voice:report": Expect("agency_a_staff", outsider=NOTHING_OF_A),
    "voice:trends": Expect("agency_a_staff", outsider=NOTHING_OF_A),
    # 募集品質 (practice.view: agency staff, head office's operators/compliance). Double checks and training
    # records need an agency manager (practice.double_check / practice.manage): everyone else reads the
    # policy (logged) and is refused. The world's record chose the recommended product, so the manager's
    # check is refused with a message (back to the record: 302) and changes nothing.
    "practice:intents": Expect("agency_a_staff", logs=customer_a, outsider=NOTHING_OF_A),
    "practice:intent_edit": Expect("agency_a_staff", lambda w: {"policy_pk": w.policy.pk}, logs=customer_a),
    "practice:intent_double_check": Expect(
        "agency_a_manager",
        lambda w: {"policy_pk": w.policy.pk},
        method="POST",
        data=lambda w: {},
        ok=(302,),
        logs=customer_a,
        only=AGENCY_MANAGERS,
    ),
    "practice:elderly": Expect("agency_a_staff", logs=customer_a, outsider=NOTHING_OF_A),
    "practice:elderly_start": Expect("agency_a_staff", lambda w: {"policy_pk": w.policy.pk}, logs=customer_a),
    "practice:elderly_detail": Expect(
        "agency_a_staff", lambda w: {"pk": w.practice["solicitation"].pk}, logs=customer_a
    ),
    "practice:renewals": Expect("agency_a_staff", outsider=NOTHING_OF_A),
    "practice:renewals_export": Expect(
        "agency_a_staff", query=lambda w: {"format": "xlsx"}, logs=any_row, outsider=NOTHING_OF_A
    ),
    "practice:renewal_edit": Expect("agency_a_staff", lambda w: {"policy_pk": w.policy.pk}, logs=customer_a),
    "practice:training": Expect("agency_a_staff", outsider=NOTHING_OF_A),
    "practice:training_new": Expect("agency_a_manager", outsider=FORBIDDEN, only=AGENCY_MANAGERS),
    "practice:roleplay_new": Expect("agency_a_manager", outsider=FORBIDDEN, only=AGENCY_MANAGERS),
    "practice:qualification_new": Expect("agency_a_manager", outsider=FORBIDDEN, only=AGENCY_MANAGERS),
    "practice:guidance_new": Expect("agency_a_manager", outsider=FORBIDDEN, only=AGENCY_MANAGERS),
    # analytics (予測モデル): analysts; the top-score lists show personal data (logged)
    "analytics:home": Expect("analyst", logs=customer_a, outsider=FORBIDDEN, only=ANALYSTS),
    "analytics:model": Expect("analyst", lambda w: {"pk": w.analytics["model"].pk}, outsider=FORBIDDEN, only=ANALYSTS),
    "analytics:model_activate": Expect(
        "analyst",
        lambda w: {"pk": w.analytics["model"].pk},
        method="POST",
        data=lambda w: {},
        ok=(302,),
        outsider=FORBIDDEN,
        only=ANALYSTS,
    ),
    "analytics:score_start": Expect(
        "analyst", method="POST", data=lambda w: {}, ok=(302,), outsider=FORBIDDEN, only=ANALYSTS, dummy_tasks=True
    ),
    "analytics:train_start": Expect(
        "analyst",
        method="POST",
        data=lambda w: {"kind": "churn"},
        ok=(302,),
        outsider=FORBIDDEN,
        only=ANALYSTS,
        dummy_tasks=True,
    ),
    # target lists: analysts build them; agency staff work their own customers' entries (agency B: none)
    "analytics:targets": Expect("agency_a_staff", outsider=NOTHING_OF_A),
    "analytics:target_create": Expect("analyst", outsider=FORBIDDEN, only=ANALYSTS),
    "analytics:target_list": Expect("agency_a_staff", lambda w: {"pk": w.analytics["target"].pk}),
    "analytics:target_worklist": Expect("agency_a_staff", lambda w: {"pk": w.analytics["target"].pk}, logs=customer_a),
    "analytics:target_export": Expect(
        "agency_a_staff", lambda w: {"pk": w.analytics["target"].pk}, query=lambda w: {"format": "csv"}, logs=customer_a
    ),
    "analytics:target_import": Expect(
        "agency_a_staff", lambda w: {"pk": w.analytics["target"].pk}, method="POST", data=lambda w: {}
    ),
    "analytics:target_entry": Expect("agency_a_staff", lambda w: {"pk": w.analytics["entry"].pk}, logs=customer_a),
    # 解約防止分析: analysts, administrators and call-center supervisors (no such persona in the world)
    "analytics:retention": Expect("analyst", outsider=FORBIDDEN, only=ANALYSTS),
    "analytics:retention_export": Expect(
        "analyst", query=lambda w: {"table": "reason", "format": "csv"}, outsider=FORBIDDEN, only=ANALYSTS
    ),
    "analytics:retention_cases": Expect("analyst", outsider=FORBIDDEN, only=ANALYSTS),
    "analytics:retention_winback": Expect("analyst", outsider=FORBIDDEN, only=ANALYSTS),
    "analytics:retention_winback_export": Expect(
        "analyst", query=lambda w: {"format": "csv"}, outsider=FORBIDDEN, only=ANALYSTS
    ),
    "analytics:retention_winback_create": Expect(
        "analyst", method="POST", data=lambda w: {"name": ""}, outsider=FORBIDDEN, only=ANALYSTS
    ),
    # surveys (アンケート): definitions for head office, answer entry for staff who see the customer,
    # imports for the survey owners (お客様相談室, CRM推進部); the customer's web page is public
    "surveys:list": Expect("complaints_officer", outsider=FORBIDDEN, only=HEAD_OFFICE),
    "surveys:new": Expect("complaints_officer", outsider=FORBIDDEN, only=SURVEY_OWNERS),
    "surveys:detail": Expect("complaints_officer", survey_code, outsider=FORBIDDEN, only=HEAD_OFFICE),
    "surveys:edit": Expect("complaints_officer", survey_code, outsider=FORBIDDEN, only=SURVEY_OWNERS),
    "surveys:preview": Expect("complaints_officer", survey_code, outsider=FORBIDDEN, only=HEAD_OFFICE),
    "surveys:active": Expect(
        "complaints_officer",
        survey_code,
        method="POST",
        data=lambda w: {"active": "0"},
        ok=(302,),
        outsider=FORBIDDEN,
        only=SURVEY_OWNERS,
    ),
    "surveys:entry": Expect(
        "agency_a_staff", lambda w: {"pk": w.customer.pk}, query=lambda w: {"survey": "claim"}, logs=customer_a
    ),
    "surveys:invitation_entry": Expect("agency_a_staff", lambda w: {"pk": w.surveys["invitation"].pk}, logs=customer_a),
    # はがき・電話の回答入力: a sent survey's 回答番号 opens its entry page (outsiders: "not found")
    "surveys:entry_lookup": Expect(
        "agency_a_staff",
        query=lambda w: {"q": f"Q{w.surveys['web_invitation'].pk:09d}"},
        ok=(302,),
        outsider=NOTHING_OF_A,
    ),
    "surveys:opt_out": Expect("agency_a_staff", lambda w: {"pk": w.customer.pk}, logs=customer_a),
    "surveys:opt_out_public": Expect("hq_operator", lambda w: {"token": "not-a-valid-token"}, public=True),
    "surveys:imports": Expect("complaints_officer", outsider=FORBIDDEN, only=SURVEY_OWNERS),
    "surveys:import": Expect(
        "complaints_officer", lambda w: {"pk": w.surveys["import"].pk}, outsider=FORBIDDEN, only=SURVEY_OWNERS
    ),
    "surveys:import_errors": Expect(
        "complaints_officer", lambda w: {"pk": w.surveys["import"].pk}, outsider=FORBIDDEN, only=SURVEY_OWNERS
    ),
    "surveys:answer": Expect("hq_operator", lambda w: {"token": "not-a-valid-token"}, public=True),
    "surveys:thanks": Expect("hq_operator", public=True),  # only once, right after an answer
    # the API's own pages (its operations are walked from the schema below)
    "api:openapi-json": Expect("hq_operator", outsider=NOTHING_OF_A),
    "api:openapi-view": Expect("hq_operator", outsider=NOTHING_OF_A),
}

API_ROUTES: dict[tuple[str, str], Expect] = {
    ("GET", "/api/customers/search"): Expect(
        "agency_a_staff", query=lambda w: {"q": FAMILY_NAME}, logs=customer_a, outsider=NOTHING_OF_A
    ),
    ("POST", "/api/cases/"): Expect(
        # An unknown case type: refused (400) after the customer is read, so nothing is opened.
        "agency_a_staff",
        data=lambda w: {"case_type": "unknown", "channel": "phone", "customer_id": w.customer.pk, "subject": "x"},
        ok=(400,),
        logs=customer_a,
    ),
    ("GET", "/api/cases/"): Expect("agency_a_staff", logs=customer_a, outsider=NOTHING_OF_A),
    ("GET", "/api/cases/{case_id}/"): Expect(
        "agency_a_staff", lambda w: {"case_id": w.cases["inquiry"].pk}, logs=customer_a
    ),
    ("POST", "/api/cases/{case_id}/change/"): Expect(
        # A bad postal code: refused (400) after the case is read, nothing changed.
        "agency_a_staff",
        lambda w: {"case_id": w.cases["change"].pk},
        data=lambda w: {"new_values": {"description": "x", "postal_code": "12-34"}, "expected_version": 1},
        ok=(400, 409),
        logs=customer_a,
    ),
    ("POST", "/api/cases/{case_id}/transition/"): Expect(
        "agency_a_staff",
        lambda w: {"case_id": w.cases["inquiry"].pk},
        data=lambda w: {"to": "no-such-status", "expected_version": w.cases["inquiry"].version},
        ok=(400, 409),
        logs=customer_a,
    ),
    # そんぽADR of a complaint: the read is logged; the actions (complaints desk) refuse bad input (400)
    ("GET", "/api/cases/{case_id}/adr/"): Expect(
        "agency_a_staff", lambda w: {"case_id": w.cases["complaint"].pk}, logs=customer_a
    ),
    ("POST", "/api/cases/{case_id}/adr/refer/"): Expect(
        "complaints_officer",
        lambda w: {"case_id": w.cases["complaint"].pk},
        data=lambda w: {"expected_version": w.cases["complaint"].version, "reference": ""},
        ok=(400, 409),
        logs=customer_a,
    ),
    ("POST", "/api/cases/{case_id}/adr/advance/"): Expect(
        "complaints_officer",
        lambda w: {"case_id": w.cases["complaint"].pk},
        data=lambda w: {"expected_version": w.cases["complaint"].version},
        ok=(400, 409),
        logs=customer_a,
    ),
    ("POST", "/api/cases/{case_id}/adr/conclude/"): Expect(
        "complaints_officer",
        lambda w: {"case_id": w.cases["complaint"].pk},
        data=lambda w: {"expected_version": w.cases["complaint"].version, "result": "nope"},
        ok=(400, 409),
        logs=customer_a,
    ),
    ("GET", "/api/identity/review/"): Expect("steward", logs=any_row, outsider=FORBIDDEN, only=STEWARDS),
    ("GET", "/api/identity/review/{pair_id}/"): Expect(
        "steward", lambda w: {"pair_id": w.identity["pair"].pk}, logs=any_row, outsider=FORBIDDEN, only=STEWARDS
    ),
    ("POST", "/api/identity/review/{pair_id}/decision/"): Expect(
        "steward",
        lambda w: {"pair_id": w.identity["pair"].pk},
        data=lambda w: {"decision": "not_link", "note": "別人(ルート検査)"},
        logs=any_row,
        outsider=FORBIDDEN,
        only=STEWARDS,
    ),
    ("POST", "/api/identity/merges/"): Expect(
        # The customer is already merged away: refused (400) after both customers are looked up.
        "steward",
        data=lambda w: {
            "survivor_id": w.customer.pk,
            "absorbed_id": w.identity["duplicate"].pk,
            "reason": "同一人物(ルート検査)",
        },
        ok=(201, 400),
        outsider=FORBIDDEN,
        only=STEWARDS,
    ),
    ("GET", "/api/identity/merges/{merge_id}/"): Expect(
        "steward", lambda w: {"merge_id": w.identity["merge"].pk}, logs=merged, outsider=FORBIDDEN, only=STEWARDS
    ),
    ("POST", "/api/identity/merges/{merge_id}/unmerge/"): Expect(
        "steward",
        lambda w: {"merge_id": w.identity["merge"].pk},
        data=lambda w: {"reason": "別人だった(ルート検査)"},
        logs=merged,
        outsider=FORBIDDEN,
        only=STEWARDS,
    ),
    ("GET", "/api/identity/batches/{batch_id}/"): Expect(
        "steward", lambda w: {"batch_id": w.identity["batch"].pk}, logs=any_row, outsider=FORBIDDEN, only=STEWARDS
    ),
    # 募集品質: as the screens; the double check by agency A's manager of a record that chose the
    # recommended product is refused (400) after the policy is read, nothing changed.
    ("GET", "/api/practice/intents/"): Expect("agency_a_staff", logs=customer_a, outsider=NOTHING_OF_A),
    ("GET", "/api/practice/policies/{policy_id}/intent/"): Expect(
        "agency_a_staff", lambda w: {"policy_id": w.policy.pk}, logs=customer_a
    ),
    ("POST", "/api/practice/policies/{policy_id}/intent/double-check/"): Expect(
        "agency_a_manager",
        lambda w: {"policy_id": w.policy.pk},
        data=lambda w: {"note": ""},
        ok=(400,),
        logs=customer_a,
        only=AGENCY_MANAGERS,
    ),
    ("GET", "/api/practice/elderly/"): Expect("agency_a_staff", logs=customer_a, outsider=NOTHING_OF_A),
    ("GET", "/api/practice/elderly/{solicitation_id}/"): Expect(
        "agency_a_staff", lambda w: {"solicitation_id": w.practice["solicitation"].pk}, logs=customer_a
    ),
    ("GET", "/api/practice/renewals/"): Expect("agency_a_staff", outsider=NOTHING_OF_A),
}

# Walked separately (see the module docstring).
EXCLUDED_PREFIXES = ("admin/",)
SEPARATELY_TESTED = {"login", "logout"}
# ninja's catch-all for `api/` itself: no operation, every method a Japanese 405/404.
API_ROOT = "api:api-root"


# --- enumeration --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    name: str  # namespaced route name
    route: str  # the pattern as written, e.g. "cases/<int:pk>/"
    is_api_operation: bool


def _walk(resolver: URLResolver, prefix: str = "", namespaces: tuple[str, ...] = ()) -> Iterator[Pattern]:
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry, route, namespaces + ((entry.namespace,) if entry.namespace else ()))
        elif isinstance(entry, URLPattern):
            name = ":".join((*namespaces, entry.name or f"<unnamed {route}>"))
            yield Pattern(name, route, entry.lookup_str.startswith("ninja."))


def url_patterns() -> list[Pattern]:
    return [p for p in _walk(get_resolver()) if not p.route.startswith(EXCLUDED_PREFIXES)]


def api_operations() -> set[tuple[str, str]]:
    from tsunagu.config.api import api

    schema = api.get_openapi_schema()
    return {(method.upper(), path) for path, operations in schema["paths"].items() for method in operations}


def _as_schema_path(route: str) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def test_every_route_has_a_persona_expectation():
    patterns = url_patterns()
    pages = {p.name for p in patterns if not p.is_api_operation} - SEPARATELY_TESTED - {API_ROOT}
    missing = sorted(pages - ROUTES.keys())
    assert not missing, f"new route without a persona expectation: add it to ROUTES: {missing}"
    gone = sorted(ROUTES.keys() - pages)
    assert not gone, f"ROUTES names routes that no longer exist: {gone}"

    operations = api_operations()
    missing_api = sorted(operations - API_ROUTES.keys())
    assert not missing_api, f"new API operation without a persona expectation: add it to API_ROUTES: {missing_api}"
    gone_api = sorted(API_ROUTES.keys() - operations)
    assert not gone_api, f"API_ROUTES names operations that no longer exist: {gone_api}"
    # Every ninja URL pattern is an operation of the schema (none hidden with include_in_schema=False).
    schema_paths = {path for _, path in operations}
    hidden = sorted(p.route for p in patterns if p.is_api_operation and _as_schema_path(p.route) not in schema_paths)
    assert not hidden, f"API URL patterns missing from the OpenAPI schema: {hidden}"


def test_the_walk_sees_the_project_s_routes():
    """The enumeration itself works: a known page, a known operation, and no admin page."""
    names = {p.name for p in url_patterns()}
    assert {"desk:customer_detail", "cases:detail", "identity:pair", "login"} <= names
    assert not any(name.startswith("admin:") for name in names)
    assert ("GET", "/api/cases/{case_id}/") in api_operations()


# --- the world ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[World]:
    """One world for the module, inside a transaction rolled back at the end; each test runs in a
    savepoint within it (pytest-django's `db`), so a test's writes never reach the next test."""
    overrides = override_settings(
        PASSWORD_HASHERS=FAST_HASHERS,
        TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
        TSUNAGU_DOCUMENT_DIR=tmp_path_factory.mktemp("route-documents"),
    )
    overrides.enable()
    atomic = transaction.atomic()
    try:
        with django_db_blocker.unblock():
            atomic.__enter__()
            try:
                world = build_world()
            except BaseException:
                transaction.set_rollback(True)
                atomic.__exit__(None, None, None)
                raise
        yield world  # tests reach the database through their own `db` fixture only
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
    finally:
        overrides.disable()


# --- requests -----------------------------------------------------------------------------------


def _page_url(name: str, expect: Expect, world: World) -> str:
    return reverse(name, kwargs=expect.kwargs(world) or None)


def _api_url(path: str, expect: Expect, world: World) -> str:
    return path.format(**expect.kwargs(world))


def _send(client: Client, method: str, url: str, expect: Expect, world: World, *, api: bool) -> Any:
    query = expect.query(world)
    if method == "GET":
        return client.get(url, query)
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    data = expect.data(world) if expect.data else {}
    if api:
        return client.post(url, data, content_type="application/json")
    return client.post(url, data)


def _is_html(response: Any) -> bool:
    return response.get("Content-Type", "").startswith("text/html")


def _body(response: Any) -> str:
    """The body as text; JSON unescaped, so that a name sent as \\uXXXX escapes is still found."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    text = response.content.decode("utf-8", "replace")
    if response.get("Content-Type", "").startswith("application/json"):
        try:
            return json.dumps(json.loads(text), ensure_ascii=False)
        except ValueError:
            return text
    return text


def _cases() -> list[Any]:
    """(kind, key, expect) for every walked route, each with its own id and open defects."""
    cases = [(False, name, name, expect) for name, expect in ROUTES.items()]
    cases += [(True, f"{m} {p}", (m, p), expect) for (m, p), expect in API_ROUTES.items()]
    return cases


def _params(test_name: str, *, skip_public: bool = False) -> list[Any]:
    params = []
    for api, label, key, expect in _cases():
        if skip_public and expect.public:
            continue
        marks = []
        if test_name in expect.xfail:
            marks.append(pytest.mark.xfail(strict=True, reason=expect.xfail[test_name]))
        params.append(pytest.param(api, key, expect, id=label, marks=marks))
    return params


def _request(client: Client, api: bool, key: Any, expect: Expect, world: World) -> Any:
    if api:
        method, path = key
        return _send(client, method, _api_url(path, expect, world), expect, world, api=True)
    return _send(client, expect.method, _page_url(key, expect, world), expect, world, api=False)


def _assert_no_markers(response: Any, world: World, who: str) -> None:
    body = _body(response)
    leaked = [marker for marker in world.markers if marker in body]
    assert not leaked, f"{who} got agency A's customer data in the body: {leaked}"


# --- the walk -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("api", "key", "expect"), _params("test_anonymous_is_sent_to_login"))
def test_anonymous_is_sent_to_login(client, db, world, api, key, expect):
    audit_before = AuditEvent.objects.count()
    response = _request(client, api, key, expect, world)
    if expect.public:
        assert 400 <= response.status_code < 500, response.status_code
    elif api:
        assert response.status_code == 401, (response.status_code, _body(response)[:300])
    else:
        url = _page_url(key, expect, world)
        assert response.status_code == 302, response.status_code
        assert response["Location"].startswith(f"{reverse('login')}?next="), response["Location"]
        assert url.split("?")[0] in response["Location"].replace("%2F", "/")
    _assert_no_markers(response, world, "anonymous")
    assert AuditEvent.objects.count() == audit_before, "an anonymous request wrote an audit event"


@pytest.mark.parametrize(
    ("api", "key", "expect"), _params("test_the_outsider_sees_nothing_of_agency_a", skip_public=True)
)
def test_the_outsider_sees_nothing_of_agency_a(client, db, world, settings, api, key, expect):
    if expect.dummy_tasks:
        settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    client.force_login(world.users["agency_b_staff"])
    _assert_the_outsider_sees_nothing(client, api, key, expect, world)


@pytest.mark.parametrize(
    ("api", "key", "expect"), _params("test_another_branch_s_staff_see_nothing_of_agency_a", skip_public=True)
)
def test_another_branch_s_staff_see_nothing_of_agency_a(client, db, world, settings, api, key, expect):
    """営業拠点 B02's staff (agency A is in B01) are outsiders too: 404 for agency A's objects (403 where the
    branch role has no such function at all), lists and searches without agency A's customer."""
    if expect.dummy_tasks:
        settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    client.force_login(world.users["other_branch_staff"])
    _assert_the_outsider_sees_nothing(client, api, key, expect, world, refused=(403, 404), listing=(200, 403, 404))


def _api_params(test_name: str) -> list[Any]:
    return [p for p in _params(test_name, skip_public=True) if p.values[0]]


@pytest.mark.parametrize(("api", "key", "expect"), _api_params("test_the_outsider_s_api_token_sees_nothing"))
def test_the_outsider_s_api_token_sees_nothing(db, world, api, key, expect):
    """The same through the API's other way in, a Bearer token of agency B's staff (no session)."""
    _, token = api_token_create(actor=world.users["hq_operator"], user=world.users["agency_b_staff"], name="検査")
    _assert_the_outsider_sees_nothing(Client(HTTP_AUTHORIZATION=f"Bearer {token}"), api, key, expect, world)


def _assert_the_outsider_sees_nothing(
    client: Client,
    api: bool,
    key: Any,
    expect: Expect,
    world: World,
    *,
    refused: tuple[int, ...] = (404,),
    listing: tuple[int, ...] = (200,),
) -> None:
    audit_before = AuditEvent.objects.count()
    logged_before = AccessLog.objects.filter(customer_id=world.customer.pk).count()
    response = _request(client, api, key, expect, world)
    status = response.status_code
    if expect.outsider == NOT_FOUND:  # (a role without the function at all may be refused first: 403)
        assert status in refused, (status, _body(response)[:300])
    elif expect.outsider == FORBIDDEN:
        assert status in (403, 404), (status, _body(response)[:300])
    else:
        assert status in listing, (status, _body(response)[:300])
    _assert_no_markers(response, world, "an outsider")
    assert AuditEvent.objects.count() == audit_before, "the outsider's request wrote an audit event"
    assert AccessLog.objects.filter(customer_id=world.customer.pk).count() == logged_before, (
        "agency A's customer was logged as read by an outsider"
    )


@pytest.mark.parametrize(
    ("api", "key", "expect"), _params("test_the_permitted_persona_gets_the_route", skip_public=True)
)
def test_the_permitted_persona_gets_the_route(client, db, world, settings, api, key, expect):
    if expect.dummy_tasks:
        settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    user = world.users[expect.permitted]
    client.force_login(user)
    last = AccessLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    response = _request(client, api, key, expect, world)
    assert response.status_code in expect.ok, (response.status_code, _body(response)[:500])
    shown = [m for m in world.personal_markers if m in _body(response)]
    if shown:
        # Whatever the table says: a response showing agency A's customer logs the read.
        logged = AccessLog.objects.filter(pk__gt=last, user=user, customer_id=world.customer.pk)
        assert logged.exists(), f"{key} shows {shown} of agency A's customer without an access-log row"
    if expect.logs is None:
        return
    if response.status_code == 200 and customer_a(world)[0] in expect.logs(world) and _is_html(response):
        # What the outsider must not see is really there for the permitted persona (the API's JSON
        # names customers by id only).
        body = _body(response)
        assert any(m in body for m in world.markers), f"{key}: nothing of agency A's customer shown"
    logged = set(AccessLog.objects.filter(pk__gt=last, user=user).values_list("customer_id", flat=True))
    assert logged, f"{key}: no access-log row for {expect.permitted}'s read"
    for customer_id in expect.logs(world):
        if customer_id is not ANY_CUSTOMER:
            assert customer_id in logged, f"{key}: customer {customer_id} shown but not logged (logged: {logged})"


@pytest.mark.parametrize(
    ("api", "key", "expect"), _params("test_every_other_persona_is_answered_within_its_role", skip_public=True)
)
def test_every_other_persona_is_answered_within_its_role(client, db, world, settings, api, key, expect):
    """Every other persona (head-office roles that may or may not use the route, agency A's staff
    on head-office screens) gets an answer — the route, 403 or 404 — never a 500; a persona without
    the role of a role-gated function gets 403 or 404; and whoever is shown agency A's customer's
    personal data has the read logged."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    errors = {}
    for persona in PERSONAS:
        if persona in (expect.permitted, "agency_b_staff"):
            continue  # walked by the tests above
        user = world.users[persona]
        client.force_login(user)
        last = AccessLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        response = _request(client, api, key, expect, world)
        if response.status_code >= 500:
            errors[persona] = (response.status_code, _body(response)[:200])
        elif expect.only is not None and persona not in expect.only and response.status_code not in (403, 404):
            errors[persona] = (response.status_code, "a role-gated function answered a persona without the role")
        shown = [m for m in world.personal_markers if m in _body(response)]
        if shown and not AccessLog.objects.filter(pk__gt=last, user=user, customer_id=world.customer.pk).exists():
            errors[persona] = f"shows {shown} of agency A's customer without an access-log row"
    assert not errors, errors


# --- the routes walked separately ---------------------------------------------------------------


def test_anonymous_gets_the_login_page(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "ログイン" in response.content.decode()


def test_logout_ends_the_session(client, db, world):
    client.force_login(world.users["hq_operator"])
    assert client.get(reverse("desk:customer_detail", args=[world.customer.pk])).status_code == 200
    assert client.post(reverse("logout")).status_code in (200, 302)
    after = client.get(reverse("desk:customer_detail", args=[world.customer.pk]))
    assert after.status_code == 302
    assert after["Location"].startswith(reverse("login"))


def test_the_api_root_answers_nothing(client, db, world):
    """`api/` is django-ninja's own catch-all, with no operation: never data, never a 500."""
    client.force_login(world.users["hq_operator"])
    response = client.get("/api/")
    assert response.status_code in (404, 405)
    _assert_no_markers(response, world, "GET /api/")


def test_the_world_s_markers_are_on_the_permitted_pages(client, db, world):
    """The outsider checks mean something only if the permitted persona does see the markers."""
    client.force_login(world.users["agency_a_staff"])
    page = client.get(reverse("desk:customer_detail", args=[world.customer.pk])).content.decode()
    assert NAME in page
    assert POLICY_NUMBER in page
    assert PHONE in page


def test_agency_a_s_branch_staff_see_its_customer_and_the_worklist(client, db, world):
    """営業拠点 B01's staff (agency A is one of its agencies) see agency A's customer and the worklist
    entry, with the reads logged; the other branch's walk above is meaningful only because of this."""
    user = world.users["branch_staff"]
    client.force_login(user)
    page = client.get(reverse("desk:customer_detail", args=[world.customer.pk])).content.decode()
    assert NAME in page
    assert POLICY_NUMBER in page
    assert PHONE in page
    worklist = client.get(reverse("analytics:target_worklist", args=[world.analytics["target"].pk]))
    assert worklist.status_code == 200
    assert NAME in worklist.content.decode()
    assert AccessLog.objects.filter(user=user, customer_id=world.customer.pk).count() >= 2


def test_the_public_download_link_opens_with_its_token_only(client, db, world):
    """The one public route: the customer's signed token opens the PDF without a login (the read
    logged for the customer); the same token altered by one character opens nothing."""
    from tsunagu.documents.links import download_link_create

    _, token = download_link_create(actor=world.users["hq_operator"], document=world.document)
    last = AccessLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    response = client.get(reverse("documents:link", args=[token]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert AccessLog.objects.filter(pk__gt=last, customer_id=world.customer.pk, user=None).exists()
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    refused = client.get(reverse("documents:link", args=[tampered]))
    assert refused.status_code == 404
    _assert_no_markers(refused, world, "a tampered link")
