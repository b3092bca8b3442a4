"""The operator's page, run as written: README "Several processes on one PostgreSQL".

Every fenced block of that section follows an `<!-- operator: run NAME -->` or
`<!-- operator: file PATH -->` comment; each is taken from the README itself and run
with bash (or written to PATH), changing only the values the section names as the
operator's own: the database host, port and sslmode, pay.example.com and port 443,
the ports 8081-8083, and the directories and files it lists, all moved under one
temporary directory. `wonpay` on PATH is WONPAY_BIN; `nginx` on PATH is the system's
with the test's prefix and main file, which includes the README's file as Debian's
nginx.conf includes conf.d/.

Through nginx (TLS, a self-signed certificate at the README's paths): the spec's AQR
create, its landing page served by more than one process (nginx's log, each
process's /metrics and X-Request-Id agree), a delete seen by every process at once,
concurrent sandbox transfers spread over the processes that never overdraw, replays
answered by any process, the body limit; the page's claims of what is shared (the
sandbox clock; another data key refused) and what each process keeps for itself
(bank faults, the request journal, metrics); the rolling restart of one
process under load without a failed request; a backup taken while transfers run,
restored, `ledger verify` on it, and a process serving the restored database with
the same key. Then the README's stop: every process must exit 0 without a sanitizer
report, and the database's ledger must verify.

The README's shell starts the processes (`nohup ... &`), so they are not this test's
children: the test makes itself a child subreaper (prctl) to wait for them and read
their exit status.
"""
import ctypes
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from conftest import BIN, ROOT, SANDBOX_TOKEN, SANITIZER_MARKS, create_body, pg, pg_only

pytestmark = pg_only("several processes on one database: the operator's page")

SECTION = "### Several processes on one PostgreSQL"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
ADMIN = {"Authorization": "Bearer sandbox-admin-token"}
# The operator's own paths, as the section lists them; each is moved under the test's directory.
PATHS = ("/etc/wonpay", "/var/lib/wonpay", "/var/log/wonpay", "/run/wonpay", "/var/backups/wonpay",
         "/etc/nginx/conf.d/wonpay.conf", "/var/log/nginx/wonpay.log",
         "/etc/ssl/certs/pay.example.com.pem", "/etc/ssl/private/pay.example.com.key",
         "/etc/systemd/system/wonpay@.service")
HONG = ("004", "11111111111")  # sandbox fixtures
KIM = ("088", "22222222222")
PR_SET_CHILD_SUBREAPER = 36


def readme_blocks():
    """{name: (kind, text)} of the marked blocks of the section; every block is marked."""
    lines = (ROOT / "README.md").read_text().split("\n")
    start = lines.index(SECTION)
    end, fenced = len(lines), False
    for i in range(start + 1, len(lines)):  # to the next heading outside a code block
        fenced ^= lines[i].startswith("```")
        if not fenced and re.match(r"#{1,3} ", lines[i]):
            end = i
            break
    body = "\n".join(lines[start:end])
    found = re.findall(r"<!-- operator: (run|file) (\S+) -->\n```[a-z]*\n(.*?)```\n", body, re.S)
    assert body.count("```") == 2 * len(found), "a block of the section is not marked"
    blocks = {}
    for kind, name, code in found:
        assert name not in blocks, f"two blocks named {name}"
        blocks[name] = (kind, code)
    return blocks


def free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def wire(id_, from_, to, amount):
    return {"id": id_, "from": {"bank_code": from_[0], "account_number": from_[1]},
            "to": {"bank_code": to[0], "account_number": to[1]}, "amount": amount}


def process_of(r):
    """The 8 hex digits of X-Request-Id that name the process that answered."""
    return r.headers["X-Request-Id"][:8]


class Reaper:
    """Waits for processes this test adopted as their subreaper; their exit statuses."""

    def __init__(self):
        self.status = {}
        self.lock = threading.Lock()

    def watch(self, pid):
        def wait():
            try:
                _, st = os.waitpid(pid, 0)
                code = os.waitstatus_to_exitcode(st)
            except ChildProcessError:
                code = "not a child"
            with self.lock:
                self.status[pid] = code
        threading.Thread(target=wait, daemon=True).start()

    def exited(self, pid, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                if pid in self.status:
                    return self.status[pid]
            time.sleep(0.05)
        raise AssertionError(f"process {pid} did not exit within {timeout} s")


class Load:
    """Sandbox transfers through nginx from a thread, paced, until stopped; every answer kept."""

    def __init__(self, base, verify, tag):
        self.base, self.verify, self.tag = base, verify, tag
        self.answers = []
        self.stop_flag = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        s = requests.Session()
        s.trust_env = False
        n = 0
        while not self.stop_flag.is_set():
            n += 1
            # As a client of the transfer API does: a request whose answer was lost (nginx's
            # reload closes idle keep-alive connections, and a POST sent on one just then
            # gets no answer) is sent again with the same id, which makes it safe: 201 if
            # the first never arrived, 200 "replayed" if it did. Only the last try is kept.
            for attempt in range(3):
                try:
                    r = s.post(self.base + "/sandbox/transfers", headers=ADMIN,
                               verify=self.verify, json=wire(f"{self.tag}-{n}", KIM, HONG, 1),
                               timeout=30)
                    ok = r.status_code == 201 or (attempt > 0 and r.status_code == 200 and
                                                  r.json().get("replayed") is True)
                    self.answers.append((201 if ok else r.status_code,
                                         r.headers.get("X-Request-Id", ""), r.text))
                    break
                except requests.ConnectionError as e:
                    if attempt == 2:
                        self.answers.append((0, "", repr(e)))
                    s = requests.Session()
                    s.trust_env = False
                except requests.RequestException as e:
                    self.answers.append((0, "", repr(e)))
                    break
            time.sleep(0.02)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_flag.set()
        self.thread.join(timeout=60)


class Page:
    """The section's blocks with the operator's values replaced by the test's, run or written."""

    def __init__(self, root, pg_port, ports, https_port):
        self.root = root
        self.pg_port = pg_port
        self.ports = ports
        self.https_port = https_port
        self.blocks = readme_blocks()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("WONPAY_")}
        self.env.update({
            "PATH": f"{root}/bin:{os.environ['PATH']}",
            "ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0:halt_on_error=1",
            "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1",
        })

    def path(self, p):
        return Path(f"{self.root}{p}")

    def sub(self, text):
        """Each of the operator's values replaced once (one pass each), nothing else."""
        text = re.sub(r"\b808([123])\b", lambda m: str(self.ports[int(m.group(1)) - 1]), text)
        text = text.replace("listen 443 ssl;", f"listen 127.0.0.1:{self.https_port} ssl;")
        paths = "|".join(re.escape(p) for p in sorted(PATHS, key=len, reverse=True))
        text = re.sub(paths, lambda m: f"{self.root}{m.group(0)}", text)
        text = re.sub(r"postgres://wonpay@db\.example:5432/(\w+)\?sslmode=verify-full",
                      rf"postgres://wonpay@127.0.0.1:{self.pg_port}/\1", text)
        text = text.replace("https://pay.example.com", f"https://127.0.0.1:{self.https_port}")
        for left in ("db.example", "sslmode", "https://pay.example.com", "listen 443"):
            assert left not in text, f"{left!r} left in:\n{text}"
        assert not re.search(r"(?<![\w/.-])/(etc|var|run)/", text), f"a path left in:\n{text}"
        return text

    def code(self, name, kind):
        assert name in self.blocks, f"the README's section has no block {name}"
        assert self.blocks[name][0] == kind, name
        return self.sub(self.blocks[name][1])

    def write(self, path):
        target = self.path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(self.code(path, "file"))
        return target

    def run(self, name, timeout=180):
        out = subprocess.run(["bash", "-e", "-c", self.code(name, "run")],
                             env=self.env, cwd=self.root, stdin=subprocess.DEVNULL,
                             capture_output=True, text=True, timeout=timeout)
        assert out.returncode == 0, (f"README block {name} failed ({out.returncode}):\n"
                                     f"{out.stdout}\n{out.stderr}\n{self.logs()}")
        return out.stdout

    def pid(self, port):
        return int(self.path(f"/run/wonpay/{port}.pid").read_text())

    def log(self, port):
        p = self.path(f"/var/log/wonpay/{port}.log")
        return p.read_text(errors="replace") if p.exists() else ""

    def logs(self):
        return "\n".join(f"--- {port}.log\n{self.log(port)[-3000:]}" for port in self.ports)


def nginx_main_conf(root):
    """What nginx's own nginx.conf holds on a Debian machine, in the test's directory."""
    d = f"{root}/nginx"
    return f"""worker_processes 2;
pid {d}/nginx.pid;
error_log {d}/error.log notice;
events {{ worker_connections 1024; }}
http {{
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    include {root}/etc/nginx/conf.d/*.conf;
}}
"""


def metric(port, route):
    text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    m = re.search(r'^wonpay_http_requests_total\{surface="[a-z]+",route="' + re.escape(route)
                  + r'",method="GET",status="200"\} (\d+)$', text, re.M)
    return int(m.group(1)) if m else 0


def test_operator_page():
    cluster = pg()  # before the subreaper: its postgres must not become our child
    pg_port = int(re.search(r":(\d+)/", cluster.url).group(1))
    root = Path(tempfile.mkdtemp(prefix="wonpay-operator-", dir="/tmp"))
    root.chmod(0o755)  # nginx's workers (nobody, as root) write their temporary files here
    ports = free_ports(5)
    page = Page(root, pg_port, ports[:3], ports[3])
    base = f"https://127.0.0.1:{ports[3]}"
    libc = ctypes.CDLL(None, use_errno=True)
    assert libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    reaper = Reaper()
    nginx = restored = None
    started = []  # pids the README started
    try:
        # The machine: wonpay and nginx on PATH, nginx's directories, a certificate.
        (root / "bin").mkdir()
        (root / "bin/wonpay").symlink_to(BIN)
        (root / "bin/nginx").write_text(
            f"#!/bin/sh\nexec {NGINX} -p {root}/nginx/ -c {root}/nginx/nginx.conf "
            f"-e {root}/nginx/error.log \"$@\"\n")
        (root / "bin/nginx").chmod(0o755)
        (root / "nginx").mkdir()
        (root / "nginx/nginx.conf").write_text(nginx_main_conf(root))
        for d in ("/var/log/nginx", "/etc/ssl/certs", "/etc/ssl/private"):
            page.path(d).mkdir(parents=True)
        cert = page.path("/etc/ssl/certs/pay.example.com.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-keyout", str(page.path("/etc/ssl/private/pay.example.com.key")),
                        "-out", str(cert), "-subj", "/CN=pay.example.com",
                        "-addext", "subjectAltName=DNS:pay.example.com,IP:127.0.0.1"],
                       check=True, capture_output=True, timeout=60)
        # The database the section takes as given: empty, owned by wonpay.
        for db in ("wonpay_restored", "wonpay"):
            cluster.psql(f"DROP DATABASE IF EXISTS {db}")
        cluster.psql("CREATE DATABASE wonpay OWNER wonpay")
        main_url = f"postgres://wonpay@127.0.0.1:{pg_port}/wonpay"

        # --- set-up, settings, migrations
        page.run("setup")
        key = page.path("/etc/wonpay/data.key")
        assert re.fullmatch(r"[0-9a-f]{64}\n", key.read_text()) and key.stat().st_mode & 0o077 == 0
        env_file = page.write("/etc/wonpay/wonpay.env")
        page.run("sandbox")
        assert env_file.read_text().endswith("WONPAY_SANDBOX=1\n")
        settings = dict(line.split("|") for line in page.run("pg-settings").split("\n")
                        if "|" in line)
        assert settings["fsync"] == settings["full_page_writes"] == "on", settings
        assert settings["synchronous_commit"] == "on", settings
        assert settings["idle_in_transaction_session_timeout"] == "30000", settings
        assert int(settings["max_connections"]) >= 3 * (4 + 3) + int(
            settings["superuser_reserved_connections"]) + 2, settings
        assert "schema version 1 (postgres)" in page.run("migrate")

        # The systemd unit starts what the shell block starts, with the same settings.
        unit = page.write("/etc/systemd/system/wonpay@.service").read_text()
        assert f"EnvironmentFile={env_file}\n" in unit
        assert re.search(r"^ExecStart=/usr/local/bin/wonpay serve --listen 127\.0\.0\.1:%i$",
                         unit, re.M)
        assert 'wonpay serve --listen "127.0.0.1:$port"' in page.code("start", "run")

        # --- nginx: the README's file, checked, then served
        conf = page.write("/etc/nginx/conf.d/wonpay.conf")
        retry = re.findall(r"^\s*proxy_next_upstream\s+([^;]*);", conf.read_text(), re.M)
        assert retry and set(retry[0].split()) <= {"error", "timeout"}, retry  # POSTs never again
        check = subprocess.run([str(root / "bin/nginx"), "-t"], capture_output=True, text=True,
                               timeout=30)
        assert check.returncode == 0, check.stderr
        nginx = subprocess.Popen([str(root / "bin/nginx"), "-g", "daemon off;"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        # --- three processes
        page.run("start")
        for port in page.ports:
            pid = page.pid(port)
            started.append(pid)
            reaper.watch(pid)
            assert f"listening on http://127.0.0.1:{port}" in page.log(port)
            assert f"database postgres://wonpay@127.0.0.1:{pg_port}/wonpay" in page.log(port)
        names = {port: process_of(requests.get(f"http://127.0.0.1:{port}/health", timeout=10))
                 for port in page.ports}
        assert len(set(names.values())) == 3, names

        s = requests.Session()
        s.trust_env = False  # else REQUESTS_CA_BUNDLE would win over the certificate
        s.verify = str(cert)

        # The sandbox clock is the database's: moved through nginx (one process), it is every
        # process's (GET /sandbox/clock reads it at once). Moved a minute, or away from the
        # banks' nightly maintenance (23:30-00:30 KST) so money moves at any hour of the run.
        minute = s.get(base + "/sandbox/clock", headers=ADMIN, timeout=30).json()["bank_minute_kst"]
        advance = (((2 * 60) - minute) % 1440) * 60 if minute >= 23 * 60 or minute < 60 else 60
        r = s.post(base + "/sandbox/clock", headers=ADMIN, json={"advance_seconds": advance},
                   timeout=30)
        assert r.status_code == 200 and r.json()["offset_ms"] == advance * 1000, r.text
        for port in page.ports:
            r = requests.get(f"http://127.0.0.1:{port}/sandbox/clock", headers=ADMIN, timeout=10)
            assert r.json()["offset_ms"] == advance * 1000, (port, r.text)

        # Another data key: refused at start, whatever the process.
        other_key = root / "other.key"
        other_key.write_text(os.urandom(32).hex() + "\n")
        out = subprocess.run([BIN, "serve", "--listen", "127.0.0.1:0", "--db", main_url,
                              "--data-dir", str(root / "other"), "--data-key-file", str(other_key)],
                             env=page.env, capture_output=True, text=True, timeout=60)
        assert out.returncode != 0 and "the data key is not the one" in out.stderr, out.stderr

        # --- AQR through nginx: the spec's sample; the landing page from more than one process
        aqr = {"AQR-DEVELOPER-TOKEN": SANDBOX_TOKEN,
               "Content-Type": "application/x-www-form-urlencoded"}
        r = s.post(base + "/api/", data=create_body(), headers=aqr, timeout=30)
        assert r.status_code == 200, r.text
        data = r.json()["data"]
        kw = data["uniq_keyword"]
        assert data["short_url"] == f"{base}/f/{kw}" and data["qr_image"] == f"{base}/res/api/{kw}"
        served = []
        for _ in range(9):
            r = s.get(data["short_url"], timeout=30)
            assert r.status_code == 200 and "1234567894321" in r.text, r.text[:500]
            served.append(process_of(r))
        assert len(set(served)) >= 2, served
        r = s.get(data["qr_image"], timeout=30)
        assert r.status_code == 200 and r.headers["Content-Type"] == "image/png"
        by_metrics = {port: metric(port, "/f/{keyword}") for port in page.ports}
        assert sum(by_metrics.values()) == 9, by_metrics
        assert sum(1 for n in by_metrics.values() if n) >= 2, by_metrics
        logged = re.findall(rf'"GET /f/{kw} HTTP/1.1" 200 .* upstream=127\.0\.0\.1:(\d+) 200 '
                            r'request_id=([0-9a-f]{8})',
                            page.path("/var/log/nginx/wonpay.log").read_text())
        assert len(logged) == 9, logged
        for port in page.ports:  # nginx's log, the metrics and X-Request-Id tell the same
            assert sum(1 for p, _ in logged if int(p) == port) == by_metrics[port], logged
        assert all(names[int(p)] == rid for p, rid in logged), (logged, names)
        assert s.get(base + "/metrics", timeout=30).status_code == 404

        # A second link, kept for the backup; the first deleted: gone from every process at once.
        r = s.post(base + "/api/", data=create_body(account_owner="백업확인"), headers=aqr,
                   timeout=30)
        kept = r.json()["data"]["uniq_keyword"]
        r = s.post(base + "/api/", headers=aqr, timeout=30, data={
            "email_address": "sandbox@example.com", "uniq_keyword": kw, "action": "delete"})
        assert r.json() == {"result": "success"}, r.text
        for port in page.ports:
            assert requests.get(f"http://127.0.0.1:{port}/f/{kw}", timeout=10).status_code == 410

        # --- sandbox transfers through nginx, spread over the processes, never overdrawn
        src = ("088", "7100000001")
        r = s.post(base + "/sandbox/bank-accounts", headers=ADMIN, timeout=30, json={
            "bank_code": src[0], "account_number": src[1], "holder_name": "운영",
            "birth_date": "19900101", "balance": 30_000})
        assert r.status_code == 201, r.text

        def one(i):
            return s.post(base + "/sandbox/transfers", headers=ADMIN, timeout=60,
                          json=wire(f"op-drain-{i}", src, HONG, 1000))

        with ThreadPoolExecutor(max_workers=20) as ex:
            results = list(ex.map(one, range(40)))
        codes = [r.status_code for r in results]
        assert codes.count(201) == 30 and codes.count(422) == 10, codes
        assert {r.json()["result"] for r in results if r.status_code == 422} == {"exceeds_credits"}
        assert len({process_of(r) for r in results if r.status_code == 201}) >= 2
        r = s.get(base + f"/sandbox/bank-accounts/{src[0]}/{src[1]}", headers=ADMIN, timeout=30)
        assert r.json()["balance"] == 0 and r.json()["available"] == 0, r.text
        done = next(i for i, r in enumerate(results) if r.status_code == 201)
        for port in page.ports:  # the same transfer again, on each process: the first answer
            r = requests.post(f"http://127.0.0.1:{port}/sandbox/transfers", headers=ADMIN,
                              json=wire(f"op-drain-{done}", src, HONG, 1000), timeout=30)
            assert r.status_code == 200 and r.json()["replayed"] is True, r.text

        # --- the body limit: nginx's own 413 past 64 KiB; below it wonpay answers
        r = s.post(base + "/api/", headers=aqr, data=b"a" * (64 * 1024 + 1), timeout=30)
        assert r.status_code == 413 and "X-Request-Id" not in r.headers
        r = s.post(base + "/api/", headers=aqr, timeout=30,
                   data=create_body(account_name="x" * 60_000))
        assert r.status_code == 400 and r.headers["Content-Type"].startswith("application/json")

        # --- what each process keeps for itself: bank faults, the request journal
        a, b = (f"http://127.0.0.1:{port}" for port in page.ports[:2])
        r = requests.put(a + "/sandbox/banks/088/fault", headers=ADMIN,
                         json={"mode": "unreachable"}, timeout=10)
        assert r.status_code == 200, r.text
        try:
            assert requests.get(b + "/sandbox/banks/088/fault", headers=ADMIN,
                                timeout=10).json()["mode"] == "none"
            r = requests.post(a + "/sandbox/transfers", headers=ADMIN, json=wire(
                "op-fault-a", HONG, KIM, 1), timeout=30)
            assert r.status_code == 503 and r.json()["error"]["code"] == "bank_unreachable"
            r = requests.post(b + "/sandbox/transfers", headers=ADMIN, json=wire(
                "op-fault-a", HONG, KIM, 1), timeout=30)
            assert r.status_code == 201, r.text
        finally:
            requests.put(a + "/sandbox/banks/088/fault", headers=ADMIN, json={"mode": "none"},
                         timeout=10)
        for port in page.ports:
            journal = requests.get(f"http://127.0.0.1:{port}/sandbox/requests?limit=1000",
                                   headers=ADMIN, timeout=10).json()["requests"]
            assert journal and {e["request_id"][:8] for e in journal} == {names[port]}

        # --- one process restarted under load, without a failed request
        conf_before = conf.read_text()
        old = page.pid(page.ports[1])
        with Load(base, str(cert), "op-roll") as load:
            time.sleep(1)
            page.run("restart-one")
            time.sleep(1)
        assert reaper.exited(old) == 0, page.log(page.ports[1])[-4000:]
        new = page.pid(page.ports[1])
        assert new != old
        started.append(new)
        reaper.watch(new)
        assert conf.read_text() == conf_before
        assert len(load.answers) >= 20, load.answers
        assert [x for x in load.answers if x[0] != 201] == [], load.answers
        names[page.ports[1]] = process_of(
            requests.get(f"http://127.0.0.1:{page.ports[1]}/health", timeout=10))
        after = {process_of(s.get(base + "/health", timeout=30)) for _ in range(6)}
        assert names[page.ports[1]] in after, (after, names)  # back in nginx's rotation

        # --- a backup taken while transfers run, restored, verified, served with the same key
        count = "SELECT count(*) FROM ledger_transfers"
        before = int(cluster.psql(count, "wonpay")[0][0])
        with Load(base, str(cert), "op-backup") as load:
            time.sleep(0.5)
            page.run("backup")
        after_dump = int(cluster.psql(count, "wonpay")[0][0])
        assert [x for x in load.answers if x[0] != 201] == [], load.answers
        assert len(list(page.path("/var/backups/wonpay").glob("wonpay-*.dump"))) == 1
        out = page.run("restore")
        assert "ledger verify: ok" in out, out
        restored_count = int(cluster.psql(count, "wonpay_restored")[0][0])
        assert before <= restored_count <= after_dump, (before, restored_count, after_dump)

        restored_log = root / "restored.log"
        restored = subprocess.Popen(
            [BIN, "serve", "--listen", f"127.0.0.1:{ports[4]}", "--access-log", "off",
             "--db", f"postgres://wonpay@127.0.0.1:{pg_port}/wonpay_restored",
             "--data-dir", str(root / "restored"), "--data-key-file", str(key)],
            env=page.env, stdout=open(restored_log, "wb"), stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while "listening on" not in restored_log.read_text(errors="replace"):
            assert restored.poll() is None and time.time() < deadline, restored_log.read_text()
            time.sleep(0.1)
        r = requests.get(f"http://127.0.0.1:{ports[4]}/f/{kept}", timeout=10)
        assert r.status_code == 200 and "백업확인" in r.text and "1234567894321" in r.text
        restored.send_signal(signal.SIGTERM)
        assert restored.wait(timeout=60) == 0, restored_log.read_text()
        restored = None
        for mark in SANITIZER_MARKS:
            assert mark not in restored_log.read_text(errors="replace")

        # --- the README's stop: every process drains and exits 0
        page.run("stop")
        for pid in started[:1] + started[2:]:
            assert reaper.exited(pid) == 0, page.logs()
        for port in page.ports:
            log = page.log(port)
            assert log.count("wonpay: stopped cleanly") == (2 if port == page.ports[1] else 1)
            for mark in SANITIZER_MARKS:
                assert mark not in log, log[-6000:]
            assert not page.path(f"/run/wonpay/{port}.pid").exists()
        verify = subprocess.run([BIN, "ledger", "verify", "--db", main_url], capture_output=True,
                                text=True, timeout=120)
        assert verify.returncode == 0 and "ledger verify: ok" in verify.stdout, verify.stdout
    finally:
        if restored is not None:
            restored.kill()
            restored.wait()
        for pid in started:
            with reaper.lock:
                gone = pid in reaper.status
            if not gone:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        for pid in started:
            try:
                reaper.exited(pid, timeout=10)
            except AssertionError:
                pass
        if nginx is not None:
            nginx.terminate()
            nginx.wait(timeout=30)
        libc.prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
    shutil.rmtree(root, ignore_errors=True)
