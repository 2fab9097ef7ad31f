"""Two transactions re-indexing one customer at once (PostgreSQL; SQLite has one writer at a time)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from tests.conftest import make_customer
from tsunagu.interactions.services import interaction_log
from tsunagu.search.models import CustomerDoc, SearchTerm

from .conftest import names


@pytest.mark.django_db(transaction=True)
def test_concurrent_writes_to_one_customer_keep_one_index_row(hq_operator):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serializes writers; the race exists only on PostgreSQL")
    customer = make_customer(hq_operator, name="同時 更新", name_kana="ドウジ コウシン")
    terms = SearchTerm.objects.filter(customer=customer).count()
    errors: list[BaseException] = []

    def log_call(delay: float) -> None:
        try:
            time.sleep(delay)
            with transaction.atomic():
                interaction_log(actor=hq_operator, customer=customer, channel="phone", subject=f"同時 {delay}")
                time.sleep(0.3)  # hold the index row while the other transaction arrives
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=log_call, args=(d,)) for d in (0.0, 0.1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert CustomerDoc.objects.filter(customer=customer).count() == 1
    assert SearchTerm.objects.filter(customer=customer).count() == terms
    assert names(hq_operator, "同時") == ["同時 更新"]
