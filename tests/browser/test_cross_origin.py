"""AQR's own JavaScript sample, run unchanged in Chromium from a page on another origin.

The page is served from 127.0.0.2 (another origin than the server's 127.0.0.1) with
Debian's jQuery. The document's sample passes a FormData to $.ajax; jQuery only sends it
with processData: false and contentType: false (else it throws "Illegal invocation"
before sending anything), so those two lines are the one change. A fetch() with a
FormData runs too. Both must create a link.
"""
import functools
import http.server
import shutil
import threading

import pytest
from selenium.webdriver.support.ui import WebDriverWait

from conftest import SANDBOX_EMAIL, SANDBOX_TOKEN

JQUERY = "/usr/share/javascript/jquery/jquery.min.js"

PAGE = """<!DOCTYPE html><meta charset="utf-8"><title>shop</title>
<script src="jquery.min.js"></script>
<script>
window.results = [];
function sample() {
  var formdata = new FormData();
  formdata.append("email_address", "%(email)s");
  formdata.append("account_number", "123456789432");
  formdata.append("bank_id", "1");
  formdata.append("account_owner", "홍길동");
  formdata.append("phone_number", "01012341234");
  formdata.append("account_name", "회비 계좌");
  formdata.append("action", "create");
  $.ajax({
    url: "%(api)s",
    dataType: "json",
    processData: false,
    contentType: false,
    crossDomain: true,
    cache: false,
    data: formdata,
    type: "POST",
    async: false,
    beforeSend: function(request) {
      request.setRequestHeader("AQR-DEVELOPER-TOKEN", "%(token)s");
    },
    success: function(r) { window.results.push(["jquery", r]); },
    error: function(request, status, error) {
      window.results.push(["jquery-error", request.status, request.responseText, String(error)]);
    }
  });
}
async function withFetch() {
  var fd = new FormData();
  fd.append("email_address", "%(email)s");
  fd.append("account_number", "110-123-456789");
  fd.append("bank_id", "3");
  fd.append("account_owner", "김철수");
  fd.append("phone_number", "010-1234-5678");
  fd.append("account_name", "fetch");
  fd.append("action", "create");
  try {
    var r = await fetch("%(api)s", {method: "POST", body: fd,
                                    headers: {"AQR-DEVELOPER-TOKEN": "%(token)s"}});
    window.results.push(["fetch", r.status, await r.json()]);
  } catch (e) {
    window.results.push(["fetch-error", String(e)]);
  }
}
sample();
withFetch();
</script>"""


@pytest.fixture
def shop(server, tmp_path):
    """A page on http://127.0.0.2:PORT that calls the server on 127.0.0.1."""
    shutil.copy(JQUERY, tmp_path / "jquery.min.js")
    (tmp_path / "index.html").write_text(
        PAGE % {"email": SANDBOX_EMAIL, "token": SANDBOX_TOKEN, "api": server.url + "/api/"},
        encoding="utf-8")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.2", 0), handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.2:{httpd.server_address[1]}/index.html"
    httpd.shutdown()


def test_aqr_sample_from_another_origin(shop, driver):
    driver.get(shop)
    WebDriverWait(driver, 20).until(lambda d: len(d.execute_script("return window.results")) >= 2)
    results = {r[0]: r for r in driver.execute_script("return window.results")}
    assert "jquery" in results, results
    assert results["jquery"][1]["result"] == "success", results
    assert results["jquery"][1]["data"]["uniq_keyword"]
    assert "fetch" in results, results
    assert results["fetch"][1] == 200 and results["fetch"][2]["result"] == "success", results
