"""The PostgreSQL backend itself (src/store/postgres.c): migrations, the schema version
check, what the server says about its URL, and an outage of PostgreSQL under a running
server: every write answered 503 meanwhile (never a false success), and the server
recovers by itself once PostgreSQL is back.

Every other black-box test runs on PostgreSQL too under WONPAY_TEST_DB=postgres
(`make test-pg`); these run only there."""
import re
import subprocess
import time

import pytest
import requests

from conftest import BIN, ON_PG, PgCluster, Server, create_body, database, pg

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


@pytest.fixture
def own_cluster():
    """A cluster of this test's own: it is stopped and started under a running server."""
    c = PgCluster()
    try:
        yield c
    finally:
        c.remove()


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
