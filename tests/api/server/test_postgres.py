"""The PostgreSQL backend itself (src/store/postgres.c): migrations, the schema version
check, what the server says about its URL, and an outage of PostgreSQL under a running
server: every write answered 503 meanwhile (never a false success), and the server
recovers by itself once PostgreSQL is back.

Every other black-box test runs on PostgreSQL too under WONPAY_TEST_DB=postgres
(`make test-pg`); these run only there."""
import os
import re
import signal
import subprocess
import threading
import time

import pytest
import requests

from conftest import BIN, ON_PG, Server, create_body, database, pg

pytestmark = pytest.mark.skipif(not ON_PG, reason="PostgreSQL backend: make test-pg runs it")


def run(*args, timeout=60):
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=timeout)


def with_password(url, password="s3cret-pw"):
    """The URL with a password in its user info (trust authentication ignores it)."""
    return url.replace("://wonpay@", f"://wonpay:{password}@")


def test_migrate_an_empty_database(tmp_path):
    db = database(tmp_path / "m.db")
    out = run("migrate", "--db", with_password(db))
    assert out.returncode == 0, out.stderr
    assert re.search(r"schema version 1 \(postgres\)", out.stdout), out.stdout
    assert "s3cret-pw" not in out.stdout + out.stderr and ":***@" in out.stdout
    tables = {r[0] for r in pg().psql("SELECT tablename FROM pg_tables WHERE "
                                      "schemaname = 'public'", db.name)}
    assert {"partners", "ledger_accounts", "ledger_transfers", "docs", "webhook_deliveries",
            "used_tokens", "wonpay_schema"} <= tables, tables
    assert pg().psql("SELECT version FROM wonpay_schema", db.name) == [("1",)]
    again = run("migrate", "--db", str(db))  # nothing left to apply
    assert again.returncode == 0 and "schema version 1 (postgres)" in again.stdout
    out = run("partner", "add", "--email", "pg@example.com", "--db", str(db))
    assert out.returncode == 0, out.stderr
    assert "pg@example.com" in run("partner", "list", "--db", str(db)).stdout
    verify = run("ledger", "verify", "--db", str(db))
    assert verify.returncode == 0 and "ledger verify: ok" in verify.stdout, verify.stdout


def test_a_newer_schema_is_refused_clearly(tmp_path):
    db = database(tmp_path / "n.db")
    assert run("migrate", "--db", str(db)).returncode == 0
    pg().psql("UPDATE wonpay_schema SET version = 99", db.name)
    out = run("serve", "--listen", "127.0.0.1:0", "--db", with_password(db),
              "--data-dir", str(tmp_path), timeout=60)
    assert out.returncode != 0
    assert "schema version 99, newer than this wonpay knows (1)" in out.stderr, out.stderr
    assert "s3cret-pw" not in out.stderr
    assert "listening" not in out.stdout


def test_unreachable_database_is_named_without_its_password(tmp_path):
    out = run("serve", "--listen", "127.0.0.1:0", "--data-dir", str(tmp_path),
              "--db", "postgres://wonpay:s3cret-pw@127.0.0.1:1/none")
    assert out.returncode != 0
    assert "cannot connect to the database postgres://wonpay:***@127.0.0.1:1/none" in out.stderr
    assert "s3cret-pw" not in out.stderr + out.stdout


def test_the_listening_line_hides_the_password(tmp_path):
    s = Server(tmp_path / "pw", ["--sandbox"], db=tmp_path / "pw" / "w.db")
    s.db = type(s.db)(with_password(s.db), s.db.parent, s.db.name)
    s.start()
    try:
        assert ":***@" in s.stdout() and "s3cret-pw" not in s.stdout() + s.stderr()
        assert s.aqr(create_body()).status_code == 200
    finally:
        s.stop()


def test_postgres_down_answers_503_then_recovers(own_cluster, tmp_path):
    url = own_cluster.create("outage")
    srv = Server(tmp_path / "srv", ["--sandbox", "--rate-limit", "0"])
    srv.db = type(srv.db)(url, tmp_path / "srv", "outage")
    srv.start()
    count = lambda: int(own_cluster.psql("SELECT count(*) FROM aqr_links", "outage")[0][0])  # noqa: E731
    try:
        assert srv.aqr(create_body()).status_code == 200
        assert count() == 1

        own_cluster.stop()
        statuses = [srv.aqr(create_body()).status_code for _ in range(10)]
        assert statuses == [503] * 10, statuses
        assert requests.get(srv.url + "/ready", timeout=10).status_code == 503

        own_cluster.start()
        deadline = time.time() + 20
        ok = 0
        while time.time() < deadline and ok < 5:
            r = srv.aqr(create_body())
            assert r.status_code in (200, 503), r.text
            ok += r.status_code == 200
            time.sleep(0.05 if r.status_code == 200 else 0.3)
        assert ok == 5, "the server did not recover after PostgreSQL came back"
        assert requests.get(srv.url + "/ready", timeout=10).status_code == 200
        assert count() == 1 + ok  # nothing answered 503 was written
        assert "reconnected to the database" in srv.stderr()
    finally:
        try:
            own_cluster.start()  # so the stop's ledger verify can read it
        except RuntimeError:
            pass  # it runs already
        srv.stop()


def test_malformed_password_never_echoed(tmp_path):
    """libpq quotes tokens it cannot parse, sometimes a piece of a password."""
    for url in ("postgres://wonpay:100%sure@127.0.0.1:1/none",
                "postgres://wonpay:p/w0rd@127.0.0.1:1/none",
                "postgres://wonpay@127.0.0.1:1/none?sslmode=require&sslpassword=KeyPass123"):
        out = run("migrate", "--db", url)
        assert out.returncode != 0
        for secret in ("100%sure", '"p"', "p/w0rd", "KeyPass123"):
            assert secret not in out.stderr + out.stdout, (url, out.stderr)


def test_no_write_without_the_session_settings(own_cluster, tmp_path):
    """A connection whose session setup (synchronous_commit=on, ...) fails after a reconnect
    is never used: writes answer 503, and none is committed without synchronous_commit=on."""
    url = own_cluster.create("setup")
    srv = Server(tmp_path / "srv", ["--sandbox", "--rate-limit", "0"])
    srv.db = type(srv.db)(url, tmp_path / "srv", "setup")
    srv.start()
    try:
        assert srv.aqr(create_body()).status_code == 200
        own_cluster.psql("""
            CREATE TABLE seen(sync text);
            CREATE FUNCTION note() RETURNS trigger LANGUAGE plpgsql AS
              $$BEGIN INSERT INTO seen VALUES (current_setting('synchronous_commit'));
              RETURN NEW; END$$;
            CREATE TRIGGER note AFTER INSERT ON aqr_links FOR EACH ROW EXECUTE FUNCTION note();
            CREATE SCHEMA evil;
            CREATE FUNCTION evil.set_config(text, text, boolean) RETURNS text LANGUAGE plpgsql
              AS $$BEGIN RAISE EXCEPTION 'session setup refused'; END$$;
            ALTER DATABASE setup SET search_path = evil, pg_catalog, public;
            ALTER DATABASE setup SET synchronous_commit = off;""", "setup")
        own_cluster.psql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                         "WHERE datname = 'setup' AND pid <> pg_backend_pid()", "setup")
        statuses = [srv.aqr(create_body()).status_code for _ in range(8)]
        assert statuses == [503] * 8, statuses
        assert own_cluster.psql("SELECT count(*) FROM seen", "setup") == [("0",)]
        # Set-up possible again: the next use sets the connection up and writes are durable.
        own_cluster.psql("ALTER DATABASE setup RESET search_path", "setup")
        own_cluster.psql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                         "WHERE datname = 'setup' AND pid <> pg_backend_pid()", "setup")
        deadline = time.time() + 20
        while time.time() < deadline and srv.aqr(create_body()).status_code != 200:
            time.sleep(0.2)
        assert {r[0] for r in own_cluster.psql("SELECT sync FROM seen", "setup")} == {"on"}
        assert "session setup refused" in srv.stderr()
    finally:
        own_cluster.psql("ALTER DATABASE setup RESET search_path", "setup")  # for the stop's verify
        srv.stop()



def cluster_pids(cluster):
    """The postmaster and every backend of a cluster of the test's own."""
    main = int((cluster.dir / "data" / "postmaster.pid").read_text().split()[0])
    children = subprocess.run(["pgrep", "-P", str(main)], capture_output=True, text=True)
    return [main] + [int(p) for p in children.stdout.split()]


def test_frozen_postgres_fails_writes_in_bounded_time(own_cluster, tmp_path):
    """PostgreSQL that stops answering without closing anything (its processes stopped):
    a write answers 503 after the store's answer timeout (15 s), never hangs and never
    claims success; once PostgreSQL runs again, writes succeed without a restart."""
    url = own_cluster.create("frozen")
    srv = Server(tmp_path / "srv", ["--sandbox", "--rate-limit", "0"])
    srv.db = type(srv.db)(url, tmp_path / "srv", "frozen")
    srv.start()
    count = lambda: int(own_cluster.psql("SELECT count(*) FROM aqr_links", "frozen")[0][0])  # noqa: E731
    pids = []
    try:
        assert srv.aqr(create_body()).status_code == 200
        pids = cluster_pids(own_cluster)
        for p in pids:
            os.kill(p, signal.SIGSTOP)
        t0 = time.time()
        r = srv.aqr(create_body())  # the client waits 30 s at most
        took = time.time() - t0
        assert r.status_code == 503, r.text
        assert 10 < took < 29, took
        # a read on the pool (one after the other: a read blocks its HTTP thread meanwhile,
        # and a request that thread accepted meanwhile may outlive its header timeout)
        r = requests.get(srv.url + "/health", timeout=30)
        assert r.status_code == 503, r.text
        for p in pids:
            os.kill(p, signal.SIGCONT)
        pids = []
        deadline = time.time() + 30
        ok = 0
        while time.time() < deadline and ok < 3:
            r = srv.aqr(create_body())
            assert r.status_code in (200, 503), r.text
            ok += r.status_code == 200
            time.sleep(0.05 if r.status_code == 200 else 0.5)
        assert ok == 3, "writes did not recover once PostgreSQL ran again"
        assert count() in (1 + ok, 2 + ok)  # the frozen write's outcome was unknown (503)
        assert "did not answer in time" in srv.stderr()
    finally:
        for p in pids:
            os.kill(p, signal.SIGCONT)
        srv.stop()


def test_a_write_that_changes_no_row_commits_nothing(make_server):
    """A write sent without waiting (pipeline mode) that changes no row must fail the
    command on the server: nothing of it commits, and the answer says it failed. A trigger
    that skips the source account's update stands in for any such write."""
    srv = make_server(["--sandbox", "--rate-limit", "0"]).avoid_bank_night()
    admin = {"Authorization": "Bearer sandbox-admin-token"}
    for number in ("1000000002", "1000000001"):
        r = requests.post(srv.url + "/sandbox/bank-accounts", headers=admin, timeout=30, json={
            "bank_code": "088", "account_number": number, "holder_name": "검사",
            "birth_date": "19900101", "balance": 1000000})
        assert r.status_code == 201, r.text
    lid = r.json()["ledger_account_id"]
    psql = lambda sql: pg().psql(sql, srv.db.name)  # noqa: E731
    psql("CREATE FUNCTION skip_update() RETURNS trigger LANGUAGE plpgsql AS "
         "$$ BEGIN RETURN NULL; END $$")
    psql(f"CREATE TRIGGER skip BEFORE UPDATE ON ledger_accounts FOR EACH ROW "
         f"WHEN (OLD.id = {lid}) EXECUTE FUNCTION skip_update()")
    body = {"id": "no-row-1", "from": {"bank_code": "088", "account_number": "1000000001"},
            "to": {"bank_code": "004", "account_number": "11111111111"}, "amount": 7}
    stored = lambda i: psql(f"SELECT count(*) FROM ledger_transfers WHERE id = 'wire:{i}'")  # noqa
    r = requests.post(srv.url + "/sandbox/transfers", headers=admin, json=body, timeout=30)
    assert r.status_code == 503, r.text  # alone in its batch
    assert stored("no-row-1") == [("0",)]
    # with others in the same batch, which must not be harmed
    others = [dict(body, id=f"bystander-{i}",
                   **{"from": {"bank_code": "088", "account_number": "1000000002"}})
              for i in range(3)]
    answers = {}
    threads = [threading.Thread(target=lambda b=b: answers.update({b["id"]: requests.post(
        srv.url + "/sandbox/transfers", headers=admin, json=b, timeout=30)}))
        for b in [body] + others]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers["no-row-1"].status_code == 503, answers["no-row-1"].text
    assert stored("no-row-1") == [("0",)]
    for b in others:  # each either done or failed with nothing written, never half
        code, n = answers[b["id"]].status_code, stored(b["id"])
        assert (code, n) in ((201, [("1",)]), (503, [("0",)])), (b["id"], code, n)
    psql("DROP TRIGGER skip ON ledger_accounts")
    r = requests.post(srv.url + "/sandbox/transfers", headers=admin, json=body, timeout=30)
    assert r.status_code == 201, r.text  # the retry is the first time it happens
    # the stop's ledger verify: debits = credits, balances as the transfers say
