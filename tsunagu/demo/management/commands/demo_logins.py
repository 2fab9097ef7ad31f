"""`manage.py demo_logins`: the demo accounts, their roles, organizations and passwords."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.core.management.base import BaseCommand

from tsunagu.core.models import User
from tsunagu.demo.org import DEMO_USERS


class Command(BaseCommand):
    help = "デモ用ユーザーのユーザー名・ロール・所属・パスワードを表示します。"

    def add_arguments(self, parser: Any) -> None:
        # `make run HOST=…` passes the address runserver listens on, so the printed URL is the real one.
        parser.add_argument("--url", default="http://127.0.0.1:8000/login/", help="表示するログイン画面のURL")

    def handle(self, *args: Any, **options: Any) -> None:
        users = {
            u.username: u
            for u in User.objects.filter(username__in=[d.username for d in DEMO_USERS]).select_related(
                "department", "agency", "branch"
            )
        }
        if not users:
            self.stdout.write("デモ用ユーザーはまだ登録されていません。先に `manage.py demo_data` を実行してください。")
            return
        self.stdout.write("デモ用ログイン(デモ環境専用のパスワードです。本番では使わないでください)")
        rows = [("ユーザー名", "パスワード", "ロール", "所属", "表示名")]
        for demo in DEMO_USERS:
            user = users.get(demo.username)
            if user is None:
                continue
            if user.department is not None:
                organization = f"{user.department.name}(部署)"
            elif user.agency is not None:
                organization = f"{user.agency.name}(代理店 {user.agency.code})"
            elif user.branch is not None:
                organization = f"{user.branch.name}(営業拠点 {user.branch.code})"
            else:
                organization = "-"
            role = demo.role.label + ("・スーパーユーザー" if user.is_superuser else "")
            rows.append((user.username, demo.password, str(role), organization, user.display_name))
        widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
        for index, row in enumerate(rows):
            self.stdout.write("  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip())
            if index == 0:
                self.stdout.write("  ".join("-" * w for w in widths))
        self.stdout.write(f"ログイン画面: {options['url']} (パスワードを変更した場合は変更後のものを使ってください)")


def _width(text: str) -> int:
    """Display width: full-width (East Asian) characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
