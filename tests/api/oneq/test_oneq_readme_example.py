"""The README's OneQ Pay example, run verbatim (only the host is the test server's):
its shell block with bash and curl, up to the comment that hands over to the shopper;
the shopper's part (다음, 하나머니, the PIN) is done through the pages' own calls, as
the mobile page's script makes them; then the rest of the block (approve) verbatim."""
import json
import pathlib
import re
import subprocess
from urllib.parse import parse_qs, urlparse

import requests

ROOT = pathlib.Path(__file__).resolve().parents[3]


def oneq_shell_block():
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## OneQ Pay"):]
    section = section[:section.index("\n## ", 1)]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
    assert blocks, "the README's OneQ Pay section lost its example"
    return blocks[0]


def run(script, url):
    script = "set -euo pipefail\n" + script.replace("http://127.0.0.1:8080", url)
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    answers, text, dec = [], out.stdout.strip(), json.JSONDecoder()
    while text:  # curl -s prints each answer without a newline after it
        value, end = dec.raw_decode(text)
        answers.append(value)
        text = text[end:].lstrip()
    return answers


def test_readme_oneq_example_works_verbatim(server):
    block = oneq_shell_block()
    merchant_part, shopper_and_approve = block.split("# open ", 1)
    approve_part = shopper_and_approve.split("\n", 2)[2]  # after the two comment lines
    store, ready = run(merchant_part, server.url)
    assert re.fullmatch(r"[A-Z0-9]{10}", store["cid"]), store
    assert list(ready) == ["tid", "next_redirect_url", "android_app_scheme", "approved_at"]
    q = parse_qs(urlparse(ready["android_app_scheme"]).query)
    page = {"tid": q["tid"][0], "key": q["key"][0]}
    for body in ({"step": "open"}, {"step": "next"}, {"method": "MONEY", "pin": "123456"}):
        path = "confirm" if "pin" in body else "step"
        r = requests.post(f"{server.url}/pay/oneq/api/{path}", json={**page, **body}, timeout=10)
        assert r.status_code == 200, r.text
    assert r.json()["status"] == "AUTH_PASSWORD"
    (approved,) = run(approve_part, server.url)
    assert approved == {"tid": ready["tid"], "cid": "TC0ONETIME", "order_id": "order-1",
                        "member_id": "member_id", "payment_method_type": "MONEY",
                        "item_name": "고구마피자", "amount": 16000,
                        "tran_dt": "2016.11.15 21:18:22"}, approved
