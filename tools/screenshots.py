"""`make screenshots`: render each role's main screens from fresh demo data into docs/screenshots/.

A separate var dir (var/screenshots/) holds its own SQLite database, loaded with the same demo data as
`make run` (2,000 customers, seed 1, a fixed as-of date so the pictures do not drift), and a dev server
on a free port. Playwright drives Debian's Chromium (/usr/bin/chromium) through each demo login.
A screen whose page is not found (a 404 or a route that does not exist yet) is reported and skipped;
any 500 fails the run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VAR = ROOT / "var" / "screenshots"
AS_OF = "2026-12-04"
CHROMIUM = os.environ.get("TSUNAGU_CHROMIUM", "/usr/bin/chromium")
STAFF_PASSWORD = "tsunagu-demo-2026"
ADMIN_PASSWORD = "tsunagu-admin-2026"
VIEWPORT_WIDTH, VIEWPORT_HEIGHT = 1440, 900


@dataclass(frozen=True)
class Shot:
    """One picture: who is logged in, the file name, and how to find the page (a path, or None to skip)."""

    username: str
    name: str
    title: str
    path: Callable[[], str | None]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_DEBUG="1",
        DJANGO_SETTINGS_MODULE="tsunagu.config.settings",
        TSUNAGU_VAR_DIR=str(VAR),
        DJANGO_ALLOW_ASYNC_UNSAFE="true",
    )
    env.pop("DATABASE_URL", None)
    return env


def _manage(*args: str) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], check=True, env=_env(), cwd=ROOT)


def _prepare_database() -> None:
    if VAR.exists():
        shutil.rmtree(VAR)
    VAR.mkdir(parents=True)
    _manage("migrate", "--noinput", "--verbosity", "0")
    _manage("demo_data", "--customers", "2000", "--seed", "1", "--as-of", AS_OF, "--no-progress")
    _manage("demo_logins")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_server(port: int, log: Path) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=_env(),
        cwd=ROOT,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise SystemExit(f"開発サーバーが起動しませんでした(ログ: {log})")


def _shots() -> list[Shot]:
    """Pages are looked up in the demo database, so the shots follow the data, not hard-coded ids."""
    os.environ.update(_env())
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.urls import NoReverseMatch, reverse

    from tsunagu.cases.choices import CaseType
    from tsunagu.cases.models import Case
    from tsunagu.core.models import User
    from tsunagu.customers.models import Customer

    def url(name: str, *args: object) -> Callable[[], str | None]:
        def resolve() -> str | None:
            if any(arg is None for arg in args):
                return None
            try:
                return reverse(name, args=args)
            except NoReverseMatch:
                return None

        return resolve

    def first_case(case_type: str) -> int | None:
        """The most recently opened case of a type, an open one where there is one."""
        cases = Case.objects.filter(case_type=case_type).order_by("-is_open", "-opened_on", "-pk")
        return cases.values_list("pk", flat=True).first()

    def rich_customer(agency_username: str | None = None) -> int | None:
        customers = Customer.objects.filter(merged_into__isnull=True)
        if agency_username is not None:
            agency_id = User.objects.filter(username=agency_username).values_list("agency_id", flat=True).first()
            customers = customers.filter(policies__agency_id=agency_id)
        with_cases = customers.filter(cases__isnull=False).order_by("pk").values_list("pk", flat=True).first()
        return with_cases or customers.order_by("pk").values_list("pk", flat=True).first()

    def identity_pair() -> int | None:
        from tsunagu.identity.choices import PairStatus
        from tsunagu.identity.models import CandidatePair

        pairs = CandidatePair.objects.filter(status=PairStatus.REVIEW)
        return pairs.order_by("pk").values_list("pk", flat=True).first()

    def search(query: str) -> Callable[[], str | None]:
        return lambda: f"{reverse('search:customers')}?q={query}"

    customer = rich_customer()
    return [
        Shot("operator", "operator-home", "オペレーターのホーム", url("desk:home")),
        Shot("operator", "operator-search", "断片からの顧客検索", search("サトウ")),
        Shot("operator", "operator-customer", "顧客詳細(360°)", url("desk:customer_detail", customer)),
        Shot("operator", "operator-case", "問い合わせ案件", url("cases:detail", first_case(CaseType.INQUIRY))),
        Shot("policy_admin", "policy-admin-home", "契約管理部のホーム", url("desk:home")),
        Shot("policy_admin", "policy-admin-change", "異動案件", url("cases:detail", first_case(CaseType.CHANGE))),
        Shot("complaints", "complaints-home", "お客様相談室のホーム", url("desk:home")),
        Shot("complaints", "complaints-case", "苦情案件", url("cases:detail", first_case(CaseType.COMPLAINT))),
        Shot("claims", "claims-accident", "事故受付案件", url("cases:detail", first_case(CaseType.ACCIDENT))),
        Shot("steward", "steward-home", "名寄せ", url("identity:home")),
        Shot("steward", "steward-pair", "名寄せ候補ペアの確認", url("identity:pair", identity_pair())),
        Shot("analyst", "analyst-home", "分析担当のホーム", url("desk:home")),
        Shot("auditor", "auditor-home", "監査担当のホーム", url("desk:home")),
        Shot("auditor", "auditor-access-log", "アクセスログ", url("compliance:access_log")),
        Shot("agency1", "agency-home", "代理店のホーム", url("desk:home")),
        Shot("agency1", "agency-customer", "代理店から見た顧客", url("desk:customer_detail", rich_customer("agency1"))),
        Shot("admin", "admin-batches", "帳票バッチ", url("documents:batches")),
    ]


def _login(page: object, username: str) -> None:
    password = ADMIN_PASSWORD if username == "admin" else STAFF_PASSWORD
    page.goto("/login/")  # type: ignore[attr-defined]
    page.get_by_label("ユーザー名").fill(username)  # type: ignore[attr-defined]
    page.get_by_label("パスワード").fill(password)  # type: ignore[attr-defined]
    page.get_by_role("button", name="ログイン").click()  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]


def main() -> int:
    parser = argparse.ArgumentParser(description="各ロールの主要画面を docs/screenshots/ に保存します。")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots", help="保存先のフォルダー")
    parser.add_argument("--reuse", action="store_true", help="var/screenshots/ の既存データベースを使う")
    options = parser.parse_args()
    if not Path(CHROMIUM).exists():
        print(f"Chromium が見つかりません ({CHROMIUM})。`apt-get install -y chromium` で導入してください。")
        return 1
    if not options.reuse or not (VAR / "tsunagu.sqlite3").exists():
        _prepare_database()
    shots = _shots()
    options.out.mkdir(parents=True, exist_ok=True)
    log = VAR / "server.log"
    port = _free_port()
    server = _start_server(port, log)
    from playwright.sync_api import sync_playwright

    failures: list[str] = []
    saved: list[str] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
            )
            for username in dict.fromkeys(shot.username for shot in shots):
                context = browser.new_context(
                    base_url=f"http://127.0.0.1:{port}",
                    locale="ja-JP",
                    viewport={"width": VIEWPORT_WIDTH, "height": VIEWPORT_HEIGHT},
                )
                page = context.new_page()
                page.set_default_timeout(30_000)
                _login(page, username)
                for shot in (s for s in shots if s.username == username):
                    path = shot.path()
                    if path is None:
                        print(f"スキップ: {shot.name}({shot.title})— 画面またはデータがありません")
                        continue
                    response = page.goto(path)
                    status = response.status if response is not None else 0
                    if status >= 500:
                        failures.append(f"{shot.name}: {path} → {status}")
                        continue
                    if status >= 400:
                        print(f"スキップ: {shot.name}({shot.title})— {path} は {status}")
                        continue
                    page.screenshot(path=str(options.out / f"{shot.name}.png"))
                    saved.append(shot.name)
                context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"{len(saved)} 枚を {options.out} に保存しました: {', '.join(saved)}")
    if failures:
        print("サーバーエラー(500)になった画面:\n  " + "\n  ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
