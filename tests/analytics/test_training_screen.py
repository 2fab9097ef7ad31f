"""The analyst trains a model from the screen: the 学習 button queues a background task (no shell
needed); a wrong kind is refused in Japanese and queues nothing; other roles are refused."""

from __future__ import annotations

import pytest
from django.test import override_settings

from tests.conftest import _user
from tsunagu.core.choices import Role

pytestmark = pytest.mark.django_db(transaction=True)
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def analyst(org):
    return _user("analyst_train", [Role.ANALYST], department=org["compliance"])


@override_settings(TASKS=DUMMY)
def test_the_button_queues_training_and_a_wrong_kind_is_refused(client, analyst):
    from django_tasks import default_task_backend

    default_task_backend.clear()
    client.force_login(analyst)
    page = client.get("/analytics/").content.decode()
    assert "manage.py" not in page
    assert 'value="churn"' in page
    response = client.post("/analytics/train/", {"kind": "churn"}, follow=True)
    assert "解約・失効予測の学習をバックグラウンドで開始しました。" in response.content.decode()
    queued = default_task_backend.results
    assert [r.task.name for r in queued] == ["model_train_task"]
    assert queued[0].args[1] == "churn"
    refused = client.post("/analytics/train/", {"kind": "everything"}, follow=True)
    refusal = "学習できるモデルは解約・失効予測・次の商品予測・成約予測です(指定: everything)。"
    assert refusal in refused.content.decode()
    assert len(default_task_backend.results) == 1


def test_other_roles_cannot_train(client, hq_operator):
    client.force_login(hq_operator)
    assert client.post("/analytics/train/", {"kind": "churn"}).status_code == 403
