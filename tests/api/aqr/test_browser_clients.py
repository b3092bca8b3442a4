"""What browser clients need from AQR (and every surface): CORS and FormData bodies.

The AQR document's JavaScript sample calls the API from a page on another origin with a
FormData body: a preflight OPTIONS, then a multipart/form-data POST.
"""
import requests

from conftest import SANDBOX_EMAIL, SANDBOX_TOKEN, create_body

ORIGIN = "http://127.0.0.2:9999"


def test_preflight_allows_the_surfaces_headers(server):
    r = requests.options(server.url + "/api/", timeout=10, headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "aqr-developer-token"})
    assert r.status_code == 204, r.text
    assert r.headers["Access-Control-Allow-Origin"] == "*"  # sandbox mode
    assert "POST" in r.headers["Access-Control-Allow-Methods"]
    assert "AQR-DEVELOPER-TOKEN" in r.headers["Access-Control-Allow-Headers"]
    # Kona's own headers on Kona's paths.
    r = requests.options(server.url + "/api/v1/user/info", timeout=10, headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "POST"})
    assert r.status_code == 204 and "X-KM-Tran-Token" in r.headers["Access-Control-Allow-Headers"]


def test_answers_and_errors_carry_the_origin(server):
    ok = server.aqr(create_body(), headers={"Origin": ORIGIN})
    assert ok.status_code == 200 and ok.headers["Access-Control-Allow-Origin"] == "*"
    bad = server.aqr(create_body(), token="nope", headers={"Origin": ORIGIN})
    assert bad.status_code == 401 and bad.headers["Access-Control-Allow-Origin"] == "*"
    no_origin = server.aqr(create_body())
    assert "Access-Control-Allow-Origin" not in no_origin.headers


def test_formdata_body_creates_a_link(server):
    fields = create_body(account_owner="홍길동")
    r = requests.post(server.url + "/api/", timeout=10,
                      files={k: (None, v) for k, v in fields.items()},
                      headers={"AQR-DEVELOPER-TOKEN": SANDBOX_TOKEN})
    assert r.status_code == 200 and r.json()["result"] == "success", r.text
    page = requests.get(r.json()["data"]["short_url"], timeout=10)
    assert "홍길동" in page.text


def test_json_body_says_what_is_accepted(server):
    r = requests.post(server.url + "/api/", json=create_body(), timeout=10,
                      headers={"AQR-DEVELOPER-TOKEN": SANDBOX_TOKEN})
    assert r.status_code == 400
    assert "application/x-www-form-urlencoded or multipart/form-data" in r.json()["reason"]


def test_euc_kr_without_charset_is_told_how(server):
    body = "&".join(f"{k}={v}" for k, v in create_body().items()).encode("euc-kr")
    r = requests.post(server.url + "/api/", data=body, timeout=10, headers={
        "AQR-DEVELOPER-TOKEN": SANDBOX_TOKEN,
        "Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 400 and "charset=EUC-KR" in r.json()["reason"], r.text


def test_live_mode_allows_only_configured_origins(make_server):
    s = make_server(["--cors-origins", "https://shop.example"])
    for origin, allowed in (("https://shop.example", True), (ORIGIN, False)):
        r = requests.options(s.url + "/api/", timeout=10, headers={
            "Origin": origin, "Access-Control-Request-Method": "POST"})
        assert r.status_code == 204
        assert (r.headers.get("Access-Control-Allow-Origin") == origin) == allowed
    s2 = make_server([], name="none")
    r = requests.options(s2.url + "/api/", timeout=10, headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in r.headers
