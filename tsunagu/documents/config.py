"""Deployment settings of the documents app, with defaults (settings.py may override each)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string

from .storage import DocumentStorage, LocalDirectoryStorage


def font_dir() -> Path:
    return Path(getattr(settings, "TSUNAGU_FONT_DIR", Path(settings.VAR_DIR) / "fonts"))


def document_dir() -> Path:
    return Path(getattr(settings, "TSUNAGU_DOCUMENT_DIR", Path(settings.VAR_DIR) / "documents"))


def get_storage() -> DocumentStorage:
    """TSUNAGU_DOCUMENT_STORAGE names a factory (dotted path) for object storage; default: local directory."""
    factory = getattr(settings, "TSUNAGU_DOCUMENT_STORAGE", "")
    if factory:
        storage: DocumentStorage = import_string(factory)()
        return storage
    return LocalDirectoryStorage(document_dir())


def insurer_name() -> str:
    return str(getattr(settings, "TSUNAGU_INSURER_NAME", "つなぐ損害保険株式会社"))
