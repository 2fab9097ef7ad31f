"""Demo voices on a small world: words from their own category's pool, indexed like the service
(postings, document frequencies, norms) so similar voices and keyword trends find them, 回覧 with the
agency's staff reading, improvements linked to the voices that asked for them. The mix, volume and
the full demo are checked on a demo load in tests/demo/test_demo_surveys.py."""

from __future__ import annotations

import datetime as dt

import pytest

from tsunagu.demo.operations.voice import WORDS, demo_voice_load
from tsunagu.voice import selectors, text
from tsunagu.voice.models import Circulation, CirculationRead, Improvement, Voice, VoiceTerm, VoiceTermStat

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 12, 1)


@pytest.fixture
def loaded(hq_operator, agency_a_staff, customer_a):
    return demo_voice_load(
        seed=1, as_of=AS_OF, existing_customers=0, actor=hq_operator, users={"operator": hq_operator}
    )


def test_demo_voices_speak_the_words_of_their_category(loaded, customer_a):
    assert loaded.voices == Voice.objects.count() >= 20
    for voice in Voice.objects.select_related("category"):
        openings, details = WORDS[voice.category.name]
        assert any(voice.text == o + d for o in openings for d in details), voice.text
        assert voice.customer_id == customer_a.pk
        assert AS_OF - dt.timedelta(days=730) < voice.received_on <= AS_OF


def test_demo_voices_are_indexed_like_recorded_ones(loaded):
    for voice in Voice.objects.all():
        counts = text.term_counts(voice.text)
        assert dict(voice.terms.values_list("term", "tf")) == dict(counts)
        assert voice.term_norm == pytest.approx(text.norm(counts))
    for term, df in VoiceTermStat.objects.values_list("term", "df"):
        assert df == VoiceTerm.objects.filter(term=term).count()
    assert loaded.terms == VoiceTerm.objects.count()


def test_similar_voices_and_keyword_trends_find_demo_voices(loaded, hq_operator):
    voice = Voice.objects.order_by("pk").first()
    assert voice is not None
    similar = selectors.similar_voices(user=hq_operator, words=voice.text, limit=3)
    assert similar
    assert similar[0].score >= 0.15
    trends = selectors.keyword_trends(user=hq_operator, kind="", start=AS_OF - dt.timedelta(days=700), months=24)
    assert trends["rows"]
    assert trends["voice_count"] == Voice.objects.filter(received_on__gte=trends["months"][0]).count()


def test_circulations_reads_and_improvements(loaded, agency_a_staff):
    circulations = Circulation.objects.filter(agency=agency_a_staff.agency)
    assert circulations.exists()
    for circulation in circulations:
        month_voices = Voice.objects.filter(
            agency=agency_a_staff.agency,
            received_on__year=circulation.month.year,
            received_on__month=circulation.month.month,
        )
        assert set(circulation.voices.values_list("pk", flat=True)) == set(month_voices.values_list("pk", flat=True))
    assert set(CirculationRead.objects.values_list("user_id", flat=True)) <= {agency_a_staff.pk}
    for improvement in Improvement.objects.all():
        assert improvement.voices.exists()
        assert improvement.voices.filter(kind="dissatisfaction").count() == improvement.voices.count()
        improvement.full_clean()
