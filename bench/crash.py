#!/usr/bin/python3
"""bench/crash.py — the crash benchmark's driver (run by bench/crash.sh).

A larger sibling of tests/api/server/test_crash.py, written independently of
tests/: WRITERS client threads send durable writes of two kinds — sandbox
transfers (POST /sandbox/transfers, a fresh id each) and AQR creates
(POST /api/) — to the release build; at a random moment (0.2-2 s) the server is
SIGKILLed, the crash image is checked with `wonpay ledger verify` (on a copy,
so the server itself is the first to recover the real file), and the server is
restarted on the same database. After every restart:

  * every acknowledged transfer (201/200) is in ledger_transfers exactly once
    ('wire:<id>', result 0, its amount, from/to our accounts) and reads back
    through GET /sandbox/transfers/{id}; no wire row exists that we never sent;
  * every acknowledged AQR create (200) is in aqr_links under its uniq_keyword
    with the account_name we sent (unique per request), live, and its landing
    page answers; no account_name appears twice; nothing we never sent exists;
  * each transfer whose outcome the client never saw is re-sent with the same
    fields: 200 "replayed" if its row existed before the re-send, 201 if not,
    and 200 "replayed" on a second re-send; a request refused at connect (never
    sent) must not exist and must then be 201;
  * after the re-sends the destination holds its opening balance plus the sum
    of every wire that exists (= every transfer ever attempted), the source its
    opening balance minus it, and the database agrees.

Prints the figures; exit 1 on any anomaly, 2 when the run could not be made.
Loopback only. Every process it starts is stopped by pid.
"""
import argparse
import concurrent.futures as cf
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import requests
import urllib3

ADMIN = {"Authorization": "Bearer sandbox-admin-token"}
AQR_HEADERS = {"AQR-DEVELOPER-TOKEN": "aqr_sandbox_token",
               "Content-Type": "application/x-www-form-urlencoded"}
SRC = {"bank_code": "088", "account_number": "990000000001"}
DST = {"bank_code": "088", "account_number": "990000000002"}
INITIAL = 10**12          # both accounts open with this
TIMEOUT = 10              # seconds per client request
AQR_SHARE = 0.5           # fraction of writes that are AQR creates
RESEND_ACKED_SAMPLE = 50  # acknowledged transfers re-sent per round (must be replays)


class Fatal(Exception):
    """The run cannot go on (server would not start, died by itself, ...)."""


class Server:
    def __init__(self, binary, workdir, db):
        self.binary, self.workdir, self.db = binary, workdir, db
        self.proc = None
        self.starts = 0
        self.url = None

    def start(self):
        self.starts += 1
        self.out = os.path.join(self.workdir, f"wonpay.out.{self.starts}")
        self.err = os.path.join(self.workdir, f"wonpay.err.{self.starts}")
        cmd = [self.binary, "serve", "--sandbox", "--listen", "127.0.0.1:0", "--db", self.db,
               "--rate-limit", "0", "--access-log", "off"]
        with open(self.out, "wb") as o, open(self.err, "wb") as e:
            self.proc = subprocess.Popen(cmd, stdout=o, stderr=e, cwd=self.workdir)
        deadline = time.time() + 30
        while time.time() < deadline:
            with open(self.out, errors="replace") as f:
                m = re.search(r"listening on (http://127\.0\.0\.1:\d+)", f.read())
            if m:
                self.url = m.group(1)
                self.leave_bank_night()
                return self
            if self.proc.poll() is not None:
                raise Fatal(f"wonpay exited with {self.proc.returncode} at start "
                            f"{self.starts}:\n{self.tail()}")
            time.sleep(0.02)
        raise Fatal(f"wonpay did not start within 30 s (start {self.starts})")

    def tail(self, n=4000):
        with open(self.err, errors="replace") as f:
            return f.read()[-n:]

    def admin(self, method, path, json=None, session=None):
        return (session or requests).request(method, self.url + path, json=json,
                                             headers=ADMIN, timeout=30)

    def leave_bank_night(self):
        """As bench/lib.sh leave_bank_night: banks refuse 23:30-00:30 KST; move the
        sandbox clock to 02:00 KST when near it (the offset is not kept over a restart)."""
        minute = self.admin("GET", "/sandbox/clock").json()["bank_minute_kst"]
        if minute >= 23 * 60 or minute < 60:
            advance = ((2 * 60 - minute) % (24 * 60)) * 60
            r = self.admin("POST", "/sandbox/clock", {"advance_seconds": advance})
            if r.status_code != 200:
                raise Fatal(f"moving the sandbox clock: {r.status_code} {r.text}")

    def kill(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def stop(self, timeout=30):
        """SIGTERM; returns the exit status (SIGKILL after timeout -> None)."""
        if self.proc is None:
            return None
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            rc = None
        self.proc = None
        return rc


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


class Writer(threading.Thread):
    """Sends transfers and AQR creates until the server is killed."""

    def __init__(self, url, seed, rnd, t, wseed, killed, stop):
        super().__init__(daemon=True)
        self.url, self.prefix = url, f"s{seed}-r{rnd}-w{t}"
        self.rng = random.Random(wseed)
        self.killed, self.stop_flag = killed, stop
        # (kind, key, amount_or_tag, state, extra): kind 'T' transfer / 'A' AQR;
        # state acked | inflight | refused | error (an unexpected answer)
        self.log = []
        self.odd = []          # unexpected answers (anomalies)
        self.early_errors = []  # client errors before the kill

    def run(self):
        s = requests.Session()
        n = 0
        try:
            while not self.stop_flag.is_set():
                n += 1
                if self.rng.random() < AQR_SHARE:
                    self.aqr(s, f"crash {self.prefix} {n}")
                else:
                    self.transfer(s, f"{self.prefix}-{n}", self.rng.randint(1, 1000))
                if self.log[-1][3] in ("inflight", "refused"):  # no answer
                    if self.killed.is_set():
                        break
                    s.close()  # an error before the kill: go on, on a new connection
                    s = requests.Session()
        finally:
            s.close()

    def failed(self, kind, key, val, exc):
        state = "refused" if never_sent(exc) else "inflight"
        if not self.killed.is_set():
            self.early_errors.append(f"{kind} {key}: {type(exc).__name__}: {exc}")
        self.log.append((kind, key, val, state, None))

    def transfer(self, s, tid, amount):
        body = {"id": tid, "from": SRC, "to": DST, "amount": amount}
        try:
            r = s.post(self.url + "/sandbox/transfers", headers=ADMIN, json=body, timeout=TIMEOUT)
        except requests.RequestException as exc:
            self.failed("T", tid, amount, exc)
            return
        if r.status_code in (200, 201):
            self.log.append(("T", tid, amount, "acked", r.status_code))
            try:
                b = r.json()
            except ValueError:
                b = {}
            if (r.status_code != 201 or b.get("replayed") is not False or b.get("id") != tid
                    or b.get("amount") != amount or b.get("status") != "posted"):
                self.odd.append(f"transfer {tid}: first send answered {r.status_code} {r.text[:300]}")
        else:
            self.log.append(("T", tid, amount, "error", r.status_code))
            self.odd.append(f"transfer {tid}: {r.status_code} {r.text[:300]}")

    def aqr(self, s, tag):
        form = {"email_address": "sandbox@example.com", "account_number": "1234567894321",
                "bank_id": "1", "account_owner": "홍길동", "phone_number": "01012341234",
                "account_name": tag, "action": "create"}
        try:
            r = s.post(self.url + "/api/", data=form, headers=AQR_HEADERS, timeout=TIMEOUT)
        except requests.RequestException as exc:
            self.failed("A", tag, tag, exc)
            return
        kw = None
        if r.status_code == 200:
            try:
                b = r.json()
                kw = b["data"]["uniq_keyword"] if b.get("result") == "success" else None
            except (ValueError, KeyError, TypeError):
                kw = None
        if kw:
            self.log.append(("A", tag, tag, "acked", kw))
        else:
            self.log.append(("A", tag, tag, "error", r.status_code))
            self.odd.append(f"AQR create {tag!r}: {r.status_code} {r.text[:300]}")


def ro_connect(db):
    c = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    c.execute("PRAGMA query_only = 1")
    return c


def read_db(db):
    """(wires: id -> (amount, result, debit, credit), dup ids, aqr: keyword -> (name, deleted))."""
    c = ro_connect(db)
    try:
        wires = {}
        for tid, amount, result, deb, cred in c.execute(
                "SELECT id, amount, result, debit_account_id, credit_account_id "
                "FROM ledger_transfers WHERE id LIKE 'wire:%'"):
            wires[tid[5:]] = (amount, result, deb, cred)
        dups = [r[0] for r in c.execute(
            "SELECT id FROM ledger_transfers GROUP BY id HAVING count(*) > 1")]
        aqr = {kw: (name, deleted) for kw, name, deleted in c.execute(
            "SELECT keyword, account_name, deleted_ms FROM aqr_links "
            "WHERE account_name LIKE 'crash %'")}
        return wires, dups, aqr
    finally:
        c.close()


def ledger_verify(binary, db):
    out = subprocess.run([binary, "ledger", "verify", "--db", db],
                         capture_output=True, text=True, timeout=300)
    ok = out.returncode == 0 and "ledger verify: ok" in out.stdout
    return ok, (out.stdout + out.stderr).strip()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--rounds", type=int, default=100)
    ap.add_argument("--writers", type=int, default=16)
    ap.add_argument("--seed", type=int, required=True)
    a = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    t0 = time.time()
    rng = random.Random(a.seed)
    ctx = f"[SEED={a.seed}]"
    db = os.path.join(a.dir, "wonpay.db")
    vdir = os.path.join(a.dir, "crash-image")
    os.makedirs(vdir, exist_ok=True)
    server = Server(a.bin, a.dir, db)

    anomalies = []

    def anomaly(rnd, msg):
        anomalies.append(f"round {rnd}: {msg}")
        if len(anomalies) <= 50:
            print(f"!! {ctx} round {rnd}: {msg}", file=sys.stderr, flush=True)

    transfers = {}  # id -> [amount, state, round]
    aqr_sent = {}   # tag -> [state, keyword, round]
    totals = dict(t_acked=0, a_acked=0, t_inflight=0, a_inflight=0, t_refused=0, a_refused=0,
                  t_committed=0, a_committed=0, early=0)
    tls = threading.local()

    def sess():
        if not hasattr(tls, "s"):
            tls.s = requests.Session()
        return tls.s

    pool = cf.ThreadPoolExecutor(max_workers=8)
    try:
        server.start()
        for acct in (SRC, DST):
            r = server.admin("POST", "/sandbox/bank-accounts", {
                **acct, "holder_name": "벤치", "birth_date": "19900101", "balance": INITIAL})
            if r.status_code != 201:
                raise Fatal(f"opening {acct}: {r.status_code} {r.text}")
        accts = {}
        for name, acct in (("src", SRC), ("dst", DST)):
            accts[name] = server.admin(
                "GET", f"/sandbox/bank-accounts/{acct['bank_code']}/{acct['account_number']}").json()
        src_lid, dst_lid = accts["src"]["ledger_account_id"], accts["dst"]["ledger_account_id"]

        for rnd in range(a.rounds):
            # --- load, then SIGKILL at a random moment ---
            killed, stop = threading.Event(), threading.Event()
            writers = [Writer(server.url, a.seed, rnd, t, rng.getrandbits(64), killed, stop)
                       for t in range(a.writers)]
            moment = rng.uniform(0.2, 2.0)
            for w in writers:
                w.start()
            time.sleep(moment)
            if server.proc.poll() is not None:
                raise Fatal(f"round {rnd}: wonpay died by itself with {server.proc.returncode}:\n"
                            + server.tail())
            killed.set()
            server.kill()
            stop.set()
            for w in writers:
                w.join(timeout=2 * TIMEOUT + 5)
                if w.is_alive():
                    raise Fatal(f"round {rnd}: a writer thread hangs")

            r_new_t, r_new_a = [], []
            counts = dict(t_acked=0, a_acked=0, t_inflight=0, a_inflight=0, t_refused=0,
                          a_refused=0)
            for w in writers:
                for msg in w.odd:
                    anomaly(rnd, "unexpected answer: " + msg)
                totals["early"] += len(w.early_errors)
                for msg in w.early_errors[:5]:
                    print(f"?? {ctx} round {rnd}: client error before the kill: {msg}",
                          file=sys.stderr)
                for kind, key, val, state, extra in w.log:
                    if kind == "T":
                        if key in transfers:
                            anomaly(rnd, f"client reused transfer id {key}")
                        transfers[key] = [val, state, rnd]
                        r_new_t.append(key)
                    else:
                        aqr_sent[key] = [state, extra if state == "acked" else None, rnd]
                        r_new_a.append(key)
                    st = "inflight" if state == "error" else state
                    counts[f"{kind.lower()}_{st}"] += 1
            for k, v in counts.items():
                totals[k] += v

            # --- the crash image, as the kill left it, must verify (on a copy) ---
            for f in os.listdir(vdir):
                os.unlink(os.path.join(vdir, f))
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(db + suffix):
                    shutil.copyfile(db + suffix, os.path.join(vdir, "wonpay.db" + suffix))
            ok, text = ledger_verify(a.bin, os.path.join(vdir, "wonpay.db"))
            if not ok:
                anomaly(rnd, f"ledger verify of the crash image failed:\n{text[-2000:]}")

            # --- restart on the same database ---
            server.start()
            wires, dups, links = read_db(db)

            if dups:
                anomaly(rnd, f"ledger ids present more than once: {dups[:10]}")
            for tid, (amount, state, r0) in transfers.items():
                row = wires.get(tid)
                if state in ("acked", "resent"):  # resent: acknowledged by a re-send
                    if row is None:
                        anomaly(rnd, f"LOST acknowledged transfer {tid} (amount {amount}, "
                                     f"{state} in round {r0})")
                    elif row != (amount, 0, src_lid, dst_lid):
                        anomaly(rnd, f"acknowledged transfer {tid} (amount {amount}) is {row}")
                elif state == "refused" and r0 == rnd and row is not None:
                    anomaly(rnd, f"transfer {tid} was refused at connect yet exists: {row}")
            for tid in wires:
                if tid not in transfers:
                    anomaly(rnd, f"wire {tid} exists but was never sent")

            names = {}
            for kw, (name, deleted) in links.items():
                names.setdefault(name, []).append(kw)
            for name, kws in names.items():
                if len(kws) > 1:
                    anomaly(rnd, f"AQR create {name!r} stored {len(kws)} times: {kws}")
                if name not in aqr_sent:
                    anomaly(rnd, f"AQR link {kws} ({name!r}) exists but was never sent")
                elif aqr_sent[name][0] == "refused":
                    anomaly(rnd, f"AQR create {name!r} was refused at connect yet exists: {kws}")
            for tag, (state, kw, r0) in aqr_sent.items():
                if state not in ("acked", "seen"):  # seen: in flight, found after a restart
                    continue
                row = links.get(kw)
                if row is None:
                    anomaly(rnd, f"LOST {state} AQR create {kw} ({tag!r}, round {r0})")
                elif row != (tag, None):
                    anomaly(rnd, f"{state} AQR create {kw} ({tag!r}) is {row}")
            for tag in r_new_a:
                if aqr_sent[tag][0] in ("inflight", "error") and tag in names:
                    totals["a_committed"] += 1
                    aqr_sent[tag][0:2] = ["seen", names[tag][0]]

            # Read back through the API: this round's acknowledged writes.
            def get_transfer(tid):
                amount = transfers[tid][0]
                r = sess().get(f"{server.url}/sandbox/transfers/{tid}", headers=ADMIN, timeout=30)
                b = r.json() if r.status_code == 200 else {}
                if (r.status_code, b.get("id"), b.get("amount"), b.get("status")) != \
                        (200, tid, amount, "posted"):
                    return f"GET transfer {tid} (amount {amount}): {r.status_code} {r.text[:200]}"
                return None

            def get_page(kw):
                r = sess().get(f"{server.url}/f/{kw}", timeout=30)
                return None if r.status_code == 200 else f"GET /f/{kw}: {r.status_code}"

            jobs = [pool.submit(get_transfer, t) for t in r_new_t if transfers[t][1] == "acked"]
            jobs += [pool.submit(get_page, aqr_sent[g][1]) for g in r_new_a
                     if aqr_sent[g][0] == "acked"]
            for j in jobs:
                if j.result():
                    anomaly(rnd, j.result())

            # --- re-send: every unknown transfer of this round, a sample of acked ones ---
            def resend(tid, expect_replay):
                amount = transfers[tid][0]
                body = {"id": tid, "from": SRC, "to": DST, "amount": amount}
                out = []
                for attempt in (1, 2):
                    r = sess().post(server.url + "/sandbox/transfers", headers=ADMIN, json=body,
                                    timeout=30)
                    try:
                        b = r.json()
                    except ValueError:
                        b = {}
                    want = (200, True) if (expect_replay or attempt == 2) else (201, False)
                    if (r.status_code, b.get("replayed")) != want or b.get("amount") != amount:
                        out.append(f"re-send {attempt} of {tid} (amount {amount}, "
                                   f"{transfers[tid][1]}, {'in' if expect_replay else 'not in'} "
                                   f"the DB before): {r.status_code} {r.text[:200]}")
                        break
                return out

            unknown = [t for t in r_new_t if transfers[t][1] != "acked"]
            acked_now = [t for t in r_new_t if transfers[t][1] == "acked"]
            sample = rng.sample(acked_now, min(RESEND_ACKED_SAMPLE, len(acked_now)))
            committed = sum(1 for t in unknown if t in wires)
            totals["t_committed"] += sum(1 for t in unknown
                                         if t in wires and transfers[t][1] != "refused")
            jobs = [pool.submit(resend, t, t in wires) for t in unknown + sample]
            for j in jobs:
                for msg in j.result():
                    anomaly(rnd, msg)
            for t in unknown:
                transfers[t][1] = "resent"

            # --- money: every attempted transfer now exists exactly once ---
            wires, dups, _ = read_db(db)
            total = sum(v[0] for v in transfers.values())
            db_total = sum(v[0] for v in wires.values() if v[1] == 0 and v[3] == dst_lid)
            missing = [t for t in transfers if t not in wires]
            if missing:
                anomaly(rnd, f"{len(missing)} transfers missing after the re-sends: {missing[:10]}")
            got = {}
            for name, acct in (("src", SRC), ("dst", DST)):
                got[name] = server.admin(
                    "GET", f"/sandbox/bank-accounts/{acct['bank_code']}/{acct['account_number']}",
                    session=sess()).json()
            exp = {"src": INITIAL - total, "dst": INITIAL + total}
            for name in ("src", "dst"):
                if (got[name].get("balance"), got[name].get("available")) != (exp[name],) * 2:
                    anomaly(rnd, f"{name} holds balance {got[name].get('balance')} available "
                                 f"{got[name].get('available')}, expected {exp[name]} "
                                 f"({len(transfers)} transfers, sum {total})")
            if db_total != total:
                anomaly(rnd, f"the DB's wires to dst sum to {db_total}, expected {total}")

            print(f"round {rnd + 1:3d}/{a.rounds}: kill at {moment:.2f} s; acked "
                  f"{counts['t_acked']} transfers, {counts['a_acked']} AQR; in flight "
                  f"{counts['t_inflight']} transfers ({committed} had committed), "
                  f"{counts['a_inflight']} AQR; refused at connect "
                  f"{counts['t_refused'] + counts['a_refused']}; "
                  f"anomalies so far {len(anomalies)}", flush=True)

        # --- graceful stop, final verify ---
        rc = server.stop()
        if rc != 0:
            anomaly(a.rounds, f"wonpay exited with {rc} after SIGTERM:\n{server.tail()}")
        ok, text = ledger_verify(a.bin, db)
        if not ok:
            anomaly(a.rounds, f"final ledger verify failed:\n{text[-2000:]}")
        final_verify = text.splitlines()
    except Fatal as e:
        anomaly(-1, f"FATAL {e}")
        final_verify = ["(not run)"]
    finally:
        pool.shutdown(wait=True)
        server.kill()

    wall = time.time() - t0
    print()
    print(f"crash benchmark {ctx} ROUNDS={a.rounds} WRITERS={a.writers}")
    print(f"rounds:                                {a.rounds}")
    print(f"acknowledged transfers:                {totals['t_acked']}")
    print(f"acknowledged AQR creates:              {totals['a_acked']}")
    print(f"requests in flight at the kills:       {totals['t_inflight'] + totals['a_inflight']}"
          f" ({totals['t_inflight']} transfers, {totals['t_committed']} of them had committed;"
          f" {totals['a_inflight']} AQR creates, {totals['a_committed']} had committed)")
    print(f"refused at connect after the kills:    {totals['t_refused'] + totals['a_refused']}"
          f" (never sent; none may exist)")
    print(f"client errors before a kill:           {totals['early']}")
    print(f"final ledger verify:                   {' / '.join(final_verify)}")
    print(f"anomalies:                             {len(anomalies)}")
    print(f"wall time:                             {wall:.1f} s")
    if anomalies:
        print("\nfirst anomalies:", file=sys.stderr)
        for m in anomalies[:20]:
            print("  " + m, file=sys.stderr)
    return 1 if anomalies else 0


if __name__ == "__main__":
    sys.exit(main())
