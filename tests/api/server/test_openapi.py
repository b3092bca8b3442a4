"""GET /openapi/<surface>.json: every document passes a maintained OpenAPI linter
(@redocly/cli, tests/openapi/, installed by scripts/deps.sh test), every route the
providers' documents and the README name appears in it, and what it says of a
field is what the server enforces.
"""
import json
import os
import pathlib
import subprocess

import pytest
import requests

ROOT = pathlib.Path(__file__).resolve().parents[3]
LINT = ROOT / "tests" / "openapi"

AQR = {("post", "/api/"), ("post", "/api"), ("get", "/res/api/{keyword}"),
       ("get", "/res/api/{keyword}/{amount}"), ("get", "/res"), ("get", "/f/{keyword}"),
       ("get", "/f/{keyword}/qr"), ("get", "/f/{keyword}/{amount}")}
KONA_PATHS = ["user/registration", "user/info", "user/info/by-ci", "user/checkRegistrationId",
              "user/info/update", "user/password/verify", "user/password/change",
              "user/password/reset", "user/withdrawal", "user/dormant/release", "terms/list",
              "user/terms/agreement", "user/card/list", "user/card/info",
              "card/status", "prepay-card/physical/register", "unregister/card/info",
              "prepay-card/issue/delivery", "prepay-card/reissue/delivery", "recharges/by-bank-accounts/no-hce",
              "recharges/by-bank-accounts/no-hce/cancel",
              "recharges/by-bank-account/result/inquiry", "payment/no-hce", "payment/cancel/no-hce", "transaction/card", "bankaccounts/user/valid",
              "bankaccounts/ars/auth", "bankaccounts/ars/register",
              "bankaccounts/ars/register/inquiry", "bankaccounts/as-rcg-svc/ars/register",
              "bankaccounts/info", "bankaccounts/inquiry", "bankaccounts/delete",
              "bankaccounts/banks"]
KONA = {("post", prefix + p) for p in KONA_PATHS for prefix in ("/api/v1/", "/open-api/api/v1/")} | {
    ("post", prefix + "payment/generate/onetimetoken") for prefix in ("/api/v2/",
                                                                       "/open-api/api/v2/")}
SANDBOX = {("post", "/sandbox/bank-accounts"),
           ("get", "/sandbox/bank-accounts/{bank_code}/{account_number}"),
           ("patch", "/sandbox/bank-accounts/{bank_code}/{account_number}"),
           ("post", "/sandbox/transfers"), ("get", "/sandbox/transfers/{id}"),
           ("put", "/sandbox/banks/{bank_code}/fault"), ("get", "/sandbox/banks/{bank_code}/fault"),
           ("get", "/sandbox/clock"), ("post", "/sandbox/clock"), ("post", "/sandbox/reset"),
           ("get", "/sandbox/requests"), ("post", "/sandbox/kona/ars/{regNo}/answer"),
           ("get", "/sandbox/payple/webhooks"), ("post", "/sandbox/payple/webhooks/{id}/redeliver"),
           ("post", "/sandbox/payple/topup"), ("post", "/sandbox/oneq/shoppers")}
SYSTEM = {("get", "/health"), ("get", "/ready"), ("get", "/metrics")}
PAYPLE = {("post", p) for p in ["/oauth/token", "/inquiry/real_name", "/transfer/request",
                                 "/request/result/group_key", "/transfer/execute",
                                 "/transfer/cancel", "/transfer/result", "/transfer/result/date",
                                 "/transfer/result/group_key", "/account/remain"]}
ONEQ = {("post", p) for p in ["/pay/store/token", "/pay", "/pay/success", "/pay/cancel",
                               "/pay/order", "/pay/oneq/api/state", "/pay/oneq/api/step",
                               "/pay/oneq/api/confirm"]} | {
    ("get", p) for p in ["/pay/showQRCode", "/pay/oneq/transfer", "/pay/oneq/qr.png"]}
EXPECTED = {"aqr": AQR, "kona": KONA, "sandbox": SANDBOX, "system": SYSTEM, "payple": PAYPLE,
            "oneq": ONEQ,
            "openapi": {("get", "/openapi"), ("get", "/openapi/{document}")}}


def documents(server):
    index = requests.get(server.url + "/openapi", timeout=10)
    assert index.status_code == 200, index.text
    docs = {}
    for entry in index.json()["documents"]:
        r = requests.get(entry["url"], timeout=10)
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json")
        docs[entry["surface"]] = r.json()
    return docs


def operations(doc):
    return {(method, path) for path, item in doc["paths"].items() for method in item}


def test_every_document_passes_the_linter(server, tmp_path):
    docs = documents(server)
    assert set(docs) == set(EXPECTED), sorted(docs)
    files = []
    for name, doc in docs.items():
        f = tmp_path / f"{name}.json"
        f.write_text(json.dumps(doc))
        files.append(str(f))
    out = subprocess.run([str(LINT / "node_modules" / ".bin" / "redocly"), "lint", "--config",
                          str(LINT / "redocly.yaml"), "--format=stylish", *files],
                         capture_output=True, text=True, timeout=300,
                         env={**os.environ, "REDOCLY_TELEMETRY": "off",
                              "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"})
    assert out.returncode == 0, out.stdout[-6000:] + out.stderr[-2000:]
    for doc in docs.values():
        assert doc["openapi"] == "3.1.0"


def test_every_route_appears(server):
    docs = documents(server)
    for name, want in EXPECTED.items():
        got = operations(docs[name])
        assert got == want, (name, sorted(got ^ want))
        for method, path in got:
            op = docs[name]["paths"][path][method]
            assert op["summary"] and not op["summary"].startswith("/"), (name, path)


def test_each_documented_operation_is_served(server):
    """The path exists with exactly the documented methods: another method is 405 and
    its Allow lists them (so no document names a route the server does not have)."""
    docs = documents(server)
    fill = {"keyword": "AbC123", "amount": "1000", "bank_code": "004",
            "account_number": "11111111111", "id": "x1", "regNo": "R1", "document": "aqr.json"}
    for doc in docs.values():
        for path, item in doc["paths"].items():
            url = server.url + path.format(**fill)
            r = requests.request("TRACE", url, timeout=10)
            assert r.status_code == 405, (path, r.status_code)
            allow = {m.strip().lower() for m in r.headers["Allow"].split(",")}
            assert set(item) <= allow, (path, allow)


def test_what_it_says_is_enforced(server, kona_client):
    docs = documents(server)
    # AQR: a value one character over the documented maxLength is refused by name.
    create = docs["aqr"]["paths"]["/api/"]["post"]["requestBody"]["content"]
    shapes = create["application/x-www-form-urlencoded"]["schema"]["anyOf"]
    fields = next(s for s in shapes if s["title"] == "create")
    assert set(fields["required"]) == {"action", "email_address", "account_number", "bank_id",
                                       "account_owner", "phone_number", "account_name"}
    limit = fields["properties"]["account_name"]["maxLength"]
    body = {"action": "create", "email_address": "sandbox@example.com", "bank_id": "3",
            "account_number": "110-123-456789", "account_owner": "홍길동",
            "phone_number": "010-1234-5678", "account_name": "가" * limit}
    h = {"AQR-DEVELOPER-TOKEN": "aqr_sandbox_token", "Accept": "application/json"}
    assert requests.post(server.url + "/api/", data=body, headers=h, timeout=10).status_code == 200
    body["account_name"] = "가" * (limit + 1)
    r = requests.post(server.url + "/api/", data=body, headers=h, timeout=10)
    assert r.status_code == 400 and "account_name" in r.json()["reason"], r.text
    # Kona: the documented enumeration and pattern are the ones checked.
    reg = docs["kona"]["paths"]["/api/v1/user/registration"]["post"]
    schema = reg["requestBody"]["content"]["application/json"]["schema"]
    assert schema["properties"]["nationality"]["enum"] == ["Korean", "Foreigner"]
    assert schema["properties"]["loginPassword"]["pattern"] == "^[0-9]{6,6}$"
    headers = {p["name"] for p in reg["parameters"] if p["in"] == "header"}
    assert {"X-KM-User-AspId", "X-KM-Tran-Token", "X-KM-Crypto-Key-Id"} <= headers
    codes = reg["responses"]["400"]["description"]
    assert "000_015" in codes and "002_003" in codes
    ans = kona_client.call("user/registration", {
        "loginId": "openapi@example.com", "loginPassword": "13579", "nationality": "Korean",
        "gender": "Male", "userName": "홍길동", "birthDate": "19900101"})
    assert ans.status == 400 and ans.code == "000_015" and "loginPassword" in ans.description


def test_pages_document_their_errors_as_pages(server):
    docs = documents(server)
    page = docs["aqr"]["paths"]["/f/{keyword}"]["get"]["responses"]
    assert "text/html" in page["404"]["content"], page["404"]
    r = requests.get(server.url + "/f/NOSUCHKW", timeout=10)
    assert r.status_code == 404 and r.headers["Content-Type"].startswith("text/html")
    api = docs["aqr"]["paths"]["/api/"]["post"]["responses"]
    assert "application/json" in api["400"]["content"]


def test_sandbox_document_only_in_sandbox_mode(make_server):
    srv = make_server([])
    index = requests.get(srv.url + "/openapi", timeout=10).json()
    assert "sandbox" not in {d["surface"] for d in index["documents"]}
    r = requests.get(srv.url + "/openapi/sandbox.json", timeout=10)
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert requests.get(srv.url + "/openapi/nosuch.json", timeout=10).status_code == 404


@pytest.fixture
def kona_client(server):
    import sys
    sys.path.insert(0, str(ROOT / "tests" / "api" / "kona"))
    from kona_client import for_server
    return for_server(server)
