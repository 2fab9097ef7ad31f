"""Model fields for sensitive data (機微情報): encrypted at rest, clear text in Python.

`EncryptedTextField` stores `crypto.encrypt(value)` and reads `crypto.decrypt(value)`, so models,
services, forms and templates work with the clear text and the database (and its backups) holds
only ciphertext. django-simple-history copies the field onto the historical model, so history rows
are encrypted the same way. Lookups other than `= ""` / `isnull` cannot match (the ciphertext is
randomised): sensitive fields are never searched or filtered on.

A value whose key is not configured reads as `crypto.Unreadable` (a Japanese notice instead of a
server error) and is written back as the stored ciphertext if the row is saved.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import models

from . import crypto

logger = logging.getLogger(__name__)


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    description = "暗号化されたテキスト(機微情報)"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        try:
            return crypto.decrypt(value)
        except crypto.FieldKeyError as error:
            logger.error("%s.%s: %s", self.model._meta.label, self.name, error)
            return crypto.Unreadable(value, str(error))

    def get_prep_value(self, value: Any) -> Any:
        if isinstance(value, crypto.Unreadable):
            return value.ciphertext
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(value)


def encrypted_fields(model: type[models.Model]) -> list[EncryptedTextField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
