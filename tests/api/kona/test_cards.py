"""Kona cards, black-box, as an integrator's client calls them (kona_client: HMAC tran
tokens, JWE with jwcrypto): user/registration issues a mobile card and answers its
basicCardInfo (kona-notes §7); user/card/list and user/card/info (§8)."""
import re
import secrets

import pytest

from conftest import sqlite_only
from kona_client import for_server
from test_kona import fails, member_body, ok


def luhn_ok(number):
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return total % 10 == 0


@pytest.fixture(params=[None, "A256GCM"], ids=["plain", "encrypted"])
def kona(request, server):
    server.avoid_bank_night()
    return for_server(server, enc=request.param)


def register(kona):
    out = ok(kona.call("user/registration", member_body()), kona)
    return out["userId"], out["basicCardInfo"]


def test_registration_issues_a_mobile_card(kona):
    uid, card = register(kona)
    assert set(card) == {"par", "cardNo", "expiryDate", "serviceId"}, card
    assert re.fullmatch(r"Q[0-9A-F]{26}", card["par"]), card
    assert re.fullmatch(r"\d{16}", card["cardNo"]) and luhn_ok(card["cardNo"]), card
    assert re.fullmatch(r"\d{6}", card["expiryDate"]), card
    assert card["serviceId"] == "000170000002000"
    # a second member gets another card
    _, other = register(kona)
    assert other["cardNo"] != card["cardNo"] and other["par"] != card["par"]


def test_card_list_and_info(kona):
    uid, card = register(kona)
    out = ok(kona.call("user/card/list", {"userId": uid}), kona)
    (info,) = out["cardDataInfo"]
    assert info["par"] == card["par"] and info["balance"] == 0
    assert info["pendingAmount"] == 0 and info["isNamed"] is True
    assert set(info["limits"]) == {"once", "day", "month"}
    assert info["cardStatus"] == "ACTIVE" and info["expiryDate"] == card["expiryDate"]
    out = ok(kona.call("user/card/list", {"userId": uid, "par": card["par"]}), kona)
    assert len(out["cardDataInfo"]) == 1
    out = ok(kona.call("user/card/list", {"userId": uid, "par": "Q" + "0" * 26}), kona)
    assert out["cardDataInfo"] == []
    out = ok(kona.call("user/card/info", {"cardNo": card["cardNo"]}), kona)
    assert out["userId"] == uid and out["balance"] == 0


def test_card_info_refuses_unknown_and_malformed_numbers(kona):
    _, card = register(kona)
    number = card["cardNo"]
    wrong_check = number[:15] + str((int(number[15]) + 1) % 10)
    fails(kona.call("user/card/info", {"cardNo": wrong_check}), "000_002")
    unknown = "949133" + "".join(secrets.choice("0123456789") for _ in range(9))
    for d in "0123456789":
        if luhn_ok(unknown + d) and unknown + d != number:
            fails(kona.call("user/card/info", {"cardNo": unknown + d}), "000_002",
                  description="Invalid input parameter. cardNo")
            break
    fails(kona.call("user/card/info", {"cardNo": number[:15]}), "000_015")
    fails(kona.call("user/card/info", {}), "000_003")
    fails(kona.call("user/card/list", {"userId": 1}), "000_002")


@sqlite_only("reads the database file's bytes")
def test_card_numbers_are_sealed_at_rest(server):
    kona = for_server(server)
    server.avoid_bank_night()
    _, card = register(kona)
    raw = server.db.read_bytes() + (server.db.parent / (server.db.name + "-wal")).read_bytes()
    assert card["cardNo"].encode() not in raw


def token(kona, card_no, **over):
    return kona.call("/api/v2/payment/generate/onetimetoken", {"cardNo": card_no, **over})


def test_one_time_token(kona):
    _, card = register(kona)
    out = ok(token(kona, card["cardNo"]), kona)
    assert re.fullmatch(r"\d{16}", out["oneTimeToken"]) and re.fullmatch(r"\d{3}", out["dcvv"])
    for kind in ("ATM", "CREDIT"):
        again = ok(token(kona, card["cardNo"], type=kind), kona)
        assert again["oneTimeToken"] != out["oneTimeToken"]
    fails(token(kona, card["cardNo"], type="DEBIT"), "000_002")
    fails(token(kona, card["cardNo"][:15] + str((int(card["cardNo"][15]) + 1) % 10)),
          "000_002")
    fails(token(kona, "1234"), "000_015")
    # the open-api prefix too
    ok(kona.call("/open-api/api/v2/payment/generate/onetimetoken", {"cardNo": card["cardNo"]}),
       kona)


def test_a_suspended_card_gets_no_token(kona):
    uid, card = register(kona)
    out = ok(kona.call("card/status", {"userId": uid, "par": card["par"], "status": "SUSPEND"}),
             kona)
    assert out["cardStatus"] == "SUSPENDED"
    (info,) = ok(kona.call("user/card/list", {"userId": uid}), kona)["cardDataInfo"]
    assert info["cardStatus"] == "SUSPENDED"
    fails(token(kona, card["cardNo"]), "003_001")
    out = ok(kona.call("card/status", {"userId": uid, "cardNo": card["cardNo"],
                                       "status": "RESUME"}), kona)
    assert out["cardStatus"] == "ACTIVE"
    ok(token(kona, card["cardNo"]), kona)
    # the card must be the member's; one of par or cardNo is needed
    other, _ = register(kona)
    fails(kona.call("card/status", {"userId": other, "par": card["par"], "status": "SUSPEND"}),
          "000_002", description="Invalid input parameter. par")
    fails(kona.call("card/status", {"userId": uid, "status": "SUSPEND"}), "000_003")
    fails(kona.call("card/status", {"userId": uid, "par": card["par"], "status": "REVOKED"}),
          "000_002")


# -- charges from the registered bank account ---------------------------------------------

from test_kona import HONG_ACCOUNT, register_account  # noqa: E402


def bank_balance(server, bank, number):
    r = server.admin("GET", f"/sandbox/bank-accounts/{bank}/{number}")
    assert r.status_code == 200, r.text
    return r.json()["balance"]


def charge(kona, uid, tok, amount, seq=None, **over):
    body = {"sequenceId": seq or secrets.token_hex(8), "userId": uid, "amount": amount,
            "oneTimeToken": tok["oneTimeToken"], "dcvv": tok["dcvv"],
            "merchantId": "410195430033901", **over}
    return body["sequenceId"], kona.call("recharges/by-bank-accounts/no-hce", body)


def card_balance(kona, uid):
    (info,) = ok(kona.call("user/card/list", {"userId": uid}), kona)["cardDataInfo"]
    return info["balance"]


def test_charge_from_the_registered_account(server, kona):
    uid, card = register(kona)
    # no registered account yet
    tok = ok(token(kona, card["cardNo"]), kona)
    fails(charge(kona, uid, tok, 10_000)[1], "007_001")
    register_account(server, kona, uid)
    before = bank_balance(server, *HONG_ACCOUNT)
    tok = ok(token(kona, card["cardNo"]), kona)
    fails(charge(kona, uid, tok, 0)[1], "007_007")
    fails(charge(kona, uid, tok, -5)[1], "007_007")
    fails(charge(kona, uid, tok, 10_000, dcvv=f"{(int(tok['dcvv']) + 1) % 1000:03d}")[1],
          "000_002", description="Invalid input parameter. dcvv")
    seq, ans = charge(kona, uid, tok, 10_000)
    out = ok(ans, kona)
    assert re.fullmatch(r"KMN\d{15}", out["nrNumber"]) and out["isPending"] is False, out
    assert card_balance(kona, uid) == 10_000
    assert bank_balance(server, *HONG_ACCOUNT) == before - 10_000
    result = ok(kona.call("recharges/by-bank-account/result/inquiry", {"sequenceId": seq}),
                kona)
    assert result["result"] == "COMPLETED"
    # the same sequenceId: the first answer again, no second charge; other fields: refused
    assert ok(charge(kona, uid, tok, 10_000, seq=seq)[1], kona)["nrNumber"] == out["nrNumber"]
    assert card_balance(kona, uid) == 10_000
    fails(charge(kona, uid, tok, 20_000, seq=seq)[1], "000_002",
          description="Invalid input parameter. sequenceId")
    # the token is spent
    fails(charge(kona, uid, tok, 10_000)[1], "000_002",
          description="Invalid input parameter. oneTimeToken")
    # above the card's once limit
    tok = ok(token(kona, card["cardNo"]), kona)
    fails(charge(kona, uid, tok, 2_000_001)[1], "007_003")
    fails(kona.call("recharges/by-bank-account/result/inquiry", {"sequenceId": "nope"}),
          "000_002", description="Invalid input parameter. sequenceId")


def test_a_token_is_bound_to_its_member_and_expires(server, kona):
    uid, card = register(kona)
    register_account(server, kona, uid)
    other, _ = register(kona)
    tok = ok(token(kona, card["cardNo"]), kona)
    fails(charge(kona, other, tok, 1_000)[1], "000_002",
          description="Invalid input parameter. oneTimeToken")
    r = server.admin("POST", "/sandbox/clock", {"advance_seconds": 31})
    assert r.status_code == 200, r.text
    kona.offset_ms = server.admin("GET", "/sandbox/clock").json()["offset_ms"]
    fails(charge(kona, uid, tok, 1_000)[1], "000_002",
          description="Invalid input parameter. oneTimeToken")
    long = ok(token(kona, card["cardNo"], type="ATM"), kona)
    r = server.admin("POST", "/sandbox/clock", {"advance_seconds": 31})
    kona.offset_ms = server.admin("GET", "/sandbox/clock").json()["offset_ms"]
    ok(charge(kona, uid, long, 1_000)[1], kona)


# -- paying a merchant with the card -----------------------------------------------------

from concurrent.futures import ThreadPoolExecutor  # noqa: E402

MERCHANT = "410195430033901"  # the portal's 네네치킨 청학점


def pay(kona, tok, amount, **over):
    body = {"oneTimeToken": tok["oneTimeToken"], "dcvv": tok["dcvv"], "amount": amount,
            "merchantId": MERCHANT, "channel": "OPENAPI",
            "transactionId": secrets.token_hex(8), **over}
    return kona.call("payment/no-hce", body)


def funded_card(server, kona, amount):
    uid, card = register(kona)
    register_account(server, kona, uid)
    tok = ok(token(kona, card["cardNo"]), kona)
    ok(charge(kona, uid, tok, amount)[1], kona)
    return uid, card


def test_card_pays_a_merchant(server, kona):
    uid, card = funded_card(server, kona, 50_000)
    tok = ok(token(kona, card["cardNo"]), kona)
    out = ok(pay(kona, tok, 12_000), kona)
    assert re.fullmatch(r"KMP\d{15}", out["nrNumber"]), out
    assert card_balance(kona, uid) == 38_000
    fails(pay(kona, tok, 1_000), "000_002", description="Invalid input parameter. oneTimeToken")
    tok = ok(token(kona, card["cardNo"]), kona)
    fails(pay(kona, tok, 1_000, dcvv=f"{(int(tok['dcvv']) + 1) % 1000:03d}"), "000_002",
          description="Invalid input parameter. dcvv")
    fails(pay(kona, tok, 38_001), "003_002")  # never below zero
    tok = ok(token(kona, card["cardNo"]), kona)
    fails(pay(kona, tok, 2_000_001), "007_003")  # above the once limit
    assert card_balance(kona, uid) == 38_000


def test_concurrent_payments_from_one_card_never_overdraw(server):
    """200 payments at once from one card holding money for exactly N of them."""
    server.avoid_bank_night()
    kona = for_server(server)
    n, amount = 37, 1_000
    uid, card = funded_card(server, kona, n * amount)
    tokens = [ok(token(kona, card["cardNo"]), kona) for _ in range(200)]
    with ThreadPoolExecutor(32) as ex:
        answers = list(ex.map(lambda t: pay(for_server(server), t, amount), tokens))
    codes = [a.code for a in answers]
    assert codes.count("000_000") == n and codes.count("003_002") == 200 - n, codes
    assert card_balance(kona, uid) == 0


def test_cancel_a_payment_in_part_then_in_full(server, kona):
    uid, card = funded_card(server, kona, 50_000)
    tok = ok(token(kona, card["cardNo"]), kona)
    nr = ok(pay(kona, tok, 20_000), kona)["nrNumber"]
    assert card_balance(kona, uid) == 30_000

    def cancel(amount, **over):
        body = {"cardNo": card["cardNo"], "amount": amount, "nrNumber": nr,
                "merchantId": MERCHANT, "channel": "OPENAPI", **over}
        return kona.call("payment/cancel/no-hce", body)

    out = ok(cancel(5_000), kona)
    assert out["cancelAmount"] == 5_000 and out["remainAmount"] == 15_000, out
    assert re.fullmatch(r"KMC\d{15}", out["nrNumber"]), out
    assert card_balance(kona, uid) == 35_000
    fails(cancel(15_001), "007_030")  # never more than was paid
    fails(cancel(1_000, merchantId="410894040073801"), "000_002",
          description="Invalid input parameter. nrNumber")
    fails(cancel(1_000, nrNumber="KMP000000000000000"), "000_002")
    _, other = register(kona)
    fails(cancel(1_000, cardNo=other["cardNo"]), "000_002")
    out = ok(cancel(15_000), kona)
    assert out["remainAmount"] == 0
    assert card_balance(kona, uid) == 50_000
    fails(cancel(1), "007_030")


def test_transaction_history(server, kona):
    uid, card = funded_card(server, kona, 50_000)            # 01 charge 50,000
    tok = ok(token(kona, card["cardNo"]), kona)
    nr = ok(pay(kona, tok, 20_000), kona)["nrNumber"]        # 00 payment 20,000
    ok(kona.call("payment/cancel/no-hce", {"cardNo": card["cardNo"], "amount": 5_000,
                                           "nrNumber": nr, "merchantId": MERCHANT}), kona)
    day = server.admin("GET", "/sandbox/clock").json()
    import datetime
    today = datetime.datetime.fromtimestamp(day["now_ms"] / 1000,
                                            datetime.timezone(datetime.timedelta(hours=9)))
    d = today.strftime("%Y%m%d")
    body = {"userId": uid, "par": card["par"], "startDate": d, "endDate": d}
    out = ok(kona.call("transaction/card", body), kona)
    types = [t["trType"] for t in out["transactionList"]]
    assert types == ["02", "00", "01"], out   # newest first
    assert [t["balanceAfter"] for t in out["transactionList"]] == [35_000, 30_000, 50_000]
    assert out["pageResponse"]["totalElements"] == 3
    asc = ok(kona.call("transaction/card", {**body, "pageRequest": {
        "page": 0, "pageSize": 2, "sort": "approvalDateTime", "orderByDirection": "ASC"}}), kona)
    assert [t["trType"] for t in asc["transactionList"]] == ["01", "00"]
    assert asc["pageResponse"]["totalPages"] == 2
    only = ok(kona.call("transaction/card", {**body, "trType": "00"}), kona)
    assert [t["amount"] for t in only["transactionList"]] == [20_000]
    fails(kona.call("transaction/card", {**body, "startDate": "20990101"}), "000_002")
    other, _ = register(kona)
    fails(kona.call("transaction/card", {**body, "userId": other}), "000_002",
          description="Invalid input parameter. par")


# -- a bank that does not answer in time: isPending, then COMPLETED or FAILED -------------

import time  # noqa: E402


def fault(server, bank, **f):
    r = server.admin("PUT", f"/sandbox/banks/{bank}/fault", f)
    assert r.status_code == 200, r.text


def advance(server, kona, seconds):
    r = server.admin("POST", "/sandbox/clock", {"advance_seconds": seconds})
    assert r.status_code == 200, r.text
    kona.offset_ms = server.admin("GET", "/sandbox/clock").json()["offset_ms"]


def result_of(kona, seq):
    return ok(kona.call("recharges/by-bank-account/result/inquiry",
                        {"sequenceId": seq}), kona)["result"]


def wait_result(kona, seq, want, timeout=5):
    deadline = time.monotonic() + timeout
    while (got := result_of(kona, seq)) != want:
        assert time.monotonic() < deadline, got
        time.sleep(0.05)


def test_a_slow_bank_charge_is_pending_then_completed(make_server):
    srv = make_server(["--sandbox", "--rate-limit", "0"]).avoid_bank_night()
    kona = for_server(srv)
    uid, card = register(kona)
    register_account(srv, kona, uid)
    before = bank_balance(srv, *HONG_ACCOUNT)
    fault(srv, HONG_ACCOUNT[0], mode="slow", latency_ms=15000)
    tok = ok(token(kona, card["cardNo"]), kona)
    seq, ans = charge(kona, uid, tok, 7_000)
    out = ok(ans, kona)
    assert out["isPending"] is True, out
    assert result_of(kona, seq) == "PENDING"
    assert card_balance(kona, uid) == 0
    # the same sequenceId again: still the pending answer
    assert ok(charge(kona, uid, tok, 7_000, seq=seq)[1], kona)["isPending"] is True
    # another charge while this one waits for its bank: 007_005, the token not spent
    tok2 = ok(token(kona, card["cardNo"]), kona)
    fails(charge(kona, uid, tok2, 1_000)[1], "007_005")
    advance(srv, kona, 16)  # the slow bank's answer arrives
    wait_result(kona, seq, "COMPLETED")
    assert card_balance(kona, uid) == 7_000
    assert bank_balance(srv, *HONG_ACCOUNT) == before - 7_000
    fault(srv, HONG_ACCOUNT[0], mode="none")
    tok2 = ok(token(kona, card["cardNo"]), kona)
    ok(charge(kona, uid, tok2, 1_000)[1], kona)
    assert card_balance(kona, uid) == 8_000


def test_an_unreachable_bank_charge_fails_at_the_end_of_the_day(make_server):
    srv = make_server(["--sandbox", "--rate-limit", "0"]).avoid_bank_night()
    kona = for_server(srv)
    uid, card = register(kona)
    register_account(srv, kona, uid)
    before = bank_balance(srv, *HONG_ACCOUNT)
    fault(srv, HONG_ACCOUNT[0], mode="unreachable")
    tok = ok(token(kona, card["cardNo"]), kona)
    seq, ans = charge(kona, uid, tok, 3_000)
    assert ok(ans, kona)["isPending"] is True
    time.sleep(1.5)  # housekeeping runs: the bank is still unreachable
    assert result_of(kona, seq) == "PENDING"
    advance(srv, kona, 24 * 3600 + 1)
    wait_result(kona, seq, "FAILED")
    assert card_balance(kona, uid) == 0
    assert bank_balance(srv, *HONG_ACCOUNT) == before  # the money stayed where it was


def test_an_unreachable_bank_charge_completes_when_it_is_back(make_server):
    srv = make_server(["--sandbox", "--rate-limit", "0"]).avoid_bank_night()
    kona = for_server(srv)
    uid, card = register(kona)
    register_account(srv, kona, uid)
    fault(srv, HONG_ACCOUNT[0], mode="unreachable")
    tok = ok(token(kona, card["cardNo"]), kona)
    seq, ans = charge(kona, uid, tok, 2_000)
    assert ok(ans, kona)["isPending"] is True
    fault(srv, HONG_ACCOUNT[0], mode="none")
    wait_result(kona, seq, "COMPLETED")
    assert card_balance(kona, uid) == 2_000


def test_cancel_a_charge_money_reaches_the_bank_the_next_day(make_server):
    srv = make_server(["--sandbox", "--rate-limit", "0"]).avoid_bank_night()
    kona = for_server(srv)
    uid, card = register(kona)
    register_account(srv, kona, uid)
    before = bank_balance(srv, *HONG_ACCOUNT)
    tok = ok(token(kona, card["cardNo"]), kona)
    _, ans = charge(kona, uid, tok, 10_000)
    nr = ok(ans, kona)["nrNumber"]
    assert bank_balance(srv, *HONG_ACCOUNT) == before - 10_000

    def cancel(seq=None, **over):
        t = ok(token(kona, card["cardNo"]), kona)
        body = {"sequenceId": seq or secrets.token_hex(8), "userId": uid, "nrNumber": nr,
                "oneTimeToken": t["oneTimeToken"], "dcvv": t["dcvv"], **over}
        return body["sequenceId"], kona.call("recharges/by-bank-accounts/no-hce/cancel", body)

    seq, ans = cancel()
    out = ok(ans, kona)
    assert out["isPending"] is True and re.fullmatch(r"KMR\d{15}", out["nrNumber"]), out
    assert card_balance(kona, uid) == 0                      # left the card at once
    assert bank_balance(srv, *HONG_ACCOUNT) == before - 10_000  # not at the bank yet
    assert result_of(kona, seq) == "PENDING"
    fails(cancel()[1], "007_030")                            # cancelled already
    fails(cancel(nrNumber="KMN000000000000000")[1], "007_030")
    advance(srv, kona, 86400)                                # the next day
    wait_result(kona, seq, "COMPLETED")
    assert bank_balance(srv, *HONG_ACCOUNT) == before


def test_a_charge_spent_on_the_card_cannot_be_cancelled(server, kona):
    uid, card = funded_card(server, kona, 10_000)
    nr = ok(kona.call("transaction/card", {"par": card["par"], "startDate": "20000101",
                                            "endDate": "20991231"}), kona)
    nr = nr["transactionList"][0]["nrNumber"]
    tok = ok(token(kona, card["cardNo"]), kona)
    ok(pay(kona, tok, 5_000), kona)
    t = ok(token(kona, card["cardNo"]), kona)
    fails(kona.call("recharges/by-bank-accounts/no-hce/cancel",
                    {"sequenceId": secrets.token_hex(8), "userId": uid, "nrNumber": nr,
                     "oneTimeToken": t["oneTimeToken"], "dcvv": t["dcvv"]}), "007_030")
    assert card_balance(kona, uid) == 5_000
