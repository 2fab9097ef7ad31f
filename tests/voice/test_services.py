"""Voices, the complaint decision, scoping, the words' index, similar voices, 回覧, improvements."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.voice.conftest import category, record
from tsunagu.cases.choices import CaseType
from tsunagu.cases.models import ComplaintCategory
from tsunagu.core.models import AuditEvent
from tsunagu.voice import selectors, services
from tsunagu.voice.choices import ComplaintDecision, ImprovementStatus, VoiceKind
from tsunagu.voice.models import Voice, VoiceTerm, VoiceTermStat

pytestmark = pytest.mark.django_db


def test_recording_indexes_the_words_and_keeps_history(agency_a_staff, customer_a, policy_a):
    voice = record(agency_a_staff, "ロードサービスの到着が遅くて不満でした", customer=customer_a, policy=policy_a)
    assert voice.kind == VoiceKind.DISSATISFACTION
    assert voice.agency == policy_a.agency
    terms = set(VoiceTerm.objects.filter(voice=voice).values_list("term", flat=True))
    assert {"ロードサービス", "到着", "遅い", "不満"} <= terms
    assert VoiceTermStat.objects.get(term="ロードサービス").df == 1
    assert voice.history.first().history_user == agency_a_staff
    assert AuditEvent.objects.filter(action="voice.record", target_id=str(voice.pk)).exists()


def test_editing_the_words_moves_the_document_frequencies(agency_a_staff, customer_a):
    voice = record(agency_a_staff, "ロードサービスが遅い", customer=customer_a)
    record(agency_a_staff, "ロードサービスは助かった", code="praise-claim", customer=customer_a)
    assert VoiceTermStat.objects.get(term="ロードサービス").df == 2
    services.voice_update(
        actor=agency_a_staff,
        voice=voice,
        data=services.VoiceInput(
            received_on=voice.received_on,
            channel=voice.channel,
            category=voice.category,
            text="代車の手配が遅い",
            customer=customer_a,
        ),
    )
    assert VoiceTermStat.objects.get(term="ロードサービス").df == 1
    assert VoiceTermStat.objects.get(term="代車").df == 1
    assert not VoiceTerm.objects.filter(voice=voice, term="ロードサービス").exists()


def test_bad_input_is_refused_in_japanese(agency_a_staff, customer_a, customer_b):
    with pytest.raises(ValidationError) as error:
        record(agency_a_staff, "   ", customer=customer_a)
    assert "お客様の声を入力してください" in str(error.value)
    with pytest.raises(ValidationError):
        record(agency_a_staff, "未来", customer=customer_a, on=dt.date.today() + dt.timedelta(days=3))
    with pytest.raises(PermissionDenied):
        record(agency_a_staff, "他の代理店のお客さま", customer=customer_b)
    assert not Voice.objects.exists()


def test_a_dissatisfaction_handled_as_a_complaint_opens_a_linked_complaint_case(
    hq_operator, customer_a, policy_a, case_reference_data
):
    voice = record(hq_operator, "保険金の支払いが遅いと何度もお電話をいただいた", customer=customer_a, policy=policy_a)
    complaint_category = ComplaintCategory.objects.filter(is_active=True, parent__isnull=False).first()
    with pytest.raises(ValidationError) as error:
        services.voice_decide_complaint(
            actor=hq_operator, voice=voice, complaint=services.ComplaintInput(decision=ComplaintDecision.YES)
        )
    assert "苦情分類を選んでください" in str(error.value)
    voice = services.voice_decide_complaint(
        actor=hq_operator,
        voice=voice,
        complaint=services.ComplaintInput(
            decision=ComplaintDecision.YES, category=complaint_category, customer_request="早く支払ってほしい"
        ),
    )
    case = voice.complaint_case
    assert case is not None
    assert case.case_type == CaseType.COMPLAINT
    assert case.customer == customer_a
    assert case.policy == policy_a
    assert case.complaint.category == complaint_category
    assert voice.complaint_decision == ComplaintDecision.YES
    with pytest.raises(ValidationError):  # the case stays: no going back to 苦情ではない
        services.voice_decide_complaint(
            actor=hq_operator, voice=voice, complaint=services.ComplaintInput(decision=ComplaintDecision.NO)
        )


def test_a_complaint_case_needs_a_customer(hq_operator, case_reference_data):
    voice = record(hq_operator, "窓口の対応が冷たかった")
    with pytest.raises(ValidationError) as error:
        services.voice_decide_complaint(
            actor=hq_operator,
            voice=voice,
            complaint=services.ComplaintInput(
                decision=ComplaintDecision.YES,
                category=ComplaintCategory.objects.first(),
                customer_request="謝罪",
            ),
        )
    assert "顧客を指定" in str(error.value)


def test_agency_b_sees_none_of_agency_a_voices(agency_a_staff, agency_b_staff, hq_operator, customer_a):
    with_customer = record(agency_a_staff, "丁寧な説明に感謝", code="praise-explain", customer=customer_a)
    without_customer = record(agency_a_staff, "駐車場が狭い", code="request")
    assert set(Voice.objects.visible_to(agency_a_staff)) == {with_customer, without_customer}
    assert not Voice.objects.visible_to(agency_b_staff).exists()
    assert Voice.objects.visible_to(hq_operator).count() == 2
    from django.http import Http404

    with pytest.raises(Http404):
        selectors.voice_get(user=agency_b_staff, pk=with_customer.pk, screen="test")
    assert selectors.similar_voices(user=agency_b_staff, words="丁寧な説明に感謝") == []


def test_similarity_ranks_a_near_duplicate_first(hq_operator, customer_a):
    target = record(
        hq_operator, "ロードサービスを呼んだが到着まで二時間待たされ、電話の説明も不十分だった", customer=customer_a
    )
    record(hq_operator, "保険料控除証明書が届かないので再発行してほしい", code="req-procedure", customer=customer_a)
    record(hq_operator, "事故対応の担当者がとても親切で感謝しています", code="praise-claim", customer=customer_a)
    record(hq_operator, "電話がつながらず説明もなかった", code="dis-explain", customer=customer_a)
    found = selectors.similar_voices(user=hq_operator, words="ロードサービスの到着まで二時間も待たされた")
    assert found
    assert found[0].voice == target
    assert "ロードサービス" in found[0].shared
    assert all(a.score >= b.score for a, b in itertools.pairwise(found))
    # the voice itself is left out when its page asks
    assert target not in [
        s.voice for s in selectors.similar_voices(user=hq_operator, words=target.text, exclude_pk=target.pk)
    ]


def test_circulation_is_created_per_agency_and_month_and_read_once(agency_a_staff, agency_b_staff, customer_a, org):
    from tests.conftest import _user
    from tsunagu.core.choices import Role

    colleague = _user("agency_a_2", [Role.AGENCY_STAFF], agency=org["agency_a"])
    inside = record(agency_a_staff, "説明が丁寧", code="praise-explain", customer=customer_a, on=dt.date(2026, 5, 3))
    record(agency_a_staff, "四月の声", code="other", customer=customer_a, on=dt.date(2026, 4, 30))
    circulation = services.circulation_create(actor=agency_a_staff, month=dt.date(2026, 5, 20), note="今月もよろしく")
    assert circulation.month == dt.date(2026, 5, 1)
    assert circulation.agency == org["agency_a"]
    assert list(circulation.voices.all()) == [inside]
    with pytest.raises(ValidationError):
        services.circulation_create(actor=agency_a_staff, month=dt.date(2026, 5, 1))
    first = services.circulation_mark_read(actor=colleague, circulation=circulation)
    again = services.circulation_mark_read(actor=colleague, circulation=circulation)
    assert first.pk == again.pk
    assert first.read_at == again.read_at
    with pytest.raises(PermissionDenied):
        services.circulation_mark_read(actor=agency_b_staff, circulation=circulation)
    detail = selectors.circulation_get(user=agency_a_staff, pk=circulation.pk, screen="test")
    assert [r.user for r in detail.reads] == [colleague]
    assert agency_a_staff in detail.unread_members
    assert colleague not in detail.unread_members


def test_unread_circulations_for_the_home_panel(agency_a_staff, customer_a, org):
    from django.utils import timezone

    today = timezone.localdate()
    circulation = services.circulation_create(actor=agency_a_staff, month=today)
    assert selectors.unread_circulations(user=agency_a_staff) == [circulation]
    services.circulation_mark_read(actor=agency_a_staff, circulation=circulation)
    assert selectors.unread_circulations(user=agency_a_staff) == []


def test_improvement_counts_against_last_year(agency_a_staff, agency_b_staff, customer_a):
    complaint = record(agency_a_staff, "手続が遅い", customer=customer_a, on=dt.date(2025, 5, 1))
    praise = record(agency_a_staff, "ありがとう", code="praise-staff", customer=customer_a, on=dt.date(2025, 5, 1))

    def improvement(title, done_on, voices):
        return services.improvement_save(
            actor=agency_a_staff,
            data=services.ImprovementInput(
                title=title,
                owner=agency_a_staff,
                planned_on=done_on - dt.timedelta(days=30),
                status=ImprovementStatus.DONE,
                completed_on=done_on,
                result="効果あり",
            ),
            voices=voices,
        )

    improvement("手続の案内を見直し", dt.date(2026, 5, 10), [complaint])
    improvement("書類の送付を前倒し", dt.date(2026, 6, 10), [complaint, praise])
    improvement("お礼状", dt.date(2026, 7, 1), [praise])
    improvement("去年の改善", dt.date(2025, 6, 1), [complaint])
    period = selectors.Period(dt.date(2026, 4, 1), dt.date(2026, 9, 30))
    report = selectors.counts_report(user=agency_a_staff, period=period)
    by_label = {row.label: (row.this, row.last) for row in report["improvements"]}
    assert by_label["不満の声からの改善"] == (2, 1)
    assert by_label["改善(すべて)"] == (3, 1)
    kinds = {row.label: (row.this, row.last) for row in report["rows"]}
    assert kinds["不満(苦情)"] == (0, 1)
    assert kinds["感謝(お褒め)"] == (0, 1)
    other = selectors.counts_report(user=agency_b_staff, period=period)
    assert {row.label: row.this for row in other["improvements"]}["改善(すべて)"] == 0


def test_improvements_refuse_voices_the_actor_cannot_see(agency_a_staff, agency_b_staff, customer_a):
    voice = record(agency_a_staff, "説明が足りない", customer=customer_a)
    with pytest.raises(PermissionDenied):
        services.improvement_save(
            actor=agency_b_staff,
            data=services.ImprovementInput(title="x", owner=agency_b_staff, planned_on=dt.date(2026, 5, 1)),
            voices=[voice],
        )
    with pytest.raises(ValidationError):
        services.improvement_save(
            actor=agency_a_staff,
            data=services.ImprovementInput(
                title="完了日なし", owner=agency_a_staff, planned_on=dt.date(2026, 5, 1), status=ImprovementStatus.DONE
            ),
            voices=[voice],
        )


def test_keyword_trends_count_voices_per_month(hq_operator, customer_a):
    record(hq_operator, "ロードサービスが遅い", customer=customer_a, on=dt.date(2026, 4, 3))
    record(hq_operator, "ロードサービスの到着が遅い", customer=customer_a, on=dt.date(2026, 5, 3))
    record(hq_operator, "代車が遅い", customer=customer_a, on=dt.date(2026, 5, 9))
    data = selectors.keyword_trends(
        user=hq_operator, kind=VoiceKind.DISSATISFACTION, start=dt.date(2026, 4, 1), months=2
    )
    rows = {row.term: row.counts for row in data["rows"]}
    assert rows["遅い"] == [1, 2]
    assert rows["ロードサービス"] == [1, 1]
    assert data["voice_count"] == 3


def test_categories_are_seeded_in_two_levels():
    dissatisfaction = category("dissatisfaction")
    names = set(dissatisfaction.children.values_list("name", flat=True))
    assert {"説明不足", "接客態度", "手続遅延", "事務ミス", "支払可否", "支払額", "対応スピード"} <= names
    assert {c.kind for c in dissatisfaction.children.all()} == {VoiceKind.DISSATISFACTION}
