#!/usr/bin/env python3
"""A minimal Konaplate client for the wonpay sandbox (standard library + requests).

    python3 examples/kona_client.py                    # plain JSON
    python3 examples/kona_client.py --encrypt          # JWE (needs python3-jwcrypto)

It walks a Konaplate integrator's scenario with the portal's test data (README:
"Kona portal test data"): a member, its bank account verified and registered by the
ARS call, the portal's physical card, a charge from the account, a payment, the
card's history, the payment's and the charge's cancels; it prints each answer and
stops at the first that is not 000_000. Credentials are the documented sandbox values.
"""
import argparse, base64, datetime, hashlib, hmac, json, secrets, time

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


def today_kst():
    return datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=9))).strftime("%Y%m%d")


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

    def step(name, path, body):
        answer = call(a.base, path, body, keys)
        print(f"{name}: {json.dumps(answer, ensure_ascii=False)}")
        if answer.get("response", {}).get("code") != "000_000":
            raise SystemExit(f"{name} failed")
        return answer

    v1 = "/api/v1/"
    # The portal's test person 김코나 and her account 003 333015555557 (balance Y).
    person = {"userName": "김코나", "birthDate": "19751112"}
    account = {**person, "bankCode": "003", "bankAccount": "333015555557"}
    uid = step("1 registration", v1 + "user/registration", {
        "loginId": f"kona{secrets.token_hex(4)}@example.com", "loginPassword": "135790",
        "nationality": "Korean", "gender": "Female", **person})["userId"]
    step("2 holder check", v1 + "bankaccounts/user/valid", {"userId": uid, **account})
    auth = step("3 ARS number to show", v1 + "bankaccounts/ars/auth", {"userId": uid})["authNumber"]
    reg = step("4 ARS call", v1 + "bankaccounts/ars/register", {"userId": uid, **account})
    for _ in range(100):  # the sandbox member answers the call with the number after ~2 s
        status = call(a.base, v1 + "bankaccounts/ars/register/inquiry",
                      {"userId": uid, "regNo": reg["bankAccRegNo"]}, keys).get("status")
        if status not in ("ARS_AUTH_IN_PROGRESS", "ARS_AUTH_DONE"):
            break
        time.sleep(0.1)
    print(f"5 account registration (member pressed {auth}): {status}")
    card = "9491339401250765"  # the portal's test card: expiry 3108, CVC 211
    step("6 physical card", v1 + "prepay-card/physical/register", {
        "userId": uid, "physicalCardNo": card, "physicalCardExpDate": "3108",
        "physicalCardCVC": "211"})

    def one_time_token():
        return step("  one-time token", "/api/v2/payment/generate/onetimetoken", {"cardNo": card})

    t = one_time_token()
    seq = secrets.token_hex(8)
    charged = step("7 charge 50,000", v1 + "recharges/by-bank-accounts/no-hce", {
        "sequenceId": seq, "userId": uid, "amount": 50000, "oneTimeToken": t["oneTimeToken"],
        "dcvv": t["dcvv"], "merchantId": "410195430033901"})
    step("  result", v1 + "recharges/by-bank-account/result/inquiry", {"sequenceId": seq})
    step("8 balance", v1 + "user/card/info", {"cardNo": card})
    t = one_time_token()
    paid = step("9 pay 12,000", v1 + "payment/no-hce", {
        "oneTimeToken": t["oneTimeToken"], "dcvv": t["dcvv"], "amount": 12000,
        "merchantId": "410195430033901", "channel": "OPENAPI",
        "transactionId": secrets.token_hex(8)})
    par = "Q180BEA3B2F1BBD8410336D66A4"
    step("10 history", v1 + "transaction/card", {
        "userId": uid, "par": par, "startDate": today_kst(), "endDate": today_kst(),
        "pageRequest": {"page": 0, "pageSize": 20, "sort": "approvalDateTime",
                        "orderByDirection": "DESC"}})
    step("11 cancel the payment", v1 + "payment/cancel/no-hce", {
        "cardNo": card, "amount": 12000, "nrNumber": paid["nrNumber"],
        "merchantId": "410195430033901", "channel": "OPENAPI"})
    t = one_time_token()
    step("12 cancel the charge (back to the account tomorrow)",
         v1 + "recharges/by-bank-accounts/no-hce/cancel", {
             "sequenceId": secrets.token_hex(8), "userId": uid, "nrNumber": charged["nrNumber"],
             "oneTimeToken": t["oneTimeToken"], "dcvv": t["dcvv"]})
    step("13 balance", v1 + "user/card/info", {"cardNo": card})


if __name__ == "__main__":
    main()
