"""Voices cleared by retention (保存期間満了): `voice_reindex` never indexes their placeholder text (and
takes out what an earlier reindex put in), similar-voice search never finds them, and the register
shows them as 消去済み without the edit, similar and complaint actions."""

from __future__ import annotations

from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction

from tsunagu.compliance import retention, retention_steps
from tsunagu.voice import services, text
from tsunagu.voice.models import ERASED_TEXT, Voice, VoiceTerm, VoiceTermStat
from tsunagu.voice.selectors import similar_voices

from .conftest import category, record

pytestmark = pytest.mark.django_db

PLACEHOLDER_TERMS = set(text.term_counts(ERASED_TEXT))


def _retention_clears(voice: Voice, actor) -> Voice:
    """The retention run's voice steps for the voice's customer (compliance.retention_steps)."""
    with transaction.atomic():
        for step in retention_steps.STEPS["voice"]:
            retention_steps.apply(step, [voice.customer_id], actor=actor, run_id=0, files=None)
    voice.refresh_from_db()
    return voice


@pytest.fixture
def cleared(hq_operator, auditor, customer_a, policy_a):
    voice = record(hq_operator, "保険金の支払いが遅くて困った", customer=customer_a, policy=policy_a)
    return _retention_clears(voice, auditor)


@pytest.fixture
def kept(hq_operator, customer_b):
    return record(hq_operator, "事故の連絡が遅くて困った。保存期間の説明もなかった", customer=customer_b)


def test_the_placeholder_is_the_one_retention_writes(cleared):
    assert ERASED_TEXT == retention.CLEARED_TEXT
    assert cleared.is_erased
    assert (cleared.text, cleared.term_norm) == (ERASED_TEXT, 0.0)
    assert PLACEHOLDER_TERMS  # the placeholder has words an index would take


def test_reindex_leaves_cleared_voices_out(cleared, kept, capsys):
    VoiceTerm.objects.filter(voice=kept).delete()  # the kept voice's index to be rebuilt
    call_command("voice_reindex")
    out = capsys.readouterr().out
    assert "1 件の索引を作り直しました" in out
    assert "消去済みの 1 件は索引に含めていません" in out
    assert not VoiceTerm.objects.filter(voice=cleared).exists()
    cleared.refresh_from_db()
    assert cleared.term_norm == 0
    assert VoiceTerm.objects.filter(voice=kept).exists()
    assert not VoiceTerm.objects.filter(term__in=PLACEHOLDER_TERMS - set(text.term_counts(kept.text))).exists()


def test_reindex_takes_out_a_placeholder_an_earlier_reindex_indexed(cleared, kept):
    counts = text.term_counts(ERASED_TEXT)
    services._index(cleared, counts)  # what the command did before it knew cleared voices
    Voice.objects.filter(pk=cleared.pk).update(term_norm=text.norm(counts))
    df_before = dict(VoiceTermStat.objects.filter(term__in=counts).values_list("term", "df"))
    done = services.voice_reindex(voices=Voice.objects.order_by("pk"))
    assert (done.indexed, done.erased) == (1, 1)
    assert not VoiceTerm.objects.filter(voice=cleared).exists()
    assert Voice.objects.get(pk=cleared.pk).term_norm == 0
    df_after = dict(VoiceTermStat.objects.filter(term__in=counts).values_list("term", "df"))
    assert all(df_after[term] == df_before[term] - 1 for term in counts)


def test_similar_voices_never_find_a_cleared_voice(hq_operator, cleared, kept):
    found = similar_voices(user=hq_operator, words=ERASED_TEXT + " 支払いが遅くて困った")
    assert cleared.pk not in {row.voice.pk for row in found}
    assert kept.pk in {row.voice.pk for row in found}


def test_a_cleared_voice_cannot_be_corrected_or_decided(hq_operator, cleared):
    data = services.VoiceInput(
        received_on=cleared.received_on, channel=cleared.channel, category=category("dis-delay"), text="書き戻し"
    )
    with pytest.raises(ValidationError, match="保存期間満了により消去済み"):
        services.voice_update(actor=hq_operator, voice=cleared, data=data)
    with pytest.raises(ValidationError, match="保存期間満了により消去済み"):
        services.voice_decide_complaint(
            actor=hq_operator, voice=cleared, complaint=services.ComplaintInput(decision="no")
        )
    assert Voice.objects.get(pk=cleared.pk).text == ERASED_TEXT


def test_staff_cannot_record_the_placeholder_itself(hq_operator):
    with pytest.raises(ValidationError) as caught:
        record(hq_operator, ERASED_TEXT)
    assert "記録できません" in caught.value.message_dict["text"][0]


def test_the_register_shows_a_cleared_voice_as_cleared(client, agency_a_staff, cleared, customer_a):
    client.force_login(agency_a_staff)
    page = client.get(f"/voice/{cleared.pk}/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "保存期間満了により消去済み" in body
    assert f'href="/voice/{cleared.pk}/edit/"' not in body
    assert "苦情として扱いますか" not in body
    assert "similar-voices" not in body
    listed = client.get("/voice/").content.decode()
    assert "保存期間満了により消去済み" in listed
    assert ERASED_TEXT not in listed
    edit = client.get(f"/voice/{cleared.pk}/edit/", follow=True)
    assert edit.redirect_chain[-1][0] == f"/voice/{cleared.pk}/"
    assert "消去済みのため、変更できません" in edit.content.decode()
    customer_page = client.get(f"/customers/{customer_a.pk}/").content.decode()
    assert "保存期間満了により消去済み" in customer_page


def test_a_kept_voice_keeps_its_index(kept):
    assert not kept.is_erased
    assert Counter(dict(VoiceTerm.objects.filter(voice=kept).values_list("term", "tf"))) == text.term_counts(kept.text)
