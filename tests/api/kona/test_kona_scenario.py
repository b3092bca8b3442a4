"""A Konaplate integrator's whole scenario, black-box, with the portal's published test
data (kona-notes §9, §10): the portal's 김코나 registers, verifies and registers her bank
account over the (simulated) ARS call, registers the portal's physical card, charges it
from her account, pays the portal's merchant, reads the card's history, cancels the
payment in two parts and then the charge, whose money reaches her account the next KST
day. The money is checked at every step: the card's balance, the bank account's balance
and, at the end, `wonpay ledger verify` (conftest.Server.stop).

The client below is this module's own, written from the wire rules (kona-notes §2-§5):
it imports nothing of the server's nor tests/api/kona/kona_client.py. Runs plain, with
every call encrypted, and "as the public client" (only the calls kona-notes §4 lists as
encrypted are, with A256GCM)."""
import base64
import datetime
import hashlib
import hmac
import json
import secrets
import time

import pytest
import requests
from jwcrypto import jwe, jwk

ASP_ID = "KONASANDBOX0001"
ACCESS_KEY = "sandbox" + "0" * 33
SECRET = b"sandbox-secret-key"
CRYPTO_KEY_ID = "sandboxcryptokey0000000000000001"
KST = datetime.timezone(datetime.timedelta(hours=9))

KIM = {"userName": "김코나", "birthDate": "19751112"}
BANK, ACCOUNT = "003", "333015555557"
CARD = {"physicalCardNo": "9491339401250765", "physicalCardExpDate": "3108",
        "physicalCardCVC": "211"}
CARD_PAR = "Q180BEA3B2F1BBD8410336D66A4"
MERCHANT = "410195430033901"
TOKEN_PATH = "/api/v2/payment/generate/onetimetoken"
# kona-notes §4: what the public client encrypts (request, and registration's answer)
PUBLIC_CLIENT_ENCRYPTS = {"user/registration", "bankaccounts/user/valid", "bankaccounts/ars/auth",
                          "bankaccounts/ars/register", "prepay-card/physical/register",
                          TOKEN_PATH, "user/card/info", "payment/cancel/no-hce"}


class Konaplate:
    """A minimal Konaplate client: POST JSON with the X-KM-* headers, the tran token
    signed on the server's sandbox clock, optionally the body as a JWE."""

    def __init__(self, srv, enc=None, encrypts=None):
        self.srv, self.enc, self.encrypts = srv, enc, encrypts
        keys = srv.db.parent / "sandbox"
        self.server_pub = jwk.JWK.from_pem((keys / "kona-server-public.pem").read_bytes())
        self.partner_priv = jwk.JWK.from_pem((keys / "kona-partner-private.pem").read_bytes())
        self.last_ms = 0
        self.sync_clock()

    def sync_clock(self):
        self.offset_ms = self.srv.admin("GET", "/sandbox/clock").json()["offset_ms"]

    def now(self):
        ms = max(int(time.time() * 1000) + self.offset_ms, self.last_ms + 1)
        self.last_ms = ms  # a tran token is single-use: never two in one millisecond
        return datetime.datetime.fromtimestamp(ms / 1000, KST)

    def post(self, path, body):
        """(HTTP status, answer as JSON, decrypted if it came encrypted)."""
        encrypt = self.enc is not None and (self.encrypts is None or path in self.encrypts)
        raw = json.dumps(body, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json"}
        if encrypt:
            token = jwe.JWE(raw, json.dumps({"alg": "RSA-OAEP-256", "enc": self.enc}))
            token.add_recipient(self.server_pub)
            raw = json.dumps({"encData": token.serialize(compact=True)}).encode()
            headers["X-KM-Crypto-Key-Id"] = CRYPTO_KEY_ID
        now = self.now()
        mac = base64.b64encode(hmac.new(SECRET, raw, hashlib.sha256).digest()).decode()
        headers.update({
            "X-KM-User-AspId": ASP_ID, "X-KM-Access-Key": ACCESS_KEY,
            "X-KM-Correlation-Id": now.strftime("%y%m%d%H%M%S-") + secrets.token_hex(4)[:7],
            "X-KM-Tran-Time": now.strftime("%Y%m%d%H%M%S"), "X-KM-Time-Zone": "KST",
            "X-KM-Tran-Token": "KMV1:%s%03d:%s" % (now.strftime("%Y%m%d%H%M%S"),
                                                   now.microsecond // 1000, mac)})
        # the base a real client configures: https://sandbox.konaplate.com/open-api
        url = self.srv.url + "/open-api" + (path if path.startswith("/") else "/api/v1/" + path)
        r = requests.post(url, data=raw, headers=headers, timeout=30)
        assert r.headers.get("X-KM-Correlation-Id") == headers["X-KM-Correlation-Id"], r.headers
        out = r.json()
        assert ("encData" in out) == encrypt, (path, r.status_code, out)
        if encrypt:
            assert set(out) == {"encData"}, out
            token = jwe.JWE()
            token.deserialize(out["encData"], key=self.partner_priv)
            head = out["encData"].split(".")[0]
            protected = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
            assert protected == {**protected, "alg": "RSA-OAEP-256", "enc": self.enc}, protected
            assert r.headers.get("X-KM-Crypto-Key-Id") == CRYPTO_KEY_ID, r.headers
            out = json.loads(token.payload)
        return r.status_code, out

    def ok(self, path, body):
        status, out = self.post(path, body)
        assert status == 200 and out["response"] == {"code": "000_000",
                                                     "description": "Success."}, (path, out)
        return out

    def refused(self, path, body, code):
        status, out = self.post(path, body)
        assert status == 400 and out["response"]["code"] == code, (path, status, out)
        return out

    def token(self, card_no):
        out = self.ok(TOKEN_PATH, {"cardNo": card_no})
        assert len(out["oneTimeToken"]) == 16 and out["oneTimeToken"].isdigit(), out
        assert len(out["dcvv"]) == 3 and out["dcvv"].isdigit(), out
        return {"oneTimeToken": out["oneTimeToken"], "dcvv": out["dcvv"]}


def luhn_ok(number):
    digits = [int(c) for c in reversed(number)]
    total = sum(digits[0::2]) + sum(sum(divmod(2 * d, 10)) for d in digits[1::2])
    return total % 10 == 0


def bank_balance(srv):
    r = srv.admin("GET", f"/sandbox/bank-accounts/{BANK}/{ACCOUNT}")
    assert r.status_code == 200, r.text
    return r.json()["balance"]


def card_balance(kona):
    return kona.ok("user/card/info", {"cardNo": CARD["physicalCardNo"]})["balance"]


def result_of(kona, seq):
    return kona.ok("recharges/by-bank-account/result/inquiry", {"sequenceId": seq})["result"]


def wait_until(what, check, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not (got := check()):
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.1)
    return got


def kst_now(srv):
    return datetime.datetime.fromtimestamp(srv.admin("GET", "/sandbox/clock").json()["now_ms"]
                                           / 1000, KST)


@pytest.mark.parametrize("enc,encrypts", [(None, None), ("A128GCM", None),
                                          ("A256GCM", PUBLIC_CLIENT_ENCRYPTS)],
                         ids=["plain", "encrypted", "as-public-client"])
def test_portal_scenario(make_server, enc, encrypts):
    srv = make_server(["--sandbox", "--rate-limit", "0"]).avoid_bank_night()
    kona = Konaplate(srv, enc, encrypts)
    start = bank_balance(srv)
    assert start == 10_000_000  # the portal's 김코나 at 003: balance Y

    # 1. the portal's 김코나 becomes a member, with a mobile card
    member = kona.ok("user/registration", {
        "loginId": f"kona-{secrets.token_hex(6)}", "loginPassword": "135790",
        "nationality": "Korean", "gender": "Male", "mobileNumber": "01012345678",
        "email": "kona@example.com", "joinChannel": "OPENAPI", **KIM,
        "addressInfo": {"address": "서울특별시 중구 세종대로 110", "zipCode": "04524"},
        "tcIdList": [29184, 29186, 29187, 29188, 601151, 601152, 604150, 606153]})
    uid, mobile = member["userId"], member["basicCardInfo"]
    assert isinstance(uid, int) and uid > 0, member
    assert len(mobile["par"]) == 27 and len(mobile["serviceId"]) == 15, mobile
    assert len(mobile["cardNo"]) == 16 and mobile["cardNo"].isdigit(), mobile
    assert luhn_ok(mobile["cardNo"]) and len(mobile["expiryDate"]) == 6, mobile

    # 2. her bank account: holder check, ARS number, the call answered, registered
    account = {"userId": uid, **KIM, "bankCode": BANK, "bankAccount": ACCOUNT}
    kona.ok("bankaccounts/user/valid", account)
    auth = kona.ok("bankaccounts/ars/auth", {"userId": uid})["authNumber"]
    assert len(auth) == 2 and auth.isdigit(), auth
    reg_no = kona.ok("bankaccounts/ars/register", account)["bankAccRegNo"]
    r = srv.admin("POST", f"/sandbox/kona/ars/{reg_no}/answer", {"digits": auth})
    assert r.status_code == 200, r.text
    wait_until("BANK_ACC_REGISTERED", lambda: kona.ok(
        "bankaccounts/ars/register/inquiry", {"userId": uid, "regNo": reg_no}
    )["status"] == "BANK_ACC_REGISTERED")

    # 3. the portal's physical card
    physical = kona.ok("prepay-card/physical/register", {"userId": uid, **CARD})["basicCardInfo"]
    assert physical["par"] == CARD_PAR, physical

    # 4. charge it from her account
    charge_seq, charged = secrets.token_hex(8), 50_000
    charge = {"sequenceId": charge_seq, "userId": uid, "amount": charged,
              **kona.token(CARD["physicalCardNo"]), "merchantId": MERCHANT}
    out = kona.ok("recharges/by-bank-accounts/no-hce", charge)
    charge_nr = out["nrNumber"]
    assert out["isPending"] is False and charge_nr, out
    assert result_of(kona, charge_seq) == "COMPLETED"
    assert bank_balance(srv) == start - charged
    info = kona.ok("user/card/info", {"cardNo": CARD["physicalCardNo"]})
    assert info["userId"] == uid and info["balance"] == charged, info
    cards = kona.ok("user/card/list", {"userId": uid})["cardDataInfo"]
    assert sorted((c["par"], c["balance"]) for c in cards) == sorted(
        [(mobile["par"], 0), (CARD_PAR, charged)]), cards
    # the same sequenceId again: the first answer, no money moves; other fields: refused
    again = kona.ok("recharges/by-bank-accounts/no-hce", charge)
    assert again["nrNumber"] == charge_nr and again["isPending"] is False, again
    kona.refused("recharges/by-bank-accounts/no-hce", {**charge, "amount": charged + 1},
                 "000_002")
    assert bank_balance(srv) == start - charged and card_balance(kona) == charged

    # 5. pay the portal's merchant
    paid = 20_000
    out = kona.ok("payment/no-hce", {**kona.token(CARD["physicalCardNo"]), "amount": paid,
                                     "merchantId": MERCHANT, "channel": "OPENAPI",
                                     "transactionId": secrets.token_hex(10)})
    pay_nr = out["nrNumber"]
    assert pay_nr and pay_nr != charge_nr, out
    assert card_balance(kona) == charged - paid
    assert bank_balance(srv) == start - charged

    # 6. the card's history today (KST, on the server's clock), newest first
    today = kona.now().strftime("%Y%m%d")
    history = {"par": CARD_PAR, "startDate": today, "endDate": today, "userId": uid,
               "pageRequest": {"page": 0, "pageSize": 20, "sort": "approvalDateTime",
                               "orderByDirection": "DESC"}}
    rows = kona.ok("transaction/card", history)["transactionList"]
    assert [(t["trType"], t["nrNumber"], t["amount"], t["balanceAfter"]) for t in rows] == [
        ("00", pay_nr, paid, charged - paid), ("01", charge_nr, charged, charged)], rows
    assert rows[0]["merchantId"] == MERCHANT, rows

    # 7. the payment cancelled in two parts; a third is refused
    cancel = {"cardNo": CARD["physicalCardNo"], "nrNumber": pay_nr, "merchantId": MERCHANT,
              "channel": "OPENAPI"}
    out = kona.ok("payment/cancel/no-hce", {**cancel, "amount": 5_000})
    assert (out["cancelAmount"], out["remainAmount"]) == (5_000, paid - 5_000), out
    assert card_balance(kona) == charged - paid + 5_000
    out = kona.ok("payment/cancel/no-hce", {**cancel, "amount": paid - 5_000})
    assert (out["cancelAmount"], out["remainAmount"]) == (paid - 5_000, 0), out
    assert card_balance(kona) == charged
    kona.refused("payment/cancel/no-hce", {**cancel, "amount": 1}, "007_030")
    assert card_balance(kona) == charged and bank_balance(srv) == start - charged
    rows = kona.ok("transaction/card", history)["transactionList"]
    assert [(t["trType"], t["amount"], t["balanceAfter"]) for t in rows] == [
        ("02", paid - 5_000, charged), ("02", 5_000, charged - paid + 5_000),
        ("00", paid, charged - paid), ("01", charged, charged)], rows

    # 8. the charge cancelled: off the card at once, into her account the next KST day
    cancel_seq = secrets.token_hex(8)
    charge_cancel = {"sequenceId": cancel_seq, "userId": uid, "nrNumber": charge_nr,
                     **kona.token(CARD["physicalCardNo"])}
    out = kona.ok("recharges/by-bank-accounts/no-hce/cancel", charge_cancel)
    cancel_nr = out["nrNumber"]
    assert out["isPending"] is True and cancel_nr not in (charge_nr, pay_nr), out
    assert card_balance(kona) == 0
    rows = kona.ok("transaction/card", history)["transactionList"]
    assert (rows[0]["nrNumber"], abs(rows[0]["amount"]), rows[0]["balanceAfter"]) == (
        cancel_nr, charged, 0) and len(rows) == 5, rows
    assert result_of(kona, cancel_seq) == "PENDING"
    assert result_of(kona, charge_seq) == "COMPLETED"
    assert bank_balance(srv) == start - charged
    # not twice (its sequenceId again: the first answer); the charge's again moves nothing
    again = kona.ok("recharges/by-bank-accounts/no-hce/cancel", charge_cancel)
    assert (again["nrNumber"], again["isPending"]) == (cancel_nr, True), again
    kona.refused("recharges/by-bank-accounts/no-hce/cancel", {
        "sequenceId": secrets.token_hex(8), "userId": uid, "nrNumber": charge_nr,
        **kona.token(CARD["physicalCardNo"])}, "007_030")
    assert kona.ok("recharges/by-bank-accounts/no-hce", charge)["nrNumber"] == charge_nr
    assert card_balance(kona) == 0 and bank_balance(srv) == start - charged
    now = kst_now(srv)
    next_day = (now + datetime.timedelta(days=1)).replace(hour=2, minute=0, second=0,
                                                          microsecond=0)
    r = srv.admin("POST", "/sandbox/clock",
                  {"advance_seconds": int((next_day - now).total_seconds())})
    assert r.status_code == 200, r.text
    kona.sync_clock()
    wait_until("the charge cancel COMPLETED", lambda: result_of(kona, cancel_seq) == "COMPLETED")
    wait_until("the money back in the bank", lambda: bank_balance(srv) == start)
    assert card_balance(kona) == 0
    cards = kona.ok("user/card/list", {"userId": uid})["cardDataInfo"]
    assert sorted(c["balance"] for c in cards) == [0, 0], cards

    # 9. stopped: exit 0, no sanitizer report, `wonpay ledger verify` (debits = credits)
    srv.stop()
