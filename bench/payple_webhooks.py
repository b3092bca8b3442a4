#!/usr/bin/env python3
"""bench/payple_webhooks.py — Payple webhooks delivered per second to a local receiver.

    make build/wonpay && bench/payple_webhooks.py build/wonpay [GROUPS=10] [ITEMS=1000]

Starts a sandbox server (rate limit off, access log off), tops the sample partner up,
makes GROUPS groups of ITEMS transfer requests, executes them all (NOW, 8 at a time) with a
webhook_url on an asyncio receiver in this process (keep-alive HTTP/1.1, answers 200),
and prints items settled per second, webhooks received per second (from the first
execute, and first to last webhook), the CPU time of the server and of the receiver,
and the sender's counters. Exit 1 if a webhook is lost or one delivery arrives twice.
"""
import asyncio, os, re, shutil, subprocess, sys, tempfile, threading, time
import requests
from concurrent.futures import ThreadPoolExecutor

BIN = sys.argv[1]; GROUPS = int(sys.argv[2]) if len(sys.argv) > 2 else 5
ITEMS = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
got = {"n": 0, "first": None, "last": None, "ids": set()}

async def handle(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            m = re.search(rb"(?i)content-length:\s*(\d+)", head)
            body = await reader.readexactly(int(m.group(1)) if m else 0)
            d = re.search(rb"(?i)x-wonpay-delivery:\s*(\S+)", head).group(1)
            now = time.monotonic()
            got["n"] += 1; got["ids"].add(d)
            got["first"] = got["first"] or now; got["last"] = now
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    writer.close()

def receiver(port_box):
    async def main():
        srv = await asyncio.start_server(handle, "127.0.0.1", 0)
        port_box.append(srv.sockets[0].getsockname()[1])
        await srv.serve_forever()
    asyncio.run(main())

box = []
threading.Thread(target=receiver, args=(box,), daemon=True).start()
while not box: time.sleep(0.01)
hook = f"http://127.0.0.1:{box[0]}/hook"
work = tempfile.mkdtemp()
proc = subprocess.Popen([BIN, "serve", "--sandbox", "--listen", "127.0.0.1:0", "--db", work + "/w.db",
                         "--rate-limit", "0", "--access-log", "off"],
                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
url = None
while url is None:
    m = re.search(r"listening on (http://\S+)", proc.stdout.readline())
    url = m.group(1) if m else None
H = {"Content-Type": "application/json"}
C = {"cst_id": "test", "custKey": "abcd1234567890"}
s = requests.Session()
def post(path, body, tok=None):
    h = dict(H, **({"Authorization": "Bearer " + tok} if tok else {}))
    return s.post(url + path, json=body, headers=h).json()
adm = {"Authorization": "Bearer sandbox-admin-token"}
clock = s.get(url + "/sandbox/clock", headers=adm).json()["bank_minute_kst"]
if clock >= 23 * 60 or clock < 60:
    s.post(url + "/sandbox/clock", json={"advance_seconds": ((120 - clock) % 1440) * 60}, headers=adm)
s.post(url + "/sandbox/payple/topup", json={"cst_id": "test", "amount": GROUPS * ITEMS * 1000}, headers=adm)
def tok(): return post("/oauth/token", dict(C, code="as12345678"))["access_token"]
t = tok()
bid = post("/inquiry/real_name", dict(C, bank_code_std="004", account_num="11111111111",
           account_holder_info_type="0", account_holder_info="900101"), t)["billing_tran_id"]
groups = []
t0 = time.monotonic()
for g in range(GROUPS):
    t = tok()
    def one(i, t=t):
        ss = requests.Session()
        return ss.post(url + "/transfer/request", json=dict(C, billing_tran_id=bid, tran_amt="1000"),
                       headers=dict(H, Authorization="Bearer " + t)).json()
    with ThreadPoolExecutor(16) as ex:
        res = list(ex.map(one, range(ITEMS)))
    assert all(r["result"] == "A0000" for r in res), res[:3]
    groups.append((t, res[0]["group_key"]))
print(f"{GROUPS * ITEMS} requests in {time.monotonic() - t0:.1f} s")
def cpu(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
def rcpu():
    t = os.times(); return t.user + t.system
total = GROUPS * ITEMS
c0, r0 = cpu(proc.pid), rcpu()
start = time.monotonic()
def execute(tg):  # groups executed 8 at a time, as a partner's batch jobs would
    t, g = tg
    r = requests.post(url + "/transfer/execute", json=dict(C, group_key=g, billing_tran_id="ALL",
                      execute_type="NOW", webhook_url=hook),
                      headers=dict(H, Authorization="Bearer " + t)).json()
    assert r["result"] == "A0000", r
with ThreadPoolExecutor(8) as ex:
    list(ex.map(execute, groups))
executed = time.monotonic()
while got["n"] < total and time.monotonic() - start < 120:
    time.sleep(0.01)
done = time.monotonic()
print(f"CPU during execute+delivery: wonpay {cpu(proc.pid) - c0:.2f} s, this script (receiver) {rcpu() - r0:.2f} s, wall {done - start:.2f} s")
print(f"executed {total} items in {executed - start:.2f} s ({total / (executed - start):.0f} items settled/s)")
print(f"received {got['n']} webhooks ({len(got['ids'])} distinct delivery ids) "
      f"{done - start:.2f} s after the first execute: {got['n'] / (done - start):.0f}/s end to end; "
      f"{got['n'] / (got['last'] - got['first']):.0f}/s first to last")
time.sleep(1.0)
m = s.get(url + "/metrics").text
for line in m.splitlines():
    if line.startswith(("wonpay_webhook_delivered_total", "wonpay_webhook_attempts_total", "wonpay_webhook_failed")):
        print(line)
print("duplicates after 1 s:", got["n"] - len(got["ids"]))
proc.terminate(); proc.wait(30)
print("server exit", proc.returncode)
shutil.rmtree(work, ignore_errors=True)
sys.exit(0 if got["n"] == total == len(got["ids"]) and proc.returncode == 0 else 1)
