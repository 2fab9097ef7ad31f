"""The exceptions report of a batch: what was skipped and why, retried on the next run."""

from __future__ import annotations

from dataclasses import dataclass

from tsunagu.core.jobs import Job

from ..storage import DocumentStorage

EXCEPTIONS_HEADER = ("顧客番号", "証券番号", "理由")


@dataclass
class Skipped:
    customer_number: str
    policy_number: str
    reason: str


def write_exceptions(job: Job, storage: DocumentStorage, key: str, skipped: list[Skipped]) -> str:
    """The report (CSV, UTF-8 with BOM) under `key` when anything was skipped; its key, or ''."""
    rows = [(item.customer_number, item.policy_number, item.reason) for item in skipped]
    return job.exceptions(storage.put, key, EXCEPTIONS_HEADER, rows)
