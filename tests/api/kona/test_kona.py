"""Kona (Konaplate) API, black-box, with an independent client (kona_client.py).

The client signs, encrypts and decrypts on its own (hmac, jwcrypto); nothing here
uses the server's code. Servers started here are stopped and checked (exit 0, no
sanitizer report, ledger verify) by conftest.
"""
import base64
import datetime
import json
import re
import secrets
import time

import pytest

from conftest import ON_PG, Server, query
from kona_client import CRYPTO_KEY_ID, HEADERS, SECRET_KEY, Kona, b64url_decode, for_server, sign

HONG = {"userName": "홍길동", "birthDate": "19900101"}
HONG_ACCOUNT = ("004", "11111111111")
REGNO = re.compile(r"^R\d{21}$")
ARS_OK_STATUSES = {"ARS_AUTH_IN_PROGRESS", "ARS_AUTH_DONE", "BANK_ACC_REGISTERED"}


# -- helpers ---------------------------------------------------------------------------

def ok(ans, client=None):
    """A success answer; for an encrypted client also the answer's JWE header."""
    assert ans.status == 200, ans
    assert ans.body["response"] == {"code": "000_000", "description": "Success."}, ans
    if client is not None and client.enc:
        assert ans.jwe_header is not None, "an encrypted request got a plain answer"
        assert ans.jwe_header["alg"] == "RSA-OAEP-256"
        assert ans.jwe_header["enc"] == client.enc
    return ans.body


def fails(ans, code, status=400, description=None):
    assert ans.status == status, ans
    assert ans.code == code, ans
    if description is not None:
        assert ans.description == description, ans
    return ans.body


def member_body(**over):
    body = {"loginId": f"kona-{secrets.token_hex(6)}@example.com", "loginPassword": "135790",
            "nationality": "Korean", "gender": "Male", **HONG}
    body.update(over)
    return {k: v for k, v in body.items() if v is not None}


def register_member(client, **over):
    body = member_body(**over)
    out = ok(client.call("user/registration", body), client)
    assert isinstance(out["userId"], int) and 10 ** 9 <= out["userId"] < 10 ** 10, out
    return out["userId"]


def account_body(uid, bank=HONG_ACCOUNT[0], number=HONG_ACCOUNT[1], **over):
    body = {"userId": uid, **HONG, "bankCode": bank, "bankAccount": number}
    body.update(over)
    return body


def unknown_user_id(client):
    """A well-formed 10-digit userId that is no member of this partner."""
    while True:
        uid = 1_000_000_000 + secrets.randbelow(9_000_000_000)
        ans = client.call("user/info", {"userId": uid})
        if ans.code == "000_002":
            return uid


def poll_inquiry(client, reg_no, until, timeout=10.0, key="regNo"):
    """Polls ars/register/inquiry until `until(answer)`; returns that answer and the
    statuses seen on the way."""
    seen = []
    deadline = time.time() + timeout
    while True:
        ans = client.call("bankaccounts/ars/register/inquiry", {key: reg_no})
        seen.append((ans.code, (ans.body or {}).get("status")))
        if until(ans):
            return ans, seen
        assert time.time() < deadline, f"gave up polling {reg_no}: {seen}"
        time.sleep(0.1)


def start_ars(client, uid, bank=HONG_ACCOUNT[0], number=HONG_ACCOUNT[1]):
    """ars/auth then ars/register; returns (authNumber, bankAccRegNo)."""
    auth = ok(client.call("bankaccounts/ars/auth", {"userId": uid}), client)["authNumber"]
    assert re.fullmatch(r"\d\d", auth), auth
    out = ok(client.call("bankaccounts/ars/register", account_body(uid, bank, number)), client)
    assert REGNO.fullmatch(out["bankAccRegNo"]), out
    return auth, out["bankAccRegNo"]


def answer_ars(srv, reg_no, digits):
    r = srv.admin("POST", f"/sandbox/kona/ars/{reg_no}/answer", {"digits": digits})
    assert r.status_code == 200, r.text
    return r.json()


def register_account(srv, client, uid):
    """A registered bank account for the member (the ARS call answered now)."""
    auth, reg_no = start_ars(client, uid)
    answer_ars(srv, reg_no, auth)
    poll_inquiry(client, reg_no, lambda a: a.body.get("status") == "BANK_ACC_REGISTERED")
    return reg_no


def wrong_digits(auth):
    return f"{(int(auth) + 1) % 100:02d}"


# -- fixtures --------------------------------------------------------------------------

@pytest.fixture
def kona(server):
    """A plain client for the shared sandbox server."""
    server.avoid_bank_night()
    return for_server(server)


@pytest.fixture(scope="module")
def ars_server(tmp_path_factory):
    """A sandbox server whose simulated member never answers the ARS call by itself
    (--ars-delay-ms 0): calls stay in progress until a test answers them."""
    s = Server(tmp_path_factory.mktemp("kona-ars"),
               ["--sandbox", "--rate-limit", "0", "--ars-delay-ms", "0"]).start()
    s.avoid_bank_night()
    yield s
    s.stop()


@pytest.fixture
def ars(ars_server):
    return for_server(ars_server)


# -- 1. the whole flow -----------------------------------------------------------------

@pytest.mark.parametrize("enc", [None, "A128GCM", "A256GCM"], ids=["plain", "A128GCM", "A256GCM"])
def test_whole_flow(make_server, enc):
    srv = make_server(["--sandbox", "--rate-limit", "0", "--ars-delay-ms", "200"])
    srv.avoid_bank_night()
    k = for_server(srv, enc=enc)

    banks = ok(k.call("bankaccounts/banks", {}), k)["bankList"]
    by_code = {b["bankCode"]: b for b in banks}
    assert by_code["004"]["bankName"] == "국민은행" and by_code["004"]["isAvailable"] is True
    assert all(set(b) == {"bankCode", "bankName", "isAvailable"} for b in banks)

    body = member_body(mobileNumber="01012341234", email="hong@example.com")
    uid = ok(k.call("user/registration", body), k)["userId"]
    assert isinstance(uid, int) and len(str(uid)) == 10
    fails(k.call("user/registration", dict(body, userName="다른이름")), "001_001")

    # one step through the /open-api/ prefix
    info = ok(k.call("/open-api/api/v1/user/info", {"userId": uid}), k)["userInfo"]
    assert info["aspId"] == "KONASANDBOX0001" and info["userId"] == uid
    assert info["loginId"] == body["loginId"] and info["userName"] == "홍길동"
    assert info["birthDate"] == "19900101" and info["nationality"] == "Korean"
    assert info["gender"] == "Male" and info["mobileNumber"] == "01012341234"
    assert info["joinChannel"] == "OPENAPI"
    assert "loginPassword" not in info

    ok(k.call("bankaccounts/user/valid", account_body(uid)), k)

    before = ok(k.call("bankaccounts/inquiry", {"userId": uid}), k)
    assert before["bankAccForAutoRcg"] is None and before["isAutoRcgAccRegAllowed"] is False
    fails(k.call("bankaccounts/info", {"userId": uid}), "007_001",
          description="Bank account is not registered.")

    auth, reg_no = start_ars(k, uid)
    ans, seen = poll_inquiry(k, reg_no, lambda a: a.status != 200
                             or a.body["status"] == "BANK_ACC_REGISTERED")
    ok(ans, k)
    assert {s for _, s in seen} <= ARS_OK_STATUSES and all(c == "000_000" for c, _ in seen), seen

    acc = ok(k.call("bankaccounts/info", {"userId": uid}), k)
    assert acc["userId"] == uid
    a = acc["accountInfo"]
    assert a["userName"] == "홍길동" and a["bankCode"] == "004" and a["bankName"] == "국민은행"
    assert a["bankAccount"] == "1111***1111" and a["bankAccRegNo"] == reg_no
    assert a["isAutoRecharge"] is False and a["accountId"]

    pre = ok(k.call("bankaccounts/inquiry", {"userId": uid}), k)
    assert pre["isAutoRcgAccRegAllowed"] is True, pre
    if pre["bankAccForAutoRcg"] is not None:
        assert pre["bankAccForAutoRcg"]["bankAccRegNo"] == reg_no

    rcg = ok(k.call("bankaccounts/as-rcg-svc/ars/register", {"userId": uid}), k)
    assert REGNO.fullmatch(rcg["bankAccRegNo"]), rcg

    a = ok(k.call("bankaccounts/info", {"userId": uid}), k)["accountInfo"]
    assert a["isAutoRecharge"] is True and a["bankAccRegNo"] == reg_no
    post = ok(k.call("bankaccounts/inquiry", {"userId": uid}), k)
    assert post["isAutoRcgAccRegAllowed"] is False
    auto = post["bankAccForAutoRcg"]
    assert auto["bankAccRegNo"] == reg_no and auto["isAutoRecharge"] is True
    assert auto["bankAccount"] == "1111***1111" and auto["bankCode"] == "004"

    ok(k.call("bankaccounts/delete", {"userId": uid}), k)
    ans = k.call("bankaccounts/info", {"userId": uid})
    fails(ans, "007_001", description="Bank account is not registered.")
    if enc:  # errors raised after decryption are encrypted too, with the same enc
        assert ans.jwe_header and ans.jwe_header["enc"] == enc
    gone = ok(k.call("bankaccounts/inquiry", {"userId": uid}), k)
    assert gone["bankAccForAutoRcg"] is None


# -- 2. holder verification ------------------------------------------------------------

HOLDER_CASES = [
    # (id, code, bank, account, overrides of the valid body, member overrides)
    ("ok", "000_000", "004", "11111111111", {}, {}),
    ("ok-short-birth", "000_000", "004", "11111111111", {"birthDate": "900101"}, {}),
    ("not-digits", "002_001", "004", "1111abc1111", {}, {}),
    ("too-long", "002_001", "004", "1" * 21, {}, {}),
    ("no-response-6", "002_002", "004", "90000000006", {}, {}),
    ("no-response-10", "002_002", "004", "90000000010", {}, {}),
    ("other-holder", "002_003", "088", "22222222222", {}, {}),
    ("not-member-name", "002_003", "004", "11111111111", {"userName": "김철수"}, {}),
    ("member-is-someone-else", "002_003", "004", "11111111111",
     {"userName": "이몽룡"}, {"userName": "이몽룡"}),
    ("bank-hours", "002_004", "004", "90000000008", {}, {}),
    ("birth-mismatch", "002_005", "004", "11111111111", {"birthDate": "19850505"}, {}),
    ("birth-mismatch-short", "002_005", "004", "11111111111", {"birthDate": "850505"}, {}),
    ("maintenance", "002_006", "004", "90000000009", {}, {}),
    ("not-found", "002_007", "004", "00000000000", {}, {}),
    ("dormant", "002_008", "004", "90000000001", {}, {}),
    ("suspended", "002_008", "004", "90000000002", {}, {}),
    ("closed", "002_008", "004", "90000000003", {}, {}),
    ("accident", "002_008", "004", "90000000004", {}, {}),
    ("virtual", "002_009", "004", "90000000005", {}, {}),
    ("delay", "002_010", "004", "90000000007", {}, {}),
    ("non-participating", "002_011", "055", "12345678901", {}, {}),
]


@pytest.mark.parametrize("code,bank,number,over,member",
                         [c[1:] for c in HOLDER_CASES], ids=[c[0] for c in HOLDER_CASES])
def test_holder_verification(kona, code, bank, number, over, member):
    uid = register_member(kona, **member)
    ans = kona.call("bankaccounts/user/valid", account_body(uid, bank, number, **over))
    if code == "000_000":
        ok(ans)
    else:
        fails(ans, code)


def test_holder_verification_unknown_user(kona):
    uid = unknown_user_id(kona)
    fails(kona.call("bankaccounts/user/valid", account_body(uid)), "000_002",
          description="Invalid input parameter. userId")


# -- 3. ARS registration ---------------------------------------------------------------

def test_ars_wrong_answer_002_014(ars_server, ars):
    uid = register_member(ars)
    auth, reg_no = start_ars(ars, uid)
    ans = ok(ars.call("bankaccounts/ars/register/inquiry", {"regNo": reg_no}))
    assert ans["status"] == "ARS_AUTH_IN_PROGRESS"
    assert answer_ars(ars_server, reg_no, wrong_digits(auth))["status"] == "ARS_AUTH_FAILED"
    ans, _ = poll_inquiry(ars, reg_no, lambda a: a.status != 200)
    assert fails(ans, "002_014")["status"] == "ARS_AUTH_FAILED"
    # the other spelling of the key
    ans = ars.call("bankaccounts/ars/register/inquiry", {"bankAccRegNo": reg_no})
    assert fails(ans, "002_014")["status"] == "ARS_AUTH_FAILED"
    fails(ars.call("bankaccounts/info", {"userId": uid}), "007_001")


@pytest.mark.parametrize("number,code", [("90000000005", "002_015"),   # virtual: lifetime
                                         ("90000000001", "002_016"),   # dormant
                                         ("90000000003", "002_016")],  # closed
                         ids=["virtual-002_015", "dormant-002_016", "closed-002_016"])
def test_ars_registration_fails_later(ars_server, ars, number, code):
    uid = register_member(ars)
    auth, reg_no = start_ars(ars, uid, "004", number)  # accepted now ...
    answer_ars(ars_server, reg_no, auth)
    ans, seen = poll_inquiry(ars, reg_no, lambda a: a.status != 200)  # ... fails later
    assert fails(ans, code)["status"] == "BANK_ACC_REG_FAILED"
    assert all(c == "000_000" and s in ARS_OK_STATUSES - {"BANK_ACC_REGISTERED"}
               for c, s in seen[:-1]), seen
    fails(ars.call("bankaccounts/info", {"userId": uid}), "007_001")


def test_ars_registered_by_answer(ars_server, ars):
    uid = register_member(ars)
    auth, reg_no = start_ars(ars, uid)
    assert answer_ars(ars_server, reg_no, auth)["status"] == "ARS_AUTH_DONE"
    ans, seen = poll_inquiry(ars, reg_no, lambda a: a.status != 200
                             or a.body["status"] == "BANK_ACC_REGISTERED", key="bankAccRegNo")
    ok(ans)
    assert ok(ars.call("bankaccounts/info", {"userId": uid}))["accountInfo"]["bankAccRegNo"] == reg_no


def test_ars_unknown_regno_002_019(kona):
    for reg_no in ["R" + "0" * 21, "R2099" + "1" * 17, "nonsense"]:
        fails(kona.call("bankaccounts/ars/register/inquiry", {"regNo": reg_no}), "002_019")


def test_ars_register_without_auth_002_012(kona):
    uid = register_member(kona)
    fails(kona.call("bankaccounts/ars/register", account_body(uid)), "002_012")


def test_ars_double_register_002_013(ars):
    uid = register_member(ars)
    auth, reg_no = start_ars(ars, uid)
    fails(ars.call("bankaccounts/ars/register", account_body(uid)), "002_013")
    # a fresh auth number does not let a second call start either
    ok(ars.call("bankaccounts/ars/auth", {"userId": uid}))
    fails(ars.call("bankaccounts/ars/register", account_body(uid)), "002_013")
    st = ok(ars.call("bankaccounts/ars/register/inquiry", {"regNo": reg_no}))["status"]
    assert st == "ARS_AUTH_IN_PROGRESS"


@pytest.mark.parametrize("bank,number,over,code", [
    ("004", "00000000000", {}, "002_007"),
    ("088", "22222222222", {}, "002_003"),
    ("004", "11111111111", {"birthDate": "19850505"}, "002_005"),
    ("004", "90000000009", {}, "002_006"),
    ("004", "12ab", {}, "002_001"),
], ids=["not-found", "other-holder", "birth", "maintenance", "not-digits"])
def test_ars_register_holder_checked_now(ars, bank, number, over, code):
    uid = register_member(ars)
    ok(ars.call("bankaccounts/ars/auth", {"userId": uid}))
    fails(ars.call("bankaccounts/ars/register", account_body(uid, bank, number, **over)), code)


def test_ars_unknown_user(kona):
    uid = unknown_user_id(kona)
    fails(kona.call("bankaccounts/ars/auth", {"userId": uid}), "000_002",
          description="Invalid input parameter. userId")


# -- 4. auto-recharge account ----------------------------------------------------------

def test_auto_recharge_codes(ars_server, ars):
    uid = register_member(ars)
    fails(ars.call("bankaccounts/as-rcg-svc/ars/register", {"userId": uid}), "007_001",
          description="Bank account is not registered.")
    reg_no = register_account(ars_server, ars, uid)
    assert ok(ars.call("bankaccounts/as-rcg-svc/ars/register",
                       {"userId": uid}))["bankAccRegNo"] == reg_no
    fails(ars.call("bankaccounts/as-rcg-svc/ars/register", {"userId": uid}), "007_002")
    fails(ars.call("bankaccounts/as-rcg-svc/ars/register", {"userId": unknown_user_id(ars)}),
          "000_002", description="Invalid input parameter. userId")


# -- 5. headers, credentials, body -----------------------------------------------------

@pytest.mark.parametrize("header", HEADERS)
def test_missing_header(kona, header):
    fails(kona.call("bankaccounts/banks", {}, **{header: None}), "000_003",
          description=f"Missing required values. {header}")


@pytest.mark.parametrize("header,value", [
    ("X-KM-User-AspId", "KONASANDBOX001"),
    ("X-KM-User-AspId", "KONASANDBOX00011"),
    ("X-KM-Access-Key", "sandbox" + "0" * 32),
    ("X-KM-Tran-Time", "2026112213223"),
    ("X-KM-Crypto-Key-Id", "sandboxcryptokey"),
    ("X-KM-Correlation-Id", "261122132230-abcdef"),
    ("X-KM-Crypto-Key-Id", ""),
    ("X-KM-Tran-Token", "KMV1:" + "A" * 300),
], ids=["asp-14", "asp-16", "access-39", "tran-time-13", "crypto-key-16", "correlation-19",
        "crypto-key-empty", "token-305"])
def test_header_wrong_length(kona, header, value):
    ans = fails(kona.call("bankaccounts/banks", {}, **{header: value}), "000_015")
    # The header, and the length it must have (the spec's own values are this long).
    want = {"X-KM-User-AspId": "15", "X-KM-Access-Key": "40", "X-KM-Tran-Time": "14 to 17",
            "X-KM-Crypto-Key-Id": "32", "X-KM-Correlation-Id": "20 to 23",
            "X-KM-Tran-Token": "1 to 128"}[header]
    assert ans["response"]["description"] == \
        f"The length of value does not match. {header} ({want} characters)", ans


def test_header_lengths_clients_send(kona):
    """Clients send 21- and 23-character correlation ids and 16- or 17-digit tran times
    (kona-notes §2): taken, the id echoed as sent, the time's first 14 digits read."""
    for suffix, extra in (("-a1b2c3d4", "00"), ("-a1b2c3d4e5", "123")):
        now = kona.now()
        cid = now.strftime("%y%m%d%H%M%S") + suffix
        ans = kona.call("bankaccounts/banks", {}, now=now, **{
            "X-KM-Correlation-Id": cid, "X-KM-Tran-Time": now.strftime("%Y%m%d%H%M%S") + extra})
        ok(ans, kona)
        assert ans.headers["X-KM-Correlation-Id"] == cid
    fails(kona.call("bankaccounts/banks", {}, **{
        "X-KM-Tran-Time": kona.now().strftime("%Y%m%d%H%M%S") + "1234"}), "000_015")


def _bad_headers(k):
    now = k.now()
    stamp = now.strftime("%Y%m%d%H%M%S")
    sig = sign(SECRET_KEY, b"{}")
    return {
        "corr-no-dash": ("X-KM-Correlation-Id", now.strftime("%y%m%d%H%M%S") + "0abcdef1"),
        "corr-bad-month": ("X-KM-Correlation-Id", "261322132230-abcdef1"),
        "corr-bad-hour": ("X-KM-Correlation-Id", now.strftime("%y%m%d") + "250000-abcdef1"),
        "corr-non-hex": ("X-KM-Correlation-Id", now.strftime("%y%m%d%H%M%S") + "-xyzxyz1"),
        "tran-time-bad-month": ("X-KM-Tran-Time", now.strftime("%Y") + "13" + stamp[6:]),
        "tran-time-not-digits": ("X-KM-Tran-Time", stamp[:12] + "ab"),
        "time-zone-XYZ": ("X-KM-Time-Zone", "XYZ"),
        "token-KMV2": ("X-KM-Tran-Token", f"KMV2:{stamp}000:{sig}"),
        "token-no-colons": ("X-KM-Tran-Token", f"KMV1-{stamp}000-{sig}"),
        "token-short-stamp": ("X-KM-Tran-Token", f"KMV1:{stamp}00:{sig}"),
        "token-bad-date": ("X-KM-Tran-Token", f"KMV1:{stamp[:4]}1399000000000:{sig}"),
        "token-bad-base64": ("X-KM-Tran-Token", f"KMV1:{stamp}000:!!!"),
    }


BAD_HEADER_IDS = list(_bad_headers(Kona("http://x")).keys())


@pytest.mark.parametrize("case", BAD_HEADER_IDS)
def test_header_malformed(kona, case):
    header, value = _bad_headers(kona)[case]
    ans = kona.call("bankaccounts/banks", {}, **{header: value})
    expect = {"X-KM-Tran-Time": " (yyyyMMddHHmmss, a time in X-KM-Time-Zone)",
              "X-KM-Correlation-Id":
                  " (yyMMddHHmmss-xxxxxxx: a time, a hyphen and 7 (to 10) hex digits)",
              "X-KM-Time-Zone": " (KST, JST, UTC or GMT)",
              "X-KM-Tran-Token": " (KMV1:<yyyyMMddHHmmssSSS>:<base64 of HMAC-SHA256(secret "
                                 "key, the body's bytes)>)"}[header]
    fails(ans, "000_002", description=f"Invalid input value. {header}{expect}")


def test_utc_time_zone(kona):
    utc = Kona(kona.base, offset_ms=kona.offset_ms, tz="UTC")
    ok(utc.call("bankaccounts/banks", {}))
    # a KST stamp read as UTC is 9 hours off
    fails(utc.call("bankaccounts/banks", {}, now=kona.now()), "000_103", status=401)


def test_unknown_asp_and_wrong_access_key(kona):
    fails(kona.call("bankaccounts/banks", {}, **{"X-KM-User-AspId": "KONAUNKNOWN0001"}),
          "000_101", status=401)
    fails(kona.call("bankaccounts/banks", {}, **{"X-KM-Access-Key": "sandbox" + "0" * 32 + "1"}),
          "000_101", status=401)


def test_wrong_signature(kona):
    fails(kona.call("bankaccounts/banks", {}, secret="another-secret-key"), "000_102", status=401)
    uid = register_member(kona)
    req = kona.prepare("user/info", {"userId": uid})
    req.raw = json.dumps({"userId": uid, "x": 1}).encode()  # changed after signing
    fails(kona.send(req), "000_102", status=401)


def test_stale_token_own_clock(kona):
    old = kona.now() - datetime.timedelta(minutes=6)
    fails(kona.call("bankaccounts/banks", {}, now=old), "000_103", status=401)
    ahead = kona.now() + datetime.timedelta(minutes=6)
    fails(kona.call("bankaccounts/banks", {}, now=ahead), "000_103", status=401)
    ok(kona.call("bankaccounts/banks", {}, now=kona.now() - datetime.timedelta(minutes=4)))
    # a fresh token with a stale X-KM-Tran-Time
    tran = (kona.now() - datetime.timedelta(minutes=10)).strftime("%Y%m%d%H%M%S")
    fails(kona.call("bankaccounts/banks", {}, **{"X-KM-Tran-Time": tran}), "000_103", status=401)


def test_stale_after_server_clock_advance(make_server):
    srv = make_server(["--sandbox", "--rate-limit", "0"])
    k = for_server(srv)
    ok(k.call("bankaccounts/banks", {}))
    r = srv.admin("POST", "/sandbox/clock", {"advance_seconds": 600})
    assert r.status_code == 200, r.text
    fails(k.call("bankaccounts/banks", {}), "000_103", status=401)
    ok(for_server(srv).call("bankaccounts/banks", {}))  # in step with the server again


def test_replayed_token(kona):
    req = kona.prepare("bankaccounts/banks", {})
    ok(kona.send(req))
    fails(kona.send(req), "000_104", status=401)
    uid = register_member(kona)
    req = kona.prepare("user/info", {"userId": uid})
    ok(kona.send(req))
    fails(kona.send(req), "000_104", status=401)


def test_replay_refused_after_restart_and_crash(make_server):
    """Used tokens are durable for their window: neither a restart nor SIGKILL forgets one."""
    import signal
    srv = make_server(["--sandbox", "--rate-limit", "0"])
    k = for_server(srv)
    uid = register_member(k)
    used = []
    for path, body in (("bankaccounts/banks", {}), ("user/info", {"userId": uid})):
        req = k.prepare(path, body)
        ok(k.send(req))
        used.append(req)
    # a write endpoint's token too: the registration and its token commit together
    reg = k.prepare("user/registration", member_body())
    ok(k.send(reg))
    used.append(reg)
    def again(req):  # the same bytes, to the restarted server's new port
        req.url = srv.url + req.url[req.url.index("/api/"):]
        return k.send(req)

    srv.stop()          # graceful
    srv.start()
    for req in used:
        fails(again(req), "000_104", status=401)
    k.base = srv.url
    req = k.prepare("bankaccounts/banks", {})
    ok(k.send(req))
    srv.kill()          # no chance to save anything
    srv.start()
    fails(again(req), "000_104", status=401)
    k.base = srv.url
    ok(k.call("bankaccounts/banks", {}))  # fresh tokens are fine


def test_body_not_json(kona):
    for raw in [b"not json", b"{\"userId\": ", b""]:
        fails(kona.call("user/info", None, raw=raw), "000_002")


def test_field_rules(kona):
    fails(kona.call("user/registration", member_body(userName="가" * 101)), "000_015",
          description="The length of value does not match. userName (1 to 100 characters)")
    fails(kona.call("user/registration", member_body(userName="a" * 101)), "000_015",
          description="The length of value does not match. userName (1 to 100 characters)")
    register_member(kona, userName="a" * 100)
    fails(kona.call("user/registration", member_body(gender=None)), "000_003",
          description="Missing required values. gender (Male or Female)")
    fails(kona.call("user/registration", member_body(loginId=None)), "000_003",
          description="Missing required values. loginId (1 to 80 characters)")
    uid = register_member(kona, somethingElse="ignored", nested={"a": [1, 2]})
    ok(kona.call("user/info", {"userId": uid, "extra": True}))
    fails(kona.call("user/info", {"userId": unknown_user_id(kona)}), "000_002",
          description="Invalid input parameter. userId")


# Each refusal names the field and what it expects (issue: "messages that say what to fix").
@pytest.mark.parametrize("over,code,description", [
    ({"loginPassword": "12345"}, "000_015",
     "The length of value does not match. loginPassword (6 digits)"),
    ({"loginPassword": "abcdef"}, "000_002", "Invalid input value. loginPassword (6 digits)"),
    ({"nationality": "KR"}, "000_015",
     "The length of value does not match. nationality (Korean or Foreigner)"),
    ({"nationality": "Koreans"}, "000_002", "Invalid input value. nationality (Korean or Foreigner)"),
    ({"gender": "M"}, "000_015", "The length of value does not match. gender (Male or Female)"),
    ({"gender": "Woman"}, "000_002", "Invalid input value. gender (Male or Female)"),
    ({"gender": None}, "000_003", "Missing required values. gender (Male or Female)"),
], ids=["password-5", "password-letters", "nationality-2", "nationality-7", "gender-1",
        "gender-other", "gender-missing"])
def test_registration_messages_say_what_is_expected(kona, over, code, description):
    fails(kona.call("user/registration", member_body(**over)), code, description=description)


@pytest.mark.parametrize("raw", [b'{"userId": "1000000001"}', b'{"userId": "abc"}',
                                 b'{"userId": 1.5}', b'{"userId": 99999999999999999999}',
                                 b'{"userId": -99999999999999999999}'],
                         ids=["digits-as-string", "letters", "real", "above-int64", "below-int64"])
def test_user_id_not_a_number_is_the_fields_own_error(kona, raw):
    """A string where a number belongs, and an integer above int64 (which the JSON
    library refuses as a whole): both are userId's own error, with its range."""
    fails(kona.call("user/info", None, raw=raw), "000_002",
          description="Invalid input value. userId (a number from 1 to 9223372036854775807)")


def test_nul_in_json_names_no_library_flag(kona):
    ans = fails(kona.call("user/info", None, raw=b'{"userId": "\\u0000"}'), "000_002")
    desc = ans["response"]["description"]
    assert "NUL" in desc and "line 1, column" in desc and "JSON_" not in desc, desc


def test_crypto_key_id_with_a_plain_body_asks_for_encdata(server):
    k = for_server(server, enc="A256GCM")
    fails(k.call("bankaccounts/banks", {}, encrypt=False, **{"X-KM-Crypto-Key-Id": k.key_id}),
          "000_003", description="Missing required values. encData "
                                 "(encData is required when X-KM-Crypto-Key-Id is sent)")


@pytest.mark.parametrize("enc", ["A128GCM", "A256GCM"])
def test_unknown_crypto_key_id(server, enc):
    k = for_server(server, enc=enc)
    fails(k.call("bankaccounts/banks", {},
                 **{"X-KM-Crypto-Key-Id": "unknowncryptokey0000000000000001"}),
          "000_105", status=401)
    fails(k.call("bankaccounts/banks", {}, **{"X-KM-Crypto-Key-Id": "sandboxcryptokey0000000000000002"}),
          "000_105", status=401)


def tampered(client):
    """A JWE to the server with one ciphertext bit flipped."""
    parts = client.encrypt(b"{}").split(".")
    ct = bytearray(b64url_decode(parts[3]))
    ct[0] ^= 0x01
    parts[3] = base64.urlsafe_b64encode(bytes(ct)).decode().rstrip("=")
    return ".".join(parts)


# Each case gets its own server, so that a leak on the error path is blamed on it
# (conftest checks the server's stderr when the test ends).
@pytest.mark.parametrize("case,code", [("tampered", "000_106"),
                                       ("not-a-jwe", "000_106"),
                                       ("no-encData", "000_003")])
@pytest.mark.parametrize("enc", ["A128GCM", "A256GCM"])
def test_bad_encdata(make_server, enc, case, code):
    srv = make_server(["--sandbox", "--rate-limit", "0"])
    k = for_server(srv, enc=enc)
    body = {"tampered": lambda: {"encData": tampered(k)},
            "not-a-jwe": lambda: {"encData": "not.a.jwe"},
            "no-encData": lambda: {}}[case]()
    fails(k.call("bankaccounts/banks", None, raw=json.dumps(body).encode(), encrypt=True), code)
    ok(k.call("bankaccounts/banks", {}), k)  # a good one still works, with the same enc


# -- 6. correlation id -----------------------------------------------------------------

def test_correlation_id_echoed(kona):
    for body, check in [({}, ok),
                        ({"userId": "x"}, None)]:
        req = kona.prepare("bankaccounts/banks" if check else "user/info", body)
        ans = kona.send(req)
        if check:
            check(ans)
        else:
            assert ans.status == 400, ans
        assert ans.headers.get("X-KM-Correlation-Id") == req.headers["X-KM-Correlation-Id"]
    req = kona.prepare("bankaccounts/banks", {}, **{"X-KM-Access-Key": "sandbox" + "9" * 33})
    ans = kona.send(req)
    assert ans.status == 401
    assert ans.headers.get("X-KM-Correlation-Id") == req.headers["X-KM-Correlation-Id"]


# -- 7. personal data at rest ----------------------------------------------------------

def member_bodies(server):
    rows = query(server.db, "SELECT body FROM docs WHERE kind='kona.member'")
    return [r[0] if isinstance(r[0], bytes) else str(r[0]).encode() for r in rows]


def test_personal_data_not_stored_in_plain_text(server, kona):
    tag = secrets.token_hex(5)
    name = "비밀테스트" + "".join(chr(0xAC00 + secrets.randbelow(11172)) for _ in range(3))
    login = f"privacy-{tag}@example.org"
    mobile = "010" + "".join(secrets.choice("0123456789") for _ in range(8))
    email = f"mail-{tag}@example.net"
    ci = base64.b64encode(secrets.token_bytes(66)).decode()
    assert len(ci) == 88
    before = len(member_bodies(server))
    uid = register_member(kona, loginId=login, userName=name, mobileNumber=mobile,
                          email=email, ci=ci)
    info = ok(kona.call("user/info", {"userId": uid}))["userInfo"]
    assert (info["loginId"], info["userName"], info["mobileNumber"]) == (login, name, mobile)
    assert info.get("email") == email and info.get("ci") == ci

    secrets_ = [s.encode() for s in (name, login, mobile, email, ci, tag)]
    bodies = member_bodies(server)  # durable before the answer: no waiting
    assert len(bodies) > before, "the new member has no kona.member document"
    assert bodies, "no kona.member document"
    for raw in bodies:
        for s in secrets_:
            assert s not in raw, f"{s!r} stored in plain text in a kona.member document"
    for path in [] if ON_PG else [server.db, server.db.with_name(server.db.name + "-wal")]:
        if path.exists():
            data = path.read_bytes()
            for s in secrets_:
                assert s not in data, f"{s!r} found in plain text in {path.name}"


# -- partners are scoped ---------------------------------------------------------------

def test_second_partner_from_cli_cannot_reach_the_first(server, tmp_path):
    """`wonpay partner add --kona-public-key` issues working Kona credentials; a member
    or registration of one partner does not exist for another."""
    import re
    import subprocess

    from conftest import BIN
    from jwcrypto import jwk

    key = jwk.JWK.generate(kty="RSA", size=2048)
    (tmp_path / "pub.pem").write_bytes(key.export_to_pem())
    (tmp_path / "priv.pem").write_bytes(key.export_to_pem(private_key=True, password=None))
    out = subprocess.run([BIN, "partner", "add", "--email", "second-kona@example.com",
                          "--kona-public-key", str(tmp_path / "pub.pem"), "--db", str(server.db)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    field = lambda name: re.search(rf"{name}: (\S+)", out.stdout).group(1)  # noqa: E731
    asp, access, secret, key_id = (field("X-KM-User-AspId"), field("X-KM-Access-Key"),
                                   field("Kona secret key"), field("X-KM-Crypto-Key-Id"))
    server_pub = out.stdout[out.stdout.index("-----BEGIN PUBLIC KEY-----"):
                            out.stdout.index("-----END PUBLIC KEY-----") + 24]
    assert len(asp) == 15 and len(access) == 40 and len(key_id) == 32

    first = for_server(server)
    uid = register_member(first)
    offset = server.admin("GET", "/sandbox/clock").json()["offset_ms"]
    second = Kona(server.url, None, asp_id=asp, access_key=access, secret=secret, key_id=key_id,
                  offset_ms=offset)
    ok(second.call("bankaccounts/banks", {}))
    fails(second.call("user/info", {"userId": uid}), "000_002",
          description="Invalid input parameter. userId")
    fails(second.call("bankaccounts/info", {"userId": uid}), "000_002")
    # Its own members work, and encrypted calls use its own key pair.
    enc = Kona(server.url, None, enc="A256GCM", asp_id=asp, access_key=access, secret=secret,
               key_id=key_id, offset_ms=offset)
    enc.server_pub = jwk.JWK.from_pem(server_pub.encode())
    enc.partner_priv = key
    own = register_member(enc)
    assert ok(enc.call("user/info", {"userId": own}), enc)["userInfo"]["aspId"] == asp
    # The sandbox partner's crypto key id is not this partner's.
    fails(second.call("bankaccounts/banks", {}, encrypt=False,
                      **{"X-KM-Crypto-Key-Id": CRYPTO_KEY_ID}), "000_105", status=401)


# -- regressions found in review --------------------------------------------------------

def test_second_registration_replaces_the_first(ars_server, ars):
    """Registering again replaces the member's account (this path once read a freed id
    and left the member stuck in ARS_AUTH_DONE for good)."""
    uid = register_member(ars)
    first = register_account(ars_server, ars, uid)
    second = register_account(ars_server, ars, uid)
    assert second != first
    info = ok(ars.call("bankaccounts/info", {"userId": uid}))
    assert info["accountInfo"]["bankAccRegNo"] == second
    # Still able to register a third time: nothing is left in progress.
    third = register_account(ars_server, ars, uid)
    assert ok(ars.call("bankaccounts/info", {"userId": uid}))["accountInfo"]["bankAccRegNo"] == third


def test_delete_and_auto_recharge_race_never_resurrects(ars_server, ars):
    """Changes to a registration are checked and made in the writer: when a delete
    answers success, the account stays deleted whatever ran beside it."""
    from concurrent.futures import ThreadPoolExecutor
    for _ in range(6):
        uid = register_member(ars)
        register_account(ars_server, ars, uid)
        clients = [for_server(ars_server), for_server(ars_server)]
        with ThreadPoolExecutor(max_workers=2) as ex:
            # Distinct bodies: two clients signing the same body in the same millisecond
            # make the same token, which the server rightly refuses as a replay.
            d = ex.submit(clients[0].call, "bankaccounts/delete", {"userId": uid, "n": 1})
            a = ex.submit(clients[1].call, "bankaccounts/as-rcg-svc/ars/register",
                          {"userId": uid, "n": 2})
            deleted, auto = d.result(), a.result()
        assert deleted.code == "000_000"
        assert auto.code in ("000_000", "007_001"), auto
        fails(ars.call("bankaccounts/info", {"userId": uid}), "007_001")
        fails(ars.call("bankaccounts/as-rcg-svc/ars/register", {"userId": uid}), "007_001")


# -- rate limit ------------------------------------------------------------------------

def test_rate_limit_per_access_key(make_server):
    """The per-credential rate limit of core/auth applies to Kona, in Kona's envelope."""
    s = make_server(["--sandbox", "--rate-limit", "1", "--rate-burst", "3"], name="rate")
    k = for_server(s)
    answers = [k.call("bankaccounts/banks", {}) for _ in range(6)]
    limited = [a for a in answers if a.status == 429]
    assert answers[0].status == 200, answers[0]
    assert limited, [a.status for a in answers]
    fails(limited[0], "000_429", status=429)
    assert limited[0].headers.get("Retry-After") == "1"
    assert limited[0].headers.get("X-KM-Correlation-Id")
    # A wrong access key is refused as such, not counted against the real one.
    fails(k.call("bankaccounts/banks", {}, X_KM_Access_Key="x" * 40), "000_101", status=401)


def test_unsigned_requests_do_not_spend_the_partners_limit(make_server):
    """Anyone who saw the access key (a plain header) could otherwise lock the partner out."""
    s = make_server(["--sandbox", "--rate-limit", "1", "--rate-burst", "3"], name="rate")
    k = for_server(s)
    for _ in range(10):
        fails(k.call("bankaccounts/banks", {}, secret="not-the-secret"), "000_102", status=401)
    assert ok(k.call("bankaccounts/banks", {}))["bankList"]
