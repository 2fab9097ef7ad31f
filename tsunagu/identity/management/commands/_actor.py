"""The acting user of identity commands: --user USERNAME (a data steward), or `system`."""

from __future__ import annotations

from django.core.management.base import CommandError

from tsunagu.core.models import User
from tsunagu.core.services import system_user
from tsunagu.identity.services.common import is_steward


def command_actor(username: str | None) -> User:
    if not username:
        return system_user()
    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"ユーザー「{username}」は存在しません。")
    if not is_steward(user):
        raise CommandError(f"ユーザー「{username}」はデータスチュワードではありません。")
    return user
