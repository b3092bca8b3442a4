"""The binary itself: CLI, partners, access log, shutdown, sanitizer checking."""
import json
import re
import signal
import socket
import sqlite3
import subprocess
import time

import pytest
import requests

from conftest import BIN, ROOT, SANDBOX_TOKEN, Server, create_body, sqlite_only


def run(*args, timeout=30):
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=timeout)


def test_help_and_version():
    out = run("--help")
    assert out.returncode == 0 and "wonpay serve" in out.stdout and "--public-url" in out.stdout
    out = run("--version")
    assert out.returncode == 0 and re.match(r"wonpay \d+\.\d+\.\d+", out.stdout)
    assert run("bogus").returncode == 2
    assert run("serve", "--threads", "zero").returncode == 2
    assert run("serve", "--nope").returncode == 2


@sqlite_only("reads the file's bytes and rows (test_postgres.py has the PostgreSQL CLI)")
def test_migrate_and_partner_cli(tmp_path):
    db = tmp_path / "p.db"
    out = run("migrate", "--db", str(db))
    migrations = len(list((ROOT / "src/store/migrations/sqlite").glob("*.sql")))
    assert out.returncode == 0 and f"schema version {migrations}" in out.stdout, out.stdout
    out = run("partner", "add", "--email", "shop@example.com", "--name", "상점", "--db", str(db))
    assert out.returncode == 0, out.stderr
    token = re.search(r"AQR-DEVELOPER-TOKEN: (aqr_[A-Za-z0-9]{32})", out.stdout).group(1)
    assert run("partner", "add", "--email", "shop@example.com", "--db", str(db)).returncode == 1
    assert run("partner", "add", "--email", "not-an-email", "--db", str(db)).returncode == 1
    listing = run("partner", "list", "--db", str(db)).stdout
    assert "shop@example.com" in listing and "상점" in listing
    cust_key = re.search(r"Payple custKey: ([A-Za-z0-9]{32})", out.stdout).group(1)
    # Only digests of the AQR token and of the Payple custKey are stored.
    assert token.encode() not in db.read_bytes() and cust_key.encode() not in db.read_bytes()
    con = sqlite3.connect(db)
    assert con.execute("SELECT surface, count(*) FROM credentials GROUP BY surface "
                       "ORDER BY surface").fetchall() == [("aqr", 1), ("payple", 1)]
    con.close()

    # Live mode (no --sandbox): the issued token works, the sandbox token does not exist.
    s = Server(tmp_path / "live", [], db=db).start()
    try:
        body = create_body(email_address="shop@example.com")
        r = s.aqr(body, token=token)
        assert r.status_code == 200, r.text
        assert s.aqr(body).status_code == 401  # aqr_sandbox_token
        assert "sandbox" not in s.stdout().split("\n")[0] or "live mode" in s.stdout()
    finally:
        s.stop()


def test_env_fallback_for_urls(make_server):
    s = make_server(["--sandbox", "--short-url", "https://aq.example/"],
                    env={"WONPAY_PUBLIC_URL": "https://qr.example"})
    r = s.aqr(create_body())
    data = r.json()["data"]
    assert data["qr_image"] == f"https://qr.example/res/api/{data['uniq_keyword']}"
    assert data["short_url"] == f"https://aq.example/f/{data['uniq_keyword']}"


def test_access_log_masks_and_never_logs_token(make_server):
    s = make_server(["--sandbox"])
    kw = s.aqr(create_body()).json()["data"]["uniq_keyword"]
    requests.get(f"{s.url}/f/{kw}/1234567894321", timeout=10)
    requests.get(f"{s.url}/nowhere", timeout=10)
    time.sleep(0.2)
    lines = [json.loads(l) for l in s.stdout().splitlines() if l.startswith("{")]
    assert len(lines) >= 3
    for entry in lines:
        assert set(entry) >= {"time", "method", "path", "status", "latency_us", "surface",
                              "request_id"}
    paths = [e["path"] for e in lines]
    assert f"/f/{kw}/1234*****4321" in paths
    assert "1234567894321" not in s.stdout()
    assert SANDBOX_TOKEN not in s.stdout().split("\n", 6)[-1]  # banner prints it; the log never
    post = next(e for e in lines if e["method"] == "POST")
    assert post["surface"] == "aqr" and post["status"] == 200
    assert next(e for e in lines if e["path"] == "/nowhere")["surface"] == "system"


def test_every_log_line_parses_whatever_the_path(make_server):
    """Raw bytes that are not UTF-8 in a path must not break the JSON log or the journal."""
    import socket
    s = make_server(["--sandbox"])
    for raw in (b"/f/\xff\xfe", b"/f/%ff%fe", b"/nowhere\xc3", b"/sandbox/clock%00.png"):
        c = socket.create_connection(("127.0.0.1", s.port))
        c.sendall(b"GET " + raw + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        c.settimeout(2)
        try:
            c.recv(65536)
        except socket.timeout:
            pass
        c.close()
    time.sleep(0.3)
    log = [l for l in s.stdout().splitlines() if l.startswith("{")]
    parsed = [json.loads(l) for l in log]  # every line is JSON
    assert sum(1 for e in parsed if e["path"].startswith("/f/")) >= 2, parsed
    journal = s.admin("GET", "/sandbox/requests?limit=10").json()["requests"]
    paths = [e.get("path") for e in journal]
    assert all(isinstance(p, str) and p for p in paths), journal
    assert any(p.startswith("/f/") and "\ufffd" in p for p in paths), paths


def test_bidi_controls_refused_in_display_fields(server):
    """U+202E would show a reversed name on the landing page."""
    for field in ("account_owner", "account_name"):
        r = server.aqr(create_body(**{field: "홍\u202e동길"}))
        assert r.status_code == 400 and "control characters" in r.json()["reason"], r.text


def test_graceful_shutdown_finishes_request_in_flight(make_server):
    s = make_server(["--sandbox"])
    body = "&".join(f"{k}={v}" for k, v in create_body().items()).encode()
    head = (f"POST /api/ HTTP/1.1\r\nHost: x\r\nAQR-DEVELOPER-TOKEN: {SANDBOX_TOKEN}\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
    sock = socket.create_connection(("127.0.0.1", s.port), timeout=10)
    sock.sendall(head + body[:10])
    time.sleep(0.3)
    s.proc.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    # A new connection gets nothing once the server stops accepting: refused, or
    # closed at once without an answer (the accept callback refuses it; the listen
    # socket itself closes with the daemon, see http/server.c wp_server_stop)...
    try:
        late = socket.create_connection(("127.0.0.1", s.port), timeout=2)
        late.settimeout(5)
        try:
            late.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            answer = late.recv(65536)
        except OSError:
            answer = b""
        late.close()
    except OSError:
        answer = b""
    assert answer == b"", f"a request on a new connection was answered after SIGTERM: {answer!r}"
    # ...while the request in flight completes.
    sock.sendall(body[10:])
    out = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        out += chunk
    sock.close()
    assert out.startswith(b"HTTP/1.1 200"), out[:300]
    assert b'"result":"success"' in out
    assert s.proc.wait(timeout=30) == 0
    s.proc = None
    s.check_sanitizers()
    assert "stopped cleanly" in s.stderr()


def test_sanitizer_reports_are_detected(tmp_path):
    """The harness itself: a sanitizer line in stderr must fail the check."""
    s = Server(tmp_path)
    s.err_path = tmp_path / "fake.log"
    s.err_path.write_text("==1==ERROR: AddressSanitizer: heap-use-after-free\n")
    with pytest.raises(AssertionError):
        s.check_sanitizers()
    s.err_path.write_text("src/x.c:1:2: runtime error: signed integer overflow\n")
    with pytest.raises(AssertionError):
        s.check_sanitizers()
    s.err_path.write_text("all good\n")
    s.check_sanitizers()


@sqlite_only("removes the database file")
def test_deleted_database_refuses_writes_and_fails_readiness(make_server):
    """The file removed under a running server: no write is acknowledged into it any more."""
    s = make_server(["--sandbox"])
    assert requests.get(s.url + "/ready", timeout=10).json() == {"status": "ready",
                                                                   "writes": "durable"}
    assert s.aqr(create_body()).status_code == 200
    for suffix in ("", "-wal", "-shm"):
        p = s.db.with_name(s.db.name + suffix)
        if p.exists():
            p.unlink()
    statuses = [s.aqr(create_body()).status_code for _ in range(20)]
    assert statuses == [503] * 20, statuses
    r = requests.get(s.url + "/ready", timeout=10)
    assert r.status_code == 503 and r.json()["status"] == "not_ready", r.text
    assert requests.get(s.url + "/health", timeout=10).status_code == 503
    assert "the database is lost" in s.stderr()


@sqlite_only("several processes may serve one PostgreSQL database (test_multiprocess.py)")
def test_second_server_on_one_database_refuses(make_server):
    first = make_server(["--sandbox"])
    out = subprocess.run([BIN, "serve", "--sandbox", "--listen", "127.0.0.1:0",
                          "--db", str(first.db)], capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
    assert "already serves" in out.stderr and f"pid {first.proc.pid}" in out.stderr, out.stderr
    assert requests.get(first.url + "/health", timeout=5).status_code == 200


def test_every_subcommand_has_help():
    for cmd, words in ((["serve"], ["--listen", "WONPAY_LISTEN", "--conn-per-ip"]),
                       (["migrate"], ["--db", "WONPAY_DB"]),
                       (["partner", "add"], ["--email", "--kona-public-key", "--data-key-file"]),
                       (["partner", "list"], ["--db"]),
                       (["ledger", "verify"], ["--db"])):
        out = subprocess.run([BIN, *cmd, "--help"], capture_output=True, text=True, timeout=30)
        assert out.returncode == 0, (cmd, out.stderr)
        assert out.stdout.startswith("usage: wonpay " + " ".join(cmd)), out.stdout
        for w in words:
            assert w in out.stdout, (cmd, w)


def test_partner_add_names_a_missing_key_file(tmp_path):
    db = tmp_path / "w.db"
    out = subprocess.run([BIN, "partner", "add", "--email", "x@example.com", "--kona-public-key",
                          str(tmp_path / "nope.pem"), "--db", str(db)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
    assert "No such file" in out.stderr and "not an RSA" not in out.stderr, out.stderr
    assert not (tmp_path / "data.key").exists()  # nothing made for a refused input


def test_a_newer_schema_is_refused_clearly(tmp_path):
    """A database a newer wonpay migrated: this one says so instead of running on it."""
    db = tmp_path / "newer.db"
    assert run("migrate", "--db", str(db)).returncode == 0
    con = sqlite3.connect(db)
    con.execute("PRAGMA user_version = 99")
    con.close()
    out = run("serve", "--listen", "127.0.0.1:0", "--db", str(db), timeout=60)
    assert out.returncode != 0 and "listening" not in out.stdout
    assert re.search(r"schema version 99, newer than this wonpay knows \(\d+\)", out.stderr), \
        out.stderr
