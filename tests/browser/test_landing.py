"""Browser tests of the landing pages (/f/KW, /f/KW/AMOUNT, /f/KW/qr) in headless Chromium.

Chromium and chromedriver are required: if either is missing the tests FAIL
(`make test` installs them), they are never skipped.
"""
from pathlib import Path

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import create_body

ROOT = Path(__file__).resolve().parents[2]
SANDBOX_EMAIL = "sandbox@example.com"


def create(server, **over):
    r = server.aqr(create_body(**over))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["result"] == "success", body
    return body["data"]


def image_loaded(driver, img):
    return driver.execute_script(
        "return arguments[0].complete && arguments[0].naturalWidth", img)


def text_of(driver, element_id):
    return driver.find_element(By.ID, element_id).text


def test_landing_page(server, driver):
    data = create(server, account_number="110-123-456789", account_owner="김철수",
                  account_name="동아리 회비", bank_id="1")
    assert data["short_url"] == f"{server.url}/f/{data['uniq_keyword']}"
    driver.get(data["short_url"])

    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ko"
    assert text_of(driver, "account-number") == "110123456789"
    assert text_of(driver, "bank-name") == "토스뱅크"
    assert text_of(driver, "account-owner") == "김철수"
    assert text_of(driver, "account-name") == "동아리 회비"

    img = driver.find_element(By.ID, "qr")
    assert img.get_attribute("src") == f"{server.url}/res/api/{data['uniq_keyword']}"
    WebDriverWait(driver, 10).until(lambda d: image_loaded(d, img))
    assert image_loaded(driver, img) > 0

    scroll_w, inner_w = driver.execute_script(
        "return [document.documentElement.scrollWidth, window.innerWidth]")
    assert inner_w == 390, f"viewport is not phone-sized: innerWidth={inner_w}"
    assert scroll_w <= inner_w, f"page scrolls sideways: scrollWidth={scroll_w} > {inner_w}"

    shots = ROOT / "build" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    assert driver.save_screenshot(str(shots / "landing.png"))


def test_copy_button(server, driver):
    data = create(server, account_number="110-987-654321")
    driver.get(data["short_url"])
    button = driver.find_element(By.ID, "copy-account")
    assert button.get_attribute("data-copy") == "110987654321"
    assert text_of(driver, "copy-note") == ""
    button.click()
    WebDriverWait(driver, 10).until(lambda d: text_of(d, "copy-note").strip() != "")
    assert text_of(driver, "copy-note") in (
        "복사되었습니다.", "복사하지 못했습니다. 길게 눌러 복사하세요.")


def test_xss_is_escaped(server, driver):
    owner = "<script>window.__xss=1</script>"
    name = '<img src=x onerror="window.__xss=2">'
    data = create(server, account_owner=owner, account_name=name)
    driver.get(data["short_url"])
    # Give a would-be onerror handler time to fire (the QR image also loads).
    img = driver.find_element(By.ID, "qr")
    WebDriverWait(driver, 10).until(lambda d: image_loaded(d, img))
    assert driver.execute_script("return window.__xss") is None
    assert "<script>" in text_of(driver, "account-owner")
    assert text_of(driver, "account-name") == name
    # No element injected by the stored values.
    assert driver.execute_script(
        "return document.querySelectorAll('img[src=\"x\"], #account-owner script').length") == 0


def test_amount_and_qr_pages(server, driver):
    data = create(server, account_number="333-22-1111")
    kw = data["uniq_keyword"]

    driver.get(f"{server.url}/f/{kw}/10000")
    assert text_of(driver, "amount") == "10,000원"
    assert text_of(driver, "account-number") == "333221111"

    driver.get(f"{server.url}/f/{kw}/qr")
    img = driver.find_element(By.ID, "qr")
    WebDriverWait(driver, 10).until(lambda d: image_loaded(d, img))
    assert image_loaded(driver, img) > 0
    assert img.size["width"] > 200, img.size  # the large view is bigger than the landing's 200px


def test_deleted_keyword_page(server, driver):
    data = create(server, account_number="444-55-66666")
    kw = data["uniq_keyword"]
    driver.get(data["short_url"])
    assert text_of(driver, "account-number") == "4445566666"

    r = server.aqr({"email_address": SANDBOX_EMAIL, "uniq_keyword": kw, "action": "delete"})
    assert r.status_code == 200, r.text
    assert r.json()["result"] == "success", r.text

    assert requests.get(data["short_url"], timeout=30).status_code == 410
    driver.get(data["short_url"])
    assert text_of(driver, "error-title") == "삭제된 계좌 정보입니다"
    assert not driver.find_elements(By.ID, "account-number")


def test_pages_fit_every_width(server, driver):
    """Nothing overflows: the page is as wide as the viewport, on phones and a desktop."""
    data = create(server, account_number="110-123-456789012345", account_owner="가" * 50,
                  account_name="아주 긴 계좌 이름 " * 6)
    kw = data["uniq_keyword"]
    pages = [f"/f/{kw}", f"/f/{kw}/100000000000", f"/f/{kw}/qr", "/f/NOSUCHKW", f"/f/{kw}/0"]
    try:
        for width in (320, 390, 1280):
            driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                "width": width, "height": 844, "deviceScaleFactor": 2, "mobile": width < 500})
            for path in pages:
                driver.get(server.url + path)
                # The layout width is the device's (a mobile browser would
                # otherwise zoom out), nothing scrolls sideways, and nothing
                # sticks out of the card it is in.
                wide = driver.execute_script("""
                    var de = document.documentElement, out = [];
                    document.querySelectorAll('.card *').forEach(function (e) {
                      var c = e.closest('.card').getBoundingClientRect(), b = e.getBoundingClientRect();
                      if (b.width && (b.left < c.left - 0.5 || b.right > c.right + 0.5))
                        out.push(e.tagName + (e.id ? '#' + e.id : '') + ' ' + b.left + '-' + b.right);
                    });
                    return [de.clientWidth, de.scrollWidth, out];""")
                assert wide[0] == width and wide[1] <= width and not wide[2], (width, path, wide)
    finally:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True})


def test_copy_note_shows_by_the_button_pressed(server, driver):
    data = create(server)
    driver.get(data["short_url"] + "/25000")
    driver.find_element(By.ID, "copy-amount").click()
    WebDriverWait(driver, 10).until(lambda d: text_of(d, "copy-note").strip() != "")
    row = driver.execute_script(
        "return document.getElementById('copy-note').previousElementSibling.id || "
        "document.getElementById('copy-note').previousElementSibling.querySelector('[id]').id")
    assert row == "amount", row


def test_amount_over_the_limit_says_the_range(server, driver):
    data = create(server)
    driver.get(data["short_url"] + "/100000000001")
    assert "100,000,000,000원" in driver.find_element(By.TAG_NAME, "body").text
