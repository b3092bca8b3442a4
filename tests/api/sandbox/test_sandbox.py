"""The sandbox control API and the bank network behind it, black-box.

Every server these tests start is stopped gracefully at the end, which also
runs `wonpay ledger verify` on its database (conftest.Server.stop).
"""
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests


def acct(bank, number, holder="테스트", birth="19900101", balance=0, **extra):
    body = {"bank_code": bank, "account_number": number, "holder_name": holder,
            "birth_date": birth, "balance": balance}
    body.update(extra)
    return {k: v for k, v in body.items() if v is not None}


def wire(id_, from_, to, amount):
    return {"id": id_, "from": {"bank_code": from_[0], "account_number": from_[1]},
            "to": {"bank_code": to[0], "account_number": to[1]}, "amount": amount}


HONG = ("004", "11111111111")  # fixture: 홍길동, 1,000,000 won
KIM = ("088", "22222222222")   # fixture: 김철수, 5,000,000 won


@pytest.fixture
def sb(make_server):
    return make_server(["--sandbox", "--rate-limit", "0"]).avoid_bank_night()


def balance(sb, who):
    r = sb.admin("GET", f"/sandbox/bank-accounts/{who[0]}/{who[1]}")
    assert r.status_code == 200, r.text
    return r.json()["balance"]


def test_auth_required_and_sandbox_only(sb, make_server):
    assert sb.admin("GET", "/sandbox/clock", token=None).status_code == 401
    r = sb.admin("GET", "/sandbox/clock", token="wrong-token")
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
    assert sb.admin("GET", "/sandbox/clock").status_code == 200
    live = make_server([], name="live")
    r = live.admin("GET", "/sandbox/clock")
    assert r.status_code == 404  # no control API without --sandbox


def test_fixtures_present(sb):
    r = sb.admin("GET", "/sandbox/bank-accounts/004/11111111111")
    body = r.json()
    assert body["holder_name"] == "홍길동" and body["bank_name"] == "국민은행"
    assert body["balance"] == 1_000_000 and body["status"] == "active"
    assert sb.admin("GET", "/sandbox/bank-accounts/004/90000000003").json()["status"] == "closed"
    assert sb.admin("GET", "/sandbox/bank-accounts/004/00000000000").status_code == 404


def test_create_get_patch_account(sb):
    r = sb.admin("POST", "/sandbox/bank-accounts", acct("088", "1002003004", balance=50_000))
    assert r.status_code == 201, r.text
    assert r.json()["balance"] == 50_000 and r.json()["kind"] == "personal"
    assert sb.admin("POST", "/sandbox/bank-accounts",
                    acct("088", "1002003004")).status_code == 409
    r = sb.admin("PATCH", "/sandbox/bank-accounts/088/1002003004", {"status": "suspended"})
    assert r.status_code == 200 and r.json()["status"] == "suspended"
    r = sb.admin("POST", "/sandbox/transfers", wire("from-suspended", ("088", "1002003004"), HONG, 10))
    assert r.status_code == 422 and r.json()["error"]["code"] == "account_suspended"
    biz = acct("081", "5550001111", holder="(주)샘플", birth=None, business_no="2208162517",
               balance=10)
    r = sb.admin("POST", "/sandbox/bank-accounts", biz)
    assert r.status_code == 201 and r.json()["kind"] == "business"


@pytest.mark.parametrize("body,fragment", [
    (acct("999", "1234567"), "bank_code is not a KFTC bank code"),
    (acct("04", "1234567"), "bank_code must be 3 to 3 digits"),
    (acct("004", "12ab567"), "account_number must be 6 to 20 digits"),
    (acct("004", "1234567", birth="1990-01-01"), "birth_date is longer than 8 bytes"),
    (acct("004", "1234567", birth="199001"), "birth_date must be 8 to 8 digits"),
    (acct("004", "1234567", birth=None), "exactly one of birth_date"),
    (acct("004", "1234567", business_no="1234567890"), "exactly one of birth_date"),
    (acct("004", "1234567", balance=-1), "balance must be from 0"),
    (acct("004", "1234567", balance=1.5), "balance must be a number: a whole number from"),
    (acct("004", "1234567", balance="100"), "balance must be a number: a whole number from"),
    (acct("004", "1234567", kind="savings"), "kind must be personal, business or virtual"),
    (acct("004", "1234567", status="frozen"), "status must be active"),
    (acct("004", "1234567", holder="가" * 41), "holder_name must be at most 40 characters"),
])
def test_create_account_validation(sb, body, fragment):
    r = sb.admin("POST", "/sandbox/bank-accounts", body)
    assert r.status_code == 400, r.text
    assert fragment in r.json()["error"]["message"], r.json()


def test_bad_json_bodies(sb):
    for raw, fragment in ((b"{not json", "not valid JSON (line 1"),
                          (b"[1]", "must be a JSON object"),
                          (b'{"id":"a","id":"b"}', "duplicate")):
        r = requests.post(sb.url + "/sandbox/transfers", data=raw, timeout=10,
                          headers={"Authorization": "Bearer sandbox-admin-token"})
        assert r.status_code == 400 and fragment in r.json()["error"]["message"], r.text


def test_wire_idempotent_and_errors(sb):
    r = sb.admin("POST", "/sandbox/transfers", wire("w1", HONG, KIM, 1_500))
    assert r.status_code == 201 and r.json()["status"] == "posted" and not r.json()["replayed"]
    assert balance(sb, HONG) == 998_500 and balance(sb, KIM) == 5_001_500
    r = sb.admin("POST", "/sandbox/transfers", wire("w1", HONG, KIM, 1_500))
    assert r.status_code == 200 and r.json()["replayed"] is True
    assert balance(sb, HONG) == 998_500  # moved once
    r = sb.admin("POST", "/sandbox/transfers", wire("w1", HONG, KIM, 1_600))
    assert r.status_code == 422 and r.json()["result"] == "exists_with_different_amount"
    r = sb.admin("POST", "/sandbox/transfers", wire("w1", KIM, HONG, 1_500))
    assert r.status_code == 422 and r.json()["result"] == "exists_with_different_debit_account_id"
    r = sb.admin("POST", "/sandbox/transfers", wire("w2", HONG, KIM, 10**9))
    assert r.status_code == 422 and r.json()["result"] == "exceeds_credits"
    assert r.json()["bank_outcome"] == "insufficient_funds"
    # A failed attempt is remembered: the same request answers the same, even after funding.
    assert sb.admin("POST", "/sandbox/transfers", wire("fund", KIM, HONG, 4_000_000)).status_code == 201
    r = sb.admin("POST", "/sandbox/transfers", wire("w2", HONG, KIM, 10**9))
    assert r.status_code == 422 and r.json()["result"] == "exceeds_credits"
    r = sb.admin("POST", "/sandbox/transfers", wire("w3", HONG, ("004", "00000000000"), 1))
    assert r.status_code == 404 and r.json()["error"]["code"] == "account_not_found"
    r = sb.admin("POST", "/sandbox/transfers", wire("w4", HONG, ("004", "90000000003"), 1))
    assert r.status_code == 422 and r.json()["error"]["code"] == "account_closed"
    for bad, frag in ((wire("", HONG, KIM, 1), "id must not be empty"),
                      (wire("x" * 60, HONG, KIM, 1), "id is longer than 59 bytes"),
                      (wire("w5", HONG, KIM, 0), "amount must be from 1"),
                      (wire("w5", HONG, KIM, 2**63), "amount must be from 1 to"),
                      (wire("w5", HONG, KIM, 1.0), "amount must be a number: a whole number from 1 to")):
        r = sb.admin("POST", "/sandbox/transfers", bad)
        assert r.status_code == 400 and frag in r.json()["error"]["message"], r.text
    r = sb.admin("POST", "/sandbox/transfers", wire("bad id!", HONG, KIM, 1))
    assert r.status_code == 422 and r.json()["result"] == "id_invalid"
    r = sb.admin("GET", "/sandbox/transfers/w1")
    assert r.status_code == 200 and r.json()["amount"] == 1_500
    assert r.json()["from"] == {"bank_code": "004", "account_number": "11111111111"}
    assert sb.admin("GET", "/sandbox/transfers/nope").status_code == 404


def test_500_concurrent_transfers_never_overdraw(sb):
    src = ("088", "7000000001")
    assert sb.admin("POST", "/sandbox/bank-accounts",
                    acct("088", src[1], balance=250 * 1000)).status_code == 201

    def one(i):
        return sb.admin("POST", "/sandbox/transfers", wire(f"drain-{i}", src, HONG, 1000))

    with ThreadPoolExecutor(max_workers=250) as ex:
        results = list(ex.map(one, range(500)))
    codes = [r.status_code for r in results]
    assert all(c < 500 for c in codes), codes
    assert codes.count(201) == 250 and codes.count(422) == 250, sorted(set(codes))
    assert {r.json()["result"] for r in results if r.status_code == 422} == {"exceeds_credits"}
    r = sb.admin("GET", f"/sandbox/bank-accounts/{src[0]}/{src[1]}").json()
    assert r["balance"] == 0 and r["available"] == 0


def test_faults(sb):
    r = sb.admin("PUT", "/sandbox/banks/088/fault", {"mode": "unreachable"})
    assert r.status_code == 200 and r.json()["mode"] == "unreachable"
    r = sb.admin("POST", "/sandbox/transfers", wire("f1", HONG, KIM, 1))
    assert r.status_code == 503 and r.json()["error"]["code"] == "bank_unreachable"
    # Not recorded: the same id goes through once the bank is back.
    sb.admin("PUT", "/sandbox/banks/088/fault", {"mode": "none"})
    assert sb.admin("POST", "/sandbox/transfers", wire("f1", HONG, KIM, 1)).status_code == 201

    sb.admin("PUT", "/sandbox/banks/088/fault", {"mode": "slow", "latency_ms": 400})
    t0 = time.monotonic()
    r = sb.admin("POST", "/sandbox/transfers", wire("f2", HONG, KIM, 1))
    assert r.status_code == 201 and time.monotonic() - t0 >= 0.4
    # A slow sending bank delays the answer just as much.
    t0 = time.monotonic()
    r = sb.admin("POST", "/sandbox/transfers", wire("f2-back", KIM, HONG, 1))
    assert r.status_code == 201 and time.monotonic() - t0 >= 0.4
    # Slow answers do not hold a worker: other requests go on meanwhile.
    with ThreadPoolExecutor(max_workers=8) as ex:
        slow = [ex.submit(sb.admin, "POST", "/sandbox/transfers", wire(f"s{i}", HONG, KIM, 1))
                for i in range(6)]
        t0 = time.monotonic()
        assert requests.get(sb.url + "/health", timeout=10).status_code == 200
        assert time.monotonic() - t0 < 0.3
        assert [f.result().status_code for f in slow] == [201] * 6

    def pattern(seed):
        sb.admin("PUT", "/sandbox/banks/088/fault", {"mode": "failing", "rate": 0.5, "seed": seed})
        out = []
        for i in range(16):
            r = sb.admin("POST", "/sandbox/transfers", wire(f"p{seed}-{len(out)}-{time.time_ns()}", HONG, KIM, 1))
            out.append(r.status_code)
        return out

    a, b = pattern(7), pattern(7)
    assert a == b, "the same seed must fail the same calls"
    assert set(a) == {201, 503}
    assert pattern(8) != a or pattern(9) != a
    r = sb.admin("PUT", "/sandbox/banks/999/fault", {"mode": "none"})
    assert r.status_code == 404
    r = sb.admin("PUT", "/sandbox/banks/088/fault", {"mode": "sometimes"})
    assert r.status_code == 400


def test_clock_and_maintenance_window(sb):
    c = sb.admin("GET", "/sandbox/clock").json()
    minute = c["bank_minute_kst"]
    to_2345 = ((23 * 60 + 45) - minute) % (24 * 60)
    r = sb.admin("POST", "/sandbox/clock", {"advance_seconds": to_2345 * 60})
    assert r.status_code == 200 and r.json()["bank_minute_kst"] in (23 * 60 + 45, 23 * 60 + 46)
    r = sb.admin("POST", "/sandbox/transfers", wire("night", HONG, KIM, 1))
    assert r.status_code == 503 and r.json()["error"]["code"] == "bank_maintenance"
    sb.admin("POST", "/sandbox/clock", {"advance_seconds": 60 * 60})  # 00:45 KST
    assert sb.admin("POST", "/sandbox/transfers", wire("night", HONG, KIM, 1)).status_code == 201
    for bad in ({"advance_seconds": -5}, {"advance_seconds": "5"}, {}):
        assert sb.admin("POST", "/sandbox/clock", bad).status_code == 400


def test_concurrent_clock_moves_all_count(sb):
    """Moves sent at once add up: none is lost to another (on PostgreSQL each is a write
    under the lock, on SQLite an atomic add)."""
    before = sb.admin("GET", "/sandbox/clock").json()["offset_ms"]
    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(
            lambda _: sb.admin("POST", "/sandbox/clock", {"advance_seconds": 60}), range(20)))
    assert [r.status_code for r in answers] == [200] * 20
    assert sb.admin("GET", "/sandbox/clock").json()["offset_ms"] == before + 20 * 60_000


def test_reset_and_journal(sb):
    sb.admin("POST", "/sandbox/bank-accounts", acct("088", "1231231231", balance=5))
    sb.admin("POST", "/sandbox/transfers", wire("before-reset", HONG, KIM, 100))
    sb.admin("PUT", "/sandbox/banks/004/fault", {"mode": "unreachable"})
    sb.admin("POST", "/sandbox/clock", {"advance_seconds": 3600})
    r = sb.admin("POST", "/sandbox/reset")
    assert r.status_code == 200
    assert sb.admin("GET", "/sandbox/clock").json()["offset_ms"] == 0
    sb.avoid_bank_night()  # reset put the clock back to real time
    assert sb.admin("GET", "/sandbox/bank-accounts/088/1231231231").status_code == 404
    assert balance(sb, HONG) == 1_000_000
    assert sb.admin("GET", "/sandbox/transfers/before-reset").status_code == 404
    assert sb.admin("GET", "/sandbox/banks/004/fault").json()["mode"] == "none"

    r = sb.admin("GET", "/sandbox/requests", params={"limit": 3})
    entries = r.json()["requests"]
    assert len(entries) == 3
    assert entries[0]["path"] == "/sandbox/banks/004/fault"  # newest first
    paths = [e["path"] for e in sb.admin("GET", "/sandbox/requests?limit=1000").json()["requests"]]
    assert "/sandbox/bank-accounts/004/1111***1111" in paths
    assert not any("11111111111" in p for p in paths)
    assert sb.admin("GET", "/sandbox/requests?limit=0").status_code == 400
    assert sb.admin("GET", "/sandbox/requests?limit=1001").status_code == 400
