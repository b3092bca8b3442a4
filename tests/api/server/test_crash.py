"""Crash safety: SIGKILL the server under transfer load, restart, check nothing was lost.

Client threads send sandbox transfers with fresh ids while the server runs;
after a random moment the server is killed with SIGKILL (at least 20 rounds by
default) and started again on the same database. Every 201/200 is sent only
after the commit is on disk, so afterwards:

  * every transfer the client saw acknowledged is present, with its amount;
  * re-sending any attempted transfer with the same fields is idempotent: an
    acknowledged one comes back 200 "replayed" (a 201 would mean it was lost),
    one whose outcome the client never saw may be either (committed or not);
  * after those re-sends each attempted transfer has been applied exactly once,
    so the destination holds exactly the sum of all attempted amounts;
  * `wonpay ledger verify` passes.

Seeded and bounded: WONPAY_CRASH_SEED picks the schedule (printed in every
failure message), WONPAY_CRASH_ROUNDS the number of kills (default 20).
Loopback only.
"""
import os
import random
import subprocess
import threading
import time

import requests

from conftest import BIN, Server

ADMIN = {"Authorization": "Bearer sandbox-admin-token"}
SEED = int(os.environ.get("WONPAY_CRASH_SEED", "20240917"))
ROUNDS = int(os.environ.get("WONPAY_CRASH_ROUNDS", "20"))
THREADS = 8
TIMEOUT = 5  # seconds, per request
INITIAL = 10**12
SRC = {"bank_code": "088", "account_number": "770000000001"}
DST = {"bank_code": "088", "account_number": "770000000002"}
MIN_ACKED = 200


def open_account(url, acct, balance):
    r = requests.post(url + "/sandbox/bank-accounts", headers=ADMIN, timeout=30, json={
        **acct, "holder_name": "테스트", "birth_date": "19900101", "balance": balance})
    assert r.status_code == 201, r.text


def balance(url, acct):
    r = requests.get(f"{url}/sandbox/bank-accounts/{acct['bank_code']}/{acct['account_number']}",
                     headers=ADMIN, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def transfer_body(tid, amount):
    return {"id": tid, "from": SRC, "to": DST, "amount": amount}


class Client(threading.Thread):
    """Sends transfers with fresh ids until told to stop or the server goes away."""

    def __init__(self, url, rnd, t, seed, stop):
        super().__init__(daemon=True)
        self.url, self.rnd, self.t = url, rnd, t
        self.rng = random.Random(seed)
        self.stop_flag = stop
        self.attempts = []   # (id, amount, outcome) with outcome "acked" or "unknown"
        self.anomalies = []  # answers a healthy server never gives here

    def run(self):
        s = requests.Session()
        n = 0
        try:
            while not self.stop_flag.is_set():
                tid = f"r{self.rnd}-t{self.t}-{n}"
                n += 1
                amount = self.rng.randint(1, 1000)
                try:
                    r = s.post(self.url + "/sandbox/transfers", headers=ADMIN,
                               json=transfer_body(tid, amount), timeout=TIMEOUT)
                except requests.RequestException:
                    # Killed mid-flight, or refused after the kill: outcome unknown.
                    self.attempts.append((tid, amount, "unknown"))
                    break
                if r.status_code in (200, 201):
                    self.attempts.append((tid, amount, "acked"))
                    body = r.json()
                    if (r.status_code != 201 or body.get("replayed") is not False
                            or body.get("id") != tid or body.get("amount") != amount):
                        self.anomalies.append(f"{tid}: first send got {r.status_code} {r.text}")
                else:
                    # Not acknowledged; it may or may not be recorded (a 422 rejection is).
                    self.attempts.append((tid, amount, "unknown"))
                    self.anomalies.append(f"{tid}: {r.status_code} {r.text[:300]}")
        finally:
            s.close()


def test_sigkill_under_load_loses_no_acked_transfer(tmp_path):
    rng = random.Random(SEED)
    ctx = f"[WONPAY_CRASH_SEED={SEED} WONPAY_CRASH_ROUNDS={ROUNDS}]"
    server = Server(tmp_path / "crash", ["--sandbox", "--rate-limit", "0", "--access-log", "off"])
    server.start().avoid_bank_night()
    try:
        open_account(server.url, SRC, INITIAL)
        open_account(server.url, DST, 0)

        attempts = {}  # id -> (amount, outcome)
        anomalies = []
        per_round = []
        for rnd in range(ROUNDS):
            if rnd > 0:
                server.start().avoid_bank_night()  # the clock offset is not kept
            stop = threading.Event()
            clients = [Client(server.url, rnd, t, rng.getrandbits(64), stop)
                       for t in range(THREADS)]
            for c in clients:
                c.start()
            time.sleep(rng.uniform(0.1, 0.6))
            alive = server.proc.poll() is None
            assert alive, (f"{ctx} round {rnd}: wonpay died by itself with "
                           f"{server.proc.returncode}:\n{server.stderr()[-4000:]}")
            server.kill()
            stop.set()
            for c in clients:
                c.join(timeout=2 * TIMEOUT + 5)
                assert not c.is_alive(), f"{ctx} round {rnd}: client thread {c.t} hangs"
            server.check_sanitizers()
            acked = unknown = 0
            for c in clients:
                anomalies += [f"round {rnd}: {a}" for a in c.anomalies]
                for tid, amount, outcome in c.attempts:
                    assert tid not in attempts
                    attempts[tid] = (amount, outcome)
                    acked += outcome == "acked"
                    unknown += outcome == "unknown"
            per_round.append((acked, unknown))

        total_acked = sum(a for a, _ in per_round)
        total_unknown = sum(u for _, u in per_round)
        summary = f"{ctx} acked/unknown per round: {per_round}"
        print(f"\n{summary}\ntotal acked={total_acked} unknown={total_unknown}")
        assert not anomalies, f"{ctx} unexpected answers:\n" + "\n".join(anomalies[:20])
        assert total_acked >= MIN_ACKED, f"too little work done: {summary}"
        assert total_unknown > 0, f"no round killed a transfer in flight: {summary}"

        # Restart once more: the database must come back with every acked transfer.
        server.start().avoid_bank_night()
        s = requests.Session()
        for tid, (amount, outcome) in attempts.items():
            if outcome != "acked":
                continue
            r = s.get(f"{server.url}/sandbox/transfers/{tid}", headers=ADMIN, timeout=30)
            assert r.status_code == 200, f"{ctx} acked transfer {tid} lost: {r.status_code} {r.text}"
            body = r.json()
            assert (body["id"], body["amount"], body["status"]) == (tid, amount, "posted"), \
                f"{ctx} acked transfer {tid} (amount {amount}) reads back as {body}"

        # Re-send every attempt with identical fields: acked ones must be replays,
        # unknown ones are either replays (committed before the kill) or new now.
        committed_before_kill = 0
        for tid, (amount, outcome) in attempts.items():
            r = s.post(server.url + "/sandbox/transfers", headers=ADMIN,
                       json=transfer_body(tid, amount), timeout=30)
            body = r.json() if r.headers.get("Content-Type", "").startswith("application/json") \
                else {}
            if outcome == "acked":
                assert r.status_code == 200 and body.get("replayed") is True, \
                    f"{ctx} acked transfer {tid} was not a replay: {r.status_code} {r.text}"
            else:
                assert r.status_code in (200, 201), \
                    f"{ctx} re-sending unknown transfer {tid}: {r.status_code} {r.text}"
                assert body.get("replayed") is (r.status_code == 200), \
                    f"{ctx} {tid}: {r.status_code} {r.text}"
                committed_before_kill += r.status_code == 200
            assert body.get("amount") == amount, f"{ctx} {tid}: {r.text}"
        print(f"unknown transfers that had committed before the kill: "
              f"{committed_before_kill}/{total_unknown}")

        # Each attempted transfer applied exactly once.
        total = sum(amount for amount, _ in attempts.values())
        src, dst = balance(server.url, SRC), balance(server.url, DST)
        assert (dst["balance"], dst["available"]) == (total, total), \
            f"{ctx} destination holds {dst}, expected {total} from {len(attempts)} transfers"
        assert (src["balance"], src["available"]) == (INITIAL - total, INITIAL - total), \
            f"{ctx} source holds {src}, expected {INITIAL - total}"
        s.close()
        server.stop()
    finally:
        server.kill()

    out = subprocess.run([BIN, "ledger", "verify", "--db", str(server.db)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "ledger verify: ok" in out.stdout, \
        f"{ctx} ledger verify failed ({out.returncode}):\n{out.stdout[-4000:]}\n{out.stderr[-2000:]}"
