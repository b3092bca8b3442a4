#!/usr/bin/python3
"""bench/kona_gen.py — Kona requests for bench/kona.sh (run with /usr/bin/python3: needs jwcrypto).

Every Kona request carries an HMAC tran token that the server accepts once and
only within 5 minutes of its clock, so wrk cannot resend one fixed request.
This writes N distinct signed requests ahead of a run, one file per wrk
thread, read by bench/kona.lua: holder verifications (bankaccounts/user/valid)
or card payments (payment/no-hce), each payment with its own one-time token.

  kona_gen.py register BASE OFFSET_MS                 -> prints the new member's userId
  kona_gen.py probe BASE SANDBOX_DIR OFFSET_MS USER_ID plain|enc
                                                      -> one verification: "HTTP CODE JSON"
  kona_gen.py cards BASE OFFSET_MS --count N --file F [--amount WON] [--procs P]
                                                      -> F holds at least N funded cards
  kona_gen.py payprobe BASE SANDBOX_DIR OFFSET_MS CARDS_FILE plain|enc
                                                      -> one payment: "HTTP CODE JSON"
  kona_gen.py balance BASE OFFSET_MS CARDS_FILE       -> "CARDS SUM": what the cards hold
  kona_gen.py gen plain|enc --count N --threads T --out PREFIX --offset-ms MS
              (--user-id ID | --pay-cards F --base BASE [--per-card K] [--first-card C])
              [--sandbox-dir DIR] [--procs P]         -> PREFIX.1 .. PREFIX.T

OFFSET_MS is the sandbox clock's offset_ms (GET /sandbox/clock): tokens are
stamped in server time. Output lines (tab-separated, no tabs or newlines in
fields): correlation id, tran time, tran token, crypto key id ("-" = plain), body.
Verification bodies differ by a "nonce" field (ignored by the server), payment
bodies by their transactionId, so every HMAC and token differs; token
milliseconds vary too.

Payments: `cards` makes members (user/registration: each has a mobile card),
registers the sandbox account ACCOUNT for each (ars/auth, ars/register, the
ARS call answered through the sandbox control API, inquiry until
BANK_ACC_REGISTERED) and charges each card from it (one-time token, then
recharges/by-bank-accounts/no-hce); the account is opened first through the
control API with money enough for every charge. F gets one line per card:
userId, cardNo (tab-separated). `gen --pay-cards` then asks the server for a
one-time token per payment (v2 payment/generate/onetimetoken, type CREDIT: 5
minutes; a 30 s token would expire before its payment is sent), K per card
(a card keeps at most 256 live tokens), round-robin over ceil(N / K) cards of
F from card C (0 = the first), and signs one payment of PAY_AMOUNT won each.
"""
import base64
import datetime
import hashlib
import hmac
import http.client
import json
import multiprocessing
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

ASP = "KONASANDBOX0001"
ACCESS = "sandbox" + "0" * 33
SECRET = b"sandbox-secret-key"
KEYID = "sandboxcryptokey0000000000000001"
ADMIN = "Bearer sandbox-admin-token"
KST = datetime.timezone(datetime.timedelta(hours=9))
VALID_PATH = "/api/v1/bankaccounts/user/valid"
PAY_PATH = "/api/v1/payment/no-hce"
TOKEN_PATH = "/api/v2/payment/generate/onetimetoken"
HOLDER = {"userName": "홍길동", "birthDate": "19900101"}
# The members' bank account: opened by `cards` at the sandbox bank (004 국민) for
# 홍길동, so the fixture accounts' balances stay as the README says.
ACCOUNT = ("004", "46400000001")
ACCOUNT_BALANCE = 1_000_000_000
MERCHANT = "410195430033901"
PAY_AMOUNT = 1  # won per payment: far below the card's limits (once 2,000,000, day 2,000,000)
TOKEN_TYPE = "CREDIT"  # 5-minute one-time tokens


def holder(user_id, nonce):
    return {"userId": user_id, **HOLDER, "bankCode": "004", "bankAccount": "11111111111",
            "nonce": nonce}


def payment(tok, dcvv, txid):
    return {"oneTimeToken": tok, "dcvv": dcvv, "amount": PAY_AMOUNT, "merchantId": MERCHANT,
            "channel": "OPENAPI", "transactionId": txid}


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
def kona_headers(raw, offset_ms, enc, i):
    cid, ttime, token = headers_for(raw, int(time.time() * 1000) + offset_ms, i)
    h = {"Content-Type": "application/json", "X-KM-User-AspId": ASP, "X-KM-Correlation-Id": cid,
         "X-KM-Access-Key": ACCESS, "X-KM-Tran-Token": token, "X-KM-Tran-Time": ttime,
         "X-KM-Time-Zone": "KST"}
    if enc:
        h["X-KM-Crypto-Key-Id"] = KEYID
    return h


def call(base, path, body, offset_ms, enc=False, i=0):
    raw = json.dumps(body, ensure_ascii=False)
    if enc:
        raw = encrypt(raw)
    raw = raw.encode()
    req = urllib.request.Request(base + path, data=raw, method="POST",
                                 headers=kona_headers(raw, offset_ms, enc, i))
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            status, out = r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        status, out = e.code, json.loads(e.read() or b"{}")
    if enc and "encData" in out:
        out = decrypt(out["encData"])
    return status, out


class Client:
    """Plain Kona calls (and control-API calls) on one kept-alive connection: the
    bulk set-up (members, accounts, charges, one-time tokens)."""

    def __init__(self, base, offset_ms):
        u = urllib.parse.urlsplit(base)
        self.host, self.port, self.offset_ms = u.hostname, u.port, offset_ms
        self.conn = None
        self.n = os.getpid() << 20

    def _post(self, path, raw, headers):
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            try:
                self.conn.request("POST", path, body=raw, headers=headers)
                r = self.conn.getresponse()
                return r.status, json.loads(r.read() or b"{}")
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def kona(self, path, body):
        """(HTTP status, answer, its code)."""
        raw = json.dumps(body, ensure_ascii=False).encode()
        self.n += 1
        st, out = self._post(path, raw, kona_headers(raw, self.offset_ms, False, self.n))
        return st, out, out.get("response", {}).get("code", "?")

    def ok(self, path, body):
        st, out, code = self.kona(path, body)
        if st != 200 or code != "000_000":
            raise RuntimeError(f"{path}: HTTP {st} {json.dumps(out, ensure_ascii=False)}")
        return out

    def admin(self, path, body, accept=(200, 201)):
        st, out = self._post(path, json.dumps(body).encode(),
                             {"Content-Type": "application/json", "Authorization": ADMIN})
        if st not in accept:
            raise RuntimeError(f"{path}: HTTP {st} {json.dumps(out, ensure_ascii=False)}")
        return out

    def token(self, card_no, nonce):
        out = self.ok(TOKEN_PATH, {"cardNo": card_no, "type": TOKEN_TYPE, "nonce": nonce})
        return out["oneTimeToken"], out["dcvv"]


# --- workers: one Client per process ------------------------------------------
_client = None


def _init_client(base, offset_ms):
    global _client
    _client = Client(base, offset_ms)


def _member(i):
    out = _client.ok("/api/v1/user/registration",
                     {"loginId": f"benchpay{os.getpid()}-{time.time_ns()}-{i}@example.com",
                      "loginPassword": "135790", "nationality": "Korean", "gender": "Male",
                      **HOLDER})
    uid = out["userId"]
    auth = _client.ok("/api/v1/bankaccounts/ars/auth", {"userId": uid})["authNumber"]
    reg = _client.ok("/api/v1/bankaccounts/ars/register",
                     {"userId": uid, **HOLDER, "bankCode": ACCOUNT[0],
                      "bankAccount": ACCOUNT[1]})["bankAccRegNo"]
    _client.admin(f"/sandbox/kona/ars/{reg}/answer", {"digits": auth})
    return uid, out["basicCardInfo"]["cardNo"], reg


def _registered(m):
    """Waits for the member's account registration, then charges the card."""
    uid, card_no, reg, amount = m
    deadline = time.monotonic() + 30
    while True:
        status = _client.ok("/api/v1/bankaccounts/ars/register/inquiry", {"regNo": reg})["status"]
        if status == "BANK_ACC_REGISTERED":
            break
        if status not in ("ARS_AUTH_IN_PROGRESS", "ARS_AUTH_DONE") or time.monotonic() > deadline:
            raise RuntimeError(f"registration {reg}: {status}")
        time.sleep(0.05)
    tok, dcvv = _client.token(card_no, "charge")
    out = _client.ok("/api/v1/recharges/by-bank-accounts/no-hce",
                     {"sequenceId": f"bench-{reg}", "userId": uid, "amount": amount,
                      "oneTimeToken": tok, "dcvv": dcvv, "merchantId": MERCHANT})
    if out.get("isPending"):
        raise RuntimeError(f"charge of {card_no}: pending")
    return uid, card_no


def _tokens(task):
    card_no, k, tag = task
    return [_client.token(card_no, f"{tag}-{j}") for j in range(k)]


def _balance(uid):
    (info,) = _client.ok("/api/v1/user/card/list", {"userId": uid})["cardDataInfo"]
    return info["balance"]


def read_cards(path):
    try:
        with open(path, encoding="utf-8") as f:
            return [(int(u), c) for u, c in (line.split() for line in f if line.strip())]
    except FileNotFoundError:
        return []


def cards(argv):
    """Appends funded cards to --file until it holds --count."""
    import argparse
    p = argparse.ArgumentParser(prog="kona_gen.py cards")
    p.add_argument("base")
    p.add_argument("offset_ms", type=int)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--file", required=True)
    p.add_argument("--amount", type=int, default=10_000, help="won charged onto each card")
    p.add_argument("--procs", type=int, default=16)
    a = p.parse_args(argv)
    t0 = time.time()
    have = read_cards(a.file)
    need = a.count - len(have)
    if need > 0:
        c = Client(a.base, a.offset_ms)
        if not have:  # the members' account, with money for every charge
            c.admin("/sandbox/bank-accounts",
                    {"bank_code": ACCOUNT[0], "account_number": ACCOUNT[1],
                     "holder_name": HOLDER["userName"], "birth_date": HOLDER["birthDate"],
                     "kind": "personal", "balance": ACCOUNT_BALANCE}, accept=(201,))
        with multiprocessing.Pool(a.procs, _init_client, (a.base, a.offset_ms)) as pool:
            members = pool.map(_member, range(need), chunksize=4)
            made = pool.map(_registered, [m + (a.amount,) for m in members], chunksize=4)
        with open(a.file, "a", encoding="utf-8") as f:
            for uid, card_no in made:
                f.write(f"{uid}\t{card_no}\n")
    print(f"{max(a.count, len(have))} {max(need, 0)} {time.time() - t0:.2f}")


def balance(argv):
    base, offset, path = argv[0], int(argv[1]), argv[2]
    uids = [u for u, _ in read_cards(path)]
    with multiprocessing.Pool(8, _init_client, (base, offset)) as pool:
        print(len(uids), sum(pool.map(_balance, uids, chunksize=16)))


def payprobe(argv):
    """One payment by hand with the first card (a new token): "HTTP CODE JSON"."""
    base, sdir, offset, path, mode = argv[0], argv[1], int(argv[2]), argv[3], argv[4]
    enc = mode == "enc"
    if enc:
        load_keys(sdir, private=True)
    (_, card_no), *_ = read_cards(path)
    tok, dcvv = Client(base, offset).token(card_no, f"probe-{mode}")
    st, out = call(base, PAY_PATH, payment(tok, dcvv, f"probe-{mode}-{os.getpid()}"), offset,
                   enc=enc, i=os.getpid())
    print(st, out.get("response", {}).get("code", "?"), json.dumps(out, ensure_ascii=False))


# --- generation -----------------------------------------------------------------
_job = {}


def _init_worker(job):
    _job.update(job)
    if job["enc"]:
        load_keys(job["sandbox_dir"])


def _make(i):
    """Request i as one output line."""
    j = _job
    nonce = f"{j['tag']}-{i}"
    if j["tokens"] is not None:
        body = payment(*j["tokens"][i], nonce)
    else:
        body = holder(j["user_id"], nonce)
    raw = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    if j["enc"]:
        raw = encrypt(raw)
    # Milliseconds vary with i; the stamps stay within 1 s after the base.
    cid, ttime, token = headers_for(raw.encode(), j["base_ms"] + i % 1000, i)
    return "\t".join((cid, ttime, token, KEYID if j["enc"] else "-", raw))


def _make_range(rng):
    lo, hi = rng
    return lo, [_make(i) for i in range(lo, hi)]


def pay_tokens(a, tag):
    """One one-time token per payment: (token, dcvv) x count, the cards taken in turn."""
    have = read_cards(a.pay_cards)[a.first_card:]
    ncards = -(-a.count // a.per_card)
    if len(have) < ncards:
        sys.exit(f"kona_gen.py: {a.count} payments need {ncards} cards "
                 f"({a.per_card} tokens each); {a.pay_cards} has {len(have)} "
                 f"from card {a.first_card}")
    per = [a.count // ncards + (c < a.count % ncards) for c in range(ncards)]
    tasks = [(have[c][1], per[c], f"{tag}-{c}") for c in range(ncards)]
    with multiprocessing.Pool(a.procs * 4, _init_client, (a.base, a.offset_ms)) as pool:
        lists = pool.map(_tokens, tasks, chunksize=1)
    # Round-robin: consecutive payments are other cards'.
    return [lists[c][j] for j in range(max(per)) for c in range(ncards) if j < per[c]]


def gen(argv):
    import argparse
    p = argparse.ArgumentParser(prog="kona_gen.py gen")
    p.add_argument("mode", choices=("plain", "enc"))
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--user-id", type=int)
    p.add_argument("--pay-cards", help="card file from `cards`: payment requests")
    p.add_argument("--base", help="wonpay's URL (the one-time tokens of --pay-cards)")
    p.add_argument("--per-card", type=int, default=256, help="tokens per card (at most 256)")
    p.add_argument("--first-card", type=int, default=0, help="cards before it are not used")
    p.add_argument("--offset-ms", type=int, required=True)
    p.add_argument("--sandbox-dir")
    p.add_argument("--procs", type=int, default=os.cpu_count() or 1)
    a = p.parse_args(argv)
    enc = a.mode == "enc"
    if enc and not a.sandbox_dir:
        p.error("enc needs --sandbox-dir")
    if (a.user_id is None) == (a.pay_cards is None):
        p.error("give one of --user-id (verifications) and --pay-cards (payments)")
    if a.pay_cards and not a.base:
        p.error("--pay-cards needs --base")
    if not 1 <= a.per_card <= 256:
        p.error("--per-card: 1 to 256 (a card keeps at most 256 live tokens)")
    t0 = time.time()
    tag = f"{a.mode[0]}{int(t0 * 1000) % 100000000}"
    tokens = pay_tokens(a, tag) if a.pay_cards else None
    t_tok = time.time() - t0
    job = {"enc": enc, "sandbox_dir": a.sandbox_dir, "user_id": a.user_id, "tag": tag,
           "tokens": tokens, "base_ms": int(time.time() * 1000) + a.offset_ms}
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
    # count, seconds in all, base ms of the stamps, seconds getting one-time tokens
    print(f"{a.count} {time.time() - t0:.2f} {job['base_ms']} {t_tok:.2f}")


def main():
    cmd, args = (sys.argv[1], sys.argv[2:]) if len(sys.argv) > 1 else ("", [])
    if cmd == "register":
        base, offset = args[0], int(args[1])
        st, out = call(base, "/api/v1/user/registration",
                       {"loginId": f"bench{os.getpid()}{int(time.time())}@example.com",
                        "loginPassword": "135790", "nationality": "Korean", "gender": "Male",
                        **HOLDER}, offset)
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
    elif cmd == "cards":
        cards(args)
    elif cmd == "payprobe":
        payprobe(args)
    elif cmd == "balance":
        balance(args)
    elif cmd == "gen":
        gen(args)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
