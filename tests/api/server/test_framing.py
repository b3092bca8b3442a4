"""HTTP framing a proxy in front could read differently, sent as raw bytes on a socket
(as nginx's and h2o's own tests do): each must be refused with 400 and the
connection closed, so no request hidden behind it ever runs.
"""
import socket

import pytest
import requests

ADMIN = b"Authorization: Bearer sandbox-admin-token\r\n"


def exchange(server, raw, wait=2.0):
    """Sends raw bytes; returns everything the server sends until it closes (or wait)."""
    s = socket.create_connection(("127.0.0.1", server.port))
    s.settimeout(wait)
    s.sendall(raw)
    out = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    except socket.timeout:
        pass
    finally:
        s.close()
    return out


def statuses(out):
    return [line.split(b" ")[1] for line in out.split(b"\r\n") if line.startswith(b"HTTP/1.1 ")]


# A second request follows each bad one on the same connection: it must never run.
HIDDEN = b"GET /sandbox/clock HTTP/1.1\r\nHost: x\r\n" + ADMIN + b"\r\n"

CASES = {
    "two-content-length": b"POST /sandbox/clock HTTP/1.1\r\nHost: x\r\n" + ADMIN
    + b"Content-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 40\r\n\r\n{}",
    "te-space-before-colon": b"POST /sandbox/clock HTTP/1.1\r\nHost: x\r\n" + ADMIN
    + b"Transfer-Encoding : chunked\r\nContent-Length: 2\r\n\r\n{}",
    "te-obs-fold": b"POST /sandbox/clock HTTP/1.1\r\nHost: x\r\n" + ADMIN
    + b"Transfer-Encoding:\r\n chunked\r\nContent-Length: 2\r\n\r\n{}",
    "two-te": b"POST /sandbox/clock HTTP/1.1\r\nHost: x\r\n" + ADMIN
    + b"Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n",
    "te-not-chunked": b"POST /sandbox/clock HTTP/1.1\r\nHost: x\r\n" + ADMIN
    + b"Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
    "te-and-cl": b"POST /sandbox/clock HTTP/1.1\r\nHost: x\r\n" + ADMIN
    + b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
    "http11-no-host": b"GET /health HTTP/1.1\r\n\r\n",
    "two-hosts": b"GET /health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
    "nul-in-path": b"GET /sandbox/clock%00.png HTTP/1.1\r\nHost: x\r\n" + ADMIN + b"\r\n",
    "invalid-utf8-path": b"GET /f/%ff%fe HTTP/1.1\r\nHost: x\r\n\r\n",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_ambiguous_framing_refused_and_closed(server, name):
    out = exchange(server, CASES[name] + HIDDEN)
    assert statuses(out) == [b"400"], out[:600]
    head = out.split(b"\r\n\r\n")[0].lower()
    assert b"connection: close" in head, out[:600]
    assert b"offset_ms" not in out, "the hidden request ran"


def test_http10_without_host_is_fine(server):
    out = exchange(server, b"GET /health HTTP/1.0\r\n\r\n")
    assert statuses(out) == [b"200"], out[:300]


def test_many_query_arguments_answer_414_in_the_surface_shape(server):
    for n, owner in ((460, b'"error"'), (5000, None)):
        query = b"&".join(b"a%d=1" % i for i in range(n))
        out = exchange(server, b"GET /health?" + query + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        assert statuses(out) == [b"414"], out[:300]
        if owner is not None:
            assert owner in out and b"more than 64 arguments" in out, out[:600]
    # AQR's page under /f/ answers in its own shape too (a page), Kona's in its JSON.
    query = b"&".join(b"a%d=1" % i for i in range(100))
    out = exchange(server, b"GET /res?" + query + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert statuses(out) == [b"414"] and b'"result":"error"' in out, out[:600]
    out = exchange(server, b"POST /api/v1/user/info?" + query
                   + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
    assert statuses(out) == [b"414"] and b'"000_414"' in out, out[:600]
    # 64 arguments are fine.
    query = b"&".join(b"a%d=1" % i for i in range(64))
    assert statuses(exchange(server, b"GET /health?" + query + b" HTTP/1.1\r\nHost: x\r\n\r\n")) \
        == [b"200"]


def test_header_block_bound(server):
    """A 10 KB Cookie header is read, on an API and on a landing page; a 16 KB one is refused
    with 431 (bounds.h: WP_HEADER_MEMORY_BYTES), and the server goes on answering."""
    for path in ("/health", "/f/abcdefgh"):
        ok = requests.get(server.url + path, headers={"Cookie": "a" * 10000}, timeout=10)
        assert ok.status_code in (200, 404), path
    big = requests.get(server.url + "/health", headers={"Cookie": "a" * 16000}, timeout=10)
    assert big.status_code == 431
    assert requests.get(server.url + "/health", timeout=10).status_code == 200
