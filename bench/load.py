"""Load test: gunicorn on loopback with production settings, Locust operators, then a saturation run.

    .venv/bin/python bench/load.py --users 50 --seconds 60                  # SQLite, 100,000 customers
    .venv/bin/python bench/load.py --users 50 --seconds 60 --db-url postgres://postgres@127.0.0.1:5432/tsunagu_load
    .venv/bin/python bench/load.py                                          # quick run (make bench)

Without arguments (as `make bench` runs it) this is a quick run: 20 users, 30 s, 10,000 customers,
a 20 s saturation run. When --users or --seconds is given, the defaults are the issue's: 100,000
customers, a saturation run as long as the paced one (at most 60 s).

1. The database: `manage.py migrate` + `manage.py demo_data --customers N --seed 1`, built once and
   kept as a template per N (and DATA_VERSION in this file; --rebuild builds it again); new migrations
   are applied to it on every run
   (SQLite: var/bench/load-N-KEY.sqlite3; PostgreSQL: database tsunagu_bench_load_N_KEY on the server
   of --db-url). Every run works on a fresh copy (SQLite var/bench/load-run-N.sqlite3; PostgreSQL
   tsunagu_bench_load_run_N, made with CREATE DATABASE … TEMPLATE), so runs are comparable.
2. gunicorn on 127.0.0.1 (a free port, never another address; --preload, --workers 2×CPUs,
   --threads 4) with production settings: DEBUG off,
   generated DJANGO_SECRET_KEY and TSUNAGU_ACCESS_LOG_KEY (kept in var/bench/load-keys.json, mode 600,
   because the template's access log is signed with it), DJANGO_ALLOWED_HOSTS=127.0.0.1, and only the
   HTTPS-only settings (secure cookies, SSL redirect, HSTS) turned off for plain-HTTP loopback.
3. Locust, headless, `--users` operators over the demo logins (operator, operator2, policy_admin,
   claims, claims2, complaints, agency1, agency2), each logging in once and waiting 3–10 s between
   actions: search (kana prefix, 2-character kanji, phone last 4 + name, policy number, drawn from
   what that login may see), customer page, record a call, open an inquiry case and move it to 対応中,
   a 証券再発行 (case, identity check, the required documents received, PDF issue, open the PDF).
   Users start at --spawn-rate per second (default 5: a login costs ~0.3 s of CPU for its password
   hash, and a whole office does not log in within the same second). Then the saturation run: the
   same number of users doing search + customer page without waits.
4. `manage.py verify_access_log` on the run's database.

Prints JSON lines (bench "load"): load_p95_ms, load_p50_ms, load_p99_ms, load_errors, load_requests,
p50_ms_<action>/p95_ms_<action>/p99_ms_<action>, max_requests_per_second (the best 5 s once every
user is logged in), saturation_p95_ms, saturation_errors, server CPU per request (gunicorn's own
CPU time in the measured window: *_server_cpu_ms_per_request; on PostgreSQL also the backends' CPU,
*_database_cpu_ms_per_request), access_log_verifies;
each with the database kind and the load average (the machine may be shared). Exit status 1 when a request
failed or the access log does not verify. Logins are reported (p95_ms_login) but not counted in
load_p95_ms: they happen once per session and cost a deliberately slow password hash.

--profile DIR: the gunicorn workers run under cProfile (CPU time; sync workers, one thread each)
and the top functions are printed to stderr; DIR keeps the .prof files.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._util import PYTHON, REPO, emit, log, percentile

BENCH = "load"
BENCH_DIR = REPO / "var" / "bench"
VENV_BIN = Path(PYTHON).parent
LOCUSTFILE = REPO / "bench" / "_load_locustfile.py"
GUNICORN_PROFILE_CONFIG = REPO / "bench" / "_load_gunicorn_profile.py"
# How long logging every user in may take before the measured time starts (a busy machine, 50
# password hashes of ~0.3 s CPU each).
LOGIN_ALLOWANCE_S = 600
# Demo logins that do customer work (passwords: tsunagu/demo/org.py).
LOGINS = ("operator", "operator2", "policy_admin", "claims", "claims2", "complaints", "agency1", "agency2")


# --- settings -------------------------------------------------------------------------------------


def _keys() -> dict[str, str]:
    """The bench's own production keys, generated once: the prepared databases' access logs are
    signed with the access-log key, so it must stay the same across runs."""
    path = BENCH_DIR / "load-keys.json"
    if not path.exists():
        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        keys = {"secret_key": secrets.token_urlsafe(64), "access_log_key": secrets.token_urlsafe(48)}
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(keys, out)
    return dict(json.loads(path.read_text()))


def production_env(database_url: str, checkpoint_file: Path) -> dict[str, str]:
    keys = _keys()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TSUNAGU_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "tsunagu.config.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": keys["secret_key"],
            "TSUNAGU_ACCESS_LOG_KEY": keys["access_log_key"],
            # 機微情報 key: derived from the bench's stored secret key, so it is the same across runs.
            "TSUNAGU_FIELD_KEYS": "bench-" + hashlib.sha256(keys["secret_key"].encode()).hexdigest(),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            # Plain HTTP on loopback: only the HTTPS-only settings are off; everything else as shipped.
            "DJANGO_SESSION_COOKIE_SECURE": "0",
            "DJANGO_CSRF_COOKIE_SECURE": "0",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_SECURE_HSTS_SECONDS": "0",
            "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS": "0",
            "DJANGO_SECURE_HSTS_PRELOAD": "0",
            "DATABASE_URL": database_url,
            "TSUNAGU_ACCESS_LOG_CHECKPOINT_FILE": str(checkpoint_file),
        }
    )
    return env


def run_manage(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, str(REPO / "manage.py"), *args], cwd=REPO, env=env, check=False, text=True, capture_output=True
    )


def manage_or_die(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run([PYTHON, str(REPO / "manage.py"), *args], cwd=REPO, env=env, stdout=sys.stderr)
    if done.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} が失敗しました(終了コード {done.returncode})。")


# --- the prepared database ------------------------------------------------------------------------


# Bump when the demo data itself changes in a way the load test should see (the prepared databases
# are then rebuilt); or run once with --rebuild. New migrations need neither: they are applied to the
# prepared database on every run, as to a production database. (Not a hash of tsunagu/demo: its code
# changes often without changing the data, and a 100,000-customer rebuild takes 10 minutes.)
DATA_VERSION = 1


def data_key(customers: int) -> str:
    return f"v{DATA_VERSION}"


def _build(env: dict[str, str], customers: int) -> float:
    started = time.perf_counter()
    log(f"# migrate + demo_data --customers {customers} --seed 1 (built once, then reused)")
    manage_or_die(["migrate", "--noinput", "-v", "0"], env)
    manage_or_die(["demo_data", "--customers", str(customers), "--seed", "1", "--no-progress"], env)
    return time.perf_counter() - started


class SqliteDatabase:
    kind = "sqlite"

    def __init__(self, customers: int) -> None:
        key = data_key(customers)
        self.template = BENCH_DIR / f"load-{customers}-{key}.sqlite3"
        self.template_checkpoints = BENCH_DIR / f"load-{customers}-{key}.checkpoints.jsonl"
        self.run = BENCH_DIR / f"load-run-{customers}.sqlite3"
        self.run_checkpoints = BENCH_DIR / f"load-run-{customers}.checkpoints.jsonl"
        self.customers = customers
        self.url = f"sqlite:///{self.run}"

    def prepare(self, *, rebuild: bool = False) -> float | None:
        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        built = None
        if rebuild or not self.template.exists():
            for old in BENCH_DIR.glob(f"load-{self.customers}-*"):  # templates of older schemas
                old.unlink()
            building = self.template.with_suffix(".building")
            checkpoints = self.template_checkpoints.with_suffix(".building")
            for leftover in (*BENCH_DIR.glob(building.name + "*"), checkpoints):
                leftover.unlink(missing_ok=True)
            built = _build(production_env(f"sqlite:///{building}", checkpoints), self.customers)
            _sqlite_checkpoint(building)
            checkpoints.touch()
            checkpoints.rename(self.template_checkpoints)
            building.rename(self.template)
        else:
            log(f"# reusing {self.template.relative_to(REPO)} (migrate applies new migrations)")
            manage_or_die(
                ["migrate", "--noinput", "-v", "0"],
                production_env(f"sqlite:///{self.template}", self.template_checkpoints),
            )
            _sqlite_checkpoint(self.template)
        for leftover in BENCH_DIR.glob(self.run.name + "*"):
            leftover.unlink()
        shutil.copyfile(self.template, self.run)
        shutil.copyfile(self.template_checkpoints, self.run_checkpoints)
        return built


def _sqlite_checkpoint(path: Path) -> None:
    """Fold the WAL into the database file so one file is the whole database."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode=DELETE")
    conn.close()


class PostgresDatabase:
    kind = "postgresql"

    def __init__(self, db_url: str, customers: int) -> None:
        parts = urlsplit(db_url)
        self.parts = parts
        self.admin_url = urlunsplit((parts.scheme, parts.netloc, "/postgres", "", ""))
        key = data_key(customers)
        self.prefix = f"tsunagu_bench_load_{customers}_"
        self.template = f"{self.prefix}{key}"
        self.run_name = f"tsunagu_bench_load_run_{customers}"
        self.template_checkpoints = BENCH_DIR / f"load-pg-{customers}-{key}.checkpoints.jsonl"
        self.run_checkpoints = BENCH_DIR / f"load-pg-run-{customers}.checkpoints.jsonl"
        self.customers = customers
        self.url = self._url(self.run_name)

    def _url(self, name: str) -> str:
        return urlunsplit((self.parts.scheme, self.parts.netloc, f"/{name}", self.parts.query, ""))

    def prepare(self, *, rebuild: bool = False) -> float | None:
        import psycopg

        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        built = None
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            names = [row[0] for row in conn.execute("SELECT datname FROM pg_database")]
            if rebuild or self.template not in names:
                for old in names:
                    if old.startswith(self.prefix):  # templates of older schemas, and a failed build
                        conn.execute(f'DROP DATABASE "{old}" WITH (FORCE)')
                building = f"{self.template}_building"
                conn.execute(f'CREATE DATABASE "{building}"')
                checkpoints = self.template_checkpoints.with_suffix(".building")
                checkpoints.unlink(missing_ok=True)
                built = _build(production_env(self._url(building), checkpoints), self.customers)
                conn.execute(f'ALTER DATABASE "{building}" RENAME TO "{self.template}"')
                checkpoints.touch()
                checkpoints.rename(self.template_checkpoints)
            else:
                log(f"# reusing database {self.template} (migrate applies new migrations)")
                env = production_env(self._url(self.template), self.template_checkpoints)
                manage_or_die(["migrate", "--noinput", "-v", "0"], env)
            conn.execute(f'DROP DATABASE IF EXISTS "{self.run_name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{self.run_name}" TEMPLATE "{self.template}"')
        shutil.copyfile(self.template_checkpoints, self.run_checkpoints)
        # Planner statistics are not copied with the template.
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute("ANALYZE")
        return built


# --- what the users do: values drawn from the prepared data ---------------------------------------

PLAN_CODE = r"""
import json, random, sys
import django
django.setup()
from django.db.models import Max, Min
from tsunagu.core.models import User
from tsunagu.customers.models import Customer, Phone
from tsunagu.policies.models import Policy
from tsunagu.demo.org import DEMO_USERS

logins = json.loads(sys.argv[1])
rng = random.Random(1)
passwords = {d.username: d.password for d in DEMO_USERS}
def hira(text):
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)
plan = {"logins": [], "pools": {}}
for username in logins:
    user = User.objects.get(username=username)
    visible = Customer.objects.visible_to(user).filter(kind="individual", merged_into__isnull=True)
    bounds = visible.aggregate(low=Min("id"), high=Max("id"))
    ids = []
    while len(ids) < 300:
        wanted = [rng.randint(bounds["low"], bounds["high"]) for _ in range(2000)]
        ids += list(visible.filter(pk__in=wanted).exclude(family_name="").values_list("id", flat=True)[:300])
    ids = ids[:300]
    people = list(Customer.objects.filter(pk__in=ids).values("id", "family_name", "name_kana"))
    phones = {}
    for cid, number in Phone.objects.filter(customer_id__in=ids).values_list("customer_id", "number"):
        phones.setdefault(cid, number)
    queries = {"kana_prefix": [], "kanji_2char": [], "phone_last4_name": [], "policy_number": []}
    for c in people:
        queries["kana_prefix"].append(hira(c["name_kana"].split(" ")[0]))
        if len(c["family_name"]) >= 2:
            queries["kanji_2char"].append(c["family_name"][:2])
        if c["id"] in phones:
            digits = "".join(ch for ch in phones[c["id"]] if ch.isdigit())
            queries["phone_last4_name"].append(f"{c['family_name']} {digits[-4:]}")
    policies = list(
        Policy.objects.visible_to(user).filter(policyholder_id__in=ids, status="in_force")
        .values_list("policyholder_id", "id", "number")[:200]
    )
    queries["policy_number"] = [f"{n[:4]}-{n[4:]}".lower() for _, _, n in policies]
    plan["logins"].append({"username": username, "password": passwords[username]})
    plan["pools"][username] = {
        "customers": ids,
        "queries": queries,
        "reissue": [[holder, pk] for holder, pk, _ in policies],
    }
print(json.dumps(plan, ensure_ascii=False))
"""


def draw_plan(env: dict[str, str], path: Path) -> None:
    done = subprocess.run(
        [PYTHON, "-c", PLAN_CODE, json.dumps(LOGINS)], cwd=REPO, env=env, capture_output=True, text=True
    )
    if done.returncode:
        sys.stderr.write(done.stderr)
        raise SystemExit("負荷試験の入力(顧客・検索語)をデータベースから取り出せませんでした。")
    path.write_text(done.stdout.strip().splitlines()[-1], encoding="utf-8")


# --- the server -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """gunicorn on 127.0.0.1 only, as `make serve` runs it (workers × threads from the arguments)."""

    def __init__(
        self, env: dict[str, str], *, workers: int, threads: int, preload: bool, profile_dir: Path | None
    ) -> None:
        self.port = free_port()
        self.host = f"http://127.0.0.1:{self.port}"
        command = [
            str(VENV_BIN / "gunicorn"),
            "tsunagu.config.wsgi",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            "--timeout",
            "120",
            "--graceful-timeout",
            "30",
            "--error-logfile",
            "-",
        ]
        if preload:
            # Import Django and every view once in the master; workers (and their replacements after
            # --max-requests) start as forks instead of importing again (seconds of CPU each).
            command.append("--preload")
        env = dict(env)
        if profile_dir is not None:
            # cProfile sees only the thread that enables it: one thread per sync worker.
            command += ["--worker-class", "sync", "--config", f"python:{GUNICORN_PROFILE_CONFIG.stem}"]
            env["LOAD_PROFILE_DIR"] = str(profile_dir)
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "bench"), env.get("PYTHONPATH")]))
        else:
            command += ["--threads", str(threads)]
        self.log_path = Path(tempfile.mkstemp(prefix="tsunagu-load-gunicorn-", suffix=".log")[1])
        self.log_file = self.log_path.open("w")
        self.process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=self.log_file, stderr=subprocess.STDOUT, start_new_session=True
        )

    def cpu_seconds(self) -> float:
        """CPU time (user + system) of gunicorn: master, live workers and workers that exited."""
        import psutil

        try:
            master = psutil.Process(self.process.pid)
            times = master.cpu_times()
            total = times.user + times.system + times.children_user + times.children_system
            for child in master.children(recursive=True):
                with contextlib.suppress(psutil.NoSuchProcess):
                    child_times = child.cpu_times()
                    total += child_times.user + child_times.system
        except psutil.NoSuchProcess:
            return float("nan")
        return float(total)

    def start_sampling(self, database_name: str | None = None, interval: float = 0.5) -> None:
        """Sample gunicorn's CPU time in the background, to charge a time window of the run; with a
        PostgreSQL database name, also the CPU time of the server backends connected to it."""
        self.samples: list[tuple[float, float, float]] = []
        self._sampling = threading.Event()
        backends: dict[int, float] = {}  # pid -> CPU seconds last seen (ended ones keep their last)

        def database_cpu() -> float:
            import psutil

            if database_name is None:
                return 0.0
            for process in psutil.process_iter(["cmdline"]):
                cmdline = " ".join(process.info["cmdline"] or [])
                if cmdline.startswith("postgres:") and f" {database_name} " in f"{cmdline} ":
                    with contextlib.suppress(psutil.Error):
                        times = process.cpu_times()
                        backends[process.pid] = times.user + times.system
            return sum(backends.values())

        def sample() -> None:
            while not self._sampling.wait(interval):
                self.samples.append((time.time(), self.cpu_seconds(), database_cpu()))

        threading.Thread(target=sample, daemon=True).start()

    def cpu_between(self, begin: float, end: float, *, database: bool = False) -> float:
        """CPU seconds spent between two wall-clock times (nearest samples): gunicorn's, or the
        database backends'."""
        inside = [sample[2 if database else 1] for sample in self.samples if begin <= sample[0] <= end]
        return inside[-1] - inside[0] if len(inside) >= 2 else float("nan")

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn が起動しませんでした:\n{self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.host}/login/", timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        raise SystemExit(f"gunicorn が {timeout:.0f} 秒以内に応答しませんでした。")

    def stop(self) -> str:
        if hasattr(self, "_sampling"):
            self._sampling.set()
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log_file.close()
        text = self.log_path.read_text(errors="replace")
        self.log_path.unlink(missing_ok=True)
        return text


# --- Locust ---------------------------------------------------------------------------------------


def run_locust(
    host: str, plan: Path, *, mode: str, users: int, seconds: int, spawn_rate: float, workdir: Path
) -> list[dict[str, Any]]:
    results = workdir / f"{mode}.jsonl"
    env = {
        **os.environ,
        "LOAD_PLAN": str(plan),
        "LOAD_RESULTS": str(results),
        "LOAD_MODE": mode,
        "LOAD_USERS": str(users),
        "LOAD_SECONDS": str(seconds),
    }
    command = [
        str(VENV_BIN / "locust"),
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(spawn_rate),
        "--run-time",  # the locustfile quits `seconds` after the last login; this is a backstop
        f"{seconds + LOGIN_ALLOWANCE_S}s",
        "--host",
        host,
        "--only-summary",
        "--stop-timeout",
        "30",
        "--csv",
        str(workdir / mode),
        "--loglevel",
        "WARNING",
    ]
    log(f"# locust {mode}: {users} users, {seconds} s")
    try:
        done = subprocess.run(
            command, cwd=REPO, env=env, capture_output=True, text=True, timeout=seconds + LOGIN_ALLOWANCE_S + 120
        )
    except subprocess.TimeoutExpired as expired:
        raise SystemExit(f"locust が終わりませんでした({expired.timeout:.0f} 秒)。") from None
    if not results.exists():
        sys.stderr.write(done.stdout[-3000:] + done.stderr[-3000:])
        raise SystemExit("locust が結果を残しませんでした。")
    # Kept for a closer look (every request: name, ms, ok, start).
    shutil.copyfile(results, BENCH_DIR / f"load-last-{mode}.jsonl")
    return [json.loads(line) for line in results.read_text(encoding="utf-8").splitlines() if line]


def machine_state() -> dict[str, Any]:
    load1, load5, _ = os.getloadavg()
    return {"cpus": os.cpu_count(), "loadavg_1m": round(load1, 2), "loadavg_5m": round(load5, 2)}


def report_errors(rows: list[dict[str, Any]], label: str) -> None:
    failed = [row for row in rows if not row["ok"]]
    seen: dict[str, int] = {}
    for row in failed:
        key = f"{row['name']}: {row.get('error', '')}"
        seen[key] = seen.get(key, 0) + 1
    for key, n in sorted(seen.items(), key=lambda item: -item[1])[:15]:
        log(f"# {label} error ×{n}: {key}")


def measured_window(rows: list[dict[str, Any]], seconds: int) -> tuple[list[dict[str, Any]], float]:
    """The work requests started in the measured time: from "_go" (every user logged in) on."""
    go = next((row["start"] for row in rows if row["name"] == "_go"), None)
    if go is None:
        raise SystemExit("locust の結果に計測開始の印(_go)がありません: 全員のログインが終わりませんでした。")
    work = [
        row for row in rows if row["name"] not in ("_go", "login", "login_form") and go <= row["start"] < go + seconds
    ]
    return work, go


# --- profile --------------------------------------------------------------------------------------


def print_profile(profile_dir: Path) -> None:
    import pstats

    files = sorted(profile_dir.glob("*.prof"))
    if not files:
        log("# no profile written")
        return
    stats = pstats.Stats(str(files[0]), stream=sys.stderr)
    for extra in files[1:]:
        stats.add(str(extra))
    log(f"# CPU profile of {len(files)} gunicorn workers (process time), top by cumulative:")
    stats.sort_stats("cumulative").print_stats(45)
    log("# top by own time:")
    stats.sort_stats("tottime").print_stats(30)


# --- main -----------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--users", type=int, default=None, help="同時に作業する利用者数(既定 50、引数なしの実行では 20)"
    )
    parser.add_argument("--seconds", type=int, default=None, help="通常の負荷の秒数(既定 60、引数なしでは 30)")
    parser.add_argument("--customers", type=int, default=None, help="顧客数(既定 100000、引数なしでは 10000)")
    parser.add_argument("--db-url", default=None, help="PostgreSQL サーバーの URL(省略時は SQLite)")
    parser.add_argument("--saturation-seconds", type=int, default=None, help="飽和試験の秒数(0 で省略)")
    parser.add_argument("--spawn-rate", type=float, default=5, help="1 秒あたりに開始する利用者数(既定 5)")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1), help="gunicorn のプロセス数")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn のプロセスあたりのスレッド数")
    parser.add_argument("--profile", type=Path, default=None, help="cProfile の結果を置くディレクトリ")
    parser.add_argument("--no-preload", action="store_true", help="gunicorn を --preload なしで起動する(比較用)")
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=None,
        help="実験用: SQLite でも持続的な DB 接続(CONN_MAX_AGE 秒)で gunicorn を動かす(bench/_load_settings.py)",
    )
    parser.add_argument("--rebuild", action="store_true", help="用意済みのデータベースを作り直す")
    parser.add_argument("--prepare-only", action="store_true", help="データベースを用意するだけで終える")
    args = parser.parse_args()

    quick = args.users is None and args.seconds is None
    users = args.users or (20 if quick else 50)
    seconds = args.seconds or (30 if quick else 60)
    customers = args.customers or (10_000 if quick else 100_000)
    saturation = args.saturation_seconds if args.saturation_seconds is not None else (20 if quick else min(seconds, 60))

    database: SqliteDatabase | PostgresDatabase
    if args.db_url and not args.db_url.startswith("sqlite"):
        database = PostgresDatabase(args.db_url, customers)
    else:
        database = SqliteDatabase(customers)
    # One run per database at a time: a second would replace the database under the first's server.
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    lock = (BENCH_DIR / f"load-{database.kind}-{customers}.lock").open("a")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise SystemExit(f"同じデータベースで別の bench/load.py が実行中です({lock.name})。") from None
    build_seconds = database.prepare(rebuild=args.rebuild)
    env = production_env(database.url, database.run_checkpoints)
    tags: dict[str, Any] = {"db": database.kind, "customers": customers, "users": users}
    if build_seconds is not None:
        emit(BENCH, "load_prepare_seconds", build_seconds, "s", **tags)
    if args.prepare_only:
        return 0

    failed = False
    with tempfile.TemporaryDirectory(prefix="tsunagu-load-") as tmp:
        workdir = Path(tmp)
        plan = workdir / "plan.json"
        draw_plan(env, plan)

        if args.profile is not None:
            args.profile.mkdir(parents=True, exist_ok=True)
            for old in args.profile.glob("*.prof"):
                old.unlink()
        server_env = dict(env)
        tags.update(workers=args.workers, threads=args.threads, preload=not args.no_preload)
        if args.conn_max_age is not None:
            tags["conn_max_age"] = args.conn_max_age
            server_env.update(
                DJANGO_SETTINGS_MODULE="_load_settings",
                LOAD_CONN_MAX_AGE=str(args.conn_max_age),
                PYTHONPATH=os.pathsep.join(filter(None, [str(REPO / "bench"), os.environ.get("PYTHONPATH")])),
            )
        server = Server(
            server_env,
            workers=args.workers,
            threads=args.threads,
            preload=not args.no_preload,
            profile_dir=args.profile,
        )
        try:
            server.wait_ready()
            server.start_sampling(database.run_name if isinstance(database, PostgresDatabase) else None)
            state = machine_state()
            log(f"# paced run; machine {state}")
            rows = run_locust(
                server.host, plan, mode="paced", users=users, seconds=seconds, spawn_rate=args.spawn_rate,
                workdir=workdir,
            )  # fmt: skip
            state_after = machine_state()
            saturation_rows: list[dict[str, Any]] = []
            saturation_state: dict[str, Any] = {}
            if saturation:
                saturation_state = machine_state()
                saturation_rows = run_locust(
                    server.host, plan, mode="saturation", users=users, seconds=saturation,
                    spawn_rate=max(args.spawn_rate, users / 5), workdir=workdir,
                )  # fmt: skip
        finally:
            server_log = server.stop()
        if args.profile is not None:
            print_profile(args.profile)
        tracebacks = server_log.count("Traceback")
        if tracebacks:
            log(f"# gunicorn log has {tracebacks} tracebacks; the last:\n{server_log[-4000:]}")

    errors = sum(not row["ok"] for row in rows)
    report_errors(rows, "paced")
    work, go = measured_window(rows, seconds)
    logins = [row for row in rows if row["name"] == "login"]
    emit(BENCH, "load_requests", len(work), "requests", seconds=seconds, **tags, **state)
    emit(BENCH, "load_errors", errors, "errors", **tags)
    for p in (50, 95, 99):
        emit(BENCH, f"load_p{p}_ms", percentile([row["ms"] for row in work], p), "ms", **tags)
    emit(BENCH, "load_requests_per_second", len(work) / seconds, "requests/s", **tags)
    for name in sorted({row["name"] for row in work + logins}):
        times = [row["ms"] for row in work + logins if row["name"] == name]
        for p in (50, 95, 99):
            emit(BENCH, f"p{p}_ms_{name}", percentile(times, p), "ms", requests=len(times), **tags)
    if work:
        cpu = server.cpu_between(go, go + seconds)
        emit(BENCH, "server_cpu_ms_per_request", cpu * 1000 / len(work), "ms", requests=len(work), **tags)
        if database.kind == "postgresql":
            cpu = server.cpu_between(go, go + seconds, database=True)
            emit(BENCH, "database_cpu_ms_per_request", cpu * 1000 / len(work), "ms", **tags)
    log(f"# {len(logins)} logins before the measured {seconds} s (p*_ms_login; not in load_p95_ms)")
    log(f"# machine after the paced run: {state_after}")

    if saturation_rows:
        report_errors(saturation_rows, "saturation")
        sat_errors = sum(not r["ok"] for r in saturation_rows)
        steady, go = measured_window(saturation_rows, saturation)
        if steady:
            # Requests started per second; the maximum is the best sustained 5 s, the mean is reported too.
            buckets = [0] * saturation
            for r in steady:
                buckets[min(saturation - 1, int(r["start"] - go))] += 1
            best = max(sum(buckets[i : i + 5]) / len(buckets[i : i + 5]) for i in range(max(1, saturation - 4)))
            emit(BENCH, "max_requests_per_second", best, "requests/s", **tags, **saturation_state)
            emit(BENCH, "saturation_mean_requests_per_second", len(steady) / saturation, "requests/s", **tags)
            emit(BENCH, "saturation_requests", len(steady), "requests", seconds=saturation, **tags)
            for p in (50, 95, 99):
                emit(BENCH, f"saturation_p{p}_ms", percentile([r["ms"] for r in steady], p), "ms", **tags)
            for name in sorted({r["name"] for r in steady}):
                times = [r["ms"] for r in steady if r["name"] == name]
                for p in (50, 95, 99):
                    emit(BENCH, f"saturation_p{p}_ms_{name}", percentile(times, p), "ms", requests=len(times), **tags)
            cpu = server.cpu_between(go, go + saturation)
            emit(BENCH, "saturation_server_cpu_ms_per_request", cpu * 1000 / len(steady), "ms", **tags)
            if database.kind == "postgresql":
                cpu = server.cpu_between(go, go + saturation, database=True)
                emit(BENCH, "saturation_database_cpu_ms_per_request", cpu * 1000 / len(steady), "ms", **tags)
        emit(BENCH, "saturation_errors", sat_errors, "errors", **tags)
        errors += sat_errors

    verified = run_manage(["verify_access_log"], env)
    sys.stderr.write(verified.stdout + verified.stderr)
    emit(BENCH, "access_log_verifies", int(verified.returncode == 0), "bool", **tags)
    failed = errors > 0 or verified.returncode != 0 or tracebacks > 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
