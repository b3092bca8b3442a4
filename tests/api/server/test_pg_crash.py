"""Crash safety of several wonpay processes on one PostgreSQL database (issue 14).

Every write transaction of every process takes one cluster-wide advisory lock and a
process answers 201 only after PostgreSQL answered its COMMIT (synchronous_commit=on).
So whatever dies, and whenever:

* test_sigkill_one_of_three_under_load: client threads send sandbox transfers with
  fresh ids round-robin to three processes; every few hundred ms one of them (in
  turn) is SIGKILLed and started again. Afterwards every acknowledged transfer is in
  ledger_transfers exactly once, with its amount and accounts; nothing exists that
  was never sent (nor any request refused at connect); a request whose answer was
  lost is either present or absent, and re-sending it answers 200 "replayed" if
  present, 201 if absent; the balances, read through each process, are the sums of
  what exists; `wonpay ledger verify` passes mid-test (under load) and at the end.

* test_postgres_outage_under_load[stop|crash]: three processes on a cluster of the
  test's own; under load PostgreSQL is stopped (pg_cluster.sh stop, a fast shutdown)
  or crashed (pg_ctl -m immediate: no checkpoint, what is not flushed is gone), kept
  down ~2 s and started again. While it is down every answer is 503 (never a success,
  never another 5xx, never a hang past the client's timeout); once it is back every
  process answers 201 again within RECOVERY_S without being restarted; every 201 ever
  given is in the database; a 503 given to a request sent while PostgreSQL was down
  committed nothing; re-sends and balances as above; ledger verify passes.

Seeded: WONPAY_PG_CRASH_SEED picks the kill schedule and amounts (printed in every
failure message); WONPAY_PG_CRASH_ROUNDS the number of kills (default 8).
Loopback only; every process is stopped by the fixtures or by pid.
"""
import glob
import json
import os
import random
import re
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import urllib3

from conftest import PgDatabase, Server, pg, pg_only, query

pytestmark = pg_only("several wonpay processes on one database")

ADMIN = {"Authorization": "Bearer sandbox-admin-token"}
SEED = int(os.environ.get("WONPAY_PG_CRASH_SEED", "20241014"))
ROUNDS = int(os.environ.get("WONPAY_PG_CRASH_ROUNDS", "8"))
ARGS = ("--sandbox", "--rate-limit", "0", "--access-log", "off")
CLIENTS = 8             # client threads, round-robin over the processes
TIMEOUT = 15            # seconds per client request: past it, a hang
INITIAL = 10**12        # the source account's opening balance
SRC = {"bank_code": "088", "account_number": "771400000001"}
DST = {"bank_code": "088", "account_number": "771400000002"}
DOWN_S = 2.0            # how long PostgreSQL stays down
RECOVERY_S = 15.0       # every process answers 201 again within this after PostgreSQL is back
WIRES_SQL = ("SELECT id, amount, result, debit_account_id, credit_account_id "
             "FROM ledger_transfers WHERE id LIKE 'wire:%'")
DUPS_SQL = "SELECT id FROM ledger_transfers GROUP BY id HAVING count(*) > 1"


# ---- helpers ----

def never_sent(exc):
    """True when the request provably never reached the server (connect refused)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(exc, requests.exceptions.ConnectionError) and exc.args:
        inner = exc.args[0]
        if isinstance(inner, urllib3.exceptions.MaxRetryError):
            return isinstance(inner.reason, urllib3.exceptions.NewConnectionError)
        return isinstance(inner, urllib3.exceptions.NewConnectionError)
    return False


def transfer_body(tid, amount):
    return {"id": tid, "from": SRC, "to": DST, "amount": amount}


def open_accounts(url):
    for acct, bal in ((SRC, INITIAL), (DST, 0)):
        r = requests.post(url + "/sandbox/bank-accounts", headers=ADMIN, timeout=30, json={
            **acct, "holder_name": "테스트", "birth_date": "19900101", "balance": bal})
        assert r.status_code == 201, r.text
    return {name: account(url, acct)["ledger_account_id"]
            for name, acct in (("src", SRC), ("dst", DST))}


def account(url, acct):
    r = requests.get(f"{url}/sandbox/bank-accounts/{acct['bank_code']}/{acct['account_number']}",
                     headers=ADMIN, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def read_wires(sql):
    """The database's wires: client id -> (amount, result, debit id, credit id); and the
    ledger ids present more than once."""
    wires = {}
    for tid, amount, result, deb, cred in sql(WIRES_SQL):
        wires[tid[len("wire:"):]] = (int(amount), int(result), int(deb), int(cred))
    return wires, [r[0] for r in sql(DUPS_SQL)]


def start_together(servers):
    """As make_processes: started at once, as an operator's units would be."""
    threads = [threading.Thread(target=s.start) for s in servers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in servers:
        assert getattr(s, "url", None), f"a process did not start:\n{s.stderr()}"


class Sent:
    """One request: its id and amount, the process it went to, when, and what came back."""
    __slots__ = ("tid", "amount", "proc", "t0", "t1", "outcome", "status", "text")

    def __init__(self, tid, amount, proc, t0):
        self.tid, self.amount, self.proc, self.t0 = tid, amount, proc, t0
        self.t1 = self.outcome = self.status = self.text = None

    def __repr__(self):
        return (f"{self.tid} (amount {self.amount}, process {self.proc}, "
                f"sent at {self.t0:.3f}, answered at {self.t1:.3f}: {self.outcome} "
                f"{self.status} {self.text or ''})")


class Loader(threading.Thread):
    """Sends transfers with fresh ids round-robin over the processes until told to stop.

    outcome: "answered" (status, text set), "refused" (connect refused: never sent) or
    "lost" (sent, or maybe sent, and no answer: reset, closed, timed out)."""

    def __init__(self, servers, up, t, prefix, seed, stop, t_base):
        super().__init__(daemon=True)
        self.servers, self.up, self.t, self.prefix = servers, up, t, prefix
        self.rng = random.Random(seed)
        self.stop_flag = stop
        self.t_base = t_base
        self.sent = []

    def run(self):
        s = requests.Session()
        n = 0
        try:
            while not self.stop_flag.is_set():
                k = (self.t + n) % len(self.servers)
                for _ in range(len(self.servers)):  # skip a process that is restarting
                    if self.up[k].is_set():
                        break
                    k = (k + 1) % len(self.servers)
                else:
                    time.sleep(0.01)
                    continue
                url = self.servers[k].url
                n += 1
                rec = Sent(f"{self.prefix}-c{self.t}-{n}", self.rng.randint(1, 10_000), k,
                           time.monotonic() - self.t_base)
                self.sent.append(rec)
                try:
                    r = s.post(url + "/sandbox/transfers", headers=ADMIN,
                               json=transfer_body(rec.tid, rec.amount), timeout=TIMEOUT)
                except requests.RequestException as exc:
                    rec.t1 = time.monotonic() - self.t_base
                    rec.outcome = "refused" if never_sent(exc) else "lost"
                    rec.text = f"{type(exc).__name__}: {str(exc)[:200]}"
                    s.close()
                    s = requests.Session()
                    time.sleep(0.005)
                    continue
                rec.t1 = time.monotonic() - self.t_base
                rec.outcome, rec.status, rec.text = "answered", r.status_code, r.text[:300]
                if r.status_code == 503:
                    time.sleep(0.05)  # as a client would before its next try
        finally:
            s.close()


def acked_ok(rec):
    """A first send's 201 with the body it must have."""
    if rec.outcome != "answered" or rec.status != 201:
        return False
    try:
        b = json.loads(rec.text)
    except ValueError:
        return False
    return (b.get("replayed") is False and b.get("id") == rec.tid
            and b.get("amount") == rec.amount and b.get("status") == "posted")


def resend(url, rec, present, ctx):
    """Re-sends rec with the same fields: 200 replayed if it existed, else 201; a second
    re-send is always a replay. Returns the problems found."""
    out = []
    for attempt in (1, 2):
        r = requests.post(url + "/sandbox/transfers", headers=ADMIN,
                          json=transfer_body(rec.tid, rec.amount), timeout=30)
        try:
            b = r.json()
        except ValueError:
            b = {}
        want = (200, True) if (present or attempt == 2) else (201, False)
        if (r.status_code, b.get("replayed")) != want or b.get("amount") != rec.amount:
            out.append(f"{ctx} re-send {attempt} of {rec!r} ({'present' if present else 'absent'}"
                       f" before): {r.status_code} {r.text[:200]}")
            break
    return out


def resend_all(servers, recs, wires, ctx):
    """resend() for each of recs, spread over the processes, a few at a time."""
    with ThreadPoolExecutor(CLIENTS) as ex:
        jobs = [ex.submit(resend, servers[j % len(servers)].url, rec, rec.tid in wires, ctx)
                for j, rec in enumerate(recs)]
        problems = [p for j in jobs for p in j.result()]
    assert not problems, "\n".join(problems[:20])


def check_money(servers, total, ctx):
    """Every process reads the same balances: the sums of the wires that exist."""
    for i, s in enumerate(servers):
        src, dst = account(s.url, SRC), account(s.url, DST)
        assert (src["balance"], src["available"]) == (INITIAL - total,) * 2, \
            f"{ctx} process {i} reads the source as {src}, expected {INITIAL - total}"
        assert (dst["balance"], dst["available"]) == (total,) * 2, \
            f"{ctx} process {i} reads the destination as {dst}, expected {total}"


def check_db(sql, sent, ids, ctx, baseline):
    """What the database holds against what was sent. Returns wires."""
    wires, dups = read_wires(sql)
    assert not dups, f"{ctx} ledger ids present more than once: {dups[:10]}"
    by_id = {rec.tid: rec for rec in sent}
    problems = []
    for rec in sent:
        row = wires.get(rec.tid)
        if acked_ok(rec):
            if row is None:
                problems.append(f"LOST acknowledged transfer {rec!r}")
            elif row != (rec.amount, 0, ids["src"], ids["dst"]):
                problems.append(f"acknowledged transfer {rec!r} is stored as {row}")
        elif rec.outcome == "refused" and row is not None:
            problems.append(f"refused at connect (never sent) yet stored: {rec!r} {row}")
        elif row is not None and row != (rec.amount, 0, ids["src"], ids["dst"]):
            problems.append(f"transfer {rec!r} is stored as {row}")
    for tid in wires:
        if tid not in by_id and tid not in baseline:
            problems.append(f"wire {tid} {wires[tid]} is stored but was never sent")
    assert not problems, f"{ctx} {len(problems)} problems:\n" + "\n".join(problems[:25])
    return wires


# ---- 1. SIGKILL one of three processes under load ----

def test_sigkill_one_of_three_under_load(make_processes):
    rng = random.Random(SEED)
    ctx = f"[WONPAY_PG_CRASH_SEED={SEED} WONPAY_PG_CRASH_ROUNDS={ROUNDS}]"
    procs = make_processes(3, args=ARGS, name="kill")
    for p in procs:
        p.avoid_bank_night()
    db = procs[0].db
    sql = lambda q: query(db, q)  # noqa: E731
    ids = open_accounts(procs[0].url)
    baseline = set(read_wires(sql)[0])  # the sandbox's own (none expected)

    t_base = time.monotonic()
    up = [threading.Event() for _ in procs]
    for e in up:
        e.set()
    stop = threading.Event()
    loaders = [Loader(procs, up, t, f"k{SEED}", rng.getrandbits(64), stop, t_base)
               for t in range(CLIENTS)]
    kills = []
    try:
        for ld in loaders:
            ld.start()
        for rnd in range(ROUNDS):
            time.sleep(rng.uniform(0.25, 0.6))
            for i, p in enumerate(procs):
                assert p.proc.poll() is None, \
                    f"{ctx} round {rnd}: process {i} died by itself:\n{p.stderr()[-4000:]}"
            k = rnd % len(procs)
            victim = procs[k]
            up[k].clear()
            victim.kill()
            kills.append((k, round(time.monotonic() - t_base, 3)))
            victim.check_sanitizers()
            victim.start()
            victim.avoid_bank_night()  # the clock offset is the process's own
            up[k].set()
            if rnd == ROUNDS // 2:
                # the database as the kills left it, while the load goes on
                procs[(k + 1) % len(procs)].verify_ledger()
        time.sleep(0.3)
    finally:
        stop.set()
        for ld in loaders:
            ld.join(timeout=TIMEOUT + 10)
    assert not any(ld.is_alive() for ld in loaders), f"{ctx} a client thread hangs"
    for i, p in enumerate(procs):
        assert p.proc.poll() is None, f"{ctx} process {i} died by itself:\n{p.stderr()[-4000:]}"

    sent = [rec for ld in loaders for rec in ld.sent]
    acked = [r for r in sent if acked_ok(r)]
    lost = [r for r in sent if r.outcome == "lost"]
    refused = [r for r in sent if r.outcome == "refused"]
    other = [r for r in sent if r.outcome == "answered" and not acked_ok(r)]
    summary = (f"{ctx} kills (process, s): {kills}; sent {len(sent)}, acknowledged "
               f"{len(acked)}, answer lost {len(lost)}, refused at connect {len(refused)}, "
               f"other answers {len(other)}")
    print("\n" + summary)
    # A healthy cluster answers every transfer that reached a live process with 201.
    assert not other, f"{summary}\nunexpected answers:\n" + "\n".join(map(repr, other[:20]))
    assert len(acked) >= 100, f"too little work done: {summary}"
    assert lost, f"no kill caught a transfer in flight: {summary}"

    wires = check_db(sql, sent, ids, ctx, baseline)
    present = sum(wires[t][0] for t in wires if t not in baseline)
    check_money(procs, present, ctx)  # before any re-send: what exists, nothing more

    # Every request without an answer, re-sent (spread over the processes), and a
    # sample of acknowledged ones (must be replays).
    resend_all(procs, lost + refused + rng.sample(acked, min(30, len(acked))), wires, ctx)
    committed = sum(1 for r in lost if r.tid in wires)
    print(f"answers lost at a kill whose transfer had committed: {committed}/{len(lost)}")

    wires = check_db(sql, sent, ids, ctx, baseline)
    missing = [r for r in sent if r.tid not in wires]
    assert not missing, f"{ctx} not stored after the re-sends: {missing[:10]}"
    total = sum(r.amount for r in sent)
    assert sum(wires[t][0] for t in wires if t not in baseline) == total
    check_money(procs, total, ctx)
    procs[0].verify_ledger()  # and again at each process's stop (make_processes)


# ---- 2. PostgreSQL stopped or crashed under load ----

def crash_postgres(cluster):
    """An immediate shutdown: every backend quits at once, nothing is flushed or
    checkpointed; the next start runs crash recovery (a crash, as far as durability goes)."""
    pg_ctls = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                     key=lambda p: int(re.search(r"/(\d+)/bin/", p).group(1)))
    assert pg_ctls, "no pg_ctl in /usr/lib/postgresql"
    cmd = [pg_ctls[-1], "-D", str(cluster.dir / "data"), "-m", "immediate", "-w", "-t", "30",
           "stop"]
    if os.getuid() == 0:  # pg_cluster.sh runs the cluster as nobody then
        cmd = ["runuser", "-u", "nobody", "--"] + cmd
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=cluster.dir)
    assert out.returncode == 0, f"pg_ctl -m immediate stop: {out.stdout}{out.stderr}"


@pytest.mark.parametrize("how", ["stop", "crash"])
def test_postgres_outage_under_load(own_cluster, tmp_path, how):
    rng = random.Random(SEED + (how == "crash"))
    ctx = f"[WONPAY_PG_CRASH_SEED={SEED} {how}]"
    pg()  # the session's data key (WONPAY_DATA_KEY_FILE), which the CLI's verify uses too
    name = f"outage_{how}"
    db = PgDatabase(own_cluster.create(name), tmp_path / "data", name)
    (tmp_path / "data").mkdir()
    sql = lambda q: own_cluster.psql(q, name)  # noqa: E731
    procs = [Server(tmp_path / f"p{i}", ARGS, db=db) for i in range(3)]
    passed = False
    try:
        start_together(procs)
        for p in procs:
            p.avoid_bank_night()
        ids = open_accounts(procs[0].url)
        baseline = set(read_wires(sql)[0])

        t_base = time.monotonic()
        now = lambda: time.monotonic() - t_base  # noqa: E731
        up = [threading.Event() for _ in procs]
        for e in up:
            e.set()
        stop = threading.Event()
        loaders = [Loader(procs, up, t, f"o{how}{SEED}", rng.getrandbits(64), stop, t_base)
                   for t in range(CLIENTS)]
        ready_down = []
        try:
            for ld in loaders:
                ld.start()
            time.sleep(1.0)
            t_stop0 = now()
            if how == "stop":
                own_cluster.stop()
            else:
                crash_postgres(own_cluster)
            t_down = now()  # from here to t_up0 no PostgreSQL at all
            for p in procs:
                ready_down.append(requests.get(p.url + "/ready", timeout=TIMEOUT).status_code)
            time.sleep(max(0.0, t_down + DOWN_S - now()))
            t_up0 = now()
            own_cluster.start()
            t_up = now()
            deadline = t_up + RECOVERY_S
            back = {}  # process -> when it first answered 201 to a request sent after t_up
            while now() < deadline and len(back) < len(procs):
                for ld in loaders:
                    for rec in list(ld.sent):
                        if rec.t0 >= t_up and rec.t1 is not None and acked_ok(rec):
                            back.setdefault(rec.proc, rec.t1)
                time.sleep(0.1)
            time.sleep(0.5)
        finally:
            stop.set()
            for ld in loaders:
                ld.join(timeout=TIMEOUT + 10)
            try:
                own_cluster.start()  # for what follows (already running: a no-op)
            except RuntimeError:
                pass
        assert not any(ld.is_alive() for ld in loaders), f"{ctx} a client thread hangs"
        for i, p in enumerate(procs):
            assert p.proc.poll() is None, f"{ctx} process {i} died:\n{p.stderr()[-4000:]}"

        sent = [rec for ld in loaders for rec in ld.sent]
        acked = [r for r in sent if acked_ok(r)]
        during = [r for r in sent if r.t1 is not None and t_down <= r.t1 <= t_up0]
        summary = (f"{ctx} PostgreSQL {how} from {t_stop0:.2f} s, down {t_down:.2f}-"
                   f"{t_up0:.2f} s, up again at {t_up:.2f} s; first 201 after it per process: "
                   f"{ {k: round(v - t_up, 2) for k, v in sorted(back.items())} } s; sent "
                   f"{len(sent)}, acknowledged {len(acked)}, answered while down {len(during)} "
                   f"(slowest {max((r.t1 - r.t0 for r in during), default=0):.2f} s); "
                   f"statuses {sorted({(r.outcome, r.status) for r in sent}, key=str)}")
        print("\n" + summary)

        # No connection lost (no process died), no hang past the client's timeout.
        lost = [r for r in sent if r.outcome != "answered"]
        assert not lost, f"{summary}\nno answer:\n" + "\n".join(map(repr, lost[:20]))
        # 201 or 503, nothing else: a transfer is either done or refused for now.
        odd = [r for r in sent if r.status not in (201, 503) or (r.status == 201
                                                                   and not acked_ok(r))]
        assert not odd, f"{summary}\nunexpected answers:\n" + "\n".join(map(repr, odd[:20]))
        # While PostgreSQL was down: 503 only, from every process.
        wrong = [r for r in during if r.status != 503]
        assert not wrong, f"{summary}\nanswered while PostgreSQL was down:\n" + \
            "\n".join(map(repr, wrong[:20]))
        assert {r.proc for r in during} == {0, 1, 2}, f"the outage was not exercised: {summary}"
        assert ready_down == [503] * 3, f"{ctx} /ready while PostgreSQL was down: {ready_down}"
        before = {r.proc for r in acked if r.t1 < t_stop0}
        assert before == {0, 1, 2}, f"{ctx} not every process worked before the outage: {summary}"
        # Back within RECOVERY_S, every process, without a restart.
        assert set(back) == {0, 1, 2}, \
            f"{summary}\nnot every process answered 201 within {RECOVERY_S} s of the restart"
        for i, p in enumerate(procs):
            assert p.starts == 1
            assert requests.get(p.url + "/ready", timeout=TIMEOUT).status_code == 200, i
            assert "reconnected to the database" in p.stderr(), f"process {i}"

        wires = check_db(sql, sent, ids, ctx, baseline)
        # A 503 to a request sent once PostgreSQL was gone committed nothing.
        phantom = [r for r in sent if r.status == 503 and r.t0 >= t_down and r.tid in wires]
        assert not phantom, f"{summary}\nanswered 503 yet stored:\n" + \
            "\n".join(map(repr, phantom[:20]))
        present = sum(wires[t][0] for t in wires if t not in baseline)
        check_money(procs, present, ctx)

        failed = [r for r in sent if r.status == 503]
        resend_all(procs, failed + rng.sample(acked, min(30, len(acked))), wires, ctx)
        committed = sum(1 for r in failed if r.tid in wires)
        print(f"503s whose transfer had committed (COMMIT in flight at the {how}): "
              f"{committed}/{len(failed)}")
        wires = check_db(sql, sent, ids, ctx, baseline)
        assert all(r.tid in wires for r in sent)
        total = sum(r.amount for r in sent)
        check_money(procs, total, ctx)
        procs[0].verify_ledger()
        passed = True
    finally:
        try:
            own_cluster.start()  # the stops' ledger verify reads it
        except RuntimeError:
            pass
        errors = []
        for p in procs:
            try:
                if p.proc is not None:
                    p.stop()
            except (AssertionError, subprocess.TimeoutExpired) as e:
                errors.append(str(e))
            finally:
                p.kill()
        if passed:  # else the test's own failure is the one to show
            assert not errors, "\n".join(errors)
