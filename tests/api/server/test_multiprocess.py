"""Several wonpay processes on one PostgreSQL database (issue 14), black-box.

Three processes (conftest.make_processes) serve one database; the tests spread their
requests round-robin over them and check, as a client would, that together they behave
as one server: no overdraft, one effect per idempotency key, one use per Kona tran
token, one webhook per event, and no process serving what another has deleted.
Everything is built here the way a partner's code builds it (requests, Python's hmac);
nothing uses the server's code. Every process is stopped and checked (exit 0, no
sanitizer report, `ledger verify`) by conftest.
"""
import json
import secrets
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from conftest import SANDBOX_EMAIL, create_body, pg_only

HERE = Path(__file__).resolve().parent
for sub in ("payple", "kona"):
    if str(HERE.parent / sub) not in sys.path:
        sys.path.insert(0, str(HERE.parent / sub))

from kona_client import Request, for_server  # noqa: E402
from test_payple import billing, execute, group_lookup, remain, request, token  # noqa: E402
from test_payple_webhooks import Receiver, deliveries, group_of, verify  # noqa: E402

pytestmark = pg_only("several processes share one database only on PostgreSQL")

HONG = ("004", "11111111111")  # sandbox fixture account


# -- helpers ---------------------------------------------------------------------------

def acct(bank, number, balance, holder="테스트", birth="19900101"):
    return {"bank_code": bank, "account_number": number, "holder_name": holder,
            "birth_date": birth, "balance": balance}


def wire(id_, from_, to, amount):
    return {"id": id_, "from": {"bank_code": from_[0], "account_number": from_[1]},
            "to": {"bank_code": to[0], "account_number": to[1]}, "amount": amount}


def account(srv, who):
    r = srv.admin("GET", f"/sandbox/bank-accounts/{who[0]}/{who[1]}")
    assert r.status_code == 200, r.text
    return r.json()


def in_step_by_day(procs):
    """Away from the banks' nightly maintenance (23:30-00:30 KST), so money moves at any
    hour: each process's sandbox clock is moved to 02:00 KST if it is near it. Whether
    the processes share one sandbox clock or keep one each, they end up at the same
    time (within a minute) and none of them in the window."""
    for p in procs:
        p.avoid_bank_night()
    return procs


def at_once(calls, timeout=30):
    """Runs the callables in threads released together (a barrier); their results in order
    (an exception in one is raised here)."""
    gate = threading.Barrier(len(calls))
    out, errors = [None] * len(calls), []

    def run(i):
        try:
            gate.wait(timeout)
            out[i] = calls[i]()
        except BaseException as e:  # noqa: BLE001 - handed to the caller
            errors.append(e)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    if errors:
        raise errors[0]
    assert not any(t.is_alive() for t in threads), "a request did not finish"
    return out


# -- 1. no overdraft across processes --------------------------------------------------

def test_1000_concurrent_debits_over_three_processes_never_overdraw(make_processes):
    procs = in_step_by_day(make_processes(3))
    n_ok, total, amount = 400, 1000, 1000
    src = ("088", "7100000001")
    r = procs[1].admin("POST", "/sandbox/bank-accounts", acct(*src, balance=n_ok * amount))
    assert r.status_code == 201, r.text
    for p in procs:  # the new account is there for all three at once
        assert account(p, src)["balance"] == n_ok * amount
    hong_before = account(procs[0], HONG)["balance"]

    seen, done = [], threading.Event()

    def watch():  # the balance as readers see it meanwhile, through every process
        i = 0
        while not done.is_set():
            got = account(procs[i % 3], src)
            seen.append((got["balance"], got["available"]))
            i += 1
            time.sleep(0.01)

    def one(i):
        return procs[i % 3].admin("POST", "/sandbox/transfers",
                                  wire(f"mp-drain-{i}", src, HONG, amount))

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        with ThreadPoolExecutor(max_workers=96) as pool:
            results = list(pool.map(one, range(total)))
    finally:
        done.set()
        watcher.join()
    codes = [r.status_code for r in results]
    assert all(c in (201, 422) for c in codes), sorted(set(codes))
    assert codes.count(201) == n_ok and codes.count(422) == total - n_ok, \
        (codes.count(201), codes.count(422))
    for r in results:
        if r.status_code == 422:
            assert (r.json()["result"], r.json()["bank_outcome"]) == \
                ("exceeds_credits", "insufficient_funds"), r.text
        else:
            assert r.json()["status"] == "posted" and r.json()["replayed"] is False, r.text
    # each process took its share of the successes (the load was spread, not funnelled)
    per_proc = [sum(1 for i, c in enumerate(codes) if c == 201 and i % 3 == k) for k in range(3)]
    assert all(n > 0 for n in per_proc), per_proc
    below = [x for x in seen if x[0] < 0 or x[1] < 0]
    assert seen and not below, below[:10] or "the balance was never read meanwhile"
    for p in procs:
        got = account(p, src)
        assert (got["balance"], got["available"]) == (0, 0), got
        assert account(p, HONG)["balance"] == hong_before + n_ok * amount
    # what each transfer id says, through a process other than the one that answered
    for i in range(0, total, 37):
        r = procs[(i + 1) % 3].admin("GET", f"/sandbox/transfers/mp-drain-{i}")
        if codes[i] == 201:
            assert r.status_code == 200 and r.json()["amount"] == amount, r.text


# -- 2. one effect per idempotency key --------------------------------------------------

def test_same_transfer_id_sent_to_three_processes_at_once_moves_money_once(make_processes):
    procs = in_step_by_day(make_processes(3))
    src, dst = ("088", "7200000001"), ("090", "7200000002")
    start = 10_000_000
    assert procs[0].admin("POST", "/sandbox/bank-accounts",
                          acct(*src, balance=start)).status_code == 201
    assert procs[2].admin("POST", "/sandbox/bank-accounts",
                          acct(*dst, balance=0)).status_code == 201
    ids = [f"mp-once-{i}-{secrets.token_hex(3)}" for i in range(50)]
    amounts = {tid: 100 + i for i, tid in enumerate(ids)}

    def race(tid):
        body = wire(tid, src, dst, amounts[tid])
        return at_once([lambda p=p: p.admin("POST", "/sandbox/transfers", body) for p in procs])

    with ThreadPoolExecutor(max_workers=10) as pool:  # ten ids racing at a time
        answers = dict(zip(ids, pool.map(race, ids)))
    for tid, rs in answers.items():
        codes = sorted(r.status_code for r in rs)
        assert codes == [200, 200, 201], (tid, codes, [r.text for r in rs])
        (first,) = [r.json() for r in rs if r.status_code == 201]
        assert first["replayed"] is False and first["status"] == "posted", first
        for r in rs:
            if r.status_code == 200:
                again = r.json()
                assert again["replayed"] is True, again
                assert {k: v for k, v in again.items() if k != "replayed"} == \
                    {k: v for k, v in first.items() if k != "replayed"}, (first, again)
    moved = sum(amounts.values())
    for p in procs:
        assert account(p, src)["balance"] == start - moved
        assert account(p, dst)["balance"] == moved
    for i, tid in enumerate(ids[:10]):
        r = procs[i % 3].admin("GET", f"/sandbox/transfers/{tid}")
        assert r.status_code == 200 and r.json()["amount"] == amounts[tid], r.text


def test_payple_distinct_key_sent_to_three_processes_at_once_reserves_once(make_processes):
    procs = in_step_by_day(make_processes(3))
    tok = token(procs[0])  # one partner's token, used against all three
    bid = billing(procs[1], tok)
    start = int(remain(procs[2], tok).json()["remain_amt"])
    keys = [f"dk{secrets.token_hex(6)}{i}" for i in range(20)]

    def race(dk):
        return at_once([lambda p=p: request(p, tok, bid, amount="1000", distinct_key=dk)
                        for p in procs])

    with ThreadPoolExecutor(max_workers=5) as pool:
        answers = list(pool.map(race, keys))
    for dk, rs in zip(keys, answers):
        assert rs[0]["result"] == "A0000", rs
        assert rs[1] == rs[0] and rs[2] == rs[0], (dk, rs)  # the same answer everywhere
    groups = {rs[0]["group_key"] for rs in answers}
    assert len(groups) == 1, groups  # one token, one group
    (group,) = groups
    remains = sorted(int(rs[0]["remain_amt"]) for rs in answers)
    assert remains == [start - 1000 * k for k in range(20, 0, -1)], remains
    for p in procs:
        assert int(remain(p, tok).json()["remain_amt"]) == start - 20_000
        got = group_lookup(p, tok, group)
        assert (got["result"], got["count"], got["total"]) == ("A0000", "20", "20000"), got


# -- 3. a Kona tran token is used once, whichever process sees it ----------------------

def retarget(req, srv):
    """The very same request (bytes and headers, so the same token) to another process."""
    req.url = srv.url + req.url[req.url.index("/api/"):]
    return req


def test_kona_token_replayed_to_another_process_is_refused(make_processes):
    procs = make_processes(3)
    k = for_server(procs[0])
    member = {"loginId": f"mp-{secrets.token_hex(6)}@example.com", "loginPassword": "135790",
              "nationality": "Korean", "gender": "Male", "userName": "홍길동",
              "birthDate": "19900101"}
    for path, body in (("bankaccounts/banks", {}), ("user/registration", member)):
        req = k.prepare(path, body)
        first = k.send(req)
        assert first.status == 200 and first.code == "000_000", first
        for p in procs[1:]:
            again = k.send(retarget(req, p))
            assert (again.status, again.code) == (401, "000_104"), (p.url, again)
        again = k.send(retarget(req, procs[0]))
        assert (again.status, again.code) == (401, "000_104"), again
    # the registration happened once: all three know the login id
    for p in procs:
        kp = for_server(p)
        ans = kp.call("user/checkRegistrationId", {"loginId": member["loginId"]})
        assert ans.code == "000_000" and ans.body["isDuplicated"] is True, ans


def test_kona_token_sent_to_three_processes_at_once_is_taken_once(make_processes):
    procs = make_processes(3)
    k = for_server(procs[0])

    def race(path, body):
        req = k.prepare(path, body)  # one signed request: the same bytes, one token
        reqs = [retarget(Request(req.url, req.raw, dict(req.headers)), p) for p in procs]
        return at_once([lambda r=r: k.send(r) for r in reqs])

    logins, members = [], []
    for i in range(30):
        if i % 3 == 2:
            logins.append(f"mp-race-{secrets.token_hex(6)}@example.com")
            path, body = "user/registration", {
                "loginId": logins[-1], "loginPassword": "135790", "nationality": "Korean",
                "gender": "Male", "userName": "홍길동", "birthDate": "19900101"}
        else:
            path, body = "bankaccounts/banks", {}
        answers = race(path, body)
        got = sorted((a.status, a.code) for a in answers)
        assert got == [(200, "000_000"), (401, "000_104"), (401, "000_104")], (i, path, answers)
        if path == "user/registration":
            members += [a.body["userId"] for a in answers if a.status == 200]
    # each registration happened once, and is the one its accepted answer named
    for login, uid in zip(logins, members):
        other = for_server(procs[2])
        ans = other.call("user/checkRegistrationId", {"loginId": login})
        assert ans.code == "000_000" and ans.body["isDuplicated"] is True, ans
        info = other.call("user/info", {"userId": uid})
        assert info.code == "000_000" and info.body["userInfo"]["userId"] == uid, info


# -- 4. one webhook per event although three processes send -----------------------------

def by_event(got):
    """Requests the receiver got, grouped by the event's api_tran_id."""
    out = {}
    for headers, body, _, _ in got:
        out.setdefault(json.loads(body)["api_tran_id"], []).append((headers, body))
    return out


def all_settled(procs, n, timeout=20):
    """Each process's view of the outbox once n deliveries are delivered in all of them."""
    deadline = time.monotonic() + timeout
    while True:
        views = [deliveries(p, limit=200) for p in procs]
        if all(sum(d["state"] == "delivered" for d in v) >= n for v in views):
            return views
        assert time.monotonic() < deadline, views[0]
        time.sleep(0.1)


def summary(view):
    return sorted((d["id"], d["api_tran_id"], d["state"], d["attempt_count"],
                   tuple(a["http_status"] for a in d["attempts"])) for d in view)


def counters(procs, *names):
    """Each named Prometheus sample (its full name with labels), summed over the processes
    (each counts what it did itself)."""
    total = dict.fromkeys(names, 0)
    for p in procs:
        for line in requests.get(p.url + "/metrics", timeout=10).text.splitlines():
            name, _, value = line.rpartition(" ")
            if name in total:
                total[name] += int(float(value))
    return total


def test_payple_webhooks_delivered_once_by_three_senders(make_processes):
    procs = in_step_by_day(make_processes(3))
    # a receiver that takes its time: the other processes' senders look at the outbox
    # (at least once a second) while each first attempt is still on the wire
    rec = Receiver(lambda n: (200, 1.5))
    try:
        tok = token(procs[0])
        group = group_of(procs[0], tok, 20)
        ans = execute(procs[0], tok, group, webhook_url=rec.url)
        assert ans["result"] == "A0000" and ans["tot_tran_amt"] == "20000", ans
        rec.wait(20, timeout=20)
        all_settled(procs, 20)
        time.sleep(2.5)  # a second sender's copy would arrive now
        events = by_event(rec.got)
        assert len(events) == 20 and all(len(v) == 1 for v in events.values()), \
            {k: len(v) for k, v in events.items() if len(v) != 1} or len(events)
        for (headers, body), in events.values():
            verify(headers, body)
            assert json.loads(body)["group_key"] == group
        ids = {h["x-wonpay-delivery"] for (h, _), in events.values()}
        views = [deliveries(p, limit=200) for p in procs]
        for v in views:
            assert len(v) == 20 and {d["id"] for d in v} == ids, v
            for d in v:
                assert d["state"] == "delivered" and d["attempt_count"] == 1, d
                assert [a["http_status"] for a in d["attempts"]] == [200], d
        assert summary(views[0]) == summary(views[1]) == summary(views[2])
        # the senders together: 20 attempts, 20 deliveries, whichever process made them
        assert counters(procs, 'wonpay_webhook_attempts_total{outcome="2xx"}',
                        "wonpay_webhook_delivered_total", "wonpay_webhook_retries_total") == {
            'wonpay_webhook_attempts_total{outcome="2xx"}': 20,
            "wonpay_webhook_delivered_total": 20, "wonpay_webhook_retries_total": 0}
    finally:
        rec.stop()


def test_payple_webhook_retries_taken_by_any_process_deliver_once(make_processes):
    procs = in_step_by_day(make_processes(3, args=("--sandbox", "--rate-limit", "0",
                                                   "--webhook-retry-base-ms", "100")))
    holder = {}

    def plan(n):  # every event's first attempt fails (503), the next ones succeed
        with holder["rec"].cond:
            got = list(holder["rec"].got[:n])
        event = json.loads(got[n - 1][1])["api_tran_id"]
        first = sum(json.loads(b)["api_tran_id"] == event for _, b, _, _ in got) == 1
        return (503, 0) if first else (200, 0)

    rec = holder["rec"] = Receiver(plan)
    try:
        tok = token(procs[1])
        group = group_of(procs[1], tok, 20)
        ans = execute(procs[1], tok, group, webhook_url=rec.url)
        assert ans["result"] == "A0000" and ans["tot_tran_amt"] == "20000", ans
        rec.wait(40, timeout=30)
        all_settled(procs, 20, timeout=30)
        time.sleep(2.5)  # a duplicate retry would arrive now
        events = by_event(rec.got)
        assert len(events) == 20, len(events)
        twice = {k: len(v) for k, v in events.items() if len(v) != 2}
        assert not twice, twice  # one refused attempt, one taken: never a third
        for reqs in events.values():
            assert reqs[0][1] == reqs[1][1]  # the same bytes
            assert reqs[0][0]["x-wonpay-delivery"] == reqs[1][0]["x-wonpay-delivery"]
            for headers, body in reqs:
                verify(headers, body)
        views = [deliveries(p, limit=200) for p in procs]
        for v in views:
            assert len(v) == 20, v
            for d in v:
                assert d["state"] == "delivered" and d["attempt_count"] == 2, d
                assert [a["http_status"] for a in d["attempts"]] == [503, 200], d
                assert [a["n"] for a in d["attempts"]] == [1, 2], d
        assert summary(views[0]) == summary(views[1]) == summary(views[2])
        assert counters(procs, 'wonpay_webhook_attempts_total{outcome="2xx"}',
                        'wonpay_webhook_attempts_total{outcome="non_2xx"}',
                        "wonpay_webhook_delivered_total", "wonpay_webhook_failed_total") == {
            'wonpay_webhook_attempts_total{outcome="2xx"}': 20,
            'wonpay_webhook_attempts_total{outcome="non_2xx"}': 20,
            "wonpay_webhook_delivered_total": 20, "wonpay_webhook_failed_total": 0}
    finally:
        rec.stop()


# -- 5. each process sees the others' writes at once ------------------------------------

def test_aqr_link_created_on_one_deleted_on_another_is_gone_everywhere(make_processes):
    a, b, c = make_processes(3)
    kws = []
    for i in range(5):
        r = a.aqr(create_body(account_owner=f"김다중{i}"))
        assert r.status_code == 200 and r.json()["result"] == "success", r.text
        kws.append(r.json()["data"]["uniq_keyword"])
    for i, kw in enumerate(kws):
        for p in (a, b, c):  # rendered (and, where a process keeps pages, kept) by each
            page = requests.get(f"{p.url}/f/{kw}", timeout=10)
            assert page.status_code == 200 and f"김다중{i}" in page.text, (p.url, page.text)
            assert requests.get(f"{p.url}/f/{kw}/5000", timeout=10).status_code == 200
    for kw in kws:
        d = {"email_address": SANDBOX_EMAIL, "uniq_keyword": kw, "action": "delete"}
        assert c.aqr(d).json() == {"result": "success"}
        for p in (b, a, c):  # at once, with no wait: nothing stale anywhere
            for path in (f"/f/{kw}", f"/f/{kw}/5000", f"/f/{kw}/qr"):
                r = requests.get(p.url + path, timeout=10)
                assert r.status_code == 410 and "삭제된 계좌 정보입니다" in r.text, \
                    (p.url + path, r.status_code)
            assert requests.get(f"{p.url}/res/api/{kw}", timeout=10).status_code == 410
        again = a.aqr(d)
        assert again.status_code == 410 and "already deleted" in again.json()["reason"], again.text
