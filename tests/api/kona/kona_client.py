"""An independent client for wonpay's Kona-style API (written from the wire
rules, sharing no code with the server).

Every call is a POST of JSON to /api/v1/<path> (or /open-api/api/v1/<path>)
with the X-KM-* headers. The tran token is
    KMV1:<yyyyMMddHHmmssSSS in X-KM-Time-Zone>:<base64(HMAC-SHA256(secret, raw body))>
With a crypto key id the body is {"encData": <compact JWE, RSA-OAEP-256 +
A128GCM/A256GCM, to the server's public key>} and the answer comes back as
{"encData": <JWE to the partner's public key>}.
"""
import base64
import datetime
import hashlib
import hmac
import json
import secrets
import time
from pathlib import Path

import requests
from jwcrypto import jwe, jwk

ASP_ID = "KONASANDBOX0001"
ACCESS_KEY = "sandbox" + "0" * 33
SECRET_KEY = "sandbox-secret-key"
CRYPTO_KEY_ID = "sandboxcryptokey0000000000000001"

KST = datetime.timezone(datetime.timedelta(hours=9))
UTC = datetime.timezone.utc

HEADERS = ("X-KM-User-AspId", "X-KM-Correlation-Id", "X-KM-Access-Key",
           "X-KM-Tran-Token", "X-KM-Tran-Time", "X-KM-Time-Zone")


def b64url_decode(part):
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def sign(secret, raw):
    return base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest()).decode()


class Answer:
    """One HTTP answer: status, decoded (and if need be decrypted) JSON body,
    headers, and for an encrypted answer the JWE protected header."""

    def __init__(self, r, body, jwe_header):
        self.status = r.status_code
        self.body = body
        self.headers = r.headers
        self.jwe_header = jwe_header
        self.text = r.text

    @property
    def code(self):
        resp = (self.body or {}).get("response") or {}
        return resp.get("code")

    @property
    def description(self):
        resp = (self.body or {}).get("response") or {}
        return resp.get("description")

    def __repr__(self):
        return f"<Answer {self.status} {self.body!r}>"


class Request:
    """A prepared request (raw body bytes + headers) that a test may tamper with."""

    def __init__(self, url, raw, headers):
        self.url, self.raw, self.headers = url, raw, headers


class Kona:
    def __init__(self, base, sandbox_dir=None, enc=None, tz="KST", asp_id=ASP_ID,
                 access_key=ACCESS_KEY, secret=SECRET_KEY, key_id=CRYPTO_KEY_ID,
                 offset_ms=0):
        self.base = base.rstrip("/")
        self.enc = enc  # None (plain), "A128GCM" or "A256GCM"
        self.tz = tz
        self.asp_id, self.access_key, self.secret, self.key_id = asp_id, access_key, secret, key_id
        self.offset_ms = offset_ms  # the server's sandbox clock minus ours
        self.server_pub = self.partner_priv = None
        self._last_ms = 0  # tokens are single-use: never sign two requests in one ms
        if sandbox_dir is not None:
            d = Path(sandbox_dir)
            self.server_pub = jwk.JWK.from_pem((d / "kona-server-public.pem").read_bytes())
            self.partner_priv = jwk.JWK.from_pem((d / "kona-partner-private.pem").read_bytes())

    # -- building blocks ---------------------------------------------------
    def now(self):
        """The time to sign with: ours plus the server's clock offset, in our zone,
        strictly later (in ms) than the previous one."""
        tz = KST if self.tz == "KST" else UTC
        ms = int(time.time() * 1000) + self.offset_ms
        if ms <= self._last_ms:
            time.sleep((self._last_ms + 1 - ms) / 1000)
            ms = self._last_ms + 1
        self._last_ms = ms
        return datetime.datetime.fromtimestamp(ms / 1000, tz)

    @staticmethod
    def correlation_id(now):
        return now.strftime("%y%m%d%H%M%S") + "-" + secrets.token_hex(4)[:7]

    def encrypt(self, plain, enc=None):
        token = jwe.JWE(plain, json.dumps({"alg": "RSA-OAEP-256", "enc": enc or self.enc}))
        token.add_recipient(self.server_pub)
        return token.serialize(compact=True)

    def decrypt(self, compact):
        token = jwe.JWE()
        token.deserialize(compact, key=self.partner_priv)
        header = json.loads(b64url_decode(compact.split(".")[0]))
        return json.loads(token.payload), header

    def prepare(self, path, body, raw=None, encrypt=None, now=None, secret=None, **over):
        """Builds the request. `raw` replaces the JSON body bytes (signed as
        given); `over` sets (value) or removes (None) headers, with '_' for '-'
        after X_KM_ (e.g. X_KM_Time_Zone="UTC") or the header name in a dict."""
        encrypt = self.enc is not None if encrypt is None else encrypt
        if raw is None:
            raw = json.dumps(body, ensure_ascii=False).encode()
            if encrypt:
                raw = json.dumps({"encData": self.encrypt(raw)}).encode()
        now = now or self.now()
        stamp = now.strftime("%Y%m%d%H%M%S") + f"{now.microsecond // 1000:03d}"
        h = {"Content-Type": "application/json",
             "X-KM-User-AspId": self.asp_id,
             "X-KM-Correlation-Id": self.correlation_id(now),
             "X-KM-Access-Key": self.access_key,
             "X-KM-Tran-Token": f"KMV1:{stamp}:{sign(secret or self.secret, raw)}",
             "X-KM-Tran-Time": now.strftime("%Y%m%d%H%M%S"),
             "X-KM-Time-Zone": self.tz}
        if encrypt:
            h["X-KM-Crypto-Key-Id"] = self.key_id
        for k, v in over.items():
            name = k.replace("_", "-")
            if v is None:
                h.pop(name, None)
            else:
                h[name] = v
        if not path.startswith("/"):
            path = "/api/v1/" + path
        return Request(self.base + path, raw, h)

    def send(self, req):
        r = requests.post(req.url, data=req.raw, headers=req.headers, timeout=30)
        try:
            body = r.json()
        except ValueError:
            body = None
        header = None
        if isinstance(body, dict) and "encData" in body:
            plain, header = self.decrypt(body["encData"])
            body = plain
        return Answer(r, body, header)

    def call(self, path, body, **kw):
        return self.send(self.prepare(path, body, **kw))


def for_server(server, **kw):
    """A client for a conftest.Server, signing with the server's sandbox clock."""
    offset = server.admin("GET", "/sandbox/clock").json()["offset_ms"]
    return Kona(server.url, server.db.parent / "sandbox", offset_ms=offset, **kw)
