"""Every demo role logs in, sees its menu (built from permissions) and a home page with its work."""

from __future__ import annotations

import pytest

from tsunagu.demo.org import DEMO_USERS, ensure_agencies, ensure_departments, ensure_users

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# username -> (menu, a heading of the home page that role acts on)
EXPECTED = {
    "operator": (["ホーム", "案件", "FAQ", "帳票バッチ"], "担当案件"),
    "operator2": (["ホーム", "案件", "FAQ", "帳票バッチ"], "コールセンターのキュー"),
    "policy_admin": (["ホーム", "案件", "FAQ", "帳票バッチ"], "処理待ちの異動・解約"),
    "complaints": (["ホーム", "案件", "FAQ", "帳票バッチ"], "対応中の苦情(段階別)"),
    "claims": (["ホーム", "案件", "FAQ", "帳票バッチ"], "対応中の事故受付"),
    "claims2": (["ホーム", "案件", "FAQ", "帳票バッチ"], "損害サービス部のキュー"),
    "steward": (["ホーム", "FAQ", "帳票バッチ", "名寄せ"], "名寄せ"),
    "analyst": (["ホーム", "FAQ", "帳票バッチ"], "集計(個人データを含みません)"),
    "auditor": (["ホーム", "FAQ", "帳票バッチ", "アクセスログ"], "アクセスログ"),
    "agency1": (["ホーム", "案件", "FAQ"], "自分の最近のコンタクト"),
    "agency2": (["ホーム", "案件", "FAQ"], "担当案件"),
}


@pytest.fixture
def demo_staff(db):
    departments = ensure_departments(None)
    agencies = ensure_agencies(None, 2)
    return ensure_users(None, departments, agencies)


# Entries this test knows; other modules add theirs (e.g. 送付リスト) without breaking it.
KNOWN = {"ホーム", "案件", "FAQ", "帳票バッチ", "名寄せ", "アクセスログ", "管理画面"}


def _menu(page) -> list[str]:  # type: ignore[no-untyped-def]
    links = page.locator("nav.mainnav a")
    return [label for text in links.all_inner_texts() if (label := text.split()[0]) in KNOWN]


def test_each_demo_role_sees_its_menu_and_home(page, screenshot, demo_staff):
    passwords = {d.username: d.password for d in DEMO_USERS}
    assert set(EXPECTED) <= set(passwords)
    missing: list[str] = []  # any 4xx the pages cause by themselves (e.g. the browser's favicon request)
    page.on("response", lambda response: response.status >= 400 and missing.append(response.url))
    for username, (menu, heading) in EXPECTED.items():
        login(page, username, passwords[username])
        page.wait_for_url("**/")
        assert page.get_by_role("heading", name="ホーム", exact=True).is_visible(), username
        assert _menu(page) == menu, username
        assert page.locator('nav.mainnav a[aria-current="page"]').inner_text() == "ホーム"
        assert page.get_by_role("heading", name=heading).first.is_visible(), (username, heading)
        who = page.locator(".who-name").inner_text()
        assert who.count("(") <= 1, who  # defect 11: the affiliation once
        if username in ("operator", "auditor", "agency1"):
            screenshot(f"nav-home-{username}")
        page.get_by_role("button", name="ログアウト").click()
        page.wait_for_url("**/login/**")
    assert missing == []


def test_the_auditor_opens_the_access_log_and_a_bad_date_is_explained(page, screenshot, demo_staff):
    password = next(d.password for d in DEMO_USERS if d.username == "auditor")
    login(page, "auditor", password)
    page.wait_for_url("**/")
    page.locator("nav.mainnav").get_by_role("link", name="アクセスログ").click()
    page.wait_for_url("**/compliance/access-log/")
    assert page.get_by_role("heading", name="アクセスログ", exact=True).is_visible()
    assert page.locator('nav.mainnav a[aria-current="page"]').inner_text() == "アクセスログ"
    # The login itself read nobody; the page lists what is there (perhaps nothing) without error.
    page.get_by_label("期間(開始日)").fill("2026-12-05")
    page.get_by_label("期間(終了日)").fill("2026-12-01")
    page.get_by_role("main").get_by_role("button", name="検索").click()
    summary = page.locator(".error-summary")
    summary.wait_for()
    assert "終了日は開始日と同じか" in summary.inner_text()
    assert page.get_by_label("期間(開始日)").input_value() == "2026-12-05"  # what was typed is kept
    screenshot("nav-auditor-access-log-error")
