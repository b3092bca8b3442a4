"""Abuse of credentials and of the sandbox, black-box.

Failed credentials are limited per client address on every surface (AQR's
token, Kona's access key and tran token, the admin token): past the limit the
address gets 429 in the surface's shape, while other addresses are served. A
database made in sandbox mode, served in live mode, refuses the public sandbox
credentials and says so. No refusable request is ever answered with a 5xx.
"""
import http.client
import json
import sys
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "kona"))
from conftest import SANDBOX_EMAIL, SANDBOX_TOKEN, create_body  # noqa: E402
from kona_client import for_server  # noqa: E402

ADMIN = {"Authorization": "Bearer sandbox-admin-token"}


def post_from(server, source, path, body, headers):
    """A POST from a given loopback address (127.0.0.x)."""
    c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10,
                                   source_address=(source, 0))
    c.request("POST", path, body=body, headers=headers)
    r = c.getresponse()
    out = (r.status, r.read(), dict(r.getheaders()))
    c.close()
    return out


def test_failed_aqr_tokens_from_one_address_get_429(make_server):
    s = make_server(["--sandbox", "--auth-fail-rate", "5", "--auth-fail-burst", "20"])
    form = "&".join(f"{k}={v}" for k, v in create_body().items())
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    statuses = []
    with requests.Session() as sess:
        for i in range(300):
            r = sess.post(s.url + "/api/", data=form.encode(), timeout=10,
                          headers={**headers, "AQR-DEVELOPER-TOKEN": f"aqr_wrong_{i}"})
            statuses.append(r.status_code)
            if r.status_code == 429:
                assert r.json()["result"] == "error" and "failed" in r.json()["reason"]
                break
    assert statuses[:20] == [401] * 20, statuses[:25]
    assert statuses[-1] == 429, statuses[-5:]
    # The right token from the same address is refused for now too (no guessing window)...
    r = requests.post(s.url + "/api/", data=form.encode(), timeout=10,
                      headers={**headers, "AQR-DEVELOPER-TOKEN": SANDBOX_TOKEN})
    assert r.status_code == 429
    # ... while another address is served.
    status, body, _ = post_from(s, "127.0.0.2", "/api/", form.encode(),
                                {**headers, "AQR-DEVELOPER-TOKEN": SANDBOX_TOKEN})
    assert status == 200, body


def test_failed_kona_and_admin_credentials_get_429(make_server):
    s = make_server(["--sandbox", "--auth-fail-rate", "1", "--auth-fail-burst", "5"])
    k = for_server(s)
    k4 = for_server(s)  # before this address's failures block its admin calls too
    codes = [k.call("bankaccounts/banks", {}, X_KM_Access_Key="y" * 40) for _ in range(6)]
    assert [a.code for a in codes[:5]] == ["000_101"] * 5
    assert codes[5].status == 429 and codes[5].code == "000_429", codes[5]
    # Admin tokens, from another address (this one is spent), in wonpay's own envelope.
    results = [post_from(s, "127.0.0.3", "/sandbox/clock", b'{"advance_seconds":0}',
                         {"Authorization": "Bearer wrong-token", "Content-Type": "application/json"})
               for _ in range(6)]
    assert [r[0] for r in results] == [401] * 5 + [429]
    assert json.loads(results[5][1])["error"]["code"] == "rate_limited"
    # Wrong tran-token signatures count too.
    statuses = []
    for _ in range(8):
        req = k4.prepare("bankaccounts/banks", {}, secret="guessed")
        status, body, _ = post_from(s, "127.0.0.4", "/api/v1/bankaccounts/banks", req.raw,
                                    req.headers)
        statuses.append(status)
    assert statuses[:5] == [401] * 5 and 429 in statuses, statuses


def test_sandbox_credentials_are_refused_in_live_mode(make_server, tmp_path):
    s = make_server(["--sandbox"])
    assert s.aqr(create_body()).status_code == 200
    s.stop()
    s.args = []  # the same database, live mode
    s.start()
    assert "live mode refuses it" in s.stderr()
    r = s.aqr(create_body())
    assert r.status_code == 401 and r.json()["result"] == "error", r.text
    k = for_server_live(s)
    ans = k.call("bankaccounts/banks", {})
    assert ans.status == 401 and ans.code == "000_101", ans


def for_server_live(s):
    from kona_client import Kona
    return Kona(s.url, s.db.parent / "sandbox")


def test_opening_balance_the_reserve_cannot_fund_is_4xx(server):
    big = (2**63 - 1) // 4
    statuses = []
    for i in range(6):
        r = server.admin("POST", "/sandbox/bank-accounts", {
            "bank_code": "045", "account_number": f"77123456{i:04d}", "holder_name": "큰손",
            "birth_date": "19800101", "balance": big})
        statuses.append(r.status_code)
        assert r.status_code < 500, r.text
        if r.status_code == 422:
            assert "reserve" in r.json()["error"]["message"]
            # nothing half-made: the account does not exist
            assert server.admin("GET", f"/sandbox/bank-accounts/045/77123456{i:04d}").status_code == 404
            break
    assert 422 in statuses, statuses
