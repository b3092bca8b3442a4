"""The rest of Kona's member APIs, black-box (kona_client), plain and encrypted: login id and
mobile duplicate check, lookup by CI, info change, password verify / change / reset with
its lock, terms list and agreement, withdrawal (refused while money is on a card) and
dormancy after a year (sandbox clock) with its release."""
import secrets

import pytest

from kona_client import for_server
from test_cards import advance, funded_card, pay, register, token
from test_kona import fails, member_body, ok

TERMS = {29184, 29186, 29187, 29188, 601151, 601152, 604150, 606153}
OPTIONAL = {604150, 606153}


@pytest.fixture(params=[None, "A256GCM"], ids=["plain", "encrypted"])
def kona(request, server):
    server.avoid_bank_night()
    return for_server(server, enc=request.param)


def new_member(kona, **over):
    body = member_body(**over)
    out = ok(kona.call("user/registration", body), kona)
    return out["userId"], body


def test_check_registration_id(kona):
    mobile = "010" + "".join(secrets.choice("0123456789") for _ in range(8))
    uid, body = new_member(kona, mobileNumber=mobile)
    check = lambda **b: ok(kona.call("user/checkRegistrationId", b), kona)["isDuplicated"]
    assert check(loginId=body["loginId"]) is True
    assert check(loginId="nobody-" + secrets.token_hex(6)) is False
    assert check(mobileNumber=mobile) is True
    assert check(mobileNumber="01099" + mobile[5:][::-1]) in (False, True)
    fails(kona.call("user/checkRegistrationId", {}), "000_003")
    fails(kona.call("user/checkRegistrationId", {"mobileNumber": "12"}), "000_015")


def test_ci_lookup_and_one_member_per_ci(kona):
    ci = secrets.token_urlsafe(66)[:88]
    uid, body = new_member(kona, ci=ci)
    info = ok(kona.call("user/info/by-ci", {"ci": ci}), kona)["userInfo"]
    assert info["userId"] == uid and info["ci"] == ci and info["loginId"] == body["loginId"]
    fails(kona.call("user/registration", member_body(ci=ci)), "001_001")
    fails(kona.call("user/info/by-ci", {"ci": "x" * 88}), "000_002",
          description="Invalid input value. ci")
    fails(kona.call("user/info/by-ci", {"ci": "x" * 87}), "000_015")


def test_info_change(kona):
    old = "010" + "".join(secrets.choice("0123456789") for _ in range(8))
    new = "010" + "".join(secrets.choice("0123456789") for _ in range(8))
    uid, _ = new_member(kona, mobileNumber=old,
                        addressInfo={"address": "서울시 중구", "zipCode": "04523"})
    info = ok(kona.call("user/info", {"userId": uid}), kona)["userInfo"]
    assert info["addressInfo"] == {"address": "서울시 중구", "addressDetail": "",
                                   "zipCode": "04523"}
    ok(kona.call("user/info/update", {"userId": uid, "mobileNumber": new,
                                      "email": "new@example.com",
                                      "addressInfo": {"address": "부산시", "addressDetail": "1층",
                                                      "zipCode": "48058"}}), kona)
    info = ok(kona.call("user/info", {"userId": uid}), kona)["userInfo"]
    assert info["mobileNumber"] == new and info["email"] == "new@example.com"
    assert info["addressInfo"]["zipCode"] == "48058"
    taken = lambda m: ok(kona.call("user/checkRegistrationId", {"mobileNumber": m}),
                         kona)["isDuplicated"]
    assert taken(new) is True and taken(old) is False
    fails(kona.call("user/info/update", {"userId": uid}), "000_003")
    fails(kona.call("user/info/update", {"userId": uid, "email": "not-an-email"}), "000_002")
    fails(kona.call("user/info/update", {"userId": uid, "addressInfo": {"zipCode": "1"}}),
          "000_003",
          description="Missing required values. addressInfo.address (1 to 200 characters)")


def test_password_verify_change_reset_and_lock(kona):
    uid, body = new_member(kona)
    pw = body["loginPassword"]
    verify = lambda p: kona.call("user/password/verify", {"userId": uid, "loginPassword": p})
    ok(verify(pw), kona)
    fails(verify("000001"), "001_002")
    ok(verify(pw), kona)  # a match clears the count
    fails(kona.call("user/password/change", {"userId": uid, "loginPassword": pw,
                                             "newLoginPassword": pw}), "000_002")
    ok(kona.call("user/password/change", {"userId": uid, "loginPassword": pw,
                                          "newLoginPassword": "246813"}), kona)
    fails(verify(pw), "001_002")
    for _ in range(3):
        fails(verify("000002"), "001_002")
    fails(verify("000003"), "001_003")  # the fifth wrong one in a row locks
    fails(verify("246813"), "001_003")  # even the right one, until a reset
    fails(kona.call("user/password/change", {"userId": uid, "loginPassword": "246813",
                                             "newLoginPassword": "975310"}), "001_003")
    fails(kona.call("user/password/reset", {"userId": uid, "newLoginPassword": "12345"}),
          "000_015")
    ok(kona.call("user/password/reset", {"userId": uid, "newLoginPassword": "975310"}), kona)
    ok(verify("975310"), kona)
    fails(kona.call("user/password/verify", {"userId": uid}), "000_003")


def test_terms_list_and_agreement(kona):
    uid, _ = new_member(kona, tcIdList=[29184, 29186, 29187, 29188, 601151, 601152])
    terms = ok(kona.call("terms/list", {}), kona)["termsList"]
    assert {t["tcId"] for t in terms} == TERMS
    assert {t["tcId"] for t in terms if not t["isRequired"]} == OPTIONAL
    mine = ok(kona.call("terms/list", {"userId": uid}), kona)["termsList"]
    assert {t["tcId"] for t in mine if t["isAgreed"]} == TERMS - OPTIONAL
    out = ok(kona.call("user/terms/agreement", {"userId": uid, "tcIdList": [604150],
                                                "agreeYn": "Y"}), kona)
    assert set(out["tcIdList"]) == TERMS - {606153}
    out = ok(kona.call("user/terms/agreement", {"userId": uid, "tcIdList": ["604150"],
                                                "agreeYn": "N"}), kona)
    assert set(out["tcIdList"]) == TERMS - OPTIONAL
    fails(kona.call("user/terms/agreement", {"userId": uid, "tcIdList": [29184],
                                             "agreeYn": "N"}), "001_006")
    fails(kona.call("user/terms/agreement", {"userId": uid, "tcIdList": [12345],
                                             "agreeYn": "Y"}), "000_002")
    fails(kona.call("user/terms/agreement", {"userId": uid, "tcIdList": [],
                                             "agreeYn": "Y"}), "000_003")
    fails(kona.call("user/registration", member_body(tcIdList=[1])), "000_002")


def test_withdrawal_refused_while_money_is_on_the_card(server):
    server.avoid_bank_night()
    kona = for_server(server)
    uid, card = funded_card(server, kona, 5_000)
    fails(kona.call("user/withdrawal", {"userId": uid}), "001_004")
    ok(pay(kona, ok(token(kona, card["cardNo"]), kona), 5_000), kona)
    ok(kona.call("user/withdrawal", {"userId": uid}), kona)
    fails(kona.call("user/info", {"userId": uid}), "000_002")
    fails(kona.call("user/withdrawal", {"userId": uid}), "000_002")
    fails(token(kona, card["cardNo"]), "003_001")  # the card is terminated
    # a member with an empty card leaves at once
    other, _ = register(kona)
    ok(kona.call("user/withdrawal", {"userId": other}), kona)


def test_dormant_after_a_year_and_released(make_server):
    srv = make_server(["--sandbox", "--rate-limit", "0"]).avoid_bank_night()
    kona = for_server(srv)
    idle, _ = new_member(kona)
    uid, card = funded_card(srv, kona, 10_000)
    advance(srv, kona, 200 * 86400)
    srv.avoid_bank_night()
    kona = for_server(srv)
    ok(pay(kona, ok(token(kona, card["cardNo"]), kona), 1_000), kona)  # the card is used
    advance(srv, kona, 200 * 86400)
    srv.avoid_bank_night()
    kona = for_server(srv)
    # 400 days without anything: dormant; a card used 200 days ago keeps its member awake
    fails(kona.call("user/info", {"userId": idle}), "001_005")
    fails(kona.call("user/card/list", {"userId": idle}), "001_005")
    ok(kona.call("user/info", {"userId": uid}), kona)
    ok(kona.call("user/dormant/release", {"userId": idle}), kona)
    ok(kona.call("user/info", {"userId": idle}), kona)
    ok(kona.call("user/dormant/release", {"userId": idle}), kona)  # awake already: fine
    # a year more: the card's member is dormant too, and charges nothing
    advance(srv, kona, 366 * 86400)
    srv.avoid_bank_night()
    kona = for_server(srv)
    fails(kona.call("recharges/by-bank-accounts/no-hce", {
        "sequenceId": secrets.token_hex(8), "userId": uid, "amount": 1_000,
        "oneTimeToken": ok(token(kona, card["cardNo"]), kona)["oneTimeToken"], "dcvv": "000",
        "merchantId": "410195430033901"}), "001_005")
    fails(kona.call("card/status", {"userId": uid, "par": card["par"], "status": "SUSPEND"}),
          "001_005")


def test_a_sandbox_reset_does_not_leave_a_member_charging_forever(make_server):
    from test_cards import HONG_ACCOUNT, charge, fault, register_account
    srv = make_server(["--sandbox", "--rate-limit", "0"]).avoid_bank_night()
    kona = for_server(srv)
    uid, card = register(kona)
    register_account(srv, kona, uid)
    fault(srv, HONG_ACCOUNT[0], mode="unreachable")
    assert ok(charge(kona, uid, ok(token(kona, card["cardNo"]), kona), 1_000)[1],
              kona)["isPending"] is True
    assert srv.admin("POST", "/sandbox/reset", {}).status_code == 200
    srv.avoid_bank_night()
    kona = for_server(srv)  # the reset moved the sandbox clock back
    fault(srv, HONG_ACCOUNT[0], mode="none")
    new = ok(kona.call("prepay-card/issue/delivery", {"userInfo": {"userId": uid},
                                                      "isDeliveryRequired": False}),
             kona)["basicCardInfo"]
    out = ok(charge(kona, uid, ok(token(kona, new["cardNo"]), kona), 2_000)[1], kona)
    assert out["isPending"] is False
