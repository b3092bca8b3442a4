"""Shared fixtures: start the real wonpay binary on a free loopback port.

Every server is the ASan+UBSan build (WONPAY_BIN, set by `make test`), with its
own temporary database. When a server stops, its stderr is searched for
sanitizer reports and its exit status must be 0: a memory error or undefined
behaviour anywhere fails the test that owned the server.

WONPAY_TEST_DB=postgres (`make test-pg`) runs the same tests on PostgreSQL: one
throwaway cluster for the session (scripts/pg_cluster.sh, stopped at exit), and
for every SQLite file a test would have used, a database of its own. Server.db
is then a PgDatabase: str() is its URL (what --db takes), .parent the directory
of its sandbox/ files (the server's --data-dir). One data key serves the
session (WONPAY_DATA_KEY_FILE), so the CLI finds it given only --db.
"""
import atexit
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = str(Path(os.environ.get("WONPAY_BIN", ROOT / "build/asan/wonpay")).resolve())
SANDBOX_TOKEN = "aqr_sandbox_token"
SANDBOX_EMAIL = "sandbox@example.com"
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                   "SUMMARY: UndefinedBehaviorSanitizer")

ON_PG = os.environ.get("WONPAY_TEST_DB", "sqlite") == "postgres"
STORE = "postgres" if ON_PG else "sqlite"
PSQL = "/usr/bin/psql"


def sqlite_only(reason):
    """The few tests that are about the SQLite file itself (its bytes, its removal)."""
    return pytest.mark.skipif(ON_PG, reason=f"SQLite only: {reason}")


class PgCluster:
    """A throwaway cluster (scripts/pg_cluster.sh) in a directory of its own under /tmp,
    which `nobody` can reach when the tests run as root."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="wonpay-pg-", dir="/tmp"))
        self.url = self.script("start")

    def script(self, cmd):
        out = subprocess.run([str(ROOT / "scripts/pg_cluster.sh"), cmd, str(self.dir)],
                             capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            raise RuntimeError(f"pg_cluster.sh {cmd} failed:\n{out.stderr}")
        return out.stdout.strip()

    def start(self):
        self.script("start")

    def stop(self):
        self.script("stop")

    def url_of(self, name):
        return self.url.rsplit("/", 1)[0] + "/" + name

    def psql(self, sql, db="postgres"):
        out = subprocess.run([PSQL, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                              "-F", "\x1f", "-R", "\x1e", self.url_of(db), "-c", sql],
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, f"psql: {out.stderr}"
        return [tuple(row.split("\x1f")) for row in out.stdout.rstrip("\n").split("\x1e")
                if row]

    def create(self, name):
        assert re.fullmatch(r"[a-z0-9_]+", name)
        self.psql(f'CREATE DATABASE "{name}"')
        return self.url_of(name)

    def remove(self):
        try:
            self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


class PgDatabase(str):
    """A PostgreSQL database where a test expects a SQLite file: str() is the URL,
    .parent the directory its server keeps data.key and sandbox/ in."""

    def __new__(cls, url, parent, name):
        o = super().__new__(cls, url)
        o.parent = Path(parent)
        o.name = name
        return o


_pg = None
_pg_databases = {}
_pg_lock = threading.Lock()  # test_stop makes servers from two threads


@pytest.fixture
def own_cluster():
    """A cluster of the test's own (not the session's): it may be stopped, crashed or
    frozen under running servers."""
    c = PgCluster()
    try:
        yield c
    finally:
        c.remove()


def pg():
    """The session's cluster, started on first use and removed at exit."""
    global _pg
    with _pg_lock:
        if _pg is None:
            _pg = PgCluster()
            atexit.register(_pg.remove)
            key = _pg.dir / "data.key"
            key.write_text(os.urandom(32).hex() + "\n")
            key.chmod(0o600)
            os.environ["WONPAY_DATA_KEY_FILE"] = str(key)
        return _pg


def database(path):
    """What stands for the SQLite file `path`: the path itself, or (PostgreSQL) the
    database made for it — the same one every time the same path is asked for."""
    if not ON_PG or isinstance(path, PgDatabase):
        return path
    path = Path(path).resolve()
    cluster = pg()
    with _pg_lock:
        if str(path) not in _pg_databases:
            name = f"wp{os.getpid()}_{len(_pg_databases) + 1}"
            _pg_databases[str(path)] = PgDatabase(cluster.create(name), path.parent, name)
        return _pg_databases[str(path)]


def query(db, sql):
    """Rows of a read-only query on a server's database, as tuples of strings (PostgreSQL)
    or of SQLite's values."""
    if isinstance(db, PgDatabase):
        return pg().psql(sql, db.name)
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


class Server:
    def __init__(self, workdir, args=(), env=None, db=None):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.db = database(db if db else self.workdir / "wonpay.db")
        self.args = list(args)
        self.env = dict(os.environ)
        self.env.update({
            "ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0:halt_on_error=1",
            "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1",
        })
        if env:
            self.env.update(env)
        self.proc = None
        self.starts = 0

    def start(self):
        self.starts += 1
        self.out_path = self.workdir / f"stdout.{self.starts}.log"
        self.err_path = self.workdir / f"stderr.{self.starts}.log"
        cmd = [BIN, "serve", "--listen", "127.0.0.1:0", "--db", str(self.db)] + self.args
        if ON_PG:
            cmd += ["--data-dir", str(self.db.parent)]
        self.proc = subprocess.Popen(cmd, stdout=open(self.out_path, "wb"),
                                     stderr=open(self.err_path, "wb"), env=self.env,
                                     cwd=self.workdir)
        deadline = time.time() + 30
        while time.time() < deadline:
            text = self.out_path.read_text(errors="replace")
            m = re.search(r"listening on (http://127\.0\.0\.1:(\d+))", text)
            if m:
                self.url = m.group(1)
                self.port = int(m.group(2))
                return self
            if self.proc.poll() is not None:
                raise RuntimeError(f"wonpay exited with {self.proc.returncode}:\n"
                                   + self.err_path.read_text(errors="replace"))
            time.sleep(0.05)
        raise RuntimeError("wonpay did not start within 30 s")

    def stderr(self):
        return self.err_path.read_text(errors="replace")

    def stdout(self):
        return self.out_path.read_text(errors="replace")

    def check_sanitizers(self):
        text = self.stderr()
        for mark in SANITIZER_MARKS:
            assert mark not in text, f"sanitizer report in wonpay's stderr:\n{text[-6000:]}"

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Graceful stop; asserts exit 0, no sanitizer report, and a clean ledger."""
        if self.proc is None:
            return
        self.proc.send_signal(sig)
        code = self.proc.wait(timeout=timeout)
        self.proc = None
        self.check_sanitizers()
        assert code == 0, f"wonpay exited with {code}:\n{self.stderr()[-4000:]}"
        self.verify_ledger()

    def verify_ledger(self):
        out = subprocess.run([BIN, "ledger", "verify", "--db", str(self.db)],
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0 and "ledger verify: ok" in out.stdout, \
            f"ledger verify failed:\n{out.stdout}\n{out.stderr}"

    def avoid_bank_night(self):
        """Moves the sandbox clock to 02:00 KST if it is near the banks' nightly
        maintenance (23:30-00:30 KST), so tests that move money pass at any hour."""
        minute = self.admin("GET", "/sandbox/clock").json()["bank_minute_kst"]
        if minute >= 23 * 60 or minute < 60:
            advance = ((2 * 60) - minute) % (24 * 60)
            r = self.admin("POST", "/sandbox/clock", {"advance_seconds": advance * 60})
            assert r.status_code == 200, r.text
        return self

    # Convenience for the sandbox control API
    def admin(self, method, path, json=None, token="sandbox-admin-token", **kw):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return requests.request(method, self.url + path, json=json, headers=headers,
                                timeout=30, **kw)

    def kill(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    # Convenience for AQR calls
    def aqr(self, data, token=SANDBOX_TOKEN, headers=None, **kw):
        h = {"Content-Type": "application/x-www-form-urlencoded"}
        if token is not None:
            h["AQR-DEVELOPER-TOKEN"] = token
        h.update(headers or {})
        return requests.post(self.url + "/api/", data=data, headers=h, timeout=30, **kw)


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """One sandbox server shared by the tests that need no special settings; its clock
    away from the banks' nightly maintenance, so money moves at any hour of the run."""
    s = Server(tmp_path_factory.mktemp("wonpay"), ["--sandbox", "--rate-limit", "0"]).start()
    s.avoid_bank_night()
    yield s
    s.stop()


@pytest.fixture
def make_server(tmp_path):
    """Factory for servers with their own settings; each is stopped (and checked) after."""
    made = []

    def make(args=("--sandbox",), env=None, name="srv"):
        s = Server(tmp_path / f"{name}{len(made)}", args, env)
        made.append(s)
        return s.start()

    yield make
    stop_all(made)


def pg_only(reason):
    """Tests of several processes on one database: PostgreSQL alone allows that."""
    return pytest.mark.skipif(not ON_PG, reason=f"PostgreSQL only: {reason}")


@pytest.fixture
def make_processes(tmp_path):
    """Factory: n wonpay processes serving one database (PostgreSQL), each with its
    own port and logs, sharing the data directory. Each is stopped (and checked,
    the ledger verified) after the test."""
    made = []

    def make(n=3, args=("--sandbox", "--rate-limit", "0"), env=None, name="shared"):
        db = tmp_path / f"{name}.db"
        group = [Server(tmp_path / f"{name}-p{i}", args, env, db=db) for i in range(n)]
        made.extend(group)
        # started together, as an operator's units would: the sandbox seeding races
        starters = [threading.Thread(target=s.start) for s in group]
        for t in starters:
            t.start()
        for t in starters:
            t.join()
        for s in group:
            assert getattr(s, "url", None), f"a process did not start:\n{s.stderr()}"
        return group

    yield make
    stop_all(made)


def stop_all(servers):
    """Stops every server, even when stopping (or verifying) one of them fails: the first
    failure is raised once all are stopped."""
    failure = None
    for s in servers:
        try:
            if s.proc is not None:
                s.stop()
        except Exception as e:  # noqa: BLE001 - re-raised below
            failure = failure or e
            s.kill()
    if failure is not None:
        raise failure


def create_body(**over):
    """The spec's create sample, with the sandbox email substituted."""
    fields = {
        "email_address": SANDBOX_EMAIL,
        "account_number": "1234567894321",
        "bank_id": "1",
        "account_owner": "홍길동",
        "phone_number": "01012341234",
        "account_name": "회비 계좌",
        "action": "create",
    }
    fields.update(over)
    return {k: v for k, v in fields.items() if v is not None}


# ---- headless Chromium for tests/browser (selenium + chromium-driver) ----
# Chromium and chromedriver are required: if either is missing the tests FAIL
# (`make test` installs them), they are never skipped.
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    for path in (CHROMIUM, CHROMEDRIVER):
        assert os.path.isfile(path) and os.access(path, os.X_OK), \
            f"{path} is missing: install chromium and chromium-driver (make test does)"
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--window-size=390,844"):
        opts.add_argument(flag)
    opts.add_argument("--user-data-dir=" + str(tmp_path_factory.mktemp("chromium-profile")))
    drv = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)
    drv.set_page_load_timeout(30)
    # Headless Chromium will not make a window narrower than 500 CSS px whatever
    # --window-size says, so emulate the phone's viewport (390x844) explicitly.
    drv.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                        {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True})
    try:
        yield drv
    finally:
        drv.quit()


