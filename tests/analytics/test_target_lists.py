"""Target lists: the segment (consent by construction), the seeded control group, the worklist's
scope (agency A never sees agency B's entries), results with history, the CSV import's errors, and
the uplift arithmetic."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from tests.analytics.helpers import model_version_for_tests
from tests.conftest import PASSWORD, _user, make_customer, make_policy
from tsunagu.analytics import segments, target_selectors, target_services
from tsunagu.analytics.choices import EntryResult, ListBasis
from tsunagu.analytics.models import Score, TargetEntry
from tsunagu.analytics.uplift import Group, control_size, decile, uplift
from tsunagu.core.choices import AccessPurpose, Role
from tsunagu.core.models import AccessLog
from tsunagu.policies.choices import LineOfBusiness

# --- pure arithmetic ---------------------------------------------------------------------------


def test_uplift_is_the_difference_of_rates_with_a_wald_interval():
    result = uplift(Group(200, 30), Group(100, 5))
    assert result.uplift == pytest.approx(0.15 - 0.05)
    half = 1.959963984540054 * ((0.15 * 0.85 / 200 + 0.05 * 0.95 / 100) ** 0.5)
    assert result.low == pytest.approx(0.10 - half)
    assert result.high == pytest.approx(0.10 + half)
    assert result.significant  # 0.10 ± 0.064 excludes zero


def test_uplift_without_a_control_group_is_not_computed():
    result = uplift(Group(10, 2), Group(0, 0))
    assert (result.uplift, result.low, result.high) == (None, None, None)
    assert not result.significant


def test_an_interval_across_zero_is_not_significant():
    assert not uplift(Group(20, 3), Group(20, 2)).significant


@pytest.mark.parametrize(
    ("customers", "percent", "expected"), [(100, 10, 10), (15, 10, 2), (3, 10, 1), (1, 10, 0), (100, 0, 0), (0, 10, 0)]
)
def test_control_size(customers, percent, expected):
    assert control_size(customers, percent) == expected


def test_deciles_count_from_the_top():
    assert [decile(rank, 20) for rank in (0, 1, 2, 19)] == [1, 1, 2, 10]


# --- the book ----------------------------------------------------------------------------------


@pytest.fixture
def analyst(org):
    return _user("analyst", [Role.ANALYST], department=org["compliance"])


@pytest.fixture
def book(hq_operator, org):
    """12 consenting customers of agency A (auto), 8 of agency B (fire), 2 of A without consent."""
    customers = {"a": [], "b": [], "no_consent": []}
    for i in range(12):
        c = make_customer(hq_operator, name=f"甲 {i}", name_kana="コウ", agency=org["agency_a"])
        make_policy(hq_operator, c, agency=org["agency_a"], line=LineOfBusiness.AUTO)
        customers["a"].append(c)
    for i in range(8):
        c = make_customer(
            hq_operator, name=f"乙 {i}", name_kana="オツ", agency=org["agency_b"], preferred_channel="email"
        )
        make_policy(hq_operator, c, agency=org["agency_b"], line=LineOfBusiness.FIRE)
        customers["b"].append(c)
    for i in range(2):
        c = make_customer(hq_operator, name=f"丙 {i}", name_kana="ヘイ", agency=org["agency_a"], contact_consent=False)
        make_policy(hq_operator, c, agency=org["agency_a"])
        customers["no_consent"].append(c)
    return customers


def _segment(**kw) -> segments.Segment:
    return segments.Segment(as_of=dt.date(2026, 4, 1), **kw)


def _create(analyst, *, percent=25, seed=7, basis=ListBasis.CAMPAIGN, **kw):
    return target_services.target_list_create(
        actor=analyst,
        name="秋の見直し",
        basis=basis,
        segment=_segment(**kw),
        control_percent=percent,
        talking_points="補償の見直し\n家族構成の変化",
        seed=seed,
    )


def test_the_segment_holds_only_consenting_customers(analyst, book):
    ids = set(segments.segment_customers(user=analyst, segment=_segment()).values_list("pk", flat=True))
    assert ids == {c.pk for c in book["a"] + book["b"]}
    held = segments.segment_count(user=analyst, segment=_segment(lines_held=("fire",)))
    missing = segments.segment_count(user=analyst, segment=_segment(lines_missing=("fire",)))
    assert (held, missing) == (8, 12)


def test_the_builder_is_for_analysts(hq_operator, book):
    with pytest.raises(PermissionDenied):
        segments.segment_count(user=hq_operator, segment=_segment())
    with pytest.raises(PermissionDenied):
        _create(hq_operator)


def test_a_list_holds_out_a_seeded_control_group(analyst, book):
    first = _create(analyst)
    again = _create(analyst)
    assert (first.treatment_count, first.control_count) == (15, 5)
    controls = set(first.entries.filter(is_control=True).values_list("customer_id", flat=True))
    assert controls == set(again.entries.filter(is_control=True).values_list("customer_id", flat=True))
    assert (
        set(_create(analyst, seed=8).entries.filter(is_control=True).values_list("customer_id", flat=True)) != controls
    )
    entry = first.entries.get(customer=book["b"][0])
    assert entry.agency_id == book["b"][0].agency_links.get().agency_id
    assert entry.channel == "email"
    assert [p["text"] for p in entry.proposal_points] == ["補償の見直し", "家族構成の変化"]
    assert entry.history.count() == 1  # the "+" row copied by the database


def test_a_campaign_list_needs_talking_points_and_a_name(analyst, book):
    with pytest.raises(ValidationError) as error:
        target_services.target_list_create(
            actor=analyst, name=" ", basis=ListBasis.CAMPAIGN, segment=_segment(), control_percent=80
        )
    assert set(error.value.message_dict) == {"name", "control_percent", "talking_points"}


def test_a_next_product_list_carries_the_models_reasons_and_deciles(analyst, book):
    model = model_version_for_tests(trained_by=analyst, is_active=True, kind="next_product")
    for rank, customer in enumerate(book["a"] + book["b"]):
        Score.objects.create(
            customer=customer, kind="next_product", model=model, score=1 - rank / 40, product_line="fire",
            reasons=[{"feature": "age", "text": "年齢 45歳", "contribution": 0.2}], marketing_allowed=True,
            as_of=dt.date(2026, 4, 1), scored_at=timezone.now(),
        )  # fmt: skip
    target = _create(analyst, basis=ListBasis.NEXT_PRODUCT, score_kind="next_product", top_deciles=5)
    assert target.treatment_count + target.control_count == 10
    top = target.entries.get(customer=book["a"][0])
    assert (top.decile, top.product_line) == (1, "fire")
    assert [p["text"] for p in top.proposal_points] == ["提案する種目: 火災", "年齢 45歳"]


# --- scope, results, history -----------------------------------------------------------------


def test_agency_a_never_sees_agency_b_entries(analyst, book, agency_a_staff, agency_b_staff):
    target = _create(analyst)
    seen_a = {e.customer_id for e in target_selectors.worklist(user=agency_a_staff, target=target)}
    seen_b = {e.customer_id for e in target_selectors.worklist(user=agency_b_staff, target=target)}
    a_ids, b_ids = {c.pk for c in book["a"]}, {c.pk for c in book["b"]}
    assert seen_a
    assert seen_a <= a_ids
    assert not seen_a & b_ids
    assert seen_b
    assert seen_b <= b_ids
    a_entry = target.entries.filter(customer__in=book["a"], is_control=False).first()
    with pytest.raises(Http404):
        target_selectors.entry_get(user=agency_b_staff, pk=a_entry.pk)
    with pytest.raises(PermissionDenied):
        target_services.target_entry_record_result(
            actor=agency_b_staff, entry_id=a_entry.pk, result=EntryResult.CONTACTED
        )
    rows = target_selectors.worklist_export_rows(user=agency_b_staff, target=target, file_format="csv")
    assert {r[0] for r in rows[1:]} == {f"K{pk:09d}" for pk in seen_b}
    assert (
        AccessLog.objects.filter(user=agency_b_staff, purpose=AccessPurpose.EXPORT, customer_id__in=a_ids).count() == 0
    )
    assert AccessLog.objects.filter(user=agency_b_staff, purpose=AccessPurpose.EXPORT).count() == len(seen_b)
    report = target_selectors.uplift_report(user=agency_b_staff, target=target, by="agency")
    assert [r.label for r in report] == ["みどり保険事務所"]


def test_the_worklist_masks_phones_per_role(analyst, book, agency_a_staff):
    target = _create(analyst)
    entries = list(target_selectors.worklist(user=agency_a_staff, target=target)[:1])
    assert (
        target_selectors.worklist_rows(user=agency_a_staff, entries=entries, target=target)[0].phone == "090-1234-5678"
    )
    entries = list(target_selectors.worklist(user=analyst, target=target)[:1])
    assert target_selectors.worklist_rows(user=analyst, entries=entries, target=target)[0].phone == "***-****-5678"


def test_a_result_is_recorded_with_history_and_checked(analyst, book, agency_a_staff, hq_operator, org):
    target = _create(analyst)
    entry = target.entries.filter(customer__in=book["a"], is_control=False).first()
    with pytest.raises(ValidationError) as error:
        target_services.target_entry_record_result(actor=agency_a_staff, entry_id=entry.pk, result=EntryResult.WON)
    assert "証券番号" in error.value.message_dict["won_policy"][0]
    other = make_policy(hq_operator, book["a"][-1] if book["a"][-1] != entry.customer else book["a"][0],
                        agency=org["agency_a"])  # fmt: skip
    with pytest.raises(ValidationError):
        target_services.target_entry_record_result(
            actor=agency_a_staff, entry_id=entry.pk, result=EntryResult.WON, won_policy_number=other.number
        )
    target_services.target_entry_record_result(actor=agency_a_staff, entry_id=entry.pk, result=EntryResult.CONTACTED)
    won = make_policy(hq_operator, entry.customer, agency=org["agency_a"], line=LineOfBusiness.FIRE)
    target_services.target_entry_record_result(
        actor=agency_a_staff, entry_id=entry.pk, result=EntryResult.WON, won_policy_number=won.number, note="火災を追加"
    )
    entry.refresh_from_db()
    assert (entry.result, entry.won_policy_id, entry.result_by) == (EntryResult.WON, won.pk, agency_a_staff)
    changes = target_selectors.entry_history(entry=entry)
    assert [row.kind for row in changes] == ["変更", "変更", "登録"]
    assert any(c.old == "接触済み" and c.new == "成約" for c in changes[0].changes)
    control = target.entries.filter(customer__in=book["a"], is_control=True).first()
    with pytest.raises(ValidationError):
        target_services.target_entry_record_result(
            actor=agency_a_staff, entry_id=control.pk, result=EntryResult.CONTACTED
        )


def test_a_result_is_recorded_on_an_entry_without_proposal_points(analyst, book, agency_a_staff):
    """An entry of a list drawn before any model scored its customers has no points: its result must
    still save (the walk found 「このフィールドは空ではいけません」 naming no field)."""
    target = _create(analyst)
    entry = target.entries.filter(customer__in=book["a"], is_control=False).first()
    TargetEntry.objects.filter(pk=entry.pk).update(proposal_points=[])  # derived, outside the history
    target_services.target_entry_record_result(
        actor=agency_a_staff, entry_id=entry.pk, result=EntryResult.PROPOSED, note="電話で提案"
    )
    entry.refresh_from_db()
    assert (entry.result, entry.result_note, entry.proposal_points) == (EntryResult.PROPOSED, "電話で提案", [])


def _csv(rows: list[list[str]], encoding: str = "utf-8-sig") -> bytes:
    return "\n".join(",".join(r) for r in [["顧客番号", "結果", "成約証券番号", "メモ"], *rows]).encode(encoding)


def test_the_import_reports_every_row_error_in_japanese_and_applies_nothing(analyst, book, agency_a_staff):
    target = _create(analyst)
    mine = list(target.entries.filter(customer__in=book["a"], is_control=False))
    control = target.entries.filter(customer__in=book["a"], is_control=True).first()
    b_entry = target.entries.filter(customer__in=book["b"]).first()
    data = _csv([
        [mine[0].customer.number, "接触済み", "", ""],
        ["X12", "接触済み", "", ""],
        [mine[1].customer.number, "電話した", "", ""],
        [b_entry.customer.number, "辞退", "", ""],
        [control.customer.number, "辞退", "", ""],
        [mine[2].customer.number, "成約", "", ""],
    ], encoding="cp932")  # fmt: skip
    outcome = target_services.target_results_import(actor=agency_a_staff, target=target, data=data)
    assert outcome.applied == 0
    assert [e.split(":")[0] for e in outcome.errors] == ["3行目", "4行目", "5行目", "6行目", "7行目"]
    assert "形式が正しくありません" in outcome.errors[0]
    assert "あなたの担当分にありません" in outcome.errors[2]
    assert "対照群" in outcome.errors[3]
    assert not TargetEntry.objects.filter(target_list=target).exclude(result=EntryResult.PENDING).exists()
    ok = target_services.target_results_import(
        actor=agency_a_staff, target=target, data=_csv([[mine[0].customer.number, "contacted", "", "留守電"]])
    )
    assert (ok.applied, ok.errors) == (1, [])
    mine[0].refresh_from_db()
    assert (mine[0].result, mine[0].result_note) == (EntryResult.CONTACTED, "留守電")


def test_the_import_refuses_a_file_without_the_columns(analyst, book, agency_a_staff):
    target = _create(analyst)
    with pytest.raises(ValidationError, match="顧客番号"):
        target_services.target_results_import(actor=agency_a_staff, target=target, data="氏名\n山田\n".encode())


def test_uplift_counts_new_contracts_in_both_groups(analyst, book, hq_operator, org):
    target = _create(analyst)  # as of 2026-04-01; the book's policies were contracted on that day
    report = target_selectors.uplift_report(user=analyst, target=target, by="list")[0].result
    assert (report.treatment.customers, report.control.customers) == (15, 5)
    assert (report.treatment.converted, report.control.converted) == (15, 5)  # every policy is new from as_of
    renewal_list = _create(analyst, seed=3)
    renewal_list.as_of = dt.date(2026, 5, 1)
    control = renewal_list.entries.filter(is_control=True).first()
    june = dt.date(2026, 6, 1)
    make_policy(hq_operator, control.customer, agency=org["agency_a"], contract_date=june, inception=june,
                expiry=june.replace(year=2027))  # fmt: skip
    report = target_selectors.uplift_report(user=analyst, target=renewal_list, by="list")[0].result
    assert (report.treatment.converted, report.control.converted) == (0, 1)
    assert report.uplift == pytest.approx(0 - 1 / 5)
    by_channel = {
        r.label: r.result for r in target_selectors.uplift_report(user=analyst, target=renewal_list, by="channel")
    }
    assert set(by_channel) == {"電話", "メール"}


# --- screens ---------------------------------------------------------------------------------


def test_the_screens_walk_for_analyst_and_agency(client, analyst, book, agency_a_staff):
    client.login(username="analyst", password=PASSWORD)
    form = {
        "name": "画面のリスト",
        "basis": "campaign",
        "talking_points": "見直し",
        "control_percent": "10",
        "seed": "1",
    }
    response = client.post(reverse("analytics:target_create"), {**form, "preview": "1"})
    assert response.status_code == 200
    assert "20" in response.content.decode()
    response = client.post(reverse("analytics:target_create"), {**form, "create": "1"})
    assert response.status_code == 302
    target_pk = int(response["Location"].rstrip("/").split("/")[-1])
    assert client.get(reverse("analytics:target_list", args=[target_pk])).status_code == 200
    bad = client.post(reverse("analytics:target_create"), {**form, "control_percent": "90", "create": "1"})
    assert bad.status_code == 200
    assert "対照群の割合" in bad.content.decode()
    client.logout()
    client.login(username="agency_a_staff", password=PASSWORD)
    page = client.get(reverse("analytics:target_worklist", args=[target_pk]))
    assert page.status_code == 200
    assert "乙" not in page.content.decode()
    entry = TargetEntry.objects.filter(target_list_id=target_pk, agency__code="A0001", is_control=False).first()
    response = client.post(reverse("analytics:target_entry", args=[entry.pk]), {"result": "declined", "note": "不要"})
    assert response.status_code == 302
    export = client.get(reverse("analytics:target_export", args=[target_pk]), {"format": "xlsx"})
    assert export.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    b_entry = TargetEntry.objects.filter(target_list_id=target_pk, agency__code="B0001").first()
    assert client.get(reverse("analytics:target_entry", args=[b_entry.pk])).status_code == 404
    upload = client.post(
        reverse("analytics:target_import", args=[target_pk]),
        {"file": _upload(_csv([[b_entry.customer.number, "辞退", "", ""]]))},
    )
    assert upload.status_code == 200
    assert "あなたの担当分にありません" in upload.content.decode()


def _upload(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("results.csv", data, content_type="text/csv")


def test_the_demo_step_builds_the_rounds_of_lists_and_the_agencies_results(
    analyst, book, agency_a_staff, agency_b_staff
):
    from tsunagu.demo.operations.analytics import demo_analytics_load

    users = {"analyst": analyst, "agency_a_staff": agency_a_staff, "agency_b_staff": agency_b_staff}
    # The book's policies run 2026-04-01 → 2027-04-01 and the segment counts cover started by the list's
    # date: every round (480, 300 and 120 days back) falls inside that year.
    result = demo_analytics_load(seed=1, as_of=dt.date(2027, 7, 27), users=users)
    assert len(result.lists) == 6  # two campaigns in each of three rounds (480, 300 and 120 days back)
    assert result.entries == 60  # per round: 8 fire holders of agency B, 12 consenting auto holders of agency A
    worked = TargetEntry.objects.exclude(result=EntryResult.PENDING)
    assert worked.count() == result.results > 0
    assert not worked.filter(is_control=True).exists()
    assert set(worked.values_list("result_by__username", flat=True)) <= {"agency_a_staff", "agency_b_staff"}
