"""Payple webhooks, black-box: a receiver inside the test (http.server on 127.0.0.1)
gets one POST per executed item, as a partner's endpoint would; the signature is
checked with Python's hmac and the documented secret, never with the server's code.
Servers are stopped and checked (exit 0, no sanitizer report, ledger verify) by
conftest.
"""
import hashlib
import hmac
import json
import re
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from conftest import BIN
from test_payple import CST_ID, billing, execute, lookup, post, remain, request, token

SANDBOX_SECRET = b"whsec_sandbox_test"  # README: Payple → Webhooks
ADMIN = {"Authorization": "Bearer sandbox-admin-token"}
# payple-notes §6: the webhook's fields, in the order /transfer/result answers them
FIELDS = ["result", "message", "cst_id", "sub_id", "distinct_key", "group_key",
          "billing_tran_id", "api_tran_id", "api_tran_dtm", "bank_tran_id", "bank_tran_date",
          "bank_rsp_code", "bank_code_std", "bank_code_sub", "bank_name", "account_num",
          "account_num_masked", "account_holder_name", "print_content", "tran_amt"]


class Receiver:
    """A partner's webhook endpoint. plan(n) -> (status, seconds to wait first) for the
    n-th request (1-based); every request is kept with its headers, body and time."""

    def __init__(self, plan=None, port=0):
        self.plan = plan or (lambda n: (200, 0))
        self.got = []
        self.cond = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.cond:
                    receiver.got.append(({k.lower(): v for k, v in self.headers.items()},
                                         body, time.monotonic(), self.path))
                    n = len(receiver.got)
                    receiver.cond.notify_all()
                status, wait = receiver.plan(n)
                time.sleep(wait)
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:
                    pass  # the sender gave up on us (a timeout, its stop)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/payple/webhook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, n, timeout=15):
        deadline = time.monotonic() + timeout
        with self.cond:
            while len(self.got) < n:
                left = deadline - time.monotonic()
                assert left > 0, f"{len(self.got)} webhooks received, {n} expected"
                self.cond.wait(left)
            return list(self.got)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receivers():
    made = []

    def make(plan=None, port=0):
        made.append(Receiver(plan, port))
        return made[-1]

    yield make
    for r in made:
        r.stop()


def verify(headers, body, secret=SANDBOX_SECRET):
    """X-Wonpay-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">, as README says."""
    m = re.fullmatch(r"t=(\d+),v1=([0-9a-f]{64})", headers["x-wonpay-signature"])
    assert m, headers["x-wonpay-signature"]
    want = hmac.new(secret, m.group(1).encode() + b"." + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(want, m.group(2)), "the signature does not verify"
    assert abs(int(m.group(1)) - time.time()) < 300  # a receiver's replay window
    return int(m.group(1))


def deliveries(srv, **query):
    r = requests.get(srv.url + "/sandbox/payple/webhooks", headers=ADMIN, params=query,
                     timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["webhooks"]


def settled(srv, n, state="delivered", timeout=15, **query):
    """The outbox once n deliveries reached `state` (the record commits just after the
    receiver's answer, so this waits, boundedly)."""
    deadline = time.monotonic() + timeout
    while True:
        got = deliveries(srv, **query)
        if sum(d["state"] == state for d in got) >= n:
            return got
        assert time.monotonic() < deadline, got
        time.sleep(0.05)


def group_of(srv, tok, n, amount="1000", **over):
    bid = billing(srv, tok)
    group = None
    for i in range(n):
        got = request(srv, tok, bid, amount=amount, distinct_key=f"dk{time.time_ns()}{i}",
                      **over)
        assert got["result"] == "A0000", got
        group = got["group_key"]
    return group


def test_execute_all_sends_one_signed_webhook_per_item(make_server, receivers):
    srv = make_server(["--sandbox"]).avoid_bank_night()
    rec = receivers()
    tok = token(srv)
    group = group_of(srv, tok, 3)
    ans = execute(srv, tok, group, webhook_url=rec.url)
    assert ans["result"] == "A0000" and ans["tot_tran_amt"] == "3000", ans
    got = rec.wait(3)
    ids = set()
    for headers, body, _, path in got:
        assert path == "/payple/webhook"
        assert headers["content-type"].startswith("application/json")
        verify(headers, body)
        hook = json.loads(body)
        assert list(hook) == FIELDS, list(hook)  # exactly Payple's fields; no bank_rsp_msg
        assert all(isinstance(v, str) for v in hook.values())
        assert (hook["result"], hook["group_key"], hook["tran_amt"]) == ("A0000", group, "1000")
        # the same result /transfer/result answers for its api_tran_id
        assert lookup(srv, tok, "/transfer/result", api_tran_id=hook["api_tran_id"]) == hook
        ids.add(headers["x-wonpay-delivery"])
    assert len({json.loads(b)["api_tran_id"] for _, b, _, _ in got}) == 3 and len(ids) == 3
    # the outbox: each delivered on its first attempt, with the body the receiver got
    listed = settled(srv, 3)
    bodies = {h["x-wonpay-delivery"]: b for h, b, _, _ in got}
    for d in listed:
        assert d["id"] in ids and d["attempt_count"] == 1, d
        assert d["attempts"][0]["http_status"] == 200
        assert d["body_sha256"] == hashlib.sha256(bodies[d["id"]]).hexdigest()
    # CANCEL sends nothing
    other = group_of(srv, token(srv), 1)
    assert execute(srv, tok, other, kind="CANCEL", webhook_url=rec.url)["result"] == "A0000"
    time.sleep(0.5)
    assert len(rec.got) == 3 and len(deliveries(srv)) == 3


def test_a_failing_receiver_gets_the_same_event_until_it_takes_it(make_server, receivers):
    srv = make_server(["--sandbox", "--webhook-retry-base-ms", "100"]).avoid_bank_night()
    rec = receivers(lambda n: (500 if n <= 3 else 200, 0))
    tok = token(srv)
    group = group_of(srv, tok, 1)
    assert execute(srv, tok, group, webhook_url=rec.url)["result"] == "A0000"
    got = rec.wait(4)
    assert len({b for _, b, _, _ in got}) == 1  # the very same bytes every time
    assert len({h["x-wonpay-delivery"] for h, _, _, _ in got}) == 1
    assert len({json.loads(b)["api_tran_id"] for _, b, _, _ in got}) == 1
    for h, b, _, _ in got:
        verify(h, b)  # re-signed with each attempt's time, under the same secret
    # exponential backoff: 100 ms, 200 ms, 400 ms (plus up to 10%)
    gaps = [got[i + 1][2] - got[i][2] for i in range(3)]
    assert gaps[0] >= 0.09 and gaps[1] >= 0.19 and gaps[2] >= 0.38, gaps
    (d,) = settled(srv, 1)
    assert d["attempt_count"] == 4 and d["last_status"] == 200, d
    assert [a["http_status"] for a in d["attempts"]] == [500, 500, 500, 200]
    assert [a["n"] for a in d["attempts"]] == [1, 2, 3, 4]
    assert d["api_tran_id"] == json.loads(got[0][1])["api_tran_id"]
    text = requests.get(srv.url + "/metrics", timeout=10).text
    for line in ['wonpay_webhook_attempts_total{outcome="non_2xx"} 3',
                 'wonpay_webhook_attempts_total{outcome="2xx"} 1',
                 "wonpay_webhook_retries_total 3", "wonpay_webhook_delivered_total 1",
                 "wonpay_webhook_failed_total 0", "wonpay_webhook_attempt_duration_seconds_count 4",
                 "wonpay_webhook_delivery_latency_seconds_count 1"]:
        assert line in text.splitlines(), line


def test_a_receiver_that_never_takes_it_is_given_up(make_server, receivers):
    srv = make_server(["--sandbox", "--webhook-retry-base-ms", "50", "--webhook-max-attempts",
                       "3"]).avoid_bank_night()
    rec = receivers(lambda n: (503, 0))
    tok = token(srv)
    assert execute(srv, tok, group_of(srv, tok, 1), webhook_url=rec.url)["result"] == "A0000"
    (d,) = settled(srv, 1, state="failed")
    assert d["attempt_count"] == 3 and len(rec.got) == 3, d
    time.sleep(0.5)
    assert len(rec.got) == 3  # no fourth attempt


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_pending_deliveries_survive_sigkill_and_are_not_new_events(make_server, receivers):
    port = free_port()  # nothing listens there yet: every attempt is refused
    srv = make_server(["--sandbox", "--webhook-retry-base-ms", "100", "--webhook-retry-max-ms",
                       "400"]).avoid_bank_night()
    tok = token(srv)
    group = group_of(srv, tok, 4)
    url = f"http://127.0.0.1:{port}/hook"
    assert execute(srv, tok, group, webhook_url=url)["result"] == "A0000"
    deadline = time.monotonic() + 15
    while True:  # every delivery tried (and refused) at least once
        before = deliveries(srv)
        if len(before) == 4 and all(d["attempt_count"] >= 1 for d in before):
            break
        assert time.monotonic() < deadline, before
        time.sleep(0.05)
    assert all(d["state"] == "pending" and d["attempts"][0]["http_status"] == 0 and
               d["attempts"][0]["error"] for d in before), before
    offset_ms = srv.admin("GET", "/sandbox/clock").json()["offset_ms"]
    srv.kill()
    rec = receivers(port=port)
    srv.start()
    # the sandbox clock starts again at the system's: back to where it was (or later),
    # or deliveries due on the moved clock would wait for it
    r = srv.admin("POST", "/sandbox/clock", {"advance_seconds": offset_ms // 1000 + 1})
    assert r.status_code == 200, r.text
    got = rec.wait(4)
    time.sleep(1.0)  # anything sent twice would arrive now
    assert len(rec.got) == 4, [json.loads(b)["api_tran_id"] for _, b, _, _ in rec.got]
    want = {d["id"]: d for d in before}
    for headers, body, _, _ in got:
        d = want.pop(headers["x-wonpay-delivery"])  # the same delivery, not a new one
        assert json.loads(body)["api_tran_id"] == d["api_tran_id"]
        assert hashlib.sha256(body).hexdigest() == d["body_sha256"]
        verify(headers, body)
    assert want == {}
    after = settled(srv, 4)
    assert {d["id"] for d in after} == {d["id"] for d in before} and len(after) == 4


def test_a_slow_receiver_slows_neither_the_api_nor_other_deliveries(make_server, receivers):
    srv = make_server(["--sandbox"]).avoid_bank_night()
    slow = receivers(lambda n: (200, 5))
    fast = receivers()
    tok = token(srv)
    assert execute(srv, tok, group_of(srv, tok, 3), webhook_url=slow.url)["result"] == "A0000"
    slow.wait(3, timeout=5)  # all three are now held by the slow receiver
    for _ in range(5):
        started = time.monotonic()
        r = remain(srv, token(srv))
        assert r.json()["result"] == "A0000"
        assert time.monotonic() - started < 1.0
    started = time.monotonic()
    tok = token(srv)
    assert execute(srv, tok, group_of(srv, tok, 1), webhook_url=fast.url)["result"] == "A0000"
    fast.wait(1, timeout=2)
    assert time.monotonic() - started < 2.0
    assert sum(d["state"] == "pending" for d in deliveries(srv)) >= 3  # the slow ones still wait


def test_a_backlog_for_one_slow_host_does_not_starve_another_host(make_server, receivers):
    """300 deliveries due to a receiver that holds each for 8 s: more than the sender takes
    from the outbox at once (64 flights x 4), all due before the other host's one. The
    other host's delivery still goes out at once."""
    srv = make_server(["--sandbox", "--rate-limit", "0"]).avoid_bank_night()
    slow = receivers(lambda n: (200, 8))
    fast = receivers()
    tok = token(srv)
    assert execute(srv, tok, group_of(srv, tok, 300, amount="1"),
                   webhook_url=slow.url)["result"] == "A0000"
    slow.wait(16, timeout=10)  # the slow host has its share on the wire
    started = time.monotonic()
    tok = token(srv)
    assert execute(srv, tok, group_of(srv, tok, 1), webhook_url=fast.url)["result"] == "A0000"
    fast.wait(1, timeout=3)
    assert time.monotonic() - started < 3.0
    assert len(slow.got) < 300  # the backlog was still there


def test_redeliver_sends_the_same_delivery_again(make_server, receivers):
    srv = make_server(["--sandbox"]).avoid_bank_night()
    rec = receivers()
    tok = token(srv)
    assert execute(srv, tok, group_of(srv, tok, 1), webhook_url=rec.url)["result"] == "A0000"
    first = rec.wait(1)[0]
    (d,) = settled(srv, 1)
    r = requests.post(f"{srv.url}/sandbox/payple/webhooks/{d['id']}/redeliver", headers=ADMIN,
                      timeout=10)
    assert r.status_code == 200 and r.json()["state"] == "pending", r.text
    assert r.json()["body_sha256"] == d["body_sha256"]
    second = rec.wait(2)[1]
    assert second[1] == first[1]
    assert second[0]["x-wonpay-delivery"] == first[0]["x-wonpay-delivery"] == d["id"]
    (again,) = settled(srv, 1)
    deadline = time.monotonic() + 10
    while again["attempt_count"] < 2:
        assert time.monotonic() < deadline, again
        time.sleep(0.05)
        (again,) = deliveries(srv)
    assert again["state"] == "delivered" and again["attempt_count"] == 2, again
    r = requests.post(f"{srv.url}/sandbox/payple/webhooks/whd_nosuchdelivery/redeliver",
                      headers=ADMIN, timeout=10)
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found", r.text
    r = requests.post(f"{srv.url}/sandbox/payple/webhooks/{'x' * 40}/redeliver", headers=ADMIN,
                      timeout=10)
    assert r.status_code == 400, r.text
    r = requests.post(f"{srv.url}/sandbox/payple/webhooks/{d['id']}/redeliver", timeout=10)
    assert r.status_code == 401
    assert requests.get(srv.url + "/sandbox/payple/webhooks", params={"limit": "0"},
                        headers=ADMIN, timeout=10).status_code == 400


def add_partner(db):
    out = subprocess.run([BIN, "partner", "add", "--email", f"hook{time.time_ns()}@example.com",
                          "--db", str(db)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    field = {k: re.search(rf"Payple {k}: (\S+)", out.stdout).group(1)
             for k in ("cst_id", "custKey", "webhook secret")}
    assert re.fullmatch(r"whsec_[A-Za-z0-9]{32}", field["webhook secret"]), out.stdout
    return field["cst_id"], field["custKey"], field["webhook secret"]


def topup(srv, cst_id, amount):
    return requests.post(srv.url + "/sandbox/payple/topup", headers=ADMIN,
                         json={"cst_id": cst_id, "amount": amount}, timeout=10)


def test_topup_raises_remain(make_server):
    srv = make_server(["--sandbox"]).avoid_bank_night()
    tok = token(srv)
    before = remain(srv, tok).json()
    r = topup(srv, CST_ID, 50000)
    assert r.status_code == 200, r.text
    assert r.json()["remain_amt"] == int(before["remain_amt"]) + 50000
    after = remain(srv, tok).json()
    assert int(after["remain_amt"]) == int(before["remain_amt"]) + 50000
    assert int(after["total_account_amt"]) == int(before["total_account_amt"]) + 50000
    # a partner from `partner add` starts empty; its first top-up opens its company account
    cst_id, key, _ = add_partner(srv.db)
    theirs = token(srv, cst_id, key)
    for amount, total in ((30000, "30000"), (12345, "42345")):
        assert topup(srv, cst_id, amount).status_code == 200
        got = post(srv, "/account/remain", {"cst_id": cst_id, "custKey": key}, token=theirs)
        assert got.json()["remain_amt"] == total, got.text
    assert topup(srv, "nosuchpartnr", 1000).status_code == 404
    for bad in ({"cst_id": CST_ID, "amount": 0}, {"cst_id": CST_ID, "amount": "1000"},
                {"cst_id": CST_ID}, {"cst_id": "a-b", "amount": 1000}):
        r = requests.post(srv.url + "/sandbox/payple/topup", headers=ADMIN, json=bad, timeout=10)
        assert r.status_code == 400, (bad, r.text)


@pytest.mark.parametrize("url,says", [
    ("http://127.0.0.1:9/hook", "loopback"), ("http://10.1.2.3/hook", "private"),
    ("http://172.16.0.9/hook", "private"), ("http://192.168.0.1:8080/", "private"),
    ("http://100.64.0.1/", "CGNAT"), ("http://169.254.169.254/latest/meta-data", "link-local"),
    ("http://[::1]:9/", "loopback"), ("http://[fd00::1]/", "unique-local"),
    ("http://0.0.0.0:9/", "unspecified"), ("http://2130706433:9/", "loopback"),
    ("http://localhost:9/hook", "loopback"),
], ids=["loopback", "10/8", "172.16/12", "192.168/16", "cgnat", "metadata", "ipv6-loopback",
        "ula", "unspecified", "decimal-loopback", "localhost"])
def test_live_mode_refuses_private_webhook_urls(make_server, url, says):
    srv = make_server([])  # live mode: no sandbox partner, so the URL is checked first
    out = subprocess.run([BIN, "partner", "add", "--email", "live@example.com", "--db",
                          str(srv.db)], capture_output=True, text=True, timeout=60)
    cst_id = re.search(r"Payple cst_id: (\S+)", out.stdout).group(1)
    key = re.search(r"Payple custKey: (\S+)", out.stdout).group(1)
    tok = token(srv, cst_id, key)
    body = {"cst_id": cst_id, "custKey": key, "group_key": "NOSUCHGROUP",
            "billing_tran_id": "ALL", "execute_type": "NOW", "webhook_url": url}
    got = post(srv, "/transfer/execute", body, token=tok).json()
    assert got["result"] == "A0003", got
    assert "webhook_url" in got["message"] and says in got["message"], got["message"]
    # the operator allows it: the URL passes, and the unknown group is what is refused
    srv.stop()
    srv.args = ["--webhook-allow-private"]
    srv.start()
    got = post(srv, "/transfer/execute", body, token=token(srv, cst_id, key)).json()
    assert got["result"] == "A0005", got


def test_sandbox_allows_loopback_only(server):
    tok = token(server)
    # the URL is checked first; a URL that passes meets the unknown group (A0005)
    for url in ("http://127.0.0.1:9/hook", "http://localhost:9/hook", "http://[::1]:9/"):
        assert execute(server, tok, "NOSUCHGROUP", webhook_url=url)["result"] == "A0005"
    for url in ("http://10.0.0.1/hook", "http://169.254.169.254/", "http://[fe80::1]/",
                "http://user@", "ftp://127.0.0.1/", "http://no-such-host.invalid/"):
        got = execute(server, tok, "NOSUCHGROUP", webhook_url=url)
        assert got["result"] == "A0003" and "webhook_url" in got["message"], (url, got)


def test_a_live_partner_signs_with_its_own_secret(make_server, receivers):
    """The whole path outside sandbox mode: partner add issues the secret, the operator
    allows loopback, the webhook verifies under that secret (and not the sandbox one)."""
    srv = make_server(["--sandbox"]).avoid_bank_night()
    cst_id, key, secret = add_partner(srv.db)
    assert topup(srv, cst_id, 100000).status_code == 200
    tok = token(srv, cst_id, key)
    creds = {"cst_id": cst_id, "custKey": key}
    rn = post(srv, "/inquiry/real_name", {**creds, "bank_code_std": "004",
                                          "account_num": "11111111111",
                                          "account_holder_info_type": "0",
                                          "account_holder_info": "900101"}, token=tok).json()
    assert rn["result"] == "A0000", rn
    req = post(srv, "/transfer/request", {**creds, "billing_tran_id": rn["billing_tran_id"],
                                          "tran_amt": "7000"}, token=tok).json()
    assert req["result"] == "A0000", req
    srv.stop()
    rec = receivers()
    srv.args = ["--webhook-allow-private"]  # live mode, on the same database
    srv.start()
    tok = token(srv, cst_id, key)
    got = post(srv, "/transfer/execute", {**creds, "group_key": req["group_key"],
                                          "billing_tran_id": "ALL", "execute_type": "NOW",
                                          "webhook_url": rec.url}, token=tok).json()
    assert got["result"] == "A0000", got
    ((headers, body, _, _),) = rec.wait(1)
    verify(headers, body, secret.encode())
    with pytest.raises(AssertionError):
        verify(headers, body)  # the sandbox partner's secret does not sign it
    hook = json.loads(body)
    assert hook["cst_id"] == cst_id and hook["tran_amt"] == "7000"
    assert hook["result"] in ("A0000", "A0009")  # A0009 during the banks' night
