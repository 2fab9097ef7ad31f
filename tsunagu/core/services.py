"""Writes for organization and users."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from . import writes
from .audit import record_event
from .choices import AuditAction, Role
from .models import Agency, ApiToken, Branch, Department, User

SYSTEM_USERNAME = "system"


def user_create(
    *,
    actor: User | None,
    username: str,
    password: str,
    display_name: str,
    roles: Iterable[Role],
    department: Department | None = None,
    agency: Agency | None = None,
    branch: Branch | None = None,
    is_staff: bool = False,
) -> User:
    roles = list(roles)
    if sum(org is not None for org in (department, agency, branch)) != 1:
        raise ValidationError("ユーザーは部署・代理店・営業拠点のいずれか一つに所属させてください。")
    if Role.AGENCY_STAFF in roles and agency is None:
        raise ValidationError("代理店スタッフは代理店に所属させてください。")
    if Role.BRANCH_STAFF in roles and branch is None:
        raise ValidationError("営業拠点担当は営業拠点に所属させてください。")
    if agency is not None and any(r != Role.AGENCY_STAFF for r in roles):
        raise ValidationError("代理店所属のユーザーに付与できるのは代理店スタッフのロールだけです。")
    if branch is not None and any(r != Role.BRANCH_STAFF for r in roles):
        raise ValidationError("営業拠点所属のユーザーに付与できるのは営業拠点担当のロールだけです。")
    with transaction.atomic():
        user = User(
            username=username,
            display_name=display_name,
            department=department,
            agency=agency,
            branch=branch,
            is_staff=is_staff or Role.ADMIN in roles,
            is_superuser=Role.ADMIN in roles,
        )
        # The full validator set (AUTH_PASSWORD_VALIDATORS: length, similarity to the user's names,
        # common and all-digit passwords), with the user so similarity can be checked; Japanese
        # messages come from Django's own translations (LANGUAGE_CODE = "ja").
        try:
            validate_password(password, user=user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from exc
        user.set_password(password)
        writes.save(user, actor=actor)
        user.groups.set([Group.objects.get_or_create(name=role.value)[0] for role in roles])
        record_event(
            actor=actor,
            action=AuditAction.USER_CREATE,
            target=user,
            summary=f"ユーザー「{username}」を登録した",
            data={"roles": [r.value for r in roles]},
        )
    return user


def system_user() -> User:
    """The actor for commands and batch jobs run without a named user."""
    user, created = User.objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={"display_name": "システム", "is_active": False},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def api_token_create(*, actor: User, user: User, name: str) -> tuple[ApiToken, str]:
    """Issue a token; the plain key is returned once and never stored."""
    key = secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken(user=user, name=name.strip(), prefix=key[:8], key_hash=hash_api_key(key))
        writes.save(token, actor=actor)
        record_event(
            actor=actor,
            action=AuditAction.API_TOKEN_CREATE,
            target=token,
            summary=f"APIトークン「{token.name}」を発行した",
        )
    return token, key


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
