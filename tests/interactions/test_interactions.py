"""Contact history: append-only, corrected by new entries, scoped like the customer and its policies."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from tests.conftest import make_customer, make_policy, read
from tests.core.helpers import access_rows
from tsunagu.core.models import AccessLog, AppendOnlyError
from tsunagu.interactions.models import Interaction
from tsunagu.interactions.selectors import interaction_list_for_customer, interaction_recent
from tsunagu.interactions.services import interaction_correct, interaction_log
from tsunagu.policies.choices import ReportChannel
from tsunagu.policies.services import claim_register

pytestmark = pytest.mark.django_db


@pytest.fixture
def call(hq_operator, customer_a):
    return interaction_log(
        actor=hq_operator, customer=customer_a, channel="phone", subject="住所変更", notes="新住所は後日郵送"
    )


# --- append-only -----------------------------------------------------------------------------


def test_an_interaction_cannot_be_changed(call):
    call.subject = "書き換え"
    with pytest.raises(AppendOnlyError, match="コンタクト履歴は変更できません"):
        call.save()
    assert Interaction.objects.get(pk=call.pk).subject == "住所変更"


def test_an_interaction_cannot_be_deleted(call):
    with pytest.raises(AppendOnlyError, match="コンタクト履歴は削除できません"):
        call.delete()
    assert Interaction.objects.filter(pk=call.pk).exists()


def test_bulk_updates_and_deletes_are_refused(call):
    with pytest.raises(AppendOnlyError):
        Interaction.objects.filter(pk=call.pk).update(subject="書き換え")
    with pytest.raises(AppendOnlyError):
        Interaction.objects.all().delete()
    assert Interaction.objects.get(pk=call.pk).subject == "住所変更"


def test_a_new_instance_given_an_existing_id_does_not_overwrite_the_interaction(call, hq_operator, customer_a):
    forged = Interaction(
        id=call.pk,
        customer=customer_a,
        channel="email",
        occurred_at=timezone.now(),
        staff=hq_operator,
        subject="偽装",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        forged.save()
    assert Interaction.objects.get(pk=call.pk).subject == "住所変更"


def test_a_correction_is_a_new_entry_pointing_at_the_original_which_stays_unchanged(call, agency_a_staff):
    correction = interaction_correct(actor=agency_a_staff, original=call, subject="住所変更(訂正)", notes="転居日は4/1")
    original = Interaction.objects.get(pk=call.pk)
    assert (original.subject, original.notes, original.staff) == (call.subject, call.notes, call.staff)
    assert correction.pk != call.pk
    assert correction.corrects == original
    assert original.corrected_by == correction
    assert (correction.customer, correction.channel, correction.occurred_at) == (
        call.customer,
        call.channel,
        call.occurred_at,
    )
    assert correction.staff == agency_a_staff


def test_an_entry_can_be_corrected_only_once_then_the_correction_is_corrected(call, hq_operator):
    correction = interaction_correct(actor=hq_operator, original=call, subject="訂正1", notes="")
    with pytest.raises(ValidationError, match="既に訂正されています"):
        interaction_correct(actor=hq_operator, original=call, subject="訂正2", notes="")
    second = interaction_correct(actor=hq_operator, original=correction, subject="訂正2", notes="")
    assert second.corrects == correction
    assert Interaction.objects.count() == 3


# --- validation ------------------------------------------------------------------------------


def test_an_interaction_in_the_future_is_rejected(hq_operator, customer_a):
    with pytest.raises(ValidationError) as caught:
        interaction_log(
            actor=hq_operator,
            customer=customer_a,
            channel="phone",
            subject="未来",
            occurred_at=timezone.now() + dt.timedelta(hours=1),
        )
    assert caught.value.message_dict["occurred_at"] == ["未来の日時は登録できません。"]
    assert not Interaction.objects.exists()


def test_a_policy_of_another_customer_is_rejected(hq_operator, customer_a):
    other = make_customer(hq_operator, name="別人", name_kana="ベツジン")
    with pytest.raises(ValidationError) as caught:
        interaction_log(
            actor=hq_operator, customer=other, channel="phone", subject="誤り", policy=customer_a.policies.get()
        )
    assert caught.value.message_dict["policy"] == ["関連契約はこの顧客の契約から選んでください。"]


def test_a_blank_subject_is_rejected(hq_operator, customer_a):
    with pytest.raises(ValidationError) as caught:
        interaction_log(actor=hq_operator, customer=customer_a, channel="phone", subject="   ")
    assert "subject" in caught.value.message_dict
    assert not Interaction.objects.exists()


# --- scoping ---------------------------------------------------------------------------------


@pytest.fixture
def shared(hq_operator, customer_a, org):
    """customer_a also holds a policy at agency B, with a claim; contacts about each are logged."""
    policy_b = make_policy(hq_operator, customer_a, agency=org["agency_b"], number="PB-1")
    claim_b = claim_register(
        actor=hq_operator,
        policy=policy_b,
        number="CB-1",
        accident_date=dt.date(2026, 5, 1),
        accident_place="横浜市",
        accident_type="物損",
        reported_on=dt.date(2026, 5, 1),
        reported_via=ReportChannel.AGENCY,
    )
    log = {
        "general": interaction_log(actor=hq_operator, customer=customer_a, channel="phone", subject="一般の問い合わせ"),
        "policy_a": interaction_log(
            actor=hq_operator, customer=customer_a, channel="phone", subject="A契約", policy=customer_a.policies.first()
        ),
        "policy_b": interaction_log(
            actor=hq_operator, customer=customer_a, channel="phone", subject="B契約", policy=policy_b
        ),
        "claim_b": interaction_log(
            actor=hq_operator, customer=customer_a, channel="phone", subject="B事故", claim=claim_b
        ),
    }
    return policy_b, claim_b, log


def test_agency_staff_see_a_shared_customer_s_contacts_except_those_about_another_agency_s_policies_or_claims(
    shared, customer_a, hq_operator, agency_a_staff, agency_b_staff
):
    _policy_b, _claim_b, log = shared
    assert set(Interaction.objects.visible_to(hq_operator)) == set(log.values())
    assert set(Interaction.objects.visible_to(agency_a_staff)) == {log["general"], log["policy_a"]}
    assert set(Interaction.objects.visible_to(agency_b_staff)) == set(log.values()) - {log["policy_a"]}
    subjects = [
        i.subject for i in interaction_list_for_customer(user=agency_a_staff, customer=read(agency_a_staff, customer_a))
    ]
    assert sorted(subjects) == ["A契約", "一般の問い合わせ"]


def test_agency_b_staff_see_no_contacts_of_agency_a_s_customer(call, customer_a, agency_b_staff, agency_a_staff):
    with pytest.raises(Http404):
        read(agency_b_staff, customer_a)
    assert interaction_recent(user=agency_b_staff) == []
    assert interaction_recent(user=agency_a_staff) == [call]


def test_the_timeline_filters_by_channel(call, hq_operator, customer_a):
    email = interaction_log(actor=hq_operator, customer=customer_a, channel="email", subject="資料送付")
    customer = read(hq_operator, customer_a)
    assert interaction_list_for_customer(user=hq_operator, customer=customer, channel="email") == [email]
    assert interaction_list_for_customer(user=hq_operator, customer=customer) == [email, call]


def test_agency_a_staff_cannot_log_a_contact_about_agency_b_s_policy_or_claim(shared, customer_a, agency_a_staff):
    policy_b, claim_b, _log = shared
    before = Interaction.objects.count()
    with pytest.raises(PermissionDenied):
        interaction_log(actor=agency_a_staff, customer=customer_a, channel="phone", subject="x", policy=policy_b)
    with pytest.raises(PermissionDenied):
        interaction_log(actor=agency_a_staff, customer=customer_a, channel="phone", subject="x", claim=claim_b)
    assert Interaction.objects.count() == before


def test_agency_a_staff_cannot_correct_a_contact_they_cannot_see(shared, agency_a_staff):
    _policy_b, _claim_b, log = shared
    with pytest.raises(PermissionDenied):
        interaction_correct(actor=agency_a_staff, original=log["policy_b"], subject="訂正", notes="")
    assert not Interaction.objects.filter(corrects=log["policy_b"]).exists()


def test_agency_b_staff_cannot_log_or_correct_contacts_of_agency_a_s_customer(call, customer_a, agency_b_staff):
    with pytest.raises(PermissionDenied):
        interaction_log(actor=agency_b_staff, customer=customer_a, channel="phone", subject="なりすまし")
    with pytest.raises(PermissionDenied):
        interaction_correct(actor=agency_b_staff, original=call, subject="訂正", notes="")
    assert list(Interaction.objects.all()) == [call]


# --- the desk's quick entry (POST /customers/<pk>/interactions/) ----------------------------


def test_anonymous_visitors_cannot_post_a_contact(client, customer_a):
    response = client.post(f"/customers/{customer_a.pk}/interactions/", {"channel": "phone", "subject": "x"})
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert not Interaction.objects.exists()


def test_agency_b_staff_get_404_posting_a_contact_for_agency_a_s_customer(client, customer_a, agency_b_staff):
    client.force_login(agency_b_staff)
    response = client.post(
        f"/customers/{customer_a.pk}/interactions/", {"channel": "phone", "direction": "inbound", "subject": "x"}
    )
    assert response.status_code == 404
    assert "花子" not in response.content.decode()
    assert not Interaction.objects.exists()
    assert not AccessLog.objects.exists()


def test_agency_a_staff_post_a_contact_which_is_saved_shown_and_access_logged(client, customer_a, agency_a_staff):
    client.force_login(agency_a_staff)
    response = client.post(
        f"/customers/{customer_a.pk}/interactions/",
        {"channel": "phone", "direction": "inbound", "subject": "保険証券の再発行依頼", "notes": "郵送希望"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "保険証券の再発行依頼" in response.content.decode()
    interaction = Interaction.objects.get()
    assert (interaction.customer, interaction.staff, interaction.notes) == (customer_a, agency_a_staff, "郵送希望")
    [log] = access_rows()
    assert (log.user, log.customer_id, log.purpose, log.screen, log.client_address) == (
        agency_a_staff,
        customer_a.pk,
        "view",
        "コンタクト登録",
        "127.0.0.1",
    )


def test_a_contact_without_a_subject_shows_the_japanese_error_and_saves_nothing(client, customer_a, agency_a_staff):
    client.force_login(agency_a_staff)
    response = client.post(
        f"/customers/{customer_a.pk}/interactions/", {"channel": "phone", "direction": "inbound", "subject": ""}
    )
    assert response.status_code == 200
    assert "件名を入力してください。" in response.content.decode()
    assert not Interaction.objects.exists()


def test_the_quick_entry_only_accepts_post(client, customer_a, agency_a_staff):
    client.force_login(agency_a_staff)
    assert client.get(f"/customers/{customer_a.pk}/interactions/").status_code == 405
