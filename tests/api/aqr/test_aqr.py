"""AQR surface, black-box: the spec's own samples and every documented error.

Spec: the provider's "AQR API Reference" (https://aplx.link/api/). The server is the ASan+UBSan
binary; requests are built the way each sample's language builds them.
"""
import re
import shutil
import socket
import subprocess
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from conftest import SANDBOX_EMAIL, SANDBOX_TOKEN, STORE, create_body, sqlite_only

KW = re.compile(r"^[A-Za-z0-9]{5,20}$")


def assert_created(server, r):
    assert r.status_code == 200, r.text
    body = r.json()
    assert list(body) == ["result", "data"]
    assert body["result"] == "success"
    data = body["data"]
    assert list(data) == ["qr_image", "short_url", "uniq_keyword"]
    kw = data["uniq_keyword"]
    assert KW.match(kw), kw
    assert data["qr_image"] == f"{server.url}/res/api/{kw}"
    assert data["short_url"] == f"{server.url}/f/{kw}"
    return kw


def assert_error(r, status, fragment):
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["Content-Type"].startswith("application/json")
    body = r.json()
    assert body["result"] == "error"
    assert fragment in body["reason"], body["reason"]


# ---- the spec's request samples, each in its own language's shape ----

def test_curl_sample_verbatim(server):
    """The create curl sample, placeholders filled, run with the real curl."""
    body = ("email_address=sandbox@example.com&account_number=1234567894321&bank_id=1"
            "&account_owner=<OWNER NAME>&phone_number=01012341234"
            "&account_name=<ACCOUNT NAME>&action=create")
    out = subprocess.run(
        ["curl", "-s", "-H", f"AQR-DEVELOPER-TOKEN: {SANDBOX_TOKEN}",
         "-H", "Content-type: application/x-www-form-urlencoded", "-X", "POST",
         "-d", body, f"{server.url}/api/"], capture_output=True, check=True, timeout=30)
    r = requests.models.Response()
    r.status_code = 200
    r._content = out.stdout
    r.headers["Content-Type"] = "application/json"
    kw = assert_created(server, r)
    page = requests.get(f"{server.url}/f/{kw}", timeout=10).text
    assert "&lt;OWNER NAME&gt;" in page and "1234567894321" in page

    out = subprocess.run(
        ["curl", "-s", "-w", "\n%{http_code}", "-H", f"AQR-DEVELOPER-TOKEN: {SANDBOX_TOKEN}",
         "-H", "Content-type: application/x-www-form-urlencoded", "-X", "POST",
         "-d", f"email_address=sandbox@example.com&uniq_keyword={kw}&action=delete",
         f"{server.url}/api/"], capture_output=True, check=True, timeout=30, text=True)
    text, code = out.stdout.rsplit("\n", 1)
    assert code == "200" and text == '{"result":"success"}'


def test_php_sample_shape(server):
    """PHP: http_build_query encodes with '+' for spaces (RFC 1738)."""
    body = urllib.parse.urlencode({
        "email_address": SANDBOX_EMAIL, "account_number": "1234567894321", "bank_id": "1",
        "account_owner": "홍 길동", "phone_number": "01012341234",
        "account_name": "<ACCOUNT NAME>", "action": "create"})
    r = server.aqr(body)
    kw = assert_created(server, r)
    assert "홍 길동" in requests.get(f"{server.url}/f/{kw}", timeout=10).text


def test_javascript_sample_shape(server):
    """jQuery with contentType x-www-form-urlencoded and a custom header."""
    fields = [("email_address", SANDBOX_EMAIL), ("account_number", "123456789432"),
              ("bank_id", "1"), ("account_owner", "<OWNER NAME>"),
              ("phone_number", "01012341234"), ("account_name", "<ACCOUNT NAME>"),
              ("action", "create")]
    r = requests.post(server.url + "/api/", data=fields, timeout=10, headers={
        "AQR-DEVELOPER-TOKEN": SANDBOX_TOKEN, "X-Requested-With": "XMLHttpRequest",
        "Accept": "application/json, text/javascript, */*; q=0.01",
        "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"})
    assert_created(server, r)


def test_python_sample_verbatim(server):
    """The Python sample sends a raw, unescaped string."""
    data = ("email_address=sandbox@example.com"
            "&account_number=1234567894321"
            "&bank_id=1"
            "&account_owner=<OWNER NAME>"
            "&phone_number=01012341234"
            "&account_name=<ACCOUNT NAME>"
            "&action=create")
    headers = {'Content-Type': 'application/x-www-form-urlencoded',
               'AQR-DEVELOPER-TOKEN': SANDBOX_TOKEN}
    response = requests.post(server.url + '/api/', headers=headers, data=data, timeout=10)
    response.raise_for_status()
    kw = assert_created(server, response)
    data = f"email_address=sandbox@example.com&uniq_keyword={kw}&action=delete"
    response = requests.post(server.url + '/api/', headers=headers, data=data, timeout=10)
    response.raise_for_status()
    assert response.json() == {"result": "success"}


def test_csharp_sample_shape(server):
    """C#: Uri.EscapeDataString (%20 for space, everything reserved escaped), explicit length."""
    esc = lambda s: urllib.parse.quote(s, safe="-_.~")  # noqa: E731
    content = ("email_address=" + esc(SANDBOX_EMAIL) + "&account_number=" + esc("1234567894321")
               + "&bank_id=" + esc("1") + "&account_owner=" + esc("<OWNER NAME>")
               + "&phone_number=" + esc("01012341234") + "&account_name=" + esc("회비 통장")
               + "&action=" + esc("create"))
    data = content.encode("utf-8")
    r = requests.post(server.url + "/api/", data=data, timeout=10, headers={
        "Content-Type": "application/x-www-form-urlencoded", "AQR-DEVELOPER-TOKEN": SANDBOX_TOKEN,
        "Content-Length": str(len(data))})
    kw = assert_created(server, r)
    assert "회비 통장" in requests.get(f"{server.url}/f/{kw}", timeout=10).text


def test_older_actions_and_api_without_slash(server):
    kw = assert_created(server, server.aqr(create_body(action="aqr_create")))
    r = server.aqr({"email_address": SANDBOX_EMAIL, "uniq_keyword": kw, "action": "aqr_delete"})
    assert r.json() == {"result": "success"}
    r = requests.post(server.url + "/api", data=create_body(), timeout=10,
                      headers={"AQR-DEVELOPER-TOKEN": SANDBOX_TOKEN})
    assert_created(server, r)


def test_header_name_case_insensitive(server):
    for name in ("aqr-developer-token", "Aqr-Developer-Token", "AQR-DEVELOPER-TOKEN"):
        r = requests.post(server.url + "/api/", data=create_body(), timeout=10,
                          headers={name: SANDBOX_TOKEN})
        assert_created(server, r)


def test_korean_percent_encoded_and_euc_kr(server):
    kw = assert_created(server, server.aqr(
        "email_address=sandbox%40example.com&account_number=110-123-456789&bank_id=3"
        "&account_owner=%ED%99%8D%EA%B8%B8%EB%8F%99&phone_number=010-1234-1234"
        "&account_name=%EA%B3%84%EC%A2%8C+%EC%9D%B4%EB%A6%84&action=create"))
    page = requests.get(f"{server.url}/f/{kw}", timeout=10).text
    assert "홍길동" in page and "계좌 이름" in page and "110123456789" in page
    assert "국민은행" in page
    # The same name from a client that sends EUC-KR and says so.
    body = urllib.parse.urlencode(create_body(account_owner="김철수"), encoding="euc-kr")
    kw = assert_created(server, server.aqr(body, headers={
        "Content-Type": "application/x-www-form-urlencoded; charset=EUC-KR"}))
    assert "김철수" in requests.get(f"{server.url}/f/{kw}", timeout=10).text


# ---- errors: the spec's table, each status reached ----

@pytest.mark.parametrize("over,fragment", [
    ({"email_address": None}, "email_address is required"),
    ({"email_address": "not-an-email"}, "email_address is not a valid email address"),
    ({"account_number": None}, "account_number is required"),
    ({"account_number": "12ab5678"}, "account_number must contain only digits"),
    ({"account_number": "1" * 31}, "account_number is 31 characters long; the maximum is 30"),
    ({"bank_id": None}, "bank_id is required"),
    ({"bank_id": "60"}, "bank_id must be an integer from 0 to 59"),
    ({"bank_id": "toss"}, "bank_id must be an integer from 0 to 59"),
    ({"account_owner": None}, "account_owner is required"),
    ({"account_owner": "가" * 51}, "account_owner is 51 characters long; the maximum is 50"),
    ({"phone_number": None}, "phone_number is required"),
    ({"phone_number": "1" * 21}, "phone_number is 21 characters long; the maximum is 20"),
    ({"phone_number": "010-CALL"}, "phone_number must contain only digits"),
    ({"account_name": None}, "account_name is required"),
    ({"account_name": "x" * 101}, "account_name is 101 characters long; the maximum is 100"),
    ({"action": None}, "action is required"),
    ({"action": "update"}, "action must be create or delete"),
    ({"action": "x" * 21}, "action is longer than 20 characters"),
])
def test_400_each_field(server, over, fragment):
    assert_error(server.aqr(create_body(**over)), 400, fragment)


def test_400_body_problems(server):
    assert_error(server.aqr("action=create&action=delete"), 400, "action is given more than once")
    assert_error(server.aqr("action=cre%ZZate"), 400, "percent-escape")
    assert_error(server.aqr(b"action=\xff\xfe"), 400, "not valid UTF-8")
    assert_error(server.aqr("action=create", headers={"Content-Type": "application/json"}),
                 400, "Content-Type must be application/x-www-form-urlencoded")
    assert_error(server.aqr("action=create", headers={
        "Content-Type": "application/x-www-form-urlencoded; charset=klingon"}), 400, "klingon")
    assert_error(server.aqr({"email_address": SANDBOX_EMAIL, "uniq_keyword": "../../etc",
                             "action": "delete"}), 400, "only letters and digits")


def test_401_token_and_email(server):
    assert_error(server.aqr(create_body(), token=None), 401, "AQR-DEVELOPER-TOKEN header is missing")
    assert_error(server.aqr(create_body(), token="wrong"), 401, "developer token is not valid")
    assert_error(server.aqr(create_body(), token="x" * 5000), 401, "not valid")
    assert_error(server.aqr(create_body(email_address="someone@else.com")), 401,
                 "does not belong to the developer token's owner")
    # The owner's email matches case-insensitively, as email addresses do in practice.
    assert_created(server, server.aqr(create_body(email_address="SandBox@Example.COM")))


def test_404_unknown_keyword_and_paths(server):
    assert_error(server.aqr({"email_address": SANDBOX_EMAIL, "uniq_keyword": "nosuchkw",
                             "action": "delete"}), 404, "uniq_keyword 'nosuchkw' was not found")
    r = requests.get(server.url + "/res/api/nosuchkw", timeout=10)
    assert_error(r, 404, "no account has this keyword")
    r = requests.get(server.url + "/res?keyword=nosuchkw", timeout=10)
    assert r.status_code == 404
    r = requests.get(server.url + "/f/nosuchkw", timeout=10)
    assert r.status_code == 404 and "text/html" in r.headers["Content-Type"]
    assert "계좌 정보를 찾을 수 없습니다" in r.text
    r = requests.get(server.url + "/no/such/path", timeout=10)
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


def test_405_with_allow(server):
    r = requests.get(server.url + "/api/", timeout=10)
    assert_error(r, 405, "use POST")
    assert r.headers["Allow"] == "POST"
    r = requests.put(server.url + "/f/abcde", timeout=10)
    assert r.status_code == 405 and r.headers["Allow"] == "GET, HEAD"


def test_406_when_json_not_acceptable(server):
    r = server.aqr(create_body(), headers={"Accept": "text/html"})
    assert_error(r, 406, "answers in JSON")


def test_410_after_delete(server):
    kw = assert_created(server, server.aqr(create_body()))
    for path in (f"/f/{kw}", f"/f/{kw}/5000", f"/f/{kw}/qr"):  # rendered, so kept a moment
        assert requests.get(server.url + path, timeout=10).status_code == 200
    d = {"email_address": SANDBOX_EMAIL, "uniq_keyword": kw, "action": "delete"}
    assert server.aqr(d).json() == {"result": "success"}
    assert_error(server.aqr(d), 410, f"uniq_keyword '{kw}' was already deleted")
    for path in (f"/f/{kw}", f"/f/{kw}/5000", f"/f/{kw}/qr"):
        r = requests.get(server.url + path, timeout=10)
        assert r.status_code == 410 and "삭제된 계좌 정보입니다" in r.text
    assert requests.get(f"{server.url}/res/api/{kw}", timeout=10).status_code == 410
    assert requests.get(f"{server.url}/res?keyword={kw}", timeout=10).status_code == 410


def test_only_the_owner_can_delete(server, tmp_path):
    """A keyword of another partner is 'not found' to you: existence is not leaked."""
    out = subprocess.run([server_bin(), "partner", "add", "--email", "other@example.com",
                          "--db", str(server.db)], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    token = re.search(r"AQR-DEVELOPER-TOKEN: (\S+)", out.stdout).group(1)
    kw = assert_created(server, server.aqr(create_body()))
    r = server.aqr({"email_address": "other@example.com", "uniq_keyword": kw, "action": "delete"},
                   token=token)
    assert_error(r, 404, "was not found")
    assert requests.get(f"{server.url}/f/{kw}", timeout=10).status_code == 200


def test_413_oversized_body(server):
    big = "account_name=" + "x" * (70 * 1024)
    assert_error(server.aqr(big), 413, "larger than 65536 bytes")
    # Chunked: no Content-Length to refuse early; the limit holds while it streams.
    chunks = (b"x" * 8192 for _ in range(12))
    r = requests.post(server.url + "/api/", data=chunks, timeout=30,
                      headers={"AQR-DEVELOPER-TOKEN": SANDBOX_TOKEN,
                               "Content-Type": "application/x-www-form-urlencoded"})
    assert_error(r, 413, "larger than")


def raw_request(server, data, read_timeout=10):
    with socket.create_connection(("127.0.0.1", server.port), timeout=read_timeout) as s:
        s.sendall(data)
        out = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                out += chunk
                if b"\r\n\r\n" in out:
                    head, _, rest = out.partition(b"\r\n\r\n")
                    m = re.search(rb"Content-Length: (\d+)", head, re.I)
                    if m and len(rest) >= int(m.group(1)):
                        break
        except socket.timeout:
            pass
        return out


def test_ambiguous_framing_refused(server):
    body = b"action=create"
    req = (b"POST /api/ HTTP/1.1\r\nHost: x\r\nAQR-DEVELOPER-TOKEN: " + SANDBOX_TOKEN.encode()
           + b"\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 13\r\n"
           b"Transfer-Encoding: chunked\r\n\r\nd\r\n" + body + b"\r\n0\r\n\r\n")
    out = raw_request(server, req)
    assert out.startswith(b"HTTP/1.1 400"), out[:200]
    assert b"must not carry both Content-Length and Transfer-Encoding" in out


def test_429_rate_limit(make_server):
    s = make_server(["--sandbox", "--rate-limit", "1", "--rate-burst", "3"])
    codes = [s.aqr(create_body()).status_code for _ in range(6)]
    assert codes[:3] == [200, 200, 200]
    assert 429 in codes[3:]
    r = s.aqr(create_body())
    assert_error(r, 429, "too many requests")
    assert r.headers["Retry-After"] == "1"
    # Another credential has its own bucket; a bad token is refused before it counts.
    assert s.aqr(create_body(), token="nope").status_code == 401


# ---- state, images, pages ----

def server_bin():
    from conftest import BIN
    return BIN


def test_restart_persistence(make_server):
    s = make_server(["--sandbox"])
    kw = assert_created(s, s.aqr(create_body(account_owner="재시작")))
    s.stop()
    s.start()  # same database file
    page = requests.get(f"{s.url}/f/{kw}", timeout=10)
    assert page.status_code == 200 and "재시작" in page.text
    r = s.aqr({"email_address": SANDBOX_EMAIL, "uniq_keyword": kw, "action": "delete"})
    assert r.json() == {"result": "success"}
    s.stop()
    s.start()
    assert requests.get(f"{s.url}/f/{kw}", timeout=10).status_code == 410


@pytest.mark.skipif(shutil.which("zbarimg") is None, reason="never: make test installs zbar-tools")
def test_qr_decodes_to_short_url(server, tmp_path):
    r = server.aqr(create_body())
    kw = assert_created(server, r)
    short_url = r.json()["data"]["short_url"]
    for url in (r.json()["data"]["qr_image"], f"{server.url}/res?keyword={kw}"):
        img = requests.get(url, timeout=10)
        assert img.status_code == 200 and img.headers["Content-Type"] == "image/png"
        assert img.content[:8] == b"\x89PNG\r\n\x1a\n"
        assert "max-age" in img.headers["Cache-Control"] and img.headers["ETag"]
        path = tmp_path / "qr.png"
        path.write_bytes(img.content)
        out = subprocess.run(["zbarimg", "-q", "--raw", str(path)], capture_output=True,
                             text=True, timeout=30)
        assert out.stdout.strip() == short_url
    again = requests.get(r.json()["data"]["qr_image"], timeout=10,
                         headers={"If-None-Match": img.headers["ETag"]})
    assert again.status_code == 304
    # The amount page's QR carries the amount, and the amount page shows that QR.
    img = requests.get(f"{server.url}/res/api/{kw}/5000", timeout=10)
    assert img.status_code == 200
    (tmp_path / "amount.png").write_bytes(img.content)
    out = subprocess.run(["zbarimg", "-q", "--raw", str(tmp_path / "amount.png")],
                         capture_output=True, text=True, timeout=30)
    assert out.stdout.strip() == short_url + "/5000"
    assert f'src="/res/api/{kw}/5000"' in requests.get(short_url + "/5000", timeout=10).text
    bad = requests.get(f"{server.url}/res/api/{kw}/0", timeout=10)
    assert bad.status_code == 400 and bad.json()["result"] == "error"
    assert "1 to 100,000,000,000" in bad.json()["reason"], bad.text


def test_landing_pages(server):
    kw = assert_created(server, server.aqr(create_body(account_number="3333-01-1234567",
                                                       bank_id="0")))
    r = requests.get(f"{server.url}/f/{kw}", timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "카카오뱅크" in r.text and "3333011234567" in r.text and "홍길동" in r.text
    assert f'src="/res/api/{kw}"' in r.text and 'lang="ko"' in r.text
    assert "Content-Security-Policy" in r.headers
    r = requests.get(f"{server.url}/f/{kw}/25000", timeout=10)
    assert r.status_code == 200 and "25,000원" in r.text
    r = requests.get(f"{server.url}/f/{kw}/qr", timeout=10)
    assert r.status_code == 200 and 'class="qr large"' in r.text
    for bad in ("0", "-5", "abc", "1" * 30):
        r = requests.get(f"{server.url}/f/{kw}/{bad}", timeout=10)
        assert r.status_code == 400 and "text/html" in r.headers["Content-Type"]
    assert requests.head(f"{server.url}/f/{kw}", timeout=10).status_code == 200


def test_landing_page_etag(server):
    kw = assert_created(server, server.aqr(create_body()))
    r = requests.get(f"{server.url}/f/{kw}", timeout=10)
    etag = r.headers["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{16}"', etag) and r.headers["Cache-Control"] == "no-cache"
    again = requests.get(f"{server.url}/f/{kw}", timeout=10)
    assert again.text == r.text and again.headers["ETag"] == etag
    r304 = requests.get(f"{server.url}/f/{kw}", headers={"If-None-Match": etag}, timeout=10)
    assert r304.status_code == 304 and r304.content == b"" and r304.headers["ETag"] == etag
    other = requests.get(f"{server.url}/f/{kw}", headers={"If-None-Match": '"0000"'}, timeout=10)
    assert other.status_code == 200 and other.text == r.text
    amount = requests.get(f"{server.url}/f/{kw}/7000", timeout=10)
    assert amount.status_code == 200 and amount.headers["ETag"] != etag


def test_no_page_after_its_delete_is_answered(server):
    """Pages are kept a moment once rendered; readers hammer one while it is deleted, and
    no request begun after the delete's answer may get the page."""
    kw = assert_created(server, server.aqr(create_body()))
    deleted_at, late, stop = [], [], threading.Event()

    def reader():
        with requests.Session() as s:
            while not stop.is_set():
                begun = time.monotonic()
                r = s.get(f"{server.url}/f/{kw}", timeout=10)
                if r.status_code == 200 and deleted_at and begun > deleted_at[0]:
                    late.append(begun - deleted_at[0])

    threads = [threading.Thread(target=reader) for _ in range(6)]
    for t in threads:
        t.start()
    time.sleep(0.3)
    d = {"email_address": SANDBOX_EMAIL, "uniq_keyword": kw, "action": "delete"}
    assert server.aqr(d).json() == {"result": "success"}
    deleted_at.append(time.monotonic())
    time.sleep(0.5)
    stop.set()
    for t in threads:
        t.join()
    assert late == []
    assert requests.get(f"{server.url}/f/{kw}", timeout=10).status_code == 410


def test_xss_is_escaped(server):
    kw = assert_created(server, server.aqr(create_body(
        account_owner="<script>alert(1)</script>", account_name='"><img src=x onerror=alert(2)>')))
    page = requests.get(f"{server.url}/f/{kw}", timeout=10).text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page
    assert "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;" in page


def test_200_concurrent_creates(server):
    def one(i):
        return server.aqr(create_body(account_name=f"동시 {i}"))

    with ThreadPoolExecutor(max_workers=200) as ex:
        results = list(ex.map(one, range(200)))
    codes = [r.status_code for r in results]
    assert all(c < 500 for c in codes), codes
    assert codes.count(200) == 200, codes
    keywords = {r.json()["data"]["uniq_keyword"] for r in results}
    assert len(keywords) == 200


def test_health(server):
    r = requests.get(server.url + "/health", timeout=10)
    assert r.status_code == 200 and r.json() == {"status": "ok", "store": STORE}


@sqlite_only("writes a row from before sealing into the file")
def test_personal_data_sealed_at_rest(make_server):
    """Account number, owner and phone are sealed in the database; the landing page
    still shows the account; rows written before sealing existed still read."""
    import sqlite3
    s = make_server(["--sandbox"])
    kw = assert_created(s, s.aqr(create_body(account_number="3020-1122-334455",
                                             account_owner="봉인확인", phone_number="01098765432")))
    con = sqlite3.connect(s.db)
    row = con.execute("SELECT account_number, account_owner, phone_number FROM aqr_links "
                      "WHERE keyword = ?", (kw,)).fetchone()
    assert all(v.startswith("s1:") for v in row), row
    assert not any(x in v for v in row for x in ("302011223344", "봉인확인", "01098765432"))
    page = requests.get(f"{s.url}/f/{kw}", timeout=10).text
    assert "30201122334455" in page and "봉인확인" in page
    # A row from before sealing (plain values) is read as it is.
    partner = con.execute("SELECT id FROM partners").fetchone()[0]
    con.execute("INSERT INTO aqr_links(keyword, partner_id, bank_id, bank_code, account_number, "
                "account_owner, phone_number, account_name, created_ms) "
                "VALUES ('legacy01', ?, 3, '004', '1234567890', '옛날', '01011112222', '예전', 0)",
                (partner,))
    con.commit()
    con.close()
    page = requests.get(f"{s.url}/f/legacy01", timeout=10)
    assert page.status_code == 200 and "1234567890" in page.text and "옛날" in page.text
