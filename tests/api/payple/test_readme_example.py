"""The README's Payple example, run verbatim (only the host is the test server's):
the shell blocks of the "Payple" section, in order, with bash and curl."""
import pathlib
import re
import subprocess

ROOT = pathlib.Path(__file__).resolve().parents[3]


def payple_shell_blocks():
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Payple"):]
    section = section[:section.index("\n## ", 1)]
    return re.findall(r"```sh\n(.*?)```", section, re.S)


def test_readme_payple_example_works_verbatim(server):
    blocks = payple_shell_blocks()
    assert len(blocks) >= 2, "the README's Payple section lost its examples"
    script = "set -euo pipefail\n" + "\n".join(blocks)
    script = script.replace("http://127.0.0.1:8080", server.url)
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    answers = re.findall(r'"result":"(\w+)"', out.stdout)
    # /account/remain and /inquiry/real_name, each A0000
    assert len(answers) >= 2 and set(answers) == {"A0000"}, out.stdout
    assert '"account_holder_name":"홍길동"' in out.stdout, out.stdout
