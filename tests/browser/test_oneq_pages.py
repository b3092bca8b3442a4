"""OneQ Pay's shopper pages in headless Chromium at phone width (390 px), black-box.

The merchant readies payments with the API (requests); its approval_url, cancel_url
and fail_url point at a small HTTP server inside this test, so the browser's landing
there is observed. The mobile page (android_app_scheme): 다음 -> 하나머니 -> 결제하기 ->
PIN pad -> approval_url?tid&pg_token, then the merchant approves. Five wrong PINs land
on fail_url, 취소 on cancel_url. The PC page (next_redirect_url) shows a QR code of the
mobile page's URL (decoded with zbarimg) and follows the phone to approval_url.
Screenshots of every page are saved under the pytest tmp dir (oneq-screenshots*).
Chromium and chromedriver are required (tests/conftest.py): never skipped.
"""
import base64
import subprocess
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlparse

import pytest
import requests
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

FORM = {"Content-Type": "application/x-www-form-urlencoded;charset=utf-8"}
PIN = "123456"
WIDTH = 390


# ---------------------------------------------------------------- the merchant's site

class _Shop(BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.seen.append(self.path)
        body = (f'<!DOCTYPE html><html lang="ko"><meta charset="utf-8"><title>shop</title>'
                f'<h1 id="landed">{self.path.split("?")[0]}</h1></html>').encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def shop():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Shop)
    httpd.seen = []
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    d = tmp_path_factory.mktemp("oneq-screenshots")
    print(f"\nOneQ screenshots: {d}")
    return d


@pytest.fixture(scope="module", autouse=True)
def bank_hours(server):
    server.avoid_bank_night()


def form(server, path, data):
    r = requests.post(server.url + path, data=data, headers=FORM, timeout=30)
    assert r.headers.get("Content-Type", "").startswith("application/json"), r.text
    return r


def ready(server, shop, **over):
    fields = {"cid": "TC0ONETIME", "category_cd": "552101", "opponent_name": "고구마피자",
              "item_name": "고구마피자 라지", "member_id": "member_id",
              "order_id": "order-" + uuid.uuid4().hex[:12], "quantity": "1",
              "amount": "16000", "bank_acct_num": "123456789012", "balance": "1000000",
              "approval_url": shop.url + "/approved", "cancel_url": shop.url + "/cancelled",
              "fail_url": shop.url + "/failed"}
    fields.update(over)
    r = form(server, "/pay", fields)
    assert r.status_code == 200, r.text
    return fields, r.json()


def approve(server, fields, **over):
    body = {"cid": fields["cid"], "order_id": fields["order_id"],
            "category_cd": fields["category_cd"], "item_name": fields["item_name"],
            "member_id": fields["member_id"], "amount": fields["amount"],
            "tran_dt": "2016.11.15 21:18:22"}
    body.update(over)
    return form(server, "/pay/success", body)


def order(server, tid):
    r = form(server, "/pay/order", {"cid": "TC0ONETIME", "tid": tid})
    assert r.status_code == 200, r.text
    return r.json()


def page_key(answer):
    return dict(parse_qsl(urlparse(answer["android_app_scheme"]).query))["key"]


def page_call(server, answer, what, **body):
    r = requests.post(server.url + "/pay/oneq/api/" + what,
                      json={"tid": answer["tid"], "key": page_key(answer), **body}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def wait(driver, cond, timeout=15):
    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(cond)


def visible(driver, element_id):
    els = driver.find_elements(By.ID, element_id)
    return bool(els) and els[0].is_displayed()


def fits(driver, where):
    """The page is as wide as the phone and nothing scrolls sideways."""
    inner, scroll = driver.execute_script(
        "return [window.innerWidth, document.documentElement.scrollWidth]")
    assert inner == WIDTH, f"{where}: viewport is not phone-sized: {inner}"
    assert scroll <= inner, f"{where}: page scrolls sideways ({scroll} > {inner})"
    out = driver.execute_script("""
        var out = [];
        document.querySelectorAll('.card *').forEach(function (e) {
          var c = e.closest('.card').getBoundingClientRect(), b = e.getBoundingClientRect();
          if (b.width && (b.left < c.left - 0.5 || b.right > c.right + 0.5))
            out.push(e.tagName + (e.id ? '#' + e.id : '') + ' ' + b.left + '-' + b.right);
        });
        return out;""")
    assert not out, f"{where}: elements stick out of their card: {out}"


def shot(driver, shots, name):
    assert driver.save_screenshot(str(shots / f"{name}.png"))


def landed(driver, url):
    return lambda d: d.current_url.startswith(url)


def enter_pin(driver, pin):
    """Real clicks on the pad's buttons, sent as one action chain (one round trip)."""
    chain = ActionChains(driver, duration=0)
    for digit in pin:
        chain.click(driver.find_element(By.ID, f"pin-{digit}"))
    chain.perform()


def open_mobile(driver, answer):
    driver.get(answer["android_app_scheme"])
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ko"
    wait(driver, lambda d: visible(d, "next"))


def to_pin_pad(driver, method_id="method-money"):
    driver.find_element(By.ID, "next").click()
    wait(driver, lambda d: visible(d, "step-method") and visible(d, method_id))
    to_pin = driver.find_element(By.ID, "to-pin")
    assert not to_pin.is_enabled()  # nothing chosen yet
    driver.find_element(By.ID, method_id).click()
    wait(driver, lambda d: d.find_element(By.ID, "to-pin").is_enabled())
    to_pin.click()
    wait(driver, lambda d: visible(d, "step-pin") and visible(d, "pin-1"))


# ---------------------------------------------------------------- the mobile page

def test_mobile_page_pays_with_hana_money(server, driver, shop, shots):
    fields, answer = ready(server, shop)
    open_mobile(driver, answer)
    wait(driver, lambda d: order(server, answer["tid"])["status"] == "OPEN_PAYMENT")
    assert driver.find_element(By.ID, "merchant").text == "고구마피자"
    assert driver.find_element(By.ID, "item").text == "고구마피자 라지"
    assert driver.find_element(By.ID, "amount").text == "16,000원"
    fits(driver, "order step")
    shot(driver, shots, "mobile-1-order")

    driver.find_element(By.ID, "next").click()
    wait(driver, lambda d: visible(d, "step-method") and visible(d, "method-money"))
    assert not visible(driver, "next")
    assert "9012" in driver.find_element(By.ID, "account-masked").text
    assert "123456789012" not in driver.page_source  # the account is masked on the page
    fits(driver, "method step")
    shot(driver, shots, "mobile-2-method")
    driver.find_element(By.ID, "method-money").click()
    wait(driver, lambda d: d.find_element(By.ID, "to-pin").is_enabled())
    driver.find_element(By.ID, "to-pin").click()
    wait(driver, lambda d: visible(d, "pin-1"))
    fits(driver, "PIN step")
    enter_pin(driver, PIN[:3])
    shot(driver, shots, "mobile-3-pin")
    enter_pin(driver, PIN[3:])

    wait(driver, landed(driver, shop.url + "/approved?"))
    q = dict(parse_qsl(urlparse(driver.current_url).query))
    assert q["tid"] == answer["tid"] and q.get("pg_token"), driver.current_url
    shot(driver, shots, "mobile-4-approval-url")
    assert order(server, answer["tid"])["status"] == "AUTH_PASSWORD"

    r = approve(server, fields, pg_token=q["pg_token"])
    assert r.status_code == 200, r.text
    assert r.json()["payment_method_type"] == "MONEY" and r.json()["amount"] == 16000
    assert order(server, answer["tid"])["status"] == "SUCCESS_PAYMENT"


def own_shopper(server, money=100_000):
    """A shopper of its own: five wrong PINs in a row lock a shopper for 30 minutes."""
    acct = "7" + uuid.uuid4().int.__str__()[:11]
    r = server.admin("POST", "/sandbox/oneq/shoppers",
                     {"bank_acct_num": acct, "bank_code": "081", "holder_name": "김테스트",
                      "pin": "123456", "bank_balance": money, "money": money})
    assert r.status_code == 201, r.text
    return acct


def test_mobile_page_five_wrong_pins_land_on_fail_url(server, driver, shop, shots):
    fields, answer = ready(server, shop, bank_acct_num=own_shopper(server))
    open_mobile(driver, answer)
    to_pin_pad(driver)
    msg = driver.find_element(By.ID, "msg")
    for left in (4, 3, 2, 1):
        enter_pin(driver, "000000")
        wait(driver, lambda d: str(left) in msg.text)
        assert driver.current_url.startswith(answer["android_app_scheme"].split("?")[0])
        if left == 4:
            fits(driver, "wrong PIN")
            shot(driver, shots, "mobile-5-wrong-pin")
    enter_pin(driver, "000000")
    wait(driver, landed(driver, shop.url + "/failed"))
    assert order(server, answer["tid"])["status"] == "FAIL_AUTH_PASSWORD"
    r = approve(server, fields)
    assert r.status_code == 400 and r.json()["error_code"] == -781, r.text


def test_mobile_page_quit_lands_on_cancel_url(server, driver, shop, shots):
    fields, answer = ready(server, shop)
    open_mobile(driver, answer)
    driver.find_element(By.ID, "quit").click()
    wait(driver, landed(driver, shop.url + "/cancelled"))
    assert order(server, answer["tid"])["status"] == "QUIT_PAYMENT"
    r = approve(server, fields)
    assert r.status_code == 400 and r.json()["error_code"] == -781, r.text


def test_mobile_page_offers_only_the_readied_method(server, driver, shop, shots):
    fields, answer = ready(server, shop, payment_method_type="MONEY")
    open_mobile(driver, answer)
    driver.find_element(By.ID, "next").click()
    wait(driver, lambda d: visible(d, "step-method") and visible(d, "method-money"))
    assert not visible(driver, "method-account"), "계좌 is offered though ready said MONEY"
    shot(driver, shots, "mobile-6-money-only")


def test_mobile_page_with_long_names_fits(server, driver, shop, shots):
    fields, answer = ready(server, shop, opponent_name="아주긴상호명" * 16,
                           item_name="매우긴상품이름" * 28, amount="9999999999")
    open_mobile(driver, answer)
    assert driver.find_element(By.ID, "amount").text == "9,999,999,999원"
    fits(driver, "long names")
    shot(driver, shots, "mobile-7-long-names")
    driver.find_element(By.ID, "quit").click()
    wait(driver, landed(driver, shop.url + "/cancelled"))


def test_mobile_page_escapes_merchant_text(server, driver, shop, shots):
    name = '<img src=x onerror="window.__xss=1">'
    fields, answer = ready(server, shop, opponent_name=name, item_name="<b>굵게</b>")
    open_mobile(driver, answer)
    assert driver.find_element(By.ID, "merchant").text == name
    assert driver.find_element(By.ID, "item").text == "<b>굵게</b>"
    assert driver.execute_script("return window.__xss") is None
    driver.find_element(By.ID, "quit").click()
    wait(driver, landed(driver, shop.url + "/cancelled"))


# ---------------------------------------------------------------- the PC page

def qr_png(driver, server):
    img = driver.find_element(By.ID, "qr")
    wait(driver, lambda d: d.execute_script(
        "return arguments[0].complete && arguments[0].naturalWidth", img))
    src = img.get_attribute("src")
    if src.startswith("data:"):
        return base64.b64decode(src.split(",", 1)[1])
    r = requests.get(src, timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("image/png"), r.text
    return r.content


def test_pc_page_qr_and_following_the_phone(server, driver, shop, shots, tmp_path):
    fields, answer = ready(server, shop)
    driver.get(answer["next_redirect_url"])
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ko"
    png = tmp_path / "qr.png"
    png.write_bytes(qr_png(driver, server))
    out = subprocess.run(["zbarimg", "--raw", "-q", str(png)], capture_output=True,
                         text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == answer["android_app_scheme"], out.stdout
    assert "휴대폰으로 스캔하면 결제 화면으로 이동합니다." in driver.page_source
    fits(driver, "PC page")
    shot(driver, shots, "pc-1-qr")

    # the phone (plain API calls, as the mobile page makes them) pays
    page_call(server, answer, "step", step="open")
    page_call(server, answer, "step", step="next")
    state = page_call(server, answer, "confirm", method="MONEY", pin=PIN)
    assert state["status"] == "AUTH_PASSWORD"
    wait(driver, landed(driver, shop.url + "/approved?"), timeout=20)
    q = dict(parse_qsl(urlparse(driver.current_url).query))
    assert q["tid"] == answer["tid"] and q["pg_token"], driver.current_url
    assert approve(server, fields, pg_token=q["pg_token"]).status_code == 200
    assert order(server, answer["tid"])["status"] == "SUCCESS_PAYMENT"


def test_pc_page_follows_a_quit_to_cancel_url(server, driver, shop, shots):
    fields, answer = ready(server, shop)
    driver.get(answer["next_redirect_url"])
    wait(driver, lambda d: visible(d, "qr"))
    page_call(server, answer, "step", step="quit")
    wait(driver, landed(driver, shop.url + "/cancelled"), timeout=20)


def test_pc_page_at_desktop_width(server, driver, shop, shots):
    fields, answer = ready(server, shop)
    try:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False})
        driver.get(answer["next_redirect_url"])
        wait(driver, lambda d: visible(d, "qr"))
        scroll, inner = driver.execute_script(
            "return [document.documentElement.scrollWidth, window.innerWidth]")
        assert inner == 1280 and scroll <= inner
        shot(driver, shots, "pc-2-desktop")
    finally:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": WIDTH, "height": 844, "deviceScaleFactor": 2, "mobile": True})
