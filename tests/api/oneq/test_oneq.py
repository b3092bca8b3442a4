"""OneQ Pay (원큐페이), black-box, as a merchant and a shopper would use it.

Written from the provider document (specs/oneq-pay-api.txt: the contract) and the
README's "OneQ Pay" section (wonpay's choices: error codes, cancel/order, the pages,
the sandbox merchant TC0ONETIME and shopper 123456789012 / PIN 123456). The shopper's
side is driven through the JSON calls the pages themselves make
(POST /pay/oneq/api/step|confirm|state with the tid and key of the page URL).
Nothing here reads the server's code. Servers are stopped and checked (exit 0, no
sanitizer report, `wonpay ledger verify`) by conftest.
"""
import random
import re
import subprocess
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl, urlparse

import pytest
import requests

from conftest import BIN, Server, database

FORM = {"Content-Type": "application/x-www-form-urlencoded;charset=utf-8"}
TIME = re.compile(r"^\d{4}\.\d{2}\.\d{2} \d{2}:\d{2}:\d{2}$")
KST = timezone(timedelta(hours=9))
SANDBOX_CID = "TC0ONETIME"
SHOPPER, PIN = "123456789012", "123456"
INT64_MAX = 9223372036854775807

# README's table: error_code -> (method_result_code, HTTP status)
CODES = {
    -401: ("INVALID_PARAMETER", 400), -402: ("MERCHANT_NOT_FOUND", 400),
    -404: ("PAYMENT_NOT_FOUND", 400), -405: ("DUPLICATE_ORDER", 400),
    -406: ("PAYMENT_MISMATCH", 400), -780: ("PAYMENT_NOT_CONFIRMED", 400),
    -781: ("PAYMENT_CLOSED", 400), -782: ("PAYMENT_EXPIRED", 400),
    -783: ("INVALID_PG_TOKEN", 400), -790: ("PAYMENT_NOT_APPROVED", 400),
    -791: ("CANCEL_AMOUNT_EXCEEDED", 400), -801: ("WRONG_PASSWORD", 400),
    -802: ("USER_LOCKED", 400), -803: ("INSUFFICIENT_BALANCE", 400),
    -804: ("BANK_ERROR", 400), -805: ("INVALID_STATE", 400),
    -413: ("PAYLOAD_TOO_LARGE", 413), -403: ("UNAUTHORIZED", 401),
}

# The document's response fields, in the document's order
AFFILIATION_FIELDS = ["cid", "created_at", "category_cd", "approved_at"]
READY_FIELDS = ["tid", "next_redirect_url", "android_app_scheme", "approved_at"]
APPROVE_FIELDS = ["tid", "cid", "order_id", "member_id", "payment_method_type", "item_name",
                  "amount", "tran_dt"]


# ---------------------------------------------------------------- helpers

def form(srv, path, data, **kw):
    r = requests.post(srv.url + path, data=data, headers=FORM, timeout=30, **kw)
    assert r.headers.get("Content-Type", "").lower().replace(" ", "").startswith(
        "application/json;charset=utf-8"), (r.status_code, r.headers, r.text)
    return r


def expect_error(r, code, *words):
    """KakaoPay's error shape, the README's code, HTTP status and a message naming words."""
    method_code, http = CODES[code]
    assert r.status_code == http, (r.status_code, r.text)
    body = r.json()
    assert body.get("error_code") == code, body
    assert isinstance(body.get("error_message"), str) and body["error_message"], body
    extras = body.get("extras")
    assert isinstance(extras, dict), body
    assert extras.get("method_result_code") == method_code, body
    message = extras.get("method_result_message")
    assert isinstance(message, str) and message, body
    for w in words:
        assert w in message, (w, body)
    return body


def biz_no(rng=random, hyphens=True):
    """A business registration number whose check digit holds."""
    d = [rng.randrange(10) for _ in range(9)]
    d[0] = d[0] or 1
    w = [1, 3, 7, 1, 3, 7, 1, 3, 5]
    s = sum(a * b for a, b in zip(d, w)) + d[8] * 5 // 10
    d.append((10 - s % 10) % 10)
    n = "".join(map(str, d))
    return f"{n[:3]}-{n[3:5]}-{n[5:]}" if hyphens else n


def wrong_check_digit(no):
    digits = no.replace("-", "")
    last = str((int(digits[-1]) + 1) % 10)
    return no[:-1] + last


def affiliation_body(**over):
    body = {"business_no": biz_no(), "opponent_name": "고구마피자",
            "store_phone": "02-1234-5678", "store_address1": "서울특별시 중구",
            "store_address2": "을지로 35", "post_no": "04524"}
    body.update(over)
    return {k: v for k, v in body.items() if v is not None}


def affiliate(srv, **over):
    r = form(srv, "/pay/store/token", affiliation_body(**over))
    assert r.status_code == 200, r.text
    return r.json()


def oid():
    return "order-" + uuid.uuid4().hex[:16]


def ready_body(**over):
    body = {"cid": SANDBOX_CID, "category_cd": "552101", "opponent_name": "고구마피자",
            "item_name": "고구마피자", "item_code": "P-1", "member_id": "member_id",
            "order_id": oid(), "quantity": "1", "amount": "16000",
            "bank_acct_num": SHOPPER, "bank_acct_alias": "하나 통장", "balance": "1000000",
            "approval_url": "http://127.0.0.1:9/approved",
            "cancel_url": "http://127.0.0.1:9/cancelled",
            "fail_url": "http://127.0.0.1:9/failed"}
    body.update(over)
    return {k: v for k, v in body.items() if v is not None}


class Payment:
    def __init__(self, srv, fields, answer):
        self.srv, self.fields, self.answer = srv, fields, answer
        self.tid = answer["tid"]
        q = dict(parse_qsl(urlparse(answer["android_app_scheme"]).query))
        self.key = q["key"]
        assert q["tid"] == self.tid, answer

    def page(self, what, **body):
        r = requests.post(self.srv.url + "/pay/oneq/api/" + what,
                          json={"tid": self.tid, "key": self.key, **body}, timeout=30)
        return r

    def step(self, name):
        return self.page("step", step=name)

    def confirm(self, pin=PIN, method="MONEY"):
        return self.page("confirm", method=method, pin=pin)

    def state(self):
        r = self.page("state")
        assert r.status_code == 200, r.text
        return r.json()

    def to_pin(self):
        for name in ("open", "next"):
            r = self.step(name)
            assert r.status_code == 200, r.text
        return self

    def pay(self, method="MONEY", pin=PIN):
        """다음, the method and the PIN: the page's calls; answers the confirm's JSON."""
        self.to_pin()
        r = self.confirm(pin, method)
        assert r.status_code == 200, r.text
        return r.json()

    def approve_body(self, **over):
        f = self.fields
        body = {"cid": f["cid"], "order_id": f["order_id"], "category_cd": f["category_cd"],
                "opponent_name": f["opponent_name"], "item_name": f["item_name"],
                "member_id": f["member_id"], "amount": f["amount"],
                "tran_dt": "2016.11.15 21:18:22"}
        body.update(over)
        return {k: v for k, v in body.items() if v is not None}

    def approve(self, **over):
        return form(self.srv, "/pay/success", self.approve_body(**over))

    def order(self, cid=None):
        r = form(self.srv, "/pay/order", {"cid": cid or self.fields["cid"], "tid": self.tid})
        assert r.status_code == 200, r.text
        return r.json()

    def status(self):
        return self.order()["status"]

    def cancel(self, amount, **over):
        body = {"cid": self.fields["cid"], "tid": self.tid, "cancel_amount": str(amount),
                "cancel_tax_free_amount": "0"}
        body.update(over)
        return form(self.srv, "/pay/cancel", {k: v for k, v in body.items() if v is not None})


def ready(srv, **over):
    fields = ready_body(**over)
    r = form(srv, "/pay", fields)
    assert r.status_code == 200, r.text
    return Payment(srv, fields, r.json())


def shopper(srv, money, bank_balance=None, pin=PIN):
    """A new shopper (its own registered account and 하나머니 wallet)."""
    acct = "7" + "".join(random.choice("0123456789") for _ in range(11))
    body = {"bank_acct_num": acct, "bank_code": "081", "holder_name": "김테스트", "pin": pin,
            "bank_balance": bank_balance if bank_balance is not None else money + 100_000,
            "money": money}
    r = srv.admin("POST", "/sandbox/oneq/shoppers", body)
    assert r.status_code in (200, 201), r.text
    return acct


def wallet(srv, acct):
    """The 하나머니 balance as the mobile page of a new payment shows it."""
    p = ready(srv, bank_acct_num=acct, amount="1", quantity="1")
    html = requests.get(p.answer["android_app_scheme"], timeout=30).text
    m = re.search(r'id="balance"[^>]*>[^<0-9]*([\d,]+)\s*원', html)
    assert m, html
    return int(m.group(1).replace(",", ""))


def bank_balance(srv, acct, bank="081"):
    r = srv.admin("GET", f"/sandbox/bank-accounts/{bank}/{acct}")
    assert r.status_code == 200, r.text
    return r.json()["balance"]


def kst_now(srv):
    now_ms = srv.admin("GET", "/sandbox/clock").json()["now_ms"]
    return datetime.fromtimestamp(now_ms / 1000, KST).replace(tzinfo=None)


def near_now(srv, text, slack_s=120):
    assert TIME.match(text), text
    t = datetime.strptime(text, "%Y.%m.%d %H:%M:%S")
    assert abs((t - kst_now(srv)).total_seconds()) <= slack_s, (text, kst_now(srv))


def advance(srv, seconds):
    r = srv.admin("POST", "/sandbox/clock", {"advance_seconds": seconds})
    assert r.status_code == 200, r.text


@pytest.fixture(scope="module", autouse=True)
def bank_hours(server):
    """Shoppers' wallets are charged from their bank accounts: keep out of the banks'
    nightly maintenance (23:30-00:30 KST) on the shared server."""
    server.avoid_bank_night()


# ---------------------------------------------------------------- affiliation

def test_affiliation_answers_the_documents_fields(server):
    r = form(server, "/pay/store/token", affiliation_body(business_no=biz_no()))
    assert r.status_code == 200, r.text
    body = r.json()
    assert list(body) == AFFILIATION_FIELDS, body
    assert isinstance(body["cid"], str) and len(body["cid"]) == 10, body
    assert isinstance(body["category_cd"], int) and not isinstance(body["category_cd"], bool)
    near_now(server, body["created_at"])
    near_now(server, body["approved_at"])
    assert body["approved_at"] >= body["created_at"]


def test_affiliation_same_business_no_same_cid(server):
    no = biz_no()
    first = affiliate(server, business_no=no)
    again = affiliate(server, business_no=no)
    assert again["cid"] == first["cid"], (first, again)
    # the same number without its hyphens is the same business
    bare = affiliate(server, business_no=no.replace("-", ""))
    assert bare["cid"] == first["cid"], (first, bare)
    other = affiliate(server, business_no=biz_no())
    assert other["cid"] != first["cid"]


def test_affiliation_without_post_no_and_korean_at_the_limits(server):
    body = affiliation_body(post_no=None, opponent_name="가" * 100,
                            store_address1="서" * 200, store_address2="울" * 200)
    r = form(server, "/pay/store/token", body)
    assert r.status_code == 200, r.text
    assert len(r.json()["cid"]) == 10


@pytest.mark.parametrize("no", ["1234567890", "123-45-67890", "220-81-62516"])
def test_affiliation_wrong_check_digit(server, no):
    # 123-45-6789[1] and 220-81-6251[7] are the valid ones
    expect_error(form(server, "/pay/store/token", affiliation_body(business_no=no)),
                 -401, "business_no")


def test_affiliation_wrong_check_digit_of_a_generated_number(server):
    good = biz_no()
    assert form(server, "/pay/store/token",
                affiliation_body(business_no=good)).status_code == 200
    expect_error(form(server, "/pay/store/token",
                      affiliation_body(business_no=wrong_check_digit(good))),
                 -401, "business_no")


@pytest.mark.parametrize("field", ["business_no", "opponent_name", "store_phone",
                                   "store_address1", "store_address2"])
@pytest.mark.parametrize("how", ["missing", "empty"])
def test_affiliation_required_fields(server, field, how):
    body = affiliation_body(**{field: None if how == "missing" else ""})
    expect_error(form(server, "/pay/store/token", body), -401, field)


@pytest.mark.parametrize("field,value", [
    ("business_no", "123-45-67891-000"),       # 16 characters
    ("business_no", "abc-de-fghij"),
    ("business_no", "123456789"),               # 9 digits
    ("opponent_name", "가" * 101),
    ("store_phone", "0" * 21),
    ("store_address1", "서" * 201),
    ("store_address2", "울" * 201),
    ("post_no", "1234"),
    ("post_no", "123456"),
    ("post_no", "abcde"),
    ("post_no", "1234가"),
])
def test_affiliation_refusals_name_the_field(server, field, value):
    expect_error(form(server, "/pay/store/token", affiliation_body(**{field: value})),
                 -401, field)


# ---------------------------------------------------------------- ready

def test_ready_answers_the_documents_fields(server):
    merchant = affiliate(server)
    fields = ready_body(cid=merchant["cid"])
    r = form(server, "/pay", fields)
    assert r.status_code == 200, r.text
    body = r.json()
    assert list(body) == READY_FIELDS, body
    # the sample sends tid as a string; the README: 18 digits
    assert isinstance(body["tid"], str) and re.fullmatch(r"\d{18}", body["tid"]), body
    for name in ("next_redirect_url", "android_app_scheme"):
        u = urlparse(body[name])
        assert u.scheme == "http" and body[name].startswith(server.url + "/"), body
        q = dict(parse_qsl(u.query))
        assert q.get("tid") == body["tid"] and len(q.get("key", "")) == 24, body
    assert body["next_redirect_url"] != body["android_app_scheme"]
    # "제휴 승인 시각": the merchant's affiliation approval time
    assert body["approved_at"] == merchant["approved_at"], (body, merchant)
    for page in ("next_redirect_url", "android_app_scheme"):
        g = requests.get(body[page], timeout=30)
        assert g.status_code == 200 and "text/html" in g.headers["Content-Type"], g.text[:300]


def test_ready_sandbox_merchant_both_spellings(server):
    ready(server, cid="TC0ONETIME")
    p = ready(server, cid="TC00NETIME")
    assert p.tid.isdigit()


REQUIRED_READY = ["cid", "category_cd", "opponent_name", "item_name", "member_id", "order_id",
                  "quantity", "amount", "bank_acct_num", "balance", "approval_url",
                  "cancel_url", "fail_url"]


@pytest.mark.parametrize("field", REQUIRED_READY)
@pytest.mark.parametrize("how", ["missing", "empty"])
def test_ready_required_fields(server, field, how):
    body = ready_body(**{field: None if how == "missing" else ""})
    expect_error(form(server, "/pay", body), -401, field)


@pytest.mark.parametrize("field,limit", [
    ("cid", 10), ("opponent_name", 100), ("item_name", 200), ("item_code", 100),
    ("member_id", 100), ("order_id", 100), ("payment_method_type", 10),
    ("bank_acct_num", 12), ("bank_acct_alias", 50),
])
def test_ready_too_long(server, field, limit):
    value = ("가" * (limit + 1)) if field not in ("cid", "bank_acct_num") else "1" * (limit + 1)
    expect_error(form(server, "/pay", ready_body(**{field: value})), -401, field)


def test_ready_lengths_count_characters_not_bytes(server):
    p = ready(server, opponent_name="가" * 100, item_name="나" * 200, item_code="다" * 100,
              member_id="라" * 100, order_id="주문" * 40 + uuid.uuid4().hex[:20],
              bank_acct_alias="마" * 50)
    assert len(p.fields["order_id"]) == 100
    order = p.order()
    assert order["item_name"] == "나" * 200 and order["member_id"] == "라" * 100


@pytest.mark.parametrize("field,value", [
    ("category_cd", "abc"), ("category_cd", "1.5"), ("category_cd", "552101x"),
    ("quantity", "one"), ("quantity", "1.0"), ("quantity", "0"), ("quantity", "-1"),
    ("amount", "16,000"), ("amount", "1e4"), ("amount", "0"), ("amount", "-16000"),
    ("amount", "9223372036854775808"), ("amount", "99999999999999999999999"),
    ("balance", "abc"), ("balance", "-1"),
    ("balance", "9223372036854775808"),
])
def test_ready_wrong_numbers(server, field, value):
    expect_error(form(server, "/pay", ready_body(**{field: value})), -401, field)


def test_ready_amount_below_quantity(server):
    expect_error(form(server, "/pay", ready_body(quantity="5", amount="4")), -401, "amount")
    ready(server, quantity="5", amount="5")


def test_ready_int64_max_amount_is_not_a_crash(server):
    r = form(server, "/pay", ready_body(amount=str(INT64_MAX)))
    assert r.status_code in (200, 400), r.text
    if r.status_code == 400:
        expect_error(r, -401, "amount")


@pytest.mark.parametrize("value", ["CARD", "계좌이체", "money", "ACCOUNT"])
def test_ready_payment_method_type_other_than_the_two(server, value):
    expect_error(form(server, "/pay", ready_body(payment_method_type=value)), -401,
                 "payment_method_type")


@pytest.mark.parametrize("value", ["계좌", "MONEY"])
def test_ready_payment_method_type_accepted(server, value):
    ready(server, payment_method_type=value)


@pytest.mark.parametrize("field", ["approval_url", "cancel_url", "fail_url"])
@pytest.mark.parametrize("value", [
    "ftp://127.0.0.1/a", "/approved", "127.0.0.1:9000/a", "javascript:alert(1)", "http://",
    "https//shop.example/a", "http://shop.example/" + "a" * 236,  # 256 characters
    "http://shop.example/a\r\nSet-Cookie: x=1",
])
def test_ready_urls_must_be_absolute_http(server, field, value):
    expect_error(form(server, "/pay", ready_body(**{field: value})), -401, field)


def test_ready_urls_of_255_characters_and_https(server):
    url = "https://shop.example/" + "a" * (255 - len("https://shop.example/"))
    assert len(url) == 255
    ready(server, approval_url=url, cancel_url=url, fail_url=url)


def test_ready_same_order_same_fields_same_tid(server):
    fields = ready_body()
    first = form(server, "/pay", fields)
    again = form(server, "/pay", fields)
    assert first.status_code == again.status_code == 200, (first.text, again.text)
    assert again.json()["tid"] == first.json()["tid"]
    assert again.json() == first.json()


@pytest.mark.parametrize("field,value", [("amount", "17000"), ("item_name", "감자피자"),
                                         ("member_id", "someone"), ("quantity", "2")])
def test_ready_same_order_other_fields_refused(server, field, value):
    fields = ready_body()
    first = form(server, "/pay", fields)
    assert first.status_code == 200, first.text
    expect_error(form(server, "/pay", dict(fields, **{field: value})), -405, "order_id")
    # the first payment is untouched
    again = form(server, "/pay", fields)
    assert again.status_code == 200 and again.json()["tid"] == first.json()["tid"]


def test_ready_order_id_is_per_merchant(server):
    merchant = affiliate(server)
    order_id = oid()
    a = ready(server, order_id=order_id)
    b = ready(server, order_id=order_id, cid=merchant["cid"])
    assert a.tid != b.tid


def test_ready_unknown_merchant(server):
    expect_error(form(server, "/pay", ready_body(cid="ZZZZZZZZZZ")), -402, "cid")


def test_ready_same_order_concurrently_one_payment(server):
    fields = ready_body()
    barrier = threading.Barrier(20)

    def go(_):
        barrier.wait()
        return form(server, "/pay", fields)

    with ThreadPoolExecutor(max_workers=20) as ex:
        answers = list(ex.map(go, range(20)))
    assert all(r.status_code == 200 for r in answers), [r.text for r in answers]
    assert len({r.json()["tid"] for r in answers}) == 1, [r.text for r in answers]


def test_ready_tid_unique(server):
    tids = {ready(server).tid for _ in range(10)}
    assert len(tids) == 10


# ---------------------------------------------------------------- the shopper and approve

def test_page_steps_keep_the_server_alive(make_server):
    """The shopper's first page call (open) on a server of its own: the server answers
    and then stops cleanly (exit 0, no sanitizer report: checked by conftest)."""
    srv = make_server(["--sandbox", "--rate-limit", "0"])
    p = ready(srv)
    r = p.step("open")
    assert r.status_code == 200 and r.json()["status"] == "OPEN_PAYMENT", r.text
    assert requests.get(srv.url + "/health", timeout=10).status_code == 200
    srv.stop()


def test_full_money_flow_statuses_and_approve(server):
    merchant = affiliate(server)
    acct = shopper(server, money=50_000)
    assert wallet(server, acct) == 50_000
    p = ready(server, cid=merchant["cid"], bank_acct_num=acct, amount="16000",
              approval_url="http://127.0.0.1:9/approved?shop=1")
    assert p.status() == "READY"
    expect_error(p.approve(), -780, "PIN")
    assert p.step("open").json()["status"] == "OPEN_PAYMENT"
    assert p.status() == "OPEN_PAYMENT"
    assert p.step("next").json()["status"] == "SELECT_METHOD"
    assert p.status() == "SELECT_METHOD"
    expect_error(p.approve(), -780)
    r = p.confirm()
    assert r.status_code == 200, r.text
    state = r.json()
    assert state["status"] == "AUTH_PASSWORD"
    assert p.status() == "AUTH_PASSWORD"
    redirect = urlparse(state["redirect"])
    assert state["redirect"].startswith("http://127.0.0.1:9/approved?"), state
    q = dict(parse_qsl(redirect.query))
    assert q["shop"] == "1" and q["tid"] == p.tid and q["pg_token"], state
    assert p.state()["redirect"] == state["redirect"]
    # the amount is held from the wallet
    assert wallet(server, acct) == 50_000 - 16_000

    r = p.approve(pg_token=q["pg_token"], tran_dt="2024.01.02 03:04:05")
    assert r.status_code == 200, r.text
    body = r.json()
    assert list(body) == APPROVE_FIELDS, body
    assert body == {"tid": p.tid, "cid": merchant["cid"], "order_id": p.fields["order_id"],
                    "member_id": "member_id", "payment_method_type": "MONEY",
                    "item_name": "고구마피자", "amount": 16000,
                    "tran_dt": "2024.01.02 03:04:05"}, body
    order = p.order()
    assert order["status"] == "SUCCESS_PAYMENT", order
    assert order["amount"] == 16000 and order["cancel_available_amount"] == 16000
    assert [a["payment_action_type"] for a in order["payment_action_details"]] == ["PAYMENT"]
    assert order["payment_action_details"][0]["amount"] == 16000
    assert wallet(server, acct) == 50_000 - 16_000


def test_approve_twice_answers_the_first(server):
    p = ready(server)
    p.pay()
    first = p.approve()
    assert first.status_code == 200, first.text
    again = p.approve()
    assert again.status_code == 200 and again.json() == first.json(), again.text
    later = p.approve(tran_dt="2030.01.01 00:00:00")
    assert later.status_code == 200 and later.json() == first.json(), later.text
    assert len(p.order()["payment_action_details"]) == 1


def test_approve_without_pg_token_is_allowed(server):
    # the document's approve has no token; the README: checked only when sent
    p = ready(server)
    p.pay()
    assert p.approve().status_code == 200


@pytest.mark.parametrize("field,value", [("amount", "15999"), ("amount", "16001"),
                                         ("item_name", "감자피자"), ("member_id", "other"),
                                         ("category_cd", "521912")])
def test_approve_mismatch(server, field, value):
    p = ready(server)
    p.pay()
    expect_error(p.approve(**{field: value}), -406, field)
    assert p.status() == "AUTH_PASSWORD"
    assert p.approve().status_code == 200


def test_approve_wrong_pg_token(server):
    p = ready(server)
    token = dict(parse_qsl(urlparse(p.pay()["redirect"]).query))["pg_token"]
    expect_error(p.approve(pg_token=token[:-1] + ("A" if token[-1] != "A" else "B")),
                 -783, "pg_token")
    expect_error(p.approve(pg_token="x"), -783, "pg_token")
    assert p.status() == "AUTH_PASSWORD"
    assert p.approve(pg_token=token).status_code == 200


@pytest.mark.parametrize("field", ["cid", "order_id", "category_cd", "item_name", "member_id",
                                   "amount", "tran_dt"])
def test_approve_required_fields(server, field):
    p = ready(server)
    p.pay()
    expect_error(p.approve(**{field: None}), -401, field)
    assert p.status() == "AUTH_PASSWORD"


@pytest.mark.parametrize("field,value", [("order_id", "o" * 101), ("tran_dt", "2" * 21),
                                         ("amount", "abc"), ("category_cd", "x"),
                                         ("opponent_name", "가" * 101)])
def test_approve_bad_fields(server, field, value):
    p = ready(server)
    p.pay()
    expect_error(p.approve(**{field: value}), -401, field)


def test_approve_unknown_order_and_merchant(server):
    p = ready(server)
    p.pay()
    expect_error(p.approve(order_id=oid()), -404, "order_id")
    # another merchant cannot approve it
    other = affiliate(server)
    expect_error(p.approve(cid=other["cid"]), -404)
    assert p.status() == "AUTH_PASSWORD"


@pytest.mark.parametrize("call", ["approve", "order", "cancel"])
def test_unknown_merchant_is_402_everywhere(server, call):
    """README: -402 MERCHANT_NOT_FOUND when `cid` is not a merchant (as ready answers)."""
    p = ready(server)
    p.pay()
    if call == "approve":
        r = p.approve(cid="ZZZZZZZZZZ")
    elif call == "order":
        r = form(server, "/pay/order", {"cid": "ZZZZZZZZZZ", "tid": p.tid})
    else:
        assert p.approve().status_code == 200
        r = p.cancel(1000, cid="ZZZZZZZZZZ")
    expect_error(r, -402, "cid")


def test_order_and_cancel_need_the_payments_merchant(server):
    p = ready(server)
    p.pay()
    assert p.approve().status_code == 200
    other = affiliate(server)
    expect_error(form(server, "/pay/order", {"cid": other["cid"], "tid": p.tid}), -404)
    expect_error(p.cancel(1000, cid=other["cid"]), -404)
    expect_error(form(server, "/pay/order", {"cid": SANDBOX_CID, "tid": "1" * 18}), -404)
    assert p.order()["cancel_available_amount"] == 16000


# ---------------------------------------------------------------- cancel

def test_cancel_partial_then_full_refunds_the_wallet(server):
    acct = shopper(server, money=40_000)
    p = ready(server, bank_acct_num=acct, amount="30000", quantity="3")
    p.pay()
    assert p.approve().status_code == 200
    assert wallet(server, acct) == 10_000

    r = p.cancel(10_000)
    assert r.status_code == 200, r.text
    c = r.json()
    assert c["status"] == "PART_CANCEL_PAYMENT", c
    assert (c["amount"], c["approved_cancel_amount"], c["canceled_amount"],
            c["cancel_available_amount"]) == (30_000, 10_000, 10_000, 20_000), c
    assert c["tid"] == p.tid and c["cid"] == SANDBOX_CID
    assert wallet(server, acct) == 20_000

    expect_error(p.cancel(20_001), -791, "cancel_amount")
    expect_error(p.cancel(5000, cancel_available_amount="25000"), -406,
                 "cancel_available_amount")
    assert p.status() == "PART_CANCEL_PAYMENT"

    r = p.cancel(20_000, cancel_available_amount="20000")
    assert r.status_code == 200, r.text
    c = r.json()
    assert c["status"] == "CANCEL_PAYMENT", c
    assert (c["approved_cancel_amount"], c["canceled_amount"],
            c["cancel_available_amount"]) == (20_000, 30_000, 0), c
    assert wallet(server, acct) == 40_000
    expect_error(p.cancel(1), -791)

    order = p.order()
    assert order["status"] == "CANCEL_PAYMENT"
    acts = [(a["payment_action_type"], a["amount"]) for a in order["payment_action_details"]]
    assert acts == [("PAYMENT", 30_000), ("CANCEL", 10_000), ("CANCEL", 20_000)], order
    for a in order["payment_action_details"]:
        assert TIME.match(a["approved_at"]), a
    assert order["canceled_amount"] == 30_000 and order["cancel_available_amount"] == 0
    assert TIME.match(order["canceled_at"]) and TIME.match(order["approved_at"]), order


def test_cancel_huge_amounts(server):
    p = ready(server)
    p.pay()
    assert p.approve().status_code == 200
    expect_error(p.cancel(INT64_MAX), -791, "cancel_amount")
    expect_error(p.cancel(INT64_MAX + 1), -401, "cancel_amount")
    assert p.order()["cancel_available_amount"] == 16000


def test_concurrent_approves_post_once(server):
    acct = shopper(server, money=50_000)
    p = ready(server, bank_acct_num=acct, amount="10000")
    p.pay()
    barrier = threading.Barrier(20)

    def go(_):
        barrier.wait()
        return p.approve()

    with ThreadPoolExecutor(max_workers=20) as ex:
        answers = list(ex.map(go, range(20)))
    assert all(r.status_code == 200 for r in answers), [r.text for r in answers]
    assert len({r.text for r in answers}) == 1
    order = p.order()
    assert [a["payment_action_type"] for a in order["payment_action_details"]] == ["PAYMENT"]
    assert wallet(server, acct) == 40_000


def test_concurrent_cancels_never_refund_more(server):
    acct = shopper(server, money=50_000)
    p = ready(server, bank_acct_num=acct, amount="10000")
    p.pay()
    assert p.approve().status_code == 200
    assert wallet(server, acct) == 40_000
    barrier = threading.Barrier(30)

    def go(_):
        barrier.wait()
        return p.cancel(1000)

    with ThreadPoolExecutor(max_workers=30) as ex:
        answers = list(ex.map(go, range(30)))
    ok = [r for r in answers if r.status_code == 200]
    assert len(ok) == 10, [r.text for r in answers][:5]
    for r in answers:
        if r.status_code != 200:
            expect_error(r, -791)
    order = p.order()
    assert order["status"] == "CANCEL_PAYMENT" and order["canceled_amount"] == 10_000
    assert len(order["payment_action_details"]) == 11
    assert wallet(server, acct) == 50_000


def test_at_most_100_cancels(server):
    p = ready(server, amount="200")
    p.pay()
    assert p.approve().status_code == 200
    for i in range(100):
        r = p.cancel(1)
        assert r.status_code == 200, (i, r.text)
    expect_error(p.cancel(1), -791)
    order = p.order()
    assert order["canceled_amount"] == 100 and order["cancel_available_amount"] == 100
    assert order["status"] == "PART_CANCEL_PAYMENT"


def test_cancel_before_approval(server):
    p = ready(server)
    expect_error(p.cancel(1000), -790)
    p.pay()
    expect_error(p.cancel(1000), -790)
    assert p.status() == "AUTH_PASSWORD"


@pytest.mark.parametrize("value", ["0", "-1", "abc", None])
def test_cancel_amount_must_be_a_positive_number(server, value):
    p = ready(server)
    p.pay()
    assert p.approve().status_code == 200
    expect_error(p.cancel(value, cancel_amount=value), -401, "cancel_amount")
    assert p.order()["cancel_available_amount"] == 16000


# ---------------------------------------------------------------- PIN, quit, money

def test_wrong_pin_five_times_locks(server):
    acct = shopper(server, money=20_000)
    p = ready(server, bank_acct_num=acct, fail_url="http://127.0.0.1:9/failed?x=y")
    p.to_pin()
    for left in (4, 3, 2, 1):
        expect_error(p.confirm("000000"), -801, str(left))
        assert p.state()["redirect"] == ""
    expect_error(p.confirm("111111"), -802)
    state = p.state()
    assert state["redirect"].startswith("http://127.0.0.1:9/failed?"), state
    assert dict(parse_qsl(urlparse(state["redirect"]).query)).get("x") == "y", state
    assert p.status() == "FAIL_AUTH_PASSWORD"
    # the right PIN does not unlock it, approve is refused, nothing was taken
    r = p.confirm(PIN)
    assert r.status_code == 400 and r.json()["error_code"] < 0, r.text
    assert p.status() == "FAIL_AUTH_PASSWORD"
    expect_error(p.approve(), -781)
    assert wallet(server, acct) == 20_000


def test_five_wrong_pins_in_a_row_lock_the_shopper_across_payments(make_server):
    """One wrong PIN on each of five payments: the shopper is locked for 30 minutes, so
    new payments do not buy new tries (README); the sandbox clock ends the lock."""
    srv = make_server(["--sandbox", "--rate-limit", "0"]).avoid_bank_night()
    acct = shopper(srv, money=50_000)
    for n in range(1, 6):
        p = ready(srv, bank_acct_num=acct, amount="1000")
        p.to_pin()
        expect_error(p.confirm("000000"), -801 if n < 5 else -802)
    p = ready(srv, bank_acct_num=acct, amount="1000")
    p.to_pin()
    expect_error(p.confirm(PIN), -802, "locked")
    assert p.status() == "FAIL_AUTH_PASSWORD"
    advance(srv, 31 * 60)
    p = ready(srv, bank_acct_num=acct, amount="1000")
    assert p.pay()["status"] == "AUTH_PASSWORD"
    # a right PIN resets the count: four wrong ones after it do not lock
    for _ in range(4):
        q = ready(srv, bank_acct_num=acct, amount="1000")
        q.to_pin()
        expect_error(q.confirm("000000"), -801)
    assert ready(srv, bank_acct_num=acct, amount="1000").pay()["status"] == "AUTH_PASSWORD"


def test_concurrent_wrong_pins_get_five_tries_at_most(server):
    """Guessing in parallel gets no more than the five tries one after another."""
    acct = shopper(server, money=50_000)
    p = ready(server, bank_acct_num=acct)
    p.to_pin()
    guesses = [f"{i:06d}" for i in range(30)]  # none is 123456
    barrier = threading.Barrier(len(guesses))

    def go(pin):
        barrier.wait()
        return p.confirm(pin)

    with ThreadPoolExecutor(max_workers=len(guesses)) as ex:
        answers = list(ex.map(go, guesses))
    codes = [r.json()["error_code"] for r in answers]
    assert all(r.status_code == 400 for r in answers), [r.text for r in answers]
    assert codes.count(-801) == 4 and codes.count(-802) == 1, codes
    assert p.status() == "FAIL_AUTH_PASSWORD"
    expect_error(p.approve(), -781)


def test_wrong_pin_then_right_pin(server):
    p = ready(server)
    p.to_pin()
    expect_error(p.confirm("654321"), -801, "4")
    r = p.confirm(PIN)
    assert r.status_code == 200 and r.json()["status"] == "AUTH_PASSWORD", r.text
    assert p.approve().status_code == 200


@pytest.mark.parametrize("pin", ["12345", "1234567", "abcdef", "", None])
def test_pin_must_be_six_digits(server, pin):
    p = ready(server)
    p.to_pin()
    body = {"method": "MONEY"}
    if pin is not None:
        body["pin"] = pin
    r = p.page("confirm", **body)
    expect_error(r, -401, "pin")
    assert p.status() == "SELECT_METHOD"


def test_quit(server):
    p = ready(server, cancel_url="http://127.0.0.1:9/cancelled")
    assert p.step("open").status_code == 200
    r = p.step("quit")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "QUIT_PAYMENT"
    assert r.json()["redirect"].startswith("http://127.0.0.1:9/cancelled"), r.text
    assert p.state()["redirect"].startswith("http://127.0.0.1:9/cancelled")
    assert p.status() == "QUIT_PAYMENT"
    expect_error(p.approve(), -781)
    expect_error(p.cancel(1000), -790)
    r = p.confirm()
    assert r.status_code == 400 and r.json()["error_code"] < 0, r.text
    assert p.status() == "QUIT_PAYMENT"


def test_quit_from_the_method_step(server):
    p = ready(server)
    p.to_pin()
    assert p.step("quit").json()["status"] == "QUIT_PAYMENT"
    expect_error(p.approve(), -781)


def test_no_steps_after_approval(server):
    p = ready(server)
    p.pay()
    assert p.approve().status_code == 200
    expect_error(p.confirm(), -805)
    r = p.step("quit")
    assert r.status_code == 400 and r.json()["error_code"] < 0, r.text
    assert p.status() == "SUCCESS_PAYMENT"


def test_page_calls_need_the_pages_key(server):
    a, b = ready(server), ready(server)
    for body in ({"tid": a.tid, "key": b.key}, {"tid": a.tid, "key": "A" * 24},
                 {"tid": a.tid}, {"key": a.key}):
        for what in ("state", "step", "confirm"):
            extra = {"step": "open"} if what == "step" else (
                {"method": "MONEY", "pin": PIN} if what == "confirm" else {})
            r = requests.post(server.url + "/pay/oneq/api/" + what, json={**body, **extra},
                              timeout=30)
            assert r.status_code in (400, 404), (what, body, r.text)
            assert r.json()["error_code"] < 0 and "extras" in r.json(), r.text
    assert a.status() == "READY"


def test_pages_need_their_key(server):
    p = ready(server)
    for name in ("android_app_scheme", "next_redirect_url"):
        url = p.answer[name]
        bad = url.replace(p.key, ("B" if p.key[0] != "B" else "C") + p.key[1:])
        r = requests.get(bad, timeout=30)
        assert 400 <= r.status_code < 500, (name, r.status_code)
        assert p.fields["order_id"] not in r.text and "고구마피자" not in r.text


def test_unknown_step(server):
    p = ready(server)
    expect_error(p.step("jump"), -401, "step")


def test_too_little_money(server):
    acct = shopper(server, money=1000)
    p = ready(server, bank_acct_num=acct, amount="16000",
              fail_url="http://127.0.0.1:9/failed")
    p.to_pin()
    expect_error(p.confirm(), -803)
    assert p.state()["redirect"].startswith("http://127.0.0.1:9/failed")
    assert p.status() == "FAIL_PAYMENT"
    expect_error(p.approve(), -781)
    assert wallet(server, acct) == 1000


def test_no_shopper_has_the_account(server):
    p = ready(server, bank_acct_num="999999999999")
    r = p.step("open")
    if r.status_code == 200:
        r = p.step("next")
    if r.status_code == 200:
        r = p.confirm()
    expect_error(r, -805, "999999999999")


def test_method_restricted_by_ready(server):
    acct = shopper(server, money=50_000)
    p = ready(server, bank_acct_num=acct, payment_method_type="MONEY")
    p.to_pin()
    r = p.confirm(method="계좌")
    assert r.status_code == 400 and r.json()["error_code"] < 0, r.text
    assert p.status() == "SELECT_METHOD"
    assert bank_balance(server, acct) == 100_000
    r = p.confirm(method="MONEY")
    assert r.status_code == 200, r.text
    assert p.approve().json()["payment_method_type"] == "MONEY"


def test_unknown_method(server):
    p = ready(server)
    p.to_pin()
    expect_error(p.confirm(method="CARD"), -401, "method")


def test_confirm_twice_holds_once(server):
    acct = shopper(server, money=50_000)
    p = ready(server, bank_acct_num=acct, amount="10000")
    p.to_pin()
    barrier = threading.Barrier(20)

    def go(_):
        barrier.wait()
        return p.confirm()

    with ThreadPoolExecutor(max_workers=20) as ex:
        answers = list(ex.map(go, range(20)))
    ok = [r for r in answers if r.status_code == 200]
    assert ok, [r.text for r in answers]
    for r in answers:
        assert r.status_code in (200, 400), r.text
    assert len({r.json()["redirect"] for r in ok}) == 1
    assert wallet(server, acct) == 40_000
    assert p.approve().status_code == 200
    assert wallet(server, acct) == 40_000


def test_concurrent_payments_never_overdraw(server):
    n, amount, total = 7, 1000, 100
    acct = shopper(server, money=n * amount)
    payments = [ready(server, bank_acct_num=acct, amount=str(amount)) for _ in range(total)]
    for p in payments:
        p.to_pin()
    barrier = threading.Barrier(total)

    def go(p):
        barrier.wait()
        return p.confirm()

    with ThreadPoolExecutor(max_workers=total) as ex:
        answers = list(ex.map(go, payments))
    ok = [p for p, r in zip(payments, answers) if r.status_code == 200]
    refused = [r for r in answers if r.status_code != 200]
    assert len(ok) == n, [r.text for r in answers if r.status_code != 200][:3]
    for r in refused:
        expect_error(r, -803)
    assert wallet(server, acct) == 0
    for p in ok:
        assert p.approve().status_code == 200
    statuses = [p.status() for p in payments]
    assert statuses.count("SUCCESS_PAYMENT") == n
    assert statuses.count("FAIL_PAYMENT") == total - n


# ---------------------------------------------------------------- 계좌 (the bank account)

@pytest.fixture
def sb(make_server):
    return make_server(["--sandbox", "--rate-limit", "0"]).avoid_bank_night()


def test_account_method_moves_bank_money(sb):
    acct = shopper(sb, money=10_000, bank_balance=100_000)
    assert bank_balance(sb, acct) == 90_000
    p = ready(sb, bank_acct_num=acct, amount="30000")
    assert p.pay(method="계좌")["status"] == "AUTH_PASSWORD"
    assert bank_balance(sb, acct) == 60_000
    assert wallet(sb, acct) == 10_000
    r = p.approve()
    assert r.status_code == 200, r.text
    assert r.json()["payment_method_type"] == "계좌"
    assert p.order()["payment_method_type"] == "계좌"
    assert p.cancel(10_000).json()["status"] == "PART_CANCEL_PAYMENT"
    assert bank_balance(sb, acct) == 70_000
    assert p.cancel(20_000).json()["status"] == "CANCEL_PAYMENT"
    assert bank_balance(sb, acct) == 90_000
    assert wallet(sb, acct) == 10_000


def test_account_method_too_little_in_the_bank(sb):
    acct = shopper(sb, money=0, bank_balance=5_000)
    p = ready(sb, bank_acct_num=acct, amount="30000", fail_url="http://127.0.0.1:9/failed")
    p.to_pin()
    expect_error(p.confirm(method="계좌"), -803)
    assert p.status() == "FAIL_PAYMENT"
    assert p.state()["redirect"].startswith("http://127.0.0.1:9/failed")
    assert bank_balance(sb, acct) == 5_000
    expect_error(p.approve(), -781)


def test_account_method_restricted_by_ready(sb):
    acct = shopper(sb, money=50_000, bank_balance=100_000)
    p = ready(sb, bank_acct_num=acct, payment_method_type="계좌", amount="1000")
    p.to_pin()
    r = p.confirm(method="MONEY")
    assert r.status_code == 400 and r.json()["error_code"] < 0, r.text
    assert wallet(sb, acct) == 50_000
    assert p.confirm(method="계좌").status_code == 200
    assert bank_balance(sb, acct) == 49_000


# ---------------------------------------------------------------- expiry

def test_expiry_after_15_minutes_releases_the_money(make_server):
    srv = make_server(["--sandbox", "--rate-limit", "0"])
    acct = shopper(srv, money=50_000)
    untouched = ready(srv, bank_acct_num=acct)
    unseen = ready(srv, bank_acct_num=acct)
    held = ready(srv, bank_acct_num=acct, amount="20000")
    held.pay()
    early = ready(srv, bank_acct_num=acct, amount="5000")
    early.pay()
    assert wallet(srv, acct) == 25_000
    advance(srv, 14 * 60 + 50)
    assert early.approve().status_code == 200  # still inside the 15 minutes
    assert held.status() == "AUTH_PASSWORD"
    advance(srv, 20)
    for p in (untouched, held):
        assert p.status() == "FAIL_PAYMENT", p.order()
        expect_error(p.approve(), -782)
    # README: -782 for approve "(or a page) after the payment expired", whoever
    # noticed the expiry first (unseen: nobody has looked at it since)
    expect_error(unseen.step("open"), -782)
    assert unseen.status() == "FAIL_PAYMENT"
    expect_error(untouched.step("open"), -782)
    assert wallet(srv, acct) == 45_000  # the 20,000 held is back; 5,000 was approved
    assert early.status() == "SUCCESS_PAYMENT"
    assert early.cancel(5000).status_code == 200
    assert wallet(srv, acct) == 50_000


def test_expiry_setting(make_server):
    srv = make_server(["--sandbox", "--rate-limit", "0", "--oneq-expiry-s", "60"])
    acct = shopper(srv, money=50_000)
    p = ready(srv, bank_acct_num=acct, amount="20000")
    assert p.state()["expires_in"] <= 60
    p.pay()
    advance(srv, 61)
    expect_error(p.approve(), -782)
    assert p.status() == "FAIL_PAYMENT"
    assert wallet(srv, acct) == 50_000


def test_expired_account_payment_refunds_the_bank(make_server):
    srv = make_server(["--sandbox", "--rate-limit", "0"]).avoid_bank_night()
    acct = shopper(srv, money=0, bank_balance=100_000)
    p = ready(srv, bank_acct_num=acct, amount="30000")
    p.pay(method="계좌")
    assert bank_balance(srv, acct) == 70_000
    advance(srv, 15 * 60 + 1)
    expect_error(p.approve(), -782)
    assert p.status() == "FAIL_PAYMENT"
    assert bank_balance(srv, acct) == 100_000


def test_expired_holds_come_back_without_anyone_touching_the_payment(make_server):
    """README: a payment not approved within 15 minutes expires and "any held money is
    released" -- the shopper's balances say so even if the merchant never calls again."""
    srv = make_server(["--sandbox", "--rate-limit", "0"]).avoid_bank_night()
    acct = shopper(srv, money=50_000, bank_balance=150_000)
    money = ready(srv, bank_acct_num=acct, amount="20000")
    money.pay()
    account = ready(srv, bank_acct_num=acct, amount="30000")
    account.pay(method="계좌")
    assert wallet(srv, acct) == 30_000 and bank_balance(srv, acct) == 70_000
    advance(srv, 15 * 60 + 1)
    # the server's housekeeping runs about once a second, and at once after the clock moved
    deadline = time.monotonic() + 5
    while (wallet(srv, acct), bank_balance(srv, acct)) != (50_000, 100_000):
        assert time.monotonic() < deadline, (wallet(srv, acct), bank_balance(srv, acct))
        time.sleep(0.05)
    assert money.status() == account.status() == "FAIL_PAYMENT"


# ---------------------------------------------------------------- HTTP

def test_wrong_method_and_unknown_path(server):
    r = requests.put(server.url + "/pay", data=ready_body(), headers=FORM, timeout=30)
    assert r.status_code == 405, r.text
    r = requests.post(server.url + "/pay/nothing-here", data={}, headers=FORM, timeout=30)
    assert r.status_code == 404, r.text


def test_body_too_large(server):
    r = requests.post(server.url + "/pay", data=ready_body(item_name="가" * 2_000_000),
                      headers=FORM, timeout=30)
    assert r.status_code == 413, r.text[:300]
    assert r.json()["error_code"] == -413, r.text[:300]


# ---------------------------------------------------------------- outside sandbox

def test_outside_sandbox_a_partners_secret(tmp_path):
    """README: `wonpay partner add --oneq BUSINESS_NO` prints a cid and a secret; every
    call then needs `Authorization: OneQ <secret>` (-403, HTTP 401 without), and a
    secret reaches only its partner's merchants and payments."""
    work = tmp_path / "live"
    work.mkdir()
    db = database(work / "wonpay.db")

    def add(email, no):
        out = subprocess.run([BIN, "partner", "add", "--email", email, "--oneq", no,
                              "--db", str(db)], capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        cid = re.search(r"OneQ Pay cid: (\S+)", out.stdout).group(1)
        secret = re.search(r"Authorization: OneQ <secret>\): (\S+)", out.stdout).group(1)
        assert len(cid) == 10
        return cid, secret

    cid_a, secret_a = add("a@example.com", biz_no())
    cid_b, secret_b = add("b@example.com", biz_no())
    srv = Server(work, ["--rate-limit", "0"], db=db).start()
    try:
        def call(path, data, secret=None, scheme="OneQ"):
            h = dict(FORM)
            if secret:
                h["Authorization"] = f"{scheme} {secret}"
            return requests.post(srv.url + path, data=data, headers=h, timeout=30)

        body = ready_body(cid=cid_a)
        expect_error(call("/pay", body), -403)
        expect_error(call("/pay", body, secret_a[:-1] + ("y" if secret_a.endswith("x") else "x")), -403)
        r = call("/pay", body, secret_a)
        assert r.status_code == 200, r.text
        tid = r.json()["tid"]
        assert call("/pay", body, secret_a, "Bearer").json()["tid"] == tid
        # B's secret reaches neither A's merchant nor A's payment
        for path, data in (("/pay", ready_body(cid=cid_a)),
                           ("/pay/order", {"cid": cid_a, "tid": tid}),
                           ("/pay/success", {"cid": cid_a, "order_id": body["order_id"],
                                             "category_cd": "552101",
                                             "item_name": body["item_name"],
                                             "member_id": body["member_id"],
                                             "amount": body["amount"],
                                             "tran_dt": "2016.11.15 21:18:22"})):
            r = call(path, data, secret_b)
            assert r.status_code in (400, 401, 404), (path, r.text)
            assert r.json()["error_code"] in (-402, -403, -404), (path, r.text)
        r = call("/pay/order", {"cid": cid_a, "tid": tid}, secret_a)
        assert r.status_code == 200 and r.json()["status"] == "READY", r.text
        # no sandbox merchant outside sandbox mode
        expect_error(call("/pay", ready_body(), secret_a), -402)
    finally:
        srv.stop()


# ---------------------------------------------------------------- review findings

def test_long_korean_messages_keep_the_error_shape(server):
    """A message naming a long Korean value is cut on a character, never into a 503."""
    p = ready(server, member_id="가" * 100, order_id="주문" * 50)
    r = p.approve(member_id="나" * 100)
    expect_error(r, -406)
    r = form(server, "/pay/success", p.approve_body(order_id="없는주문" * 25))
    expect_error(r, -404)


def test_a_pay_back_the_bank_refuses_is_tried_again(make_server):
    """계좌: the account is suspended when the payment expires, so the money cannot go back
    yet; it is not forgotten: once the account is active again it goes back."""
    srv = make_server(["--sandbox", "--rate-limit", "0"]).avoid_bank_night()
    acct = shopper(srv, money=0, bank_balance=100_000)
    p = ready(srv, bank_acct_num=acct, amount="5000")
    p.pay(method="계좌")
    assert bank_balance(srv, acct) == 95_000
    r = srv.admin("PATCH", f"/sandbox/bank-accounts/081/{acct}", {"status": "suspended"})
    assert r.status_code == 200, r.text
    advance(srv, 15 * 60 + 1)
    deadline = time.monotonic() + 5
    while p.status() != "FAIL_PAYMENT":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(1.5)  # a housekeeping run or two: the bank still refuses
    assert bank_balance(srv, acct) == 95_000
    r = srv.admin("PATCH", f"/sandbox/bank-accounts/081/{acct}", {"status": "active"})
    assert r.status_code == 200, r.text
    advance(srv, 61)
    deadline = time.monotonic() + 5
    while bank_balance(srv, acct) != 100_000:
        assert time.monotonic() < deadline, bank_balance(srv, acct)
        time.sleep(0.05)


def test_a_sandbox_reset_after_a_clock_jump_still_expires_payments(make_server):
    """The housekeeping follows the clock back after a reset (it moves to real time)."""
    srv = make_server(["--sandbox", "--rate-limit", "0"]).avoid_bank_night()
    advance(srv, 3600)
    time.sleep(1.5)  # housekeeping ran at the later time
    r = srv.admin("POST", "/sandbox/reset", {})
    assert r.status_code == 200, r.text
    srv.avoid_bank_night()
    acct = shopper(srv, money=0, bank_balance=100_000)
    p = ready(srv, bank_acct_num=acct, amount="16000")
    p.pay(method="계좌")
    assert bank_balance(srv, acct) == 84_000
    advance(srv, 1000)
    deadline = time.monotonic() + 5
    while bank_balance(srv, acct) != 100_000:
        assert time.monotonic() < deadline, bank_balance(srv, acct)
        time.sleep(0.05)
