"""Download-link tokens name the link by a random public id, never by its sequential primary key."""

from __future__ import annotations

import pytest
from django.core import signing

from tsunagu.cases.choices import CaseType
from tsunagu.documents.choices import DeliveryChannel
from tsunagu.documents.links import SALT, LinkError, download_link_create, download_link_open
from tsunagu.documents.models import DownloadLink
from tsunagu.documents.reissue import policy_reissue

from .conftest import open_case
from .test_reissue import insured_policy  # noqa: F401  (fixture)


@pytest.fixture
def issued(hq_operator, insured_policy):  # noqa: F811
    holder, policy = insured_policy
    case = open_case(hq_operator, holder, policy, CaseType.POLICY_REISSUE)
    return policy_reissue(actor=hq_operator, case=case, delivery_channel=DeliveryChannel.ELECTRONIC)


def test_tokens_carry_a_random_public_id_and_no_sequential_id(hq_operator, issued):
    second, second_token = download_link_create(actor=hq_operator, document=issued.document)
    first = issued.link
    assert second.pk == first.pk + 1  # the primary keys are sequential ...
    for link, token in ((first, issued.token), (second, second_token)):
        payload = signing.loads(token, salt=SALT)
        assert set(payload) == {"p", "e"}
        assert payload["p"] == link.public_id
        assert len(link.public_id) >= 20
        assert link.pk not in payload.values()
        assert str(link.pk) != payload["p"]
    assert first.public_id != second.public_id  # ... the ids in the tokens are not
    assert download_link_open(token=second_token).document == issued.document


def test_opening_a_link_keeps_row_history(hq_operator, issued):
    download_link_open(token=issued.token, user=hq_operator)
    latest = issued.link.history.order_by("-history_id").first()
    assert (latest.open_count, latest.history_user) == (1, hq_operator)


def test_an_old_format_token_with_the_primary_key_is_refused_cleanly(client, hq_operator, issued):
    old = signing.dumps({"l": issued.link.pk, "e": int(issued.link.expires_at.timestamp())}, salt=SALT, compress=True)
    with pytest.raises(LinkError, match="正しくありません") as refused:
        download_link_open(token=old)
    assert not refused.value.expired
    response = client.get(f"/documents/link/{old}/")
    assert response.status_code == 404
    assert "正しくありません" in response.content.decode()
    assert DownloadLink.objects.get(pk=issued.link.pk).open_count == 0
