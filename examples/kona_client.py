#!/usr/bin/env python3
"""A minimal Konaplate client for the wonpay sandbox (standard library + requests).

    python3 examples/kona_client.py                    # plain JSON
    python3 examples/kona_client.py --encrypt          # JWE (needs python3-jwcrypto)

It registers a member, verifies the holder of the sandbox account 004 11111111111,
and prints each answer. Credentials are the documented sandbox values.
"""
import argparse, base64, datetime, hashlib, hmac, json, secrets

import requests

ASP_ID = "KONASANDBOX0001"
ACCESS_KEY = "sandbox" + "0" * 33
SECRET_KEY = "sandbox-secret-key"
CRYPTO_KEY_ID = "sandboxcryptokey0000000000000001"


def call(base, path, body, keys=None):
    raw = json.dumps(body, ensure_ascii=False)
    if keys:  # {"encData": JWE(RSA-OAEP-256, A256GCM) to the server's public key}
        from jwcrypto import jwe
        token = jwe.JWE(raw.encode(), json.dumps({"alg": "RSA-OAEP-256", "enc": "A256GCM"}))
        token.add_recipient(keys["server"])
        raw = json.dumps({"encData": token.serialize(compact=True)})
    now = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=9)))  # KST
    stamp = now.strftime("%Y%m%d%H%M%S") + f"{now.microsecond // 1000:03d}"
    mac = hmac.new(SECRET_KEY.encode(), raw.encode(), hashlib.sha256).digest()
    headers = {
        "Content-Type": "application/json",
        "X-KM-User-AspId": ASP_ID,
        "X-KM-Correlation-Id": now.strftime("%y%m%d%H%M%S") + "-" + secrets.token_hex(4)[:7],
        "X-KM-Access-Key": ACCESS_KEY,
        "X-KM-Tran-Token": f"KMV1:{stamp}:{base64.b64encode(mac).decode()}",
        "X-KM-Tran-Time": now.strftime("%Y%m%d%H%M%S"),
        "X-KM-Time-Zone": "KST",
    }
    if keys:
        headers["X-KM-Crypto-Key-Id"] = CRYPTO_KEY_ID
    answer = requests.post(base + path, data=raw.encode(), headers=headers, timeout=10).json()
    if keys and "encData" in answer:
        from jwcrypto import jwe
        token = jwe.JWE()
        token.deserialize(answer["encData"], key=keys["partner"])
        answer = json.loads(token.payload)
    return answer


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--base", default="http://127.0.0.1:8080")
    p.add_argument("--sandbox-dir", default="data/sandbox", help="where wonpay wrote the PEM files")
    p.add_argument("--encrypt", action="store_true")
    a = p.parse_args()
    keys = None
    if a.encrypt:
        from jwcrypto import jwk
        keys = {"server": jwk.JWK.from_pem(open(f"{a.sandbox_dir}/kona-server-public.pem", "rb").read()),
                "partner": jwk.JWK.from_pem(open(f"{a.sandbox_dir}/kona-partner-private.pem", "rb").read())}
    member = call(a.base, "/api/v1/user/registration", {
        "loginId": f"hong{secrets.token_hex(4)}@example.com", "loginPassword": "135790",
        "birthDate": "19900101", "nationality": "Korean", "gender": "Male", "userName": "홍길동"}, keys)
    print("registration:", member)
    print("holder check:", call(a.base, "/api/v1/bankaccounts/user/valid", {
        "userId": member["userId"], "userName": "홍길동", "birthDate": "19900101",
        "bankCode": "004", "bankAccount": "11111111111"}, keys))


if __name__ == "__main__":
    main()
