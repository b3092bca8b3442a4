#!/usr/bin/python3
"""bench/kona_gen.py — Kona requests for bench/kona.sh (run with /usr/bin/python3: needs jwcrypto).

Every Kona request carries an HMAC tran token that the server accepts once and
only within 5 minutes of its clock, so wrk cannot resend one fixed request.
This writes N distinct signed holder-verification requests ahead of a run,
one file per wrk thread, read by bench/kona.lua.

  kona_gen.py register BASE OFFSET_MS                 -> prints the new member's userId
  kona_gen.py probe BASE SANDBOX_DIR OFFSET_MS USER_ID plain|enc
                                                      -> one verification: "HTTP CODE"
  kona_gen.py gen plain|enc --count N --threads T --out PREFIX --user-id ID
              --offset-ms MS [--sandbox-dir DIR] [--procs P]
                                                      -> PREFIX.1 .. PREFIX.T

OFFSET_MS is the sandbox clock's offset_ms (GET /sandbox/clock): tokens are
stamped in server time. Output lines (tab-separated, no tabs or newlines in
fields): correlation id, tran time, tran token, crypto key id ("-" = plain), body.
Bodies differ by a "nonce" field (ignored by the server), so every HMAC and
token differs; token milliseconds vary too.
"""
import base64
import datetime
import hashlib
import hmac
import json
import multiprocessing
import os
import sys
import time
import urllib.error
import urllib.request

ASP = "KONASANDBOX0001"
ACCESS = "sandbox" + "0" * 33
SECRET = b"sandbox-secret-key"
KEYID = "sandboxcryptokey0000000000000001"
KST = datetime.timezone(datetime.timedelta(hours=9))
VALID_PATH = "/api/v1/bankaccounts/user/valid"


def holder(user_id, nonce):
    return {"userId": user_id, "userName": "홍길동", "birthDate": "19900101",
            "bankCode": "004", "bankAccount": "11111111111", "nonce": nonce}


def headers_for(raw, ms, i):
    """Kona headers for body bytes `raw` stamped at server time `ms`; i makes the ids unique."""
    t = datetime.datetime.fromtimestamp(ms / 1000, KST)
    stamp = t.strftime("%Y%m%d%H%M%S") + f"{ms % 1000:03d}"
    sig = base64.b64encode(hmac.new(SECRET, raw, hashlib.sha256).digest()).decode()
    return (t.strftime("%y%m%d%H%M%S") + "-" + f"{i & 0xFFFFFFF:07x}",
            t.strftime("%Y%m%d%H%M%S"), f"KMV1:{stamp}:{sig}")


# --- JWE (jwcrypto; keys loaded once per process) ---------------------------
_server_pub = None
_partner_priv = None


def load_keys(sandbox_dir, private=False):
    global _server_pub, _partner_priv
    from jwcrypto import jwk
    with open(os.path.join(sandbox_dir, "kona-server-public.pem"), "rb") as f:
        _server_pub = jwk.JWK.from_pem(f.read())
    if private:
        with open(os.path.join(sandbox_dir, "kona-partner-private.pem"), "rb") as f:
            _partner_priv = jwk.JWK.from_pem(f.read())


def encrypt(plain):
    from jwcrypto import jwe
    t = jwe.JWE(plain.encode(), json.dumps({"alg": "RSA-OAEP-256", "enc": "A128GCM"}))
    t.add_recipient(_server_pub)
    return json.dumps({"encData": t.serialize(compact=True)})


def decrypt(compact):
    from jwcrypto import jwe
    t = jwe.JWE()
    t.deserialize(compact, key=_partner_priv)
    return json.loads(t.payload)


# --- one request over HTTP (setup and probes) ---------------------------------
def call(base, path, body, offset_ms, enc=False, i=0):
    raw = json.dumps(body, ensure_ascii=False)
    if enc:
        raw = encrypt(raw)
    raw = raw.encode()
    cid, ttime, token = headers_for(raw, int(time.time() * 1000) + offset_ms, i)
    h = {"Content-Type": "application/json", "X-KM-User-AspId": ASP, "X-KM-Correlation-Id": cid,
         "X-KM-Access-Key": ACCESS, "X-KM-Tran-Token": token, "X-KM-Tran-Time": ttime,
         "X-KM-Time-Zone": "KST"}
    if enc:
        h["X-KM-Crypto-Key-Id"] = KEYID
    req = urllib.request.Request(base + path, data=raw, headers=h, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            status, out = r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        status, out = e.code, json.loads(e.read() or b"{}")
    if enc and "encData" in out:
        out = decrypt(out["encData"])
    return status, out


# --- generation -----------------------------------------------------------------
_job = {}


def _init_worker(job):
    _job.update(job)
    if job["enc"]:
        load_keys(job["sandbox_dir"])


def _make(i):
    """Request i as one output line."""
    j = _job
    raw = json.dumps(holder(j["user_id"], f"{j['tag']}-{i}"), ensure_ascii=False,
                     separators=(",", ":"))
    if j["enc"]:
        raw = encrypt(raw)
    # Milliseconds vary with i; the stamps stay within 1 s after the base.
    cid, ttime, token = headers_for(raw.encode(), j["base_ms"] + i % 1000, i)
    return "\t".join((cid, ttime, token, KEYID if j["enc"] else "-", raw))


def _make_range(rng):
    lo, hi = rng
    return lo, [_make(i) for i in range(lo, hi)]


def gen(argv):
    import argparse
    p = argparse.ArgumentParser(prog="kona_gen.py gen")
    p.add_argument("mode", choices=("plain", "enc"))
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--user-id", type=int, required=True)
    p.add_argument("--offset-ms", type=int, required=True)
    p.add_argument("--sandbox-dir")
    p.add_argument("--procs", type=int, default=os.cpu_count() or 1)
    a = p.parse_args(argv)
    enc = a.mode == "enc"
    if enc and not a.sandbox_dir:
        p.error("enc needs --sandbox-dir")
    t0 = time.time()
    job = {"enc": enc, "sandbox_dir": a.sandbox_dir, "user_id": a.user_id,
           "tag": f"{a.mode[0]}{int(t0 * 1000) % 100000000}",
           "base_ms": int(t0 * 1000) + a.offset_ms}
    # Contiguous slices: thread t gets requests [bounds[t-1], bounds[t]).
    bounds = [a.count * t // a.threads for t in range(a.threads + 1)]
    files = [open(f"{a.out}.{t + 1}", "w", encoding="utf-8") for t in range(a.threads)]
    chunk = 2000
    ranges = [(lo, min(lo + chunk, a.count)) for lo in range(0, a.count, chunk)]

    def write(lo, lines):
        for k, line in enumerate(lines):
            i = lo + k
            t = next(t for t in range(a.threads) if bounds[t] <= i < bounds[t + 1])
            files[t].write(line)
            files[t].write("\n")

    if a.procs > 1 and (enc or a.count > 200000):
        with multiprocessing.Pool(a.procs, _init_worker, (job,)) as pool:
            for lo, lines in pool.imap(_make_range, ranges):
                write(lo, lines)
    else:
        _init_worker(job)
        for r in ranges:
            write(*_make_range(r))
    for f in files:
        f.close()
    print(f"{a.count} {time.time() - t0:.2f} {job['base_ms']}")


def main():
    cmd, args = (sys.argv[1], sys.argv[2:]) if len(sys.argv) > 1 else ("", [])
    if cmd == "register":
        base, offset = args[0], int(args[1])
        st, out = call(base, "/api/v1/user/registration",
                       {"loginId": f"bench{os.getpid()}{int(time.time())}@example.com",
                        "loginPassword": "135790", "birthDate": "19900101",
                        "nationality": "Korean", "gender": "Male", "userName": "홍길동"}, offset)
        if st != 200 or "userId" not in out:
            sys.exit(f"registration: HTTP {st} {json.dumps(out, ensure_ascii=False)}")
        print(out["userId"])
    elif cmd == "probe":
        base, sdir, offset, uid, mode = args[0], args[1], int(args[2]), int(args[3]), args[4]
        enc = mode == "enc"
        if enc:
            load_keys(sdir, private=True)
        st, out = call(base, VALID_PATH, holder(uid, f"probe-{mode}"), offset, enc=enc, i=os.getpid())
        print(st, out.get("response", {}).get("code", "?"), json.dumps(out, ensure_ascii=False))
    elif cmd == "gen":
        gen(args)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
