#!/usr/bin/env python3
"""seeds.py — writes the seed corpora fuzz/corpus/<driver>/ (small, meaningful inputs).

Each driver reads a few leading bytes of parameters before its payload (see the
comment at the top of fuzz/fuzz_<driver>.c); the seeds below put them in front.
Run from the repository root after changing a driver's input layout:

    python3 fuzz/seeds.py

It rewrites only the files it names (seed-<name>); inputs added by hand stay.
"""
import base64
import hashlib
import hmac
import json
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")

AQR_CREATE = (b"email_address=sandbox%40example.com&account_number=1234567894321&bank_id=1"
              b"&account_owner=%ED%99%8D&phone_number=01012341234&account_name=x&action=create")
AQR_DELETE = b"email_address=sandbox%40example.com&uniq_keyword=abcDE123&action=delete"
HONG = "홍길동"
KONA_BODIES = [
    {"loginId": "kona-0a1b2c3d4e5f@example.com", "loginPassword": "135790",
     "nationality": "Korean", "gender": "Male", "userName": HONG, "birthDate": "19900101"},
    {"userId": 1000000001, "userName": HONG, "birthDate": "19900101", "bankCode": "004",
     "bankAccount": "1234567894321"},
    {"userId": 1000000001},
    {"mobileNumber": "01012341234", "email": "hong@example.com", "userName": HONG,
     "birthDate": "900101"},
]
SECRET = "sandbox-secret-key"


def compact(o):
    return json.dumps(o, ensure_ascii=False, separators=(",", ":")).encode()


def token(secret, body, stamp):
    mac = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return f"KMV1:{stamp}:{base64.b64encode(mac).decode()}".encode()


def write(driver, seeds):
    d = os.path.join(ROOT, driver)
    os.makedirs(d, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(d, f"seed-{name}"), "wb") as f:
            f.write(data)


def multipart(boundary, fields):
    out = b""
    for name, value in fields:
        out += (b"--" + boundary + b'\r\nContent-Disposition: form-data; name="' + name
                + b'"\r\n\r\n' + value + b"\r\n")
    return out + b"--" + boundary + b"--\r\n"


def form():
    ct = b"application/x-www-form-urlencoded; charset=EUC-KR\n"
    return {
        "aqr-create": b"\x00" + AQR_CREATE,
        "aqr-delete-utf8": b"\x01" + AQR_DELETE,
        "euc-kr-owner": b"\x03" + AQR_CREATE.replace(b"%ED%99%8D", b"%C8%AB%B1%E6%B5%BF"),
        "cp949-raw": b"\x04account_owner=\xc8\xab\xb1\xe6\xb5\xbf&action=create",
        "latin1": b"\x05name=caf%E9&city=M%FCnchen",
        "garbage-charset": b"\x09shift_jis\nname=%82%A0",
        "content-type": b"\x0a" + ct + b"\xff" + AQR_CREATE.replace(b"%ED%99%8D", b"%C8%AB"),
        "content-type-quoted": b"\x0bApplication/X-WWW-Form-Urlencoded ; charset=\"utf-8\" ; x=y\n\x21"
                               + AQR_DELETE,
        "multipart": b"\x0dmultipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW\n"
                     + multipart(b"----WebKitFormBoundary7MA4YWxkTrZu0gW", [
                         (b"email_address", b"sandbox@example.com"), (b"account_owner", HONG.encode()),
                         (b"action", b"create")]),
        "multipart-quoted-file": b"\x0eMultipart/Form-Data; charset=utf-8; boundary=\"a b\"\n"
                                 + b"--a b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.txt\"\r\n"
                                 + b"Content-Type: text/plain\r\n\r\nhi\r\n--a b--\r\n",
        "multipart-cut": b"\x0fmultipart/form-data;boundary=xyz\n\r\n--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv",
        "sloppy-raw": b"\x00account_owner=\xed\x99\x8d \xea\xb8\xb8\xeb\x8f\x99&account_name=<b>+x&action=create\r\n",
        "duplicate": b"\x00a=1&a=2",
        "broken-escape": b"\x00a=%zz",
        "nul": b"\x00a=%00",
    }


def json_body():
    s = {f"kona-{i}": compact(b) for i, b in enumerate(KONA_BODIES)}
    s.update({
        "encdata": b'{"encData":"eyJhbGciOiJSU0EtT0FFUC0yNTYiLCJlbmMiOiJBMjU2R0NNIn0.a.b.c.d"}',
        "empty-object": b"{}",
        "array": b"[1,2]",
        "duplicate": b'{"a":1,"a":2}',
        "big-int": b'{"amount":9223372036854775807,"neg":-9223372036854775808}',
        "nested": b'{"a":{"b":[1,2.5,true,false,null,"\\u0041\\ud55c"]}}',
        "bad-utf8": b'{"a":"\xff"}',
    })
    return s


def kona_headers():
    seeds = {}
    for i, b in enumerate(KONA_BODIES[:3]):
        raw = compact(b)
        stamp = "20221108120814608"
        head = b"\x00" + struct.pack(">I", 1667909294)
        fields = [b"221108120814-a1b2c3d", stamp.encode(), b"KST", token(SECRET, raw, stamp),
                  SECRET.encode()]
        seeds[f"kona-{i}"] = head + b"\n".join(fields) + b"\n" + raw
    seeds["real-token"] = (b"\x00\x00\x00\x00\x00" + b"240229235959-ABCDEF0\n20221108120814\nUTC\n"
                           b"KMV1:20221108120814608:uLD+mU8mz9K95neGiSJTSsF3zzAQJglCggZAOSs5Fkg=\n"
                           + SECRET.encode() + b"\n" + compact({"userId": 1000000001}))
    seeds["stale-utc"] = (b"\x02\x63\x6a\x1c\x00" + b"230229120000-abcdef0\n19700101000000\nGMT\n"
                          b"KMV1:19700101000000000:uLD+mU8mz9K95neGiSJTSsF3zzAQJglCggZAOSs5Fkg=\nk\n{}")
    seeds["no-zone"] = b"\x01\x00\x00\x00\x00\n\n\n\n\n"
    return seeds


def part(data):
    return struct.pack(">H", len(data)) + data


def jwe():
    hdr = base64.urlsafe_b64encode(b'{"alg":"RSA-OAEP-256","enc":"A256GCM"}').rstrip(b"=")
    return {
        "raw-shape": b"\x00" + hdr + b".AAAA.AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA",
        "raw-four-parts": b"\x00" + hdr + b"..AAAA.AAAA",
        "raw-bad-header": b"\x00eyJhbGciOiJub25lIn0.a.b.c.d",
        "mutate-none-128": b"\x01\x00\x00",
        "mutate-none-256": b"\x01\x01\x00",
        "mutate-header-zip": b"\x01\x01\x01" + part(b'{"alg":"RSA-OAEP-256","enc":"A256GCM","zip":"DEF"}'),
        "mutate-header-enc": b"\x01\x01\x01" + part(b'{"alg":"RSA-OAEP-256","enc":"A128GCM"}'),
        "mutate-header-dup": b"\x01\x01\x01" + part(b'{"alg":"RSA-OAEP-256","enc":"A256GCM","enc":"A256GCM"}'),
        "mutate-iv-xor": b"\x01\x02\x04\x00\x01\x01",
        "mutate-tag-short": b"\x01\x00\x10\x00\x0f" + b"\x00" * 15,
        "mutate-ct-raw": b"\x01\x00\x28\x00\x04a.b.",
        "round-trip": b"\x02\x01" + compact(KONA_BODIES[1]),
        "round-trip-empty": b"\x02\x00",
    }


def router():
    def r(method_index, path, sandbox=1):
        return bytes([(method_index << 1) | sandbox]) + path
    return {
        "aqr-api": r(2, b"/api/"),
        "aqr-landing": r(0, b"/f/abcDE123"),
        "aqr-amount": r(0, b"/f/abcDE123/5000"),
        "aqr-qr-head": r(1, b"/f/abcDE123/qr"),
        "aqr-res": r(0, b"/res/api/abcDE123"),
        "kona": r(2, b"/api/v1/bankaccounts/as-rcg-svc/ars/register"),
        "kona-open": r(2, b"/open-api/api/v1/user/info"),
        "kona-404": r(2, b"/api/v1/no/such/api"),
        "health": r(0, b"/health", 0),
        "sandbox-fault": r(3, b"/sandbox/banks/004/fault"),
        "sandbox-account": r(4, b"/sandbox/bank-accounts/004/1234567894321"),
        "sandbox-ars": r(2, b"/sandbox/kona/ars/R20221108120814000001/answer"),
        "sandbox-clock-delete": r(5, b"/sandbox/clock"),
        "raw-method": r(7, b"BREW\n/sandbox/clock"),
    }


def text_prefix(cap=16, flags=0, won=1234567, lo=0, hi=10**11, off=540, y=2024, m=2, d=29):
    return (bytes([cap, flags]) + struct.pack(">q", won) + struct.pack(">q", lo)
            + struct.pack(">q", hi) + struct.pack(">h", off) + struct.pack(">h", y)
            + struct.pack(">bb", m, d))


def text():
    return {
        "account": text_prefix() + b"1234567894321",
        "path-digits": text_prefix(cap=8) + b"/f/abcDE123/5000?phone=01012341234",
        "korean": text_prefix(won=-9223372036854775808) + HONG.encode(),
        "bidi": text_prefix() + "a\u202eb\u061c\u2066".encode(),
        "invalid": text_prefix(cap=3) + b"\xed\xa0\x80\xc0\xaf\xf4\x90\x80\x80\xe2\x82",
        "html": text_prefix() + b"<script>alert('x')</script>&amp;\"",
        "controls": text_prefix() + b"a\tb\x7f\x01\"\\",
        "stamp": text_prefix(flags=1, off=-300) + b"20221108120814608",
        "birth-short": text_prefix(flags=1) + b"000229",
        "birth": text_prefix(y=1900, m=2, d=29) + b"19900101",
        "int-max": text_prefix(lo=-1, hi=9223372036854775807) + b"9223372036854775807",
    }


def render():
    def vals(*v):
        return b"\x00".join(x.encode() for x in v)
    landing = vals("x 계좌", "1", "", "", "", "x", "국민은행", "1234567894321", "홍",
                   "5,000", "5000", "/res/api/abcDE123", "/f/abcDE123/qr", "/f/abcDE123")
    return {
        "landing": b"\x00" + landing,
        "qr-large": b"\x00" + vals("t", "", "1", "", "", "a", "b", "c", "d", "", "", "e", "f", "g"),
        "error": b"\x00" + vals("계좌 정보를 찾을 수 없습니다", "", "", "계좌 정보를 찾을 수 없습니다",
                                "주소를 다시 확인해 주세요."),
        "markup": b"\x00" + vals("<b>", "1", "", "", "", "\"><script>", "&amp;", "'", "<", ">",
                                 "&", "javascript:x", "\" onload=\"x", "{{title}}"),
        "dropped": b"\x0b" + landing,
        "unknown": b"\x20" + landing,
    }


def fields():
    s = {
        "aqr-create-form": b"\x01\x00\x00" + AQR_CREATE + b"&userId=1000000001&userName=x",
        "aqr-delete-form": b"\x01\x00\x00" + AQR_DELETE,
        "aqr-rows-form": b"\x01\x00\xff" + AQR_CREATE,
        "trim-form": b"\x01\x00\x00email_address=+a%40b.co+&action=delete&userName=%09y&memo=+m+"
                     b"&phone_number=010-1234-1234&birthDate=000229&openDate=20240229&kind=",
    }
    for i, b in enumerate(KONA_BODIES):
        s[f"kona-{i}"] = b"\x00\x00\x00" + compact(b)
    s["kona-rows"] = b"\x00\x0f\x00" + compact(KONA_BODIES[1])
    s["json-all"] = b"\x00\x00\x00" + compact({
        "email_address": " sandbox@example.com ", "account_number": "123-456-7894321",
        "bank_id": 1, "account_owner": "홍", "phone_number": "", "account_name": "x",
        "action": "create", "uniq_keyword": "abcDE123", "userId": 1000000001,
        "userName": HONG, "birthDate": "19900101", "bankCode": "004", "loginPassword": "135790",
        "memo": "12345678901", "kind": "한", "openDate": "20000229"})
    return s


def main():
    write("form", form())
    write("json_body", json_body())
    write("kona_headers", kona_headers())
    write("jwe", jwe())
    write("router", router())
    write("text", text())
    write("render", render())
    write("fields", fields())


if __name__ == "__main__":
    main()
