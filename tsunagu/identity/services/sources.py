"""Registering source systems and their column-mapping profiles."""

from __future__ import annotations

from collections.abc import Collection

from django.core.exceptions import ValidationError
from django.db import transaction

from tsunagu.core import writes
from tsunagu.core.audit import record_event
from tsunagu.core.choices import AuditAction
from tsunagu.core.models import User

from ..models import MappingProfile, SourceSystem
from ..readers import FileReadError, canonical_encoding
from ..records import CONVENTIONS, FIELD_LABELS, KANA_ONLY, MAPPABLE_FIELDS, NO_EMAIL, unknown_conventions
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


NAME_FIELDS = ("name_kanji", "family_name")
KANA_FIELDS = ("name_kana", "family_kana")


def mapping_profile_clean(
    *, columns: dict[str, str], encoding: str = "", conventions: Collection[str] = ()
) -> tuple[dict[str, str], str]:
    """The columns {source column: record field} without blanks, and the canonical encoding; raises
    ValidationError (Japanese, per problem) unless every target is a record field mapped once, and a
    source id column and a name column (氏名, or 姓; フリガナ or 姓フリガナ too when the source
    declares kana-only names) are present, the conventions are known and a source without e-mail
    maps no e-mail column. Forms call this to show the errors."""
    errors: list[str] = []
    encoding_errors: list[str] = []
    convention_errors = [f"不明なデータの慣習です: {code}" for code in unknown_conventions(conventions)]
    cleaned = {str(k).strip(): str(v).strip() for k, v in columns.items() if str(k).strip() and str(v).strip()}
    for column, target in cleaned.items():
        if target not in MAPPABLE_FIELDS:
            errors.append(f"列「{column}」の対応先「{target}」は項目ではありません。")
    targets = list(cleaned.values())
    for target in sorted({t for t in targets if targets.count(t) > 1}):
        errors.append(f"項目「{FIELD_LABELS.get(target, target)}」に複数の列が対応付けられています。")
    if "record_id" not in targets:
        errors.append("ソースIDの列を指定してください。")
    if KANA_ONLY in conventions:
        if not {*NAME_FIELDS, *KANA_FIELDS} & set(targets):
            errors.append("氏名(または姓)か、フリガナ(または姓フリガナ)の列を指定してください。")
    elif not set(NAME_FIELDS) & set(targets):
        errors.append("氏名(または姓)の列を指定してください。")
    if NO_EMAIL in conventions and "email" in targets:
        convention_errors.append(
            f"「{CONVENTIONS[NO_EMAIL].label}」のソースには、メールアドレスの列を対応付けられません。"
        )
    if encoding:
        try:
            encoding = canonical_encoding(encoding)
        except FileReadError as exc:
            encoding_errors.append(str(exc))
    if errors or encoding_errors or convention_errors:
        found = (("columns", errors), ("encoding", encoding_errors), ("conventions", convention_errors))
        raise ValidationError({key: value for key, value in found if value})
    return cleaned, encoding


def mapping_profile_save(
    *,
    actor: User,
    source: SourceSystem,
    columns: dict[str, str],
    name: str = "標準",
    encoding: str = "",
    is_default: bool = True,
    conventions: Collection[str] | None = None,
) -> MappingProfile:
    """Save a column mapping {source column: record field}; each field may be mapped once.
    `conventions` (records.CONVENTIONS) are the source data's declared conventions; None keeps
    the profile's own (none for a new profile)."""
    ensure_steward(actor)
    name = name.strip()
    if not name:
        raise ValidationError({"name": "プロファイル名を入力してください。"})
    profile = MappingProfile.objects.filter(source=source, name=name).first() or MappingProfile(
        source=source, name=name
    )
    declared = [c for c in CONVENTIONS if c in set(conventions if conventions is not None else profile.conventions)]
    declared += unknown_conventions(conventions or [])  # refused by mapping_profile_clean
    cleaned, encoding = mapping_profile_clean(columns=columns, encoding=encoding, conventions=declared)
    with transaction.atomic():
        profile.columns, profile.encoding, profile.is_default = cleaned, encoding, is_default
        profile.conventions = declared
        if is_default:
            others = MappingProfile.objects.filter(source=source, is_default=True).exclude(pk=profile.pk)
            writes.update_rows(others, actor=actor, reason=f"既定を「{name}」に変更", is_default=False)
        writes.save(profile, actor=actor)
        record_event(
            actor=actor,
            action=AuditAction.IDENTITY_PROFILE_SAVE,
            target=profile,
            summary=f"列マッピング「{source.code}: {name}」を保存した",
            data={"columns": cleaned, "conventions": declared},
        )
    return profile
