"""Payple payout hub, black-box, as a partner's code calls it (requests, the spec's own
bodies and headers). Nothing here uses the server's code. Servers are stopped and
checked (exit 0, no sanitizer report, ledger verify) by conftest.
"""
import re
import subprocess

import pytest
import requests

from conftest import BIN

CST_ID, CUST_KEY = "test", "abcd1234567890"  # the spec's sample partner
HEADERS = {"Content-Type": "application/json", "Cache-Control": "no-cache"}
DTM = re.compile(r"^\d{17}$")


def post(server, path, body, token=None, raw=None, headers=None):
    h = dict(HEADERS)
    if token is not None:
        h["Authorization"] = f"Bearer {token}"
    h.update(headers or {})
    r = requests.post(server.url + path, json=None if raw is not None else body,
                      data=raw, headers=h, timeout=10)
    assert r.headers["Content-Type"].startswith("application/json"), r.text
    return r


def token(server, cst_id=CST_ID, cust_key=CUST_KEY, code="as12345678"):
    r = post(server, "/oauth/token", {"cst_id": cst_id, "custKey": cust_key, "code": code})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["result"] == "T0000", body
    return body["access_token"]


def remain(server, tok, **over):
    body = {"cst_id": CST_ID, "custKey": CUST_KEY, **over}
    return post(server, "/account/remain", body, token=tok)


def test_token_is_the_spec_sample(server):
    r = post(server, "/oauth/token", {"cst_id": "test", "custKey": "abcd1234567890",
                                      "code": "as12345678"})
    assert r.status_code == 200
    body = r.json()
    assert list(body)[:2] == ["result", "message"]
    assert body["result"] == "T0000" and body["message"] == "처리 성공"
    assert body["code"] == "as12345678" and body["token_type"] == "Bearer"
    assert body["expires_in"] == "60" and isinstance(body["access_token"], str)
    assert set(body) == {"result", "message", "code", "access_token", "token_type",
                         "expires_in"}


def test_remain_of_the_sample_partner(server):
    r = remain(server, token(server))
    body = r.json()
    assert r.status_code == 200 and body["result"] == "A0000", body
    assert body["cst_id"] == "test" and DTM.match(body["api_tran_dtm"])
    total, used, left = (int(body[k]) for k in ("total_account_amt", "total_transfer_amt",
                                                  "remain_amt"))
    assert isinstance(body["remain_amt"], str)
    assert total >= 10_000_000 and left == total - used
    # sub_id is echoed; numbers are taken as Payple's strings
    r = post(server, "/account/remain", {"cst_id": CST_ID, "custKey": CUST_KEY,
                                         "sub_id": 12385610}, token=token(server))
    assert r.json()["result"] == "A0000" and r.json()["sub_id"] == "12385610", r.text


@pytest.mark.parametrize("body,result,says", [
    ({"cst_id": "test", "custKey": "wrong", "code": "as12345678"}, "T0200", "custKey"),
    ({"cst_id": "nobody", "custKey": CUST_KEY, "code": "as12345678"}, "T0200", "cst_id"),
    ({"cst_id": "test", "custKey": CUST_KEY, "code": "as1234567"}, "T0211", "code"),
    ({"cst_id": "test", "custKey": CUST_KEY, "code": "as1234567!"}, "T0211", "code"),
    ({"cst_id": "test", "custKey": CUST_KEY}, "T0201", "code"),
    ({"custKey": CUST_KEY, "code": "as12345678"}, "T0201", "cst_id"),
    ({"cst_id": "test", "code": "as12345678"}, "T0201", "custKey"),
    ({"cst_id": "t" * 13, "custKey": CUST_KEY, "code": "as12345678"}, "T0201", "cst_id"),
], ids=["wrong-key", "unknown-partner", "code-9", "code-symbol", "no-code", "no-cst_id",
        "no-custKey", "cst_id-13"])
def test_token_refusals(server, body, result, says):
    r = post(server, "/oauth/token", body)
    assert r.status_code == 200, r.text  # Payple answers its failures with 200
    got = r.json()
    assert got["result"] == result and says in got["message"], got
    assert "access_token" not in got


def test_token_body_not_json(server):
    r = post(server, "/oauth/token", None, raw=b"cst_id=test")
    assert r.json()["result"] == "T0201" and "JSON" in r.json()["message"]


def test_calls_need_a_valid_token(server):
    good = token(server)
    for tok in [None, "", "v1.abc.def", good[:-2] + ("AA" if good[-2:] != "AA" else "BB"),
                good.replace("v1.", "v2.")]:
        r = remain(server, tok)
        assert r.status_code == 200 and r.json()["result"] == "A0001", (tok, r.text)
    r = requests.post(server.url + "/account/remain", json={"cst_id": CST_ID,
                                                             "custKey": CUST_KEY},
                      headers={"Authorization": f"Basic {good}"}, timeout=10)
    assert r.json()["result"] == "A0001"
    # the token's partner, and only with its own credentials
    r = remain(server, good, custKey="wrong")
    assert r.json()["result"] == "A0002", r.text


def test_token_expires_after_60_seconds_of_wonpays_clock(make_server):
    srv = make_server(["--sandbox"])
    tok = token(srv)
    assert remain(srv, tok).json()["result"] == "A0000"
    assert srv.admin("POST", "/sandbox/clock", {"advance_seconds": 59}).status_code == 200
    assert remain(srv, tok).json()["result"] == "A0000"
    assert srv.admin("POST", "/sandbox/clock", {"advance_seconds": 2}).status_code == 200
    r = remain(srv, tok)
    assert r.json()["result"] == "A0001", r.text
    assert remain(srv, token(srv)).json()["result"] == "A0000"


def test_token_survives_a_restart(make_server):
    srv = make_server(["--sandbox"])
    tok = token(srv)
    srv.stop()
    srv.start()
    assert remain(srv, tok).json()["result"] == "A0000"


def test_another_partners_token_is_refused(server):
    out = subprocess.run([BIN, "partner", "add", "--email", "second-payple@example.com",
                          "--db", str(server.db)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    cst_id = re.search(r"Payple cst_id: (\S+)", out.stdout).group(1)
    key = re.search(r"Payple custKey: (\S+)", out.stdout).group(1)
    assert cst_id != CST_ID and len(key) == 32
    theirs = token(server, cst_id, key)
    # their token with the sample partner's credentials: refused
    assert remain(server, theirs).json()["result"] == "A0002"
    # their own: an empty payout account
    r = post(server, "/account/remain", {"cst_id": cst_id, "custKey": key}, token=theirs)
    body = r.json()
    assert body["result"] == "A0000", body
    assert (body["total_account_amt"], body["remain_amt"]) == ("0", "0")


def test_unknown_path_and_method_in_payples_envelope(server):
    r = post(server, "/transfer/nothing", {})
    assert r.status_code == 404 and r.json()["result"] == "A0404"
    r = requests.get(server.url + "/oauth/token", timeout=10)
    assert r.status_code == 405 and r.json()["result"] == "A0405"


def test_sample_credentials_refused_in_live_mode(make_server):
    srv = make_server(["--sandbox"])
    assert token(srv)
    srv.stop()
    srv.args = []  # the same database, live mode
    srv.start()
    r = post(srv, "/oauth/token", {"cst_id": CST_ID, "custKey": CUST_KEY, "code": "as12345678"})
    assert r.json()["result"] == "T0200", r.text


# -- /inquiry/real_name ----------------------------------------------------------------

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def real_name(server, tok, bank, number, kind, info, **over):
    body = {"cst_id": CST_ID, "custKey": CUST_KEY, "sub_id": "test12385610",
            "bank_code_std": bank, "account_num": number, "account_holder_info_type": kind,
            "account_holder_info": info, **over}
    r = post(server, "/inquiry/real_name", {k: v for k, v in body.items() if v is not None},
             token=tok)
    assert r.status_code == 200, r.text
    return r.json()


def test_real_name_person_and_business(server):
    tok = token(server)
    body = real_name(server, tok, "004", "11111111111", "0", "900101")
    assert body["result"] == "A0000" and body["message"] == "처리 성공", body
    assert UUID.match(body["billing_tran_id"])
    assert body["account_holder_name"] == "홍길동" and body["bank_rsp_code"] == "000"
    assert (body["cst_id"], body["sub_id"]) == ("test", "test12385610")
    assert body["bank_code_std"] == "004" and body["bank_code_sub"].startswith("004")
    assert body["bank_name"] == "국민은행" and body["account_num"] == "11111111111"
    assert re.match(r"^M\d{9}U\d{9}$", body["bank_tran_id"])
    assert re.match(r"^\d{8}$", body["bank_tran_date"]) and DTM.match(body["api_tran_dtm"])
    biz = real_name(server, tok, "081", "33333333333", "6", "1234567890", sub_id=None)
    assert biz["result"] == "A0000" and biz["account_holder_name"] == "(주)테스트상사", biz
    assert "sub_id" not in biz and biz["billing_tran_id"] != body["billing_tran_id"]
    # numbers are taken as strings, as Payple sends them
    num = real_name(server, tok, "090", 55555555555, 0, 880808)
    assert num["result"] == "A0000" and num["account_holder_name"] == "박민수", num


# The README's sandbox test accounts: each refusal is A0009 with Payple's bank_rsp_code.
@pytest.mark.parametrize("number,info,rsp", [
    ("00000000000", "900101", "412"), ("90000000003", "900101", "415"),
    ("90000000001", "900101", "416"), ("90000000004", "900101", "419"),
    ("90000000002", "900101", "420"), ("11111111111", "900102", "815"),
    ("90000000006", "900101", "499"), ("90000000007", "900101", "499"),
    ("90000000009", "900101", "499"), ("90000000010", "900101", "499"),
], ids=["412-not-found", "415-closed", "416-dormant", "419-accident", "420-suspended",
        "815-not-the-holder", "499-unreachable", "499-timeout", "499-maintenance",
        "499-bank-error"])
def test_real_name_bank_refusals(server, number, info, rsp):
    body = real_name(server, token(server), "004", number, "0", info)
    assert body["result"] == "A0009" and body["bank_rsp_code"] == rsp, body
    assert body["message"].startswith("API 세부업무 처리실패") and "billing_tran_id" not in body


@pytest.mark.parametrize("over,says", [
    ({"bank_code_std": "04"}, "bank_code_std"), ({"bank_code_std": "999"}, "bank_code_std"),
    ({"account_num": "1" * 17}, "account_num"), ({"account_num": "12ab"}, "account_num"),
    ({"account_holder_info_type": "1"}, "account_holder_info_type"),
    ({"account_holder_info": "901301"}, "account_holder_info"),
    ({"account_holder_info_type": "6"}, "account_holder_info"),
    ({"account_num": None}, "account_num"), ({"sub_id": "s" * 65}, "sub_id"),
], ids=["bank-2", "bank-unknown", "account-17", "account-letters", "type-1", "birth-month-13",
        "business-6-digits", "no-account", "sub_id-65"])
def test_real_name_field_errors(server, over, says):
    args = {"bank": "004", "number": "11111111111", "kind": "0", "info": "900101"}
    body = {"bank_code_std": args["bank"], "account_num": args["number"],
            "account_holder_info_type": args["kind"], "account_holder_info": args["info"]}
    body.update(over)
    got = real_name(server, token(server), body.pop("bank_code_std"), body.pop("account_num"),
                    body.pop("account_holder_info_type"), body.pop("account_holder_info"),
                    **body)
    assert got["result"] == "A0003" and says in got["message"], got


def test_real_name_slow_bank_answers_late(server):
    assert server.admin("PUT", "/sandbox/banks/020/fault",
                        {"mode": "slow", "latency_ms": 700}).status_code == 200
    try:
        import time
        started = time.monotonic()
        body = real_name(server, token(server), "020", "44444444444", "0", "920315")
        assert body["result"] == "A0000" and time.monotonic() - started >= 0.6, body
    finally:
        server.admin("PUT", "/sandbox/banks/020/fault", {"mode": "none"})


# -- /transfer/request and the spec's /request/result/group_key -------------------------

SPEC_ITEM_KEYS = ["cst_id", "sub_id", "group_key", "billing_tran_id", "print_content",
                  "tran_amt", "remain_amt", "request_date"]


def billing(server, tok, bank="004", number="11111111111", kind="0", info="900101"):
    body = real_name(server, tok, bank, number, kind, info)
    assert body["result"] == "A0000", body
    return body["billing_tran_id"]


def request(server, tok, billing_id, amount="1000", **over):
    body = {"cst_id": CST_ID, "custKey": CUST_KEY, "sub_id": "test12385610",
            "billing_tran_id": billing_id, "tran_amt": amount, "print_content": "정산테스트2",
            **over}
    r = post(server, "/transfer/request", {k: v for k, v in body.items() if v is not None},
             token=tok)
    assert r.status_code == 200, r.text
    return r.json()


def group_lookup(server, tok, group_key, **over):
    r = post(server, "/request/result/group_key",
             {"cst_id": CST_ID, "custKey": CUST_KEY, "group_key": group_key, **over}, token=tok)
    assert r.status_code == 200, r.text
    return r.json()


def test_the_spec_flow_four_requests_then_the_group_lookup(make_server):
    srv = make_server(["--sandbox"]).avoid_bank_night()
    tok = token(srv)
    bid = billing(srv, tok)
    start = int(remain(srv, tok).json()["remain_amt"])
    answers = [request(srv, tok, bid) for _ in range(4)]
    for i, a in enumerate(answers):
        assert a["result"] == "A0000" and a["message"] == "처리 성공", a
        assert a["remain_amt"] == str(start - 1000 * (i + 1)) and a["tran_amt"] == "1000"
        assert a["billing_tran_id"] == bid and a["print_content"] == "정산테스트2"
        assert a["group_key"] == answers[0]["group_key"] and DTM.match(a["api_tran_dtm"])
        assert re.match(r"^[A-Za-z0-9]{1,64}$", a["group_key"])
    got = group_lookup(srv, tok, answers[0]["group_key"])
    # The spec's response, field by field: result, message, total, count, list[].
    assert list(got) == ["result", "message", "total", "count", "list"], got
    assert (got["result"], got["message"], got["total"], got["count"]) == \
        ("A0000", "처리 성공", "4000", "4")
    assert [list(item) for item in got["list"]] == [SPEC_ITEM_KEYS] * 4
    for i, item in enumerate(got["list"]):
        assert all(isinstance(v, str) for v in item.values())
        assert item["remain_amt"] == answers[i]["remain_amt"]  # as it was after that request
        assert (item["cst_id"], item["sub_id"], item["tran_amt"]) == \
            ("test", "test12385610", "1000")
        assert re.match(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$", item["request_date"])
    # the money is reserved, not gone: remain fell, the account's total did not
    r = remain(srv, tok).json()
    assert r["remain_amt"] == str(start - 4000) and r["total_transfer_amt"] == "4000"
    # a new token is a new group; naming the first group adds to it
    tok2 = token(srv)
    other = request(srv, tok2, bid)
    assert other["result"] == "A0000" and other["group_key"] != answers[0]["group_key"]
    joined = request(srv, tok2, bid, group_key=answers[0]["group_key"])
    assert joined["group_key"] == answers[0]["group_key"], joined
    assert group_lookup(srv, tok2, answers[0]["group_key"])["count"] == "5"


def test_distinct_key_replays_or_refuses(server):
    tok = token(server)
    bid = billing(server, tok)
    first = request(server, tok, bid, distinct_key="dk20211022152040")
    again = request(server, tok, bid, distinct_key="dk20211022152040")
    assert first["result"] == "A0000" and again == first  # the same answer, moved once
    left = remain(server, tok).json()["remain_amt"]
    assert left == first["remain_amt"] or int(left) <= int(first["remain_amt"])
    other = request(server, tok, bid, amount="2000", distinct_key="dk20211022152040")
    assert other["result"] == "A0006", other
    assert remain(server, tok).json()["remain_amt"] == left


@pytest.mark.parametrize("over,says", [
    ({"tran_amt": "0"}, "tran_amt"), ({"tran_amt": "-1"}, "tran_amt"),
    ({"tran_amt": "1.5"}, "tran_amt"), ({"tran_amt": "99999999999999999999"}, "tran_amt"),
    ({"tran_amt": None}, "tran_amt"), ({"print_content": "정산테스트12"}, "print_content"),
    ({"billing_tran_id": None}, "billing_tran_id"), ({"distinct_key": "a-b"}, "distinct_key"),
    ({"group_key": "x" * 65}, "group_key"),
], ids=["zero", "negative", "fraction", "over-int64", "no-amount", "print-7", "no-billing",
        "distinct-symbol", "group-65"])
def test_request_field_errors(server, over, says):
    tok = token(server)
    got = request(server, tok, "unused-billing-id", **over)
    assert got["result"] == "A0003" and says in got["message"], got


def test_request_refusals(server):
    tok = token(server)
    bid = billing(server, tok)
    assert request(server, tok, "no-such-billing-id")["result"] == "A0004"
    assert request(server, tok, bid, group_key="NOSUCHGROUP")["result"] == "A0005"
    assert request(server, tok, bid, amount=str(10**15))["result"] == "A0007"
    assert request(server, tok, bid, amount=10)["result"] == "A0000"  # a JSON number
    assert group_lookup(server, tok, "NOSUCHGROUP")["result"] == "A0005"
    assert group_lookup(server, tok, "bad-key!")["result"] == "A0003"


def test_another_partner_sees_nothing_of_the_first(server):
    tok = token(server)
    bid = billing(server, tok)
    group = request(server, tok, bid)["group_key"]
    out = subprocess.run([BIN, "partner", "add", "--email", "third-payple@example.com",
                          "--db", str(server.db)], capture_output=True, text=True, timeout=60)
    cst_id = re.search(r"Payple cst_id: (\S+)", out.stdout).group(1)
    key = re.search(r"Payple custKey: (\S+)", out.stdout).group(1)
    theirs = token(server, cst_id, key)
    creds = {"cst_id": cst_id, "custKey": key}
    r = post(server, "/request/result/group_key", {**creds, "group_key": group}, token=theirs)
    assert r.json()["result"] == "A0005"
    r = post(server, "/transfer/request", {**creds, "billing_tran_id": bid, "tran_amt": "1"},
             token=theirs)
    assert r.json()["result"] == "A0004"  # the billing key is the first partner's


def test_concurrent_requests_never_reserve_more_than_the_account_holds(make_server):
    from concurrent.futures import ThreadPoolExecutor

    srv = make_server(["--sandbox"]).avoid_bank_night()
    tok = token(srv)
    bid = billing(srv, tok)
    left = int(remain(srv, tok).json()["remain_amt"])
    assert request(srv, tok, bid, amount=str(left - 5_000_000))["result"] == "A0000"

    def one(i):
        return request(srv, tok, bid, amount="50000", distinct_key=f"c{i}")["result"]

    with ThreadPoolExecutor(max_workers=32) as pool:
        results = list(pool.map(one, range(200)))
    assert results.count("A0000") == 100 and results.count("A0007") == 100, results
    r = remain(srv, tok).json()
    assert r["remain_amt"] == "0" and int(r["total_transfer_amt"]) == left


def test_sandbox_reset_restores_the_sample_partners_payout_account(make_server):
    srv = make_server(["--sandbox"]).avoid_bank_night()
    tok = token(srv)
    bid = billing(srv, tok)
    group = request(srv, tok, bid, amount="250000")["group_key"]
    assert remain(srv, tok).json()["remain_amt"] != "10000000"
    r = srv.admin("POST", "/sandbox/reset")
    assert r.status_code == 200 and r.json()["status"] == "reset", r.text
    srv.avoid_bank_night()  # the reset put the sandbox clock back
    after = remain(srv, tok).json()
    assert after["result"] == "A0000", after
    assert (after["total_account_amt"], after["remain_amt"]) == ("10000000", "10000000")
    assert group_lookup(srv, tok, group)["result"] == "A0005"  # the group went with the ledger
    assert request(srv, tok, bid)["result"] == "A0000"  # the billing key still names 004


# -- /transfer/execute, /transfer/cancel and the results -------------------------------

ADMIN = {"Authorization": "Bearer sandbox-admin-token"}


def execute(server, tok, group, billing_id="ALL", kind="NOW", **over):
    body = {"cst_id": CST_ID, "custKey": CUST_KEY, "group_key": group,
            "billing_tran_id": billing_id, "execute_type": kind, **over}
    r = post(server, "/transfer/execute", body, token=tok)
    assert r.status_code == 200, r.text
    return r.json()


def lookup(server, tok, path, **body):
    r = post(server, path, {"cst_id": CST_ID, "custKey": CUST_KEY, **body}, token=tok)
    assert r.status_code == 200, r.text
    return r.json()


def balance(server, bank, number):
    r = requests.get(f"{server.url}/sandbox/bank-accounts/{bank}/{number}", headers=ADMIN,
                     timeout=10)
    return r.json()["balance"]


def test_execute_now_pays_every_recipient_through_the_bank(make_server):
    srv = make_server(["--sandbox"]).avoid_bank_night()
    tok = token(srv)
    hong, park = billing(srv, tok), billing(srv, tok, "090", "55555555555", "0", "880808")
    before = (balance(srv, "004", "11111111111"), balance(srv, "090", "55555555555"))
    group = request(srv, tok, hong, amount="1000")["group_key"]
    request(srv, tok, park, amount="2500")
    start = int(remain(srv, tok).json()["remain_amt"])
    ans = execute(srv, tok, group, webhook_url="http://127.0.0.1:9/payple-hook")
    assert ans["result"] == "A0000", ans
    assert (ans["tot_tran_amt"], ans["execute_type"], ans["billing_tran_id"]) == \
        ("3500", "NOW", "ALL")
    assert ans["remain_amt"] == str(start) and DTM.match(ans["api_tran_dtm"])
    assert (balance(srv, "004", "11111111111"), balance(srv, "090", "55555555555")) == \
        (before[0] + 1000, before[1] + 2500)
    # executed items leave the pending lookup; the results are there
    pending = group_lookup(srv, tok, group)
    assert (pending["result"], pending["total"], pending["count"], pending["list"]) == \
        ("A0000", "0", "0", [])  # nothing pending any more
    results = lookup(srv, tok, "/transfer/result/group_key", group_key=group)
    assert (results["result"], results["total"], results["count"]) == ("A0000", "3500", "2")
    first = results["list"][0]
    for key in ["result", "message", "cst_id", "sub_id", "distinct_key", "group_key",
                "billing_tran_id", "api_tran_id", "api_tran_dtm", "bank_tran_id",
                "bank_tran_date", "bank_rsp_code", "bank_code_std", "bank_code_sub",
                "bank_name", "account_num", "account_num_masked", "account_holder_name",
                "print_content", "tran_amt"]:
        assert isinstance(first[key], str), key
    assert "bank_rsp_msg" not in first
    assert (first["result"], first["bank_rsp_code"], first["account_holder_name"]) == \
        ("A0000", "000", "홍길동")
    assert "*" in first["account_num_masked"]
    one = lookup(srv, tok, "/transfer/result", api_tran_id=first["api_tran_id"])
    assert one["result"] == "A0000" and one["api_tran_id"] == first["api_tran_id"], one
    daily = lookup(srv, tok, "/transfer/result/date", bank_tran_date=first["bank_tran_date"])
    assert daily["result"] == "A0000" and daily["count"] == "2", daily
    # executing again: the group is closed
    assert execute(srv, tok, group)["result"] == "A0005"


def test_a_refused_payout_returns_the_money_and_ends_the_billing_key(make_server):
    srv = make_server(["--sandbox"]).avoid_bank_night()
    tok = token(srv)
    lee = billing(srv, tok, "020", "44444444444", "0", "920315")
    group = request(srv, tok, lee, amount="7000")["group_key"]
    start = int(remain(srv, tok).json()["remain_amt"])
    r = requests.patch(f"{srv.url}/sandbox/bank-accounts/020/44444444444", headers=ADMIN,
                       json={"status": "dormant"}, timeout=10)
    assert r.status_code == 200, r.text
    ans = execute(srv, tok, group)
    assert ans["result"] == "A0000" and ans["remain_amt"] == str(start + 7000), ans
    res = lookup(srv, tok, "/transfer/result/group_key", group_key=group)["list"][0]
    assert (res["result"], res["bank_rsp_code"]) == ("A0009", "416"), res
    one = lookup(srv, tok, "/transfer/result", api_tran_id=res["api_tran_id"])
    assert one["result"] == "A0009" and one["bank_rsp_code"] == "416"
    assert request(srv, tok, lee)["result"] == "A0004"  # a new real_name is needed


def test_execute_one_billing_key_then_cancel_the_rest(make_server):
    srv = make_server(["--sandbox"]).avoid_bank_night()
    tok = token(srv)
    hong, park = billing(srv, tok), billing(srv, tok, "090", "55555555555", "0", "880808")
    group = request(srv, tok, hong, amount="1000")["group_key"]
    request(srv, tok, park, amount="2000")
    request(srv, tok, park, amount="3000")
    start = int(remain(srv, tok).json()["remain_amt"])
    one = execute(srv, tok, group, billing_id=hong)
    assert (one["result"], one["tot_tran_amt"]) == ("A0000", "1000"), one
    pending = group_lookup(srv, tok, group)
    assert (pending["count"], pending["total"]) == ("2", "5000")
    # /transfer/cancel (and execute_type CANCEL) void the reservation
    cancel = lookup(srv, tok, "/transfer/cancel", group_key=group, billing_tran_id="ALL",
                    cancel_reason="정산 취소")
    assert (cancel["result"], cancel["tot_tran_amt"], cancel["execute_type"]) == \
        ("A0000", "5000", "CANCEL"), cancel
    assert remain(srv, tok).json()["remain_amt"] == str(start + 5000)
    assert group_lookup(srv, tok, group)["count"] == "0"
    assert lookup(srv, tok, "/transfer/result/group_key", group_key=group)["count"] == "1"
    # CANCEL through execute
    g2 = request(srv, token(srv), hong, amount="4000")["group_key"]
    c2 = execute(srv, tok, g2, kind="CANCEL")
    assert (c2["result"], c2["tot_tran_amt"]) == ("A0000", "4000"), c2
    assert remain(srv, tok).json()["remain_amt"] == str(start + 5000)


@pytest.mark.parametrize("path,body,result", [
    ("/transfer/execute", {"group_key": "NOSUCH", "billing_tran_id": "ALL",
                           "execute_type": "NOW"}, "A0005"),
    ("/transfer/execute", {"group_key": "G", "billing_tran_id": "ALL",
                           "execute_type": "LATER"}, "A0003"),
    ("/transfer/execute", {"group_key": "G", "billing_tran_id": "ALL", "execute_type": "NOW",
                           "webhook_url": "ftp://example.com/x"}, "A0003"),
    ("/transfer/result", {"api_tran_id": "P0000"}, "A0008"),
    ("/transfer/result/date", {"bank_tran_date": "19990101"}, "A0008"),
    ("/transfer/result/date", {"bank_tran_date": ""}, "A0003"),
    ("/transfer/result/date", {"bank_tran_date": "20261302"}, "A0003"),
    ("/transfer/result/group_key", {"group_key": "NOSUCH"}, "A0008"),
], ids=["execute-unknown-group", "execute-type", "webhook-not-http", "result-unknown",
        "date-none", "date-blank", "date-month-13", "group-results-none"])
def test_execute_and_result_refusals(server, path, body, result):
    got = lookup(server, token(server), path, **body)
    assert got["result"] == result, got


def test_nothing_pending_to_execute(server):
    tok = token(server)
    bid = billing(server, tok)
    group = request(server, tok, bid)["group_key"]
    other = billing(server, tok, "090", "55555555555", "0", "880808")
    assert execute(server, tok, group, billing_id=other)["result"] == "A0011"
