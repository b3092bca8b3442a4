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
