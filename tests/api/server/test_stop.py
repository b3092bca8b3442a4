"""SIGTERM at random moments under load: the server stops cleanly every time.

Writers create AQR links and send sandbox wires while the server runs; a
SIGTERM arrives at a random moment. Every stop must exit 0 with no sanitizer
report (libmicrohttpd aborts when it is stopped with a suspended connection:
a request refused during the stop must never run its handler), every write
the clients saw acknowledged must be in the database afterwards, and
`wonpay ledger verify` must hold (conftest checks both at every stop).

WONPAY_STOP_ROUNDS (default 100) rounds, split over two servers in parallel;
WONPAY_STOP_SEED picks the schedule.
"""
import os
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from conftest import SANDBOX_EMAIL, SANDBOX_TOKEN, Server, create_body, query

ROUNDS = int(os.environ.get("WONPAY_STOP_ROUNDS", "100"))
SEED = int(os.environ.get("WONPAY_STOP_SEED", "20261202"))
ADMIN = {"Authorization": "Bearer sandbox-admin-token"}
HONG = {"bank_code": "004", "account_number": "11111111111"}
KIM = {"bank_code": "088", "account_number": "22222222222"}


def writer(url, kind, tag, stop, acked):
    s = requests.Session()
    n = 0
    while not stop.is_set():
        n += 1
        try:
            if kind == "aqr":
                r = s.post(url + "/api/", data=create_body(), timeout=5,
                           headers={"AQR-DEVELOPER-TOKEN": SANDBOX_TOKEN})
                if r.status_code == 200:
                    acked.append(("aqr", r.json()["data"]["uniq_keyword"]))
            else:
                tid = f"{tag}-{n}"
                r = s.post(url + "/sandbox/transfers", headers=ADMIN, timeout=5,
                           json={"id": tid, "from": HONG, "to": KIM, "amount": 1})
                if r.status_code in (200, 201):
                    acked.append(("wire", "wire:" + tid))
        except requests.RequestException:
            time.sleep(0.01)  # the server is going away


def present(db, acked):
    links = {r[0] for r in query(db, "SELECT keyword FROM aqr_links")}
    wires = {r[0] for r in query(db, "SELECT id FROM ledger_transfers WHERE result = 0")}
    return [a for a in acked if a[1] not in (links if a[0] == "aqr" else wires)]


def run_rounds(workdir, rounds, seed):
    rng = random.Random(seed)
    srv = Server(workdir, ["--sandbox", "--rate-limit", "0", "--access-log", "off"])
    acked = []
    for rnd in range(rounds):
        srv.start()
        if rnd == 0:
            srv.avoid_bank_night()
        stop = threading.Event()
        threads = [threading.Thread(target=writer, daemon=True,
                                    args=(srv.url, kind, f"s{seed}r{rnd}t{i}", stop, acked))
                   for i, kind in enumerate(["aqr"] * 4 + ["wire"] * 4)]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.05, 0.5))
        srv.stop()  # SIGTERM: asserts exit 0, no sanitizer report, ledger verify clean
        stop.set()
        for t in threads:
            t.join(timeout=30)
        missing = present(srv.db, acked)
        assert not missing, f"seed {seed} round {rnd}: acknowledged but missing: {missing[:5]}"
    return len(acked)


def test_sigterm_under_load_always_stops_cleanly(tmp_path):
    halves = [ROUNDS // 2, ROUNDS - ROUNDS // 2]
    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(run_rounds, tmp_path / f"srv{i}", halves[i], SEED + i)
                   for i in range(2)]
        total = sum(f.result() for f in futures)
    assert total > ROUNDS, "the load produced too few acknowledged writes to mean anything"
