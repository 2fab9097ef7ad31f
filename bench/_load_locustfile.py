"""Locust users for bench/load.py (not a benchmark itself: `make bench` skips files starting with _).

Configured by bench/load.py through the environment:
- LOAD_PLAN: JSON file with the demo logins and, per login, values drawn from the prepared database
  (customers that login may see, search fragments, policies for a reissue);
- LOAD_RESULTS: where every request is written (JSON lines: name, ms, ok, start, error);
- LOAD_MODE: "paced" (the realistic mix, 3–10 s between actions as a person works) or "saturation"
  (search + customer page without waits);
- LOAD_USERS, LOAD_SECONDS: the measured work starts when all LOAD_USERS users have logged in (a row
  named "_go" marks it) and stops LOAD_SECONDS later (Locust is told to quit then), so a slow login
  burst on a busy machine does not eat into the measured time.

Each simulated operator logs in once (django-axes only counts failures, so 50 sessions over a dozen
demo logins are fine) and then works. Every step checks the response for what a person would see
(the search results, the saved call, the case's new status, a PDF), so a page that renders an error
counts as a failure, not as a fast success.
"""

from __future__ import annotations

import json
import os
import random
import re
import threading
import time
from itertools import count
from pathlib import Path
from typing import Any

import gevent
import gevent.event
from locust import HttpUser, between, constant, events, task
from locust.exception import StopUser

PLAN: dict[str, Any] = json.loads(Path(os.environ["LOAD_PLAN"]).read_text(encoding="utf-8"))
MODE = os.environ.get("LOAD_MODE", "paced")
RESULTS_PATH = os.environ["LOAD_RESULTS"]
_results: list[str] = []
_lock = threading.Lock()
_user_numbers = count()
USERS = int(os.environ["LOAD_USERS"])
SECONDS = float(os.environ["LOAD_SECONDS"])
_clock = {"n": 0, "deadline": float("inf")}
_go = gevent.event.Event()

VERSION = re.compile(r'name="version" value="(\d+)"')
DOCUMENT_LINK = re.compile(r'href="/documents/(\d+)/"')
SEARCH_KINDS = ("kana_prefix", "kanji_2char", "phone_last4_name", "policy_number")
RECEIVE = re.compile(r"/cases/\d+/documents/\d+/receive/")
CASE_LOCATION = re.compile(r"/cases/(\d+)/$")


@events.request.add_listener
def _record(name: str, response_time: float, exception: Any, start_time: float | None = None, **_: Any) -> None:
    row = {"name": name, "ms": response_time, "ok": exception is None, "start": start_time or time.time()}
    if exception is not None:
        row["error"] = str(exception)[:300]
    with _lock:
        _results.append(json.dumps(row, ensure_ascii=False))


@events.quitting.add_listener
def _write(**_: Any) -> None:
    with _lock, open(RESULTS_PATH, "w", encoding="utf-8") as out:
        out.write("\n".join(_results) + ("\n" if _results else ""))


class Operator(HttpUser):
    wait_time = between(3, 10) if MODE == "paced" else constant(0)

    def on_start(self) -> None:
        number = next(_user_numbers)
        logins = PLAN["logins"]
        self.login = logins[number % len(logins)]
        self.pool = PLAN["pools"][self.login["username"]]
        # One connection per request, as the documented nginx in front of gunicorn does (upstream
        # HTTP/1.0, no keep-alive). Reusing keep-alive connections straight to gunicorn's gthread
        # worker races with its 2 s keep-alive close: 2 of 3,770 saturation requests got "connection
        # reset" that way, a path that does not exist behind the proxy.
        self.client.headers["Connection"] = "close"
        try:
            self.client.get("/login/", name="login_form")
            with self.client.post(
                "/login/",
                data={
                    "username": self.login["username"],
                    "password": self.login["password"],
                    "csrfmiddlewaretoken": self._csrf(),
                },
                name="login",
                allow_redirects=False,
                catch_response=True,
            ) as response:
                if response.status_code != 302:
                    response.failure(f"login {self.login['username']}: HTTP {response.status_code}")
        finally:
            self._logged_in()
        _go.wait(timeout=900)
        if MODE == "paced":
            # People do not all start their first action in the same second.
            time.sleep(random.uniform(0, 10))

    def _logged_in(self) -> None:
        """Count this user in (failed logins too, as failures); the last one starts the clock."""
        _clock["n"] += 1  # greenlets: no other user runs between these lines
        if _clock["n"] == USERS:
            started = time.time()
            _clock["deadline"] = started + SECONDS
            _record("_go", 0.0, None, start_time=started)
            _go.set()

    def _check_deadline(self) -> None:
        if time.time() >= _clock["deadline"]:
            if not _clock.get("quitting"):
                # From a greenlet of its own, as Locust's --run-time does: quit() stops every user,
                # and called from this user's greenlet it would kill itself halfway.
                _clock["quitting"] = True
                gevent.spawn(self.environment.runner.quit)  # type: ignore[union-attr]
            raise StopUser

    def _csrf(self) -> str:
        return str(self.client.cookies.get("csrftoken", ""))

    def _customer(self) -> int:
        return int(random.choice(self.pool["customers"]))

    # --- the actions ----------------------------------------------------------------------------

    @task(35)
    def search(self) -> None:
        self._check_deadline()
        kind = random.choice(SEARCH_KINDS)
        terms = self.pool["queries"].get(kind) or self.pool["queries"]["kanji_2char"]
        q = random.choice(terms)
        with self.client.get("/search/", params={"q": q}, name="search", catch_response=True) as response:
            if response.status_code == 200 and "/customers/" not in response.text:
                response.failure(f"search {kind} {q!r}: no customer in the results")

    @task(30)
    def customer_page(self) -> None:
        self._check_deadline()
        pk = self._customer()
        self.client.get(f"/customers/{pk}/", name="customer")

    @task(15 if MODE == "paced" else 0)
    def record_call(self) -> None:
        self._check_deadline()
        pk = self._customer()
        self.client.get(f"/customers/{pk}/", name="customer")
        subject = f"負荷試験の通話 {random.randrange(10**8):08d}"
        with self.client.post(
            f"/customers/{pk}/interactions/",
            data={
                "channel": "phone",
                "direction": "inbound",
                "subject": subject,
                "notes": "住所変更の手続きについて問い合わせ。",
                "csrfmiddlewaretoken": self._csrf(),
            },
            headers={"HX-Request": "true"},
            name="record_call",
            catch_response=True,
        ) as response:
            if response.status_code == 200 and subject not in response.text:
                response.failure("record_call: the call is not in the refreshed panel")

    def _create_case(self, customer: int, case_type: str, name: str, **fields: str) -> int | None:
        url = f"/cases/new/?customer={customer}&type={case_type}"
        self.client.get(url, name="case_new_form")
        data = {
            "channel": "phone",
            "priority": "normal",
            "subject": f"負荷試験 {case_type} {random.randrange(10**8):08d}",
            "description": "負荷試験で作成した案件です。",
            "csrfmiddlewaretoken": self._csrf(),
            **fields,
        }
        with self.client.post(url, data=data, name=name, allow_redirects=False, catch_response=True) as response:
            found = CASE_LOCATION.search(response.headers.get("Location", ""))
            if response.status_code != 302 or not found:
                response.failure(f"{name}: HTTP {response.status_code}, no redirect to the case")
                return None
        return int(found.group(1))

    def _case_page(self, case: int) -> str:
        with self.client.get(f"/cases/{case}/", name="case_detail", catch_response=True) as response:
            if response.status_code == 200 and not VERSION.search(response.text):
                response.failure("case_detail: no version on the case page")
            return response.text if response.status_code == 200 else ""

    def _case_version(self, case: int) -> int | None:
        found = VERSION.search(self._case_page(case))
        return int(found.group(1)) if found else None

    def _case_post(self, case: int, path: str, name: str, expect: str, **fields: str) -> bool:
        """POST one case form (it redirects to the case page) and check the page says it worked."""
        data = {"csrfmiddlewaretoken": self._csrf(), **fields}
        with self.client.post(
            f"/cases/{case}/{path}", data=data, name=name, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 302:
                response.failure(f"{name}: HTTP {response.status_code}")
                return False
        with self.client.get(f"/cases/{case}/", name="case_detail", catch_response=True) as response:
            if response.status_code == 200 and expect not in response.text:
                messages = re.findall(r'<li class="error">(.*?)</li>', response.text)
                response.failure(f"{name}: not done ({' '.join(messages)[:200]})")
                return False
        return True

    @task(12 if MODE == "paced" else 0)
    def open_and_progress_case(self) -> None:
        self._check_deadline()
        case = self._create_case(
            self._customer(), "inquiry", "case_create", sub_type="product", question="補償内容を確認したい。"
        )
        if case is None:
            return
        version = self._case_version(case)
        if version is None:
            return
        self._case_post(
            case, "transition/", "case_transition", "記録しました。", to="in_progress", note="", version=str(version)
        )

    @task(8 if MODE == "paced" else 0)
    def issue_pdf(self) -> None:
        """A 証券再発行: the case, the identity check, the required documents received, the issue (the
        PDF is made), then open the PDF."""
        self._check_deadline()
        if not self.pool["reissue"]:
            return
        customer, policy = random.choice(self.pool["reissue"])
        case = self._create_case(customer, "policy_reissue", "case_create", policy=str(policy), sub_type="")
        if case is None:
            return
        version = self._case_version(case)
        if version is None:
            return
        if not self._case_post(
            case, "identity/", "identity_verify", "記録しました。", method="phone_qa", version=str(version)
        ):
            return
        for _ in range(5):  # 再発行請求書, 本人確認書類 … as the case lists them
            page = self._case_page(case)
            receive, version_found = RECEIVE.search(page), VERSION.search(page)
            if not receive or not version_found:
                break
            with self.client.post(
                receive.group(0),
                data={"version": version_found.group(1), "csrfmiddlewaretoken": self._csrf()},
                name="document_receive",
                allow_redirects=False,
                catch_response=True,
            ) as response:
                if response.status_code != 302:
                    response.failure(f"document_receive: HTTP {response.status_code}")
                    return
        with self.client.post(
            f"/documents/cases/{case}/issue/",
            data={"delivery_channel": "post", "csrfmiddlewaretoken": self._csrf()},
            name="pdf_issue",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"pdf_issue: HTTP {response.status_code}")
                return
        with self.client.get(f"/cases/{case}/", name="case_detail", catch_response=True) as response:
            if response.status_code == 200 and "を発行しました" not in response.text:
                messages = re.findall(r'<li class="error">(.*?)</li>', response.text)
                response.failure(f"pdf_issue: not issued ({' '.join(messages)[:200]})")
                return
        with self.client.get(f"/documents/cases/{case}/issue/", name="issue_panel", catch_response=True) as response:
            found = DOCUMENT_LINK.search(response.text)
            if response.status_code == 200 and not found:
                response.failure("issue_panel: the issued document is not listed")
                return
        if found:
            with self.client.get(f"/documents/{found.group(1)}/", name="document_open", catch_response=True) as pdf:
                if pdf.status_code == 200 and not pdf.content.startswith(b"%PDF"):
                    pdf.failure("document_open: not a PDF")
