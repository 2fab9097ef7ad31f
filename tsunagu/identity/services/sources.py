"""Registering source systems and their column-mapping profiles."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from tsunagu.core import writes
from tsunagu.core.audit import record_event
from tsunagu.core.choices import AuditAction
from tsunagu.core.models import User

from ..models import MappingProfile, SourceSystem
from ..readers import FileReadError, canonical_encoding
from ..records import FIELD_LABELS, MAPPABLE_FIELDS
from .common import ensure_steward
from .ledger import LEDGER_CODE


def source_system_register(
    *,
    actor: User,
    code: str,
    name: str,
    priority: int = 100,
    verified_fields: list[str] | None = None,
    is_active: bool = True,
    deduplicated: bool = False,
) -> SourceSystem:
    """Register a source (or update its name, priority, verified fields, whether it holds each
    person once and whether it is active). `deduplicated` takes effect at the next training."""
    ensure_steward(actor)
    if code.strip().upper() == LEDGER_CODE:
        raise ValidationError({"code": f"「{code.strip()}」は既存顧客の照合用(顧客台帳)に予約されています。"})
    unknown = set(verified_fields or []) - set(MAPPABLE_FIELDS)
    if unknown:
        raise ValidationError({"verified_fields": f"不明な項目です: {', '.join(sorted(unknown))}"})
    with transaction.atomic():
        source = SourceSystem.objects.filter(code=code.strip()).first() or SourceSystem(code=code.strip())
        created = source.pk is None
        source.name = name.strip()
        source.priority = priority
        source.verified_fields = sorted(verified_fields or [])
        source.is_active = is_active
        source.deduplicated = deduplicated
        writes.save(source, actor=actor)
        record_event(
            actor=actor,
            action=AuditAction.IDENTITY_SOURCE_REGISTER if created else AuditAction.IDENTITY_SOURCE_UPDATE,
            target=source,
            summary=f"ソースシステム「{source.name}」を{'登録' if created else '更新'}した",
            data={
                "priority": priority,
                "verified_fields": source.verified_fields,
                "is_active": is_active,
                "deduplicated": deduplicated,
            },
        )
    return source


def mapping_profile_clean(*, columns: dict[str, str], encoding: str = "") -> tuple[dict[str, str], str]:
    """The columns {source column: record field} without blanks, and the canonical encoding; raises
    ValidationError (Japanese, per problem) unless every target is a record field mapped once, and a
    source id column and a name column (氏名, or 姓) are present. Forms call this to show the errors."""
    errors: list[str] = []
    encoding_errors: list[str] = []
    cleaned = {str(k).strip(): str(v).strip() for k, v in columns.items() if str(k).strip() and str(v).strip()}
    for column, target in cleaned.items():
        if target not in MAPPABLE_FIELDS:
            errors.append(f"列「{column}」の対応先「{target}」は項目ではありません。")
    targets = list(cleaned.values())
    for target in sorted({t for t in targets if targets.count(t) > 1}):
        errors.append(f"項目「{FIELD_LABELS.get(target, target)}」に複数の列が対応付けられています。")
    if "record_id" not in targets:
        errors.append("ソースIDの列を指定してください。")
    if not {"name_kanji", "family_name"} & set(targets):
        errors.append("氏名(または姓)の列を指定してください。")
    if encoding:
        try:
            encoding = canonical_encoding(encoding)
        except FileReadError as exc:
            encoding_errors.append(str(exc))
    if errors or encoding_errors:
        raise ValidationError(
            {key: value for key, value in (("columns", errors), ("encoding", encoding_errors)) if value}
        )
    return cleaned, encoding


def mapping_profile_save(
    *,
    actor: User,
    source: SourceSystem,
    columns: dict[str, str],
    name: str = "標準",
    encoding: str = "",
    is_default: bool = True,
) -> MappingProfile:
    """Save a column mapping {source column: record field}; each field may be mapped once."""
    ensure_steward(actor)
    name = name.strip()
    if not name:
        raise ValidationError({"name": "プロファイル名を入力してください。"})
    cleaned, encoding = mapping_profile_clean(columns=columns, encoding=encoding)
    with transaction.atomic():
        profile = MappingProfile.objects.filter(source=source, name=name).first() or MappingProfile(
            source=source, name=name
        )
        profile.columns, profile.encoding, profile.is_default = cleaned, encoding, is_default
        if is_default:
            others = MappingProfile.objects.filter(source=source, is_default=True).exclude(pk=profile.pk)
            writes.update_rows(others, actor=actor, reason=f"既定を「{name}」に変更", is_default=False)
        writes.save(profile, actor=actor)
        record_event(
            actor=actor,
            action=AuditAction.IDENTITY_PROFILE_SAVE,
            target=profile,
            summary=f"列マッピング「{source.code}: {name}」を保存した",
            data={"columns": cleaned},
        )
    return profile
