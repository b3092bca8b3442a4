"""Kona physical cards and the portal's test data, black-box (kona_client): the portal's
test card registered with its number, expiry and CVC (kona-notes §8, §9), looked up
before registration, issued for delivery, a lost card reissued with its balance and
history; the portal's people's bank accounts, legacy bank codes and merchants."""
import datetime

import pytest

from kona_client import for_server
from test_cards import (MERCHANT, advance, bank_balance, card_balance, charge, funded_card,
                        pay, register, token)
from test_kona import answer_ars, fails, member_body, ok, poll_inquiry

PORTAL_CARD = {"no": "9491339401250765", "exp": "3108", "cvc": "211",
               "par": "Q180BEA3B2F1BBD8410336D66A4"}
KIM_KONA = {"userName": "김코나", "birthDate": "19751112", "bank": "003",
            "account": "333015555557"}


@pytest.fixture(params=[None, "A128GCM"], ids=["plain", "encrypted"])
def portal(request, make_server):
    srv = make_server(["--sandbox", "--rate-limit", "0"]).avoid_bank_night()
    return srv, for_server(srv, enc=request.param)


def physical(kona, uid, no=PORTAL_CARD["no"], exp=PORTAL_CARD["exp"], cvc=PORTAL_CARD["cvc"]):
    return kona.call("prepay-card/physical/register", {
        "userId": uid, "physicalCardNo": no, "physicalCardExpDate": exp,
        "physicalCardCVC": cvc})


def portal_member(kona, person=KIM_KONA):
    out = ok(kona.call("user/registration", member_body(
        userName=person["userName"], birthDate=person["birthDate"])), kona)
    return out["userId"]


def register_portal_account(srv, kona, uid, person=KIM_KONA):
    acct = {"userId": uid, "userName": person["userName"], "birthDate": person["birthDate"],
            "bankCode": person["bank"], "bankAccount": person["account"]}
    ok(kona.call("bankaccounts/user/valid", acct), kona)
    auth = ok(kona.call("bankaccounts/ars/auth", {"userId": uid}), kona)["authNumber"]
    reg = ok(kona.call("bankaccounts/ars/register", acct), kona)["bankAccRegNo"]
    answer_ars(srv, reg, auth)
    poll_inquiry(kona, reg, lambda a: a.body.get("status") == "BANK_ACC_REGISTERED")


def test_portal_card_registered_charged_and_paid(portal):
    srv, kona = portal
    uid = portal_member(kona)
    out = ok(physical(kona, uid), kona)
    info = out["basicCardInfo"]
    assert info["par"] == PORTAL_CARD["par"] and info["cardType"] == "CARDSE"
    assert info["expiryDate"].startswith("3108") and info["serviceId"] == "000170000002000"
    # again: the same member keeps it
    ok(physical(kona, uid), kona)
    listed = ok(kona.call("user/card/list", {"userId": uid,
                                             "physicalCardNo": PORTAL_CARD["no"]}), kona)
    assert [c["par"] for c in listed["cardDataInfo"]] == [PORTAL_CARD["par"]]
    assert len(ok(kona.call("user/card/list", {"userId": uid}), kona)["cardDataInfo"]) == 2
    # the portal's 김코나 has money at 003 (balance Y): charge the physical card
    register_portal_account(srv, kona, uid)
    before = bank_balance(srv, "003", KIM_KONA["account"])
    assert before == 10_000_000
    tok = ok(token(kona, PORTAL_CARD["no"]), kona)
    ok(charge(kona, uid, tok, 30_000)[1], kona)
    assert bank_balance(srv, "003", KIM_KONA["account"]) == before - 30_000
    out = ok(kona.call("user/card/info", {"cardNo": PORTAL_CARD["no"]}), kona)
    assert out == {**out, "userId": uid, "balance": 30_000}
    tok = ok(token(kona, PORTAL_CARD["no"]), kona)
    ok(pay(kona, tok, 12_000), kona)
    assert ok(kona.call("user/card/info", {"cardNo": PORTAL_CARD["no"]}), kona)["balance"] == 18_000
    # the history names the portal's merchant
    now = srv.admin("GET", "/sandbox/clock").json()["now_ms"]
    d = datetime.datetime.fromtimestamp(now / 1000, datetime.timezone(
        datetime.timedelta(hours=9))).strftime("%Y%m%d")
    hist = ok(kona.call("transaction/card", {"par": PORTAL_CARD["par"], "startDate": d,
                                             "endDate": d}), kona)["transactionList"]
    assert [(t["trType"], t["amount"]) for t in hist] == [("00", 12_000), ("01", 30_000)]
    assert hist[0]["merchantName"] == "네네치킨 청학점" and hist[0]["par"] == PORTAL_CARD["par"]
    # the portal's cards move to whoever registers them next (every integrator's run does)
    other = portal_member(kona)
    ok(physical(kona, other), kona)
    assert ok(kona.call("user/card/info", {"cardNo": PORTAL_CARD["no"]}), kona)["userId"] == other
    assert len(ok(kona.call("user/card/list", {"userId": uid}), kona)["cardDataInfo"]) == 1


def test_wrong_card_details_and_the_lock(portal):
    srv, kona = portal
    uid = portal_member(kona)
    # which of expiry and CVC is wrong is not said (the expiry cannot be confirmed alone)
    both = "Invalid input value. physicalCardExpDate or physicalCardCVC"
    fails(physical(kona, uid, cvc="999"), "000_002", description=both)
    fails(physical(kona, uid, exp="3107"), "000_002", description=both)
    fails(physical(kona, uid, exp="3113"), "000_002")
    fails(physical(kona, uid, no=PORTAL_CARD["no"][:15] + "0"), "000_002")  # Luhn
    fails(physical(kona, uid, cvc="12"), "000_015")
    fails(physical(kona, 1), "000_002", description="Invalid input parameter. userId")
    # a mobile card's number is not a physical card
    _, mobile = register(kona)
    fails(physical(kona, uid, no=mobile["cardNo"]), "000_002",
          description="Invalid input value. physicalCardNo")
    # five wrong tries in a row (two above, three more) lock the card for 10 minutes
    for _ in range(3):
        fails(physical(kona, uid, cvc="998"), "000_002")
    fails(physical(kona, uid), "003_005")
    fails(kona.call("unregister/card/info", {"cardNo": PORTAL_CARD["no"], "expiryDate": "3108",
                                             "cardCVC": "211"}), "003_005")
    advance(srv, kona, 601)
    ok(physical(kona, uid), kona)
    # ten wrong since the last match block the card for good (five, a wait, five more)
    for _ in range(5):
        fails(physical(kona, uid, cvc="997"), "000_002")
    fails(physical(kona, uid), "003_005")
    advance(srv, kona, 601)
    for _ in range(5):
        fails(physical(kona, uid, cvc="997"), "000_002")
    advance(srv, kona, 601)
    fails(physical(kona, uid), "003_005")


def test_unregistered_card_info(portal):
    srv, kona = portal
    body = {"cardNo": "9491339401250708", "expiryDate": "3108", "cardCVC": "212"}
    info = ok(kona.call("unregister/card/info", body), kona)["cardInfo"]
    assert info["isRegistered"] is False and info["balance"] == 0
    assert info["cardStatus"] == "ACTIVE" and info["par"] == "Q180BEA3B2F1BBD8410336D66A0"
    fails(kona.call("unregister/card/info", {**body, "cardCVC": "211"}), "000_002",
          description="Invalid input value. expiryDate or cardCVC")
    # an unregistered card gets no one-time token
    fails(token(kona, body["cardNo"]), "000_002", description="Invalid input parameter. cardNo")
    uid = portal_member(kona)
    ok(physical(kona, uid, no=body["cardNo"], cvc="212"), kona)
    assert ok(kona.call("unregister/card/info", body), kona)["cardInfo"]["isRegistered"] is True


def test_issue_for_delivery_and_reissue_a_lost_card(server):
    server.avoid_bank_night()
    kona = for_server(server)
    uid, mobile = funded_card(server, kona, 40_000)
    address = {"address": "서울특별시 중구 을지로 35", "addressDetail": "3층", "zipCode": "04523"}
    fails(kona.call("prepay-card/issue/delivery", {"userInfo": {"userId": uid}}), "000_003",
          description="Missing required values. addressInfo")
    fails(kona.call("prepay-card/issue/delivery", {
        "userInfo": {"userId": uid}, "addressInfo": {**address, "zipCode": "4523"}}), "000_015")
    fails(kona.call("prepay-card/issue/delivery", {
        "userInfo": {"userId": uid}, "addressInfo": address, "serviceId": "0" * 15}), "000_002")
    out = ok(kona.call("prepay-card/issue/delivery", {
        "userInfo": {"userId": uid}, "addressInfo": address,
        "serviceId": "000170000002000"}), kona)
    new = out["basicCardInfo"]
    assert out["cardApplyNo"] and len(new["cardNo"]) == 16
    assert {c["par"] for c in ok(kona.call("user/card/list", {"userId": uid}),
                                 kona)["cardDataInfo"]} == {mobile["par"], new["par"]}
    # without delivery no address is needed
    ok(kona.call("prepay-card/issue/delivery", {"userInfo": {"userId": uid},
                                                "isDeliveryRequired": False}), kona)
    # another member cannot register a card this member holds
    other, _ = register(kona)
    # (the CVC is never shown: the lookup fails on it, not on the owner)
    tok = ok(token(kona, mobile["cardNo"]), kona)
    nr = ok(pay(kona, tok, 10_000), kona)["nrNumber"]        # 30,000 left
    # only a lost (suspended) card is reissued
    reissue = {"userInfo": {"userId": uid}, "par": mobile["par"], "addressInfo": address}
    fails(kona.call("prepay-card/reissue/delivery", reissue), "003_001")
    ok(kona.call("card/status", {"userId": uid, "par": mobile["par"], "status": "SUSPEND"}), kona)
    fails(kona.call("prepay-card/reissue/delivery", {**reissue, "userInfo": {"userId": other}}),
          "000_002", description="Invalid input parameter. par")
    out = ok(kona.call("prepay-card/reissue/delivery", reissue), kona)
    repl = out["basicCardInfo"]
    assert out["previousPar"] == mobile["par"] and out["transferredAmount"] == 30_000
    assert ok(kona.call("user/card/info", {"cardNo": repl["cardNo"]}), kona)["balance"] == 30_000
    assert ok(kona.call("user/card/info", {"cardNo": mobile["cardNo"]}), kona)["balance"] == 0
    pars = [c["par"] for c in ok(kona.call("user/card/list", {"userId": uid}),
                                 kona)["cardDataInfo"]]
    assert mobile["par"] not in pars and repl["par"] in pars
    # the replaced card is gone for good
    fails(kona.call("card/status", {"userId": uid, "par": mobile["par"], "status": "RESUME"}),
          "003_001")
    fails(kona.call("prepay-card/reissue/delivery", reissue), "003_001")
    # a refund of the old card's payment reaches the new card
    ok(kona.call("payment/cancel/no-hce", {"cardNo": mobile["cardNo"], "amount": 10_000,
                                           "nrNumber": nr, "merchantId": MERCHANT}), kona)
    assert ok(kona.call("user/card/info", {"cardNo": repl["cardNo"]}), kona)["balance"] == 40_000
    # the history: the new card alone, or with the card it replaced
    now = server.admin("GET", "/sandbox/clock").json()["now_ms"]
    d = datetime.datetime.fromtimestamp(now / 1000, datetime.timezone(
        datetime.timedelta(hours=9))).strftime("%Y%m%d")
    body = {"userId": uid, "par": repl["par"], "startDate": d, "endDate": d}
    alone = ok(kona.call("transaction/card", body), kona)["transactionList"]
    assert [(t["trType"], t["amount"]) for t in alone] == [("02", 10_000), ("03", 30_000)]
    both = ok(kona.call("transaction/card", {**body, "includePreviousCard": True}),
              kona)["transactionList"]
    assert [(t["trType"], t["amount"]) for t in both] == [
        ("02", 10_000), ("03", 30_000), ("03", -30_000), ("00", 10_000), ("01", 40_000)]
    assert {t["par"] for t in both} == {mobile["par"], repl["par"]}
    fails(kona.call("transaction/card", {**body, "includePreviousCard": "yes"}), "000_002")


def test_portal_people_and_legacy_bank_codes(portal):
    srv, kona = portal
    # 정푸루 banks at the portal's legacy 005 (Hana, now 081); balance Y
    jung = {"userName": "정푸루", "birthDate": "19880214", "bank": "005",
            "account": "2224444455605"}
    uid = portal_member(kona, jung)
    register_portal_account(srv, kona, uid, jung)
    info = ok(kona.call("bankaccounts/inquiry", {"userId": uid}), kona)
    assert bank_balance(srv, "081", jung["account"]) == 10_000_000, info
    # 조동백 banks at the legacy 021 (Shinhan, now 088) with no money (balance N):
    # the charge fails at the bank and nothing moves
    cho_p = {"userName": "조동백", "birthDate": "19950525", "bank": "021",
             "account": "10044444445"}
    out = ok(kona.call("user/registration", member_body(
        userName=cho_p["userName"], birthDate=cho_p["birthDate"])), kona)
    cho, no = out["userId"], out["basicCardInfo"]["cardNo"]
    register_portal_account(srv, kona, cho, cho_p)
    tok = ok(token(kona, no), kona)
    fails(charge(kona, cho, tok, 1_000)[1], "007_004")
    assert card_balance(kona, cho) == 0 and bank_balance(srv, "088", cho_p["account"]) == 0


# -- what a review found: money never stranded, limits hold, nothing stuck -----------------

from test_cards import fault, result_of, wait_result  # noqa: E402
from test_kona import HONG_ACCOUNT, register_account  # noqa: E402


def suspend_and_reissue(kona, uid, par):
    ok(kona.call("card/status", {"userId": uid, "par": par, "status": "SUSPEND"}), kona)
    return kona.call("prepay-card/reissue/delivery", {"userInfo": {"userId": uid}, "par": par,
                                                      "isDeliveryRequired": False})


def test_reissue_chain_is_bounded_and_a_pending_charge_follows_it(make_server):
    srv = make_server(["--sandbox", "--rate-limit", "0"]).avoid_bank_night()
    kona = for_server(srv)
    uid, card = register(kona)
    register_account(srv, kona, uid)
    fault(srv, HONG_ACCOUNT[0], mode="unreachable")
    seq, ans = charge(kona, uid, ok(token(kona, card["cardNo"]), kona), 3_000)
    assert ok(ans, kona)["isPending"] is True
    par = card["par"]
    for _ in range(15):
        par = ok(suspend_and_reissue(kona, uid, par), kona)["basicCardInfo"]["par"]
    fails(suspend_and_reissue(kona, uid, par), "003_001")  # a card is reissued 15 times at most
    ok(kona.call("card/status", {"userId": uid, "par": par, "status": "RESUME"}), kona)
    fault(srv, HONG_ACCOUNT[0], mode="none")
    wait_result(kona, seq, "COMPLETED")  # housekeeping follows the whole chain
    assert card_balance(kona, uid) == 3_000


def test_a_withdrawn_members_card_stays_dead(server):
    server.avoid_bank_night()
    kona = for_server(server)
    uid, card = funded_card(server, kona, 10_000)
    nr = ok(pay(kona, ok(token(kona, card["cardNo"]), kona), 10_000), kona)["nrNumber"]
    ok(kona.call("user/withdrawal", {"userId": uid}), kona)
    fails(kona.call("card/status", {"userId": uid, "par": card["par"], "status": "RESUME"}),
          "000_002")
    # the merchant keeps the money: no refund onto a card nobody holds
    fails(kona.call("payment/cancel/no-hce", {"cardNo": card["cardNo"], "amount": 10_000,
                                              "nrNumber": nr, "merchantId": MERCHANT}),
          "007_030")


def test_a_portal_card_changes_hands_cleanly(portal):
    srv, kona = portal
    a = portal_member(kona)
    register_portal_account(srv, kona, a)
    ok(physical(kona, a), kona)
    ok(charge(kona, a, ok(token(kona, PORTAL_CARD["no"]), kona), 5_000)[1], kona)
    old_token = ok(token(kona, PORTAL_CARD["no"], type="ATM"), kona)
    # while the holder's charge waits for the bank, the card cannot move
    fault(srv, "003", mode="unreachable")
    seq, ans = charge(kona, a, ok(token(kona, PORTAL_CARD["no"]), kona), 1_000)
    assert ok(ans, kona)["isPending"] is True
    b = portal_member(kona)
    fails(physical(kona, b), "003_003")
    fault(srv, "003", mode="none")
    wait_result(kona, seq, "COMPLETED")
    ok(physical(kona, b), kona)
    # the old holder's token does not spend the new holder's card
    fails(pay(kona, old_token, 100), "000_002", description="Invalid input parameter. oneTimeToken")
    assert ok(kona.call("user/card/info", {"cardNo": PORTAL_CARD["no"]}), kona)["balance"] == 6_000


def test_history_page_out_of_range(server):
    kona = for_server(server)
    _, card = register(kona)
    fails(kona.call("transaction/card", {"par": card["par"], "startDate": "20000101",
                                         "endDate": "20991231",
                                         "pageRequest": {"page": 2 ** 63 - 1}}), "000_002")
