"""Register numbers of the form <prefix><nnnn> counted per prefix (e.g. 2026-0001, D2026-0001)."""

from __future__ import annotations

from typing import Any

from django.db import models


def next_number(model: type[models.Model], prefix: str) -> str:
    """The next number after the highest one with `prefix`; call inside the transaction that saves
    it (the last row is locked, so two writers do not take the same number)."""
    manager: Any = model._default_manager
    last = (
        manager.select_for_update()
        .filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    return f"{prefix}{int(last[len(prefix) :]) + 1 if last else 1:04d}"
