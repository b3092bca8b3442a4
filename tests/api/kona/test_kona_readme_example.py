"""The README's Kona example, run as the README says (examples/kona_client.py, plain and
with --encrypt), against a fresh sandbox server: the whole scenario with the portal's
test data must succeed, and the money must be where the script says it is."""
import datetime
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
KST = datetime.timezone(datetime.timedelta(hours=9))


def bank_night():
    """The example stamps its tokens with the real time, so the sandbox clock cannot be
    moved out of the banks' nightly maintenance (23:30-00:30 KST) for it."""
    now = datetime.datetime.now(KST)
    minute = now.hour * 60 + now.minute
    return minute >= 23 * 60 + 25 or minute < 35


@pytest.mark.skipif(bank_night(), reason="banks in their nightly maintenance (real time)")
@pytest.mark.parametrize("flags", [[], ["--encrypt"]], ids=["plain", "encrypted"])
def test_readme_kona_example(make_server, flags):
    srv = make_server(["--sandbox", "--rate-limit", "0"])
    out = subprocess.run(["/usr/bin/python3", str(ROOT / "examples/kona_client.py"),
                          "--base", srv.url, "--sandbox-dir", str(srv.db.parent / "sandbox"),
                          *flags], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.splitlines()
    assert any(l.startswith("5 account registration") and l.endswith("BANK_ACC_REGISTERED")
               for l in lines), out.stdout
    assert '"balance": 50000' in next(l for l in lines if l.startswith("8 balance"))
    assert '"balance": 0' in next(l for l in lines if l.startswith("13 balance"))
    r = srv.admin("GET", "/sandbox/bank-accounts/003/333015555557")
    assert r.json()["balance"] == 10_000_000 - 50_000  # back tomorrow (wonpay's clock)
