"""Fair connections: no client holds the server for others (src/http/guard.c).

A header block that trickles in past --header-timeout, or a body slower than
--min-body-rate, is cut; one address holds at most --conn-per-ip connections
(live mode's default); when the server is nearly full only addresses holding
no connection get in. The attacker here is 127.0.0.2; the honest client
127.0.0.1 must be answered within a second throughout.
"""
import resource
import socket
import threading
import time

import requests


def connect(server, source="127.0.0.1"):
    s = socket.socket()
    s.bind((source, 0))
    s.connect(("127.0.0.1", server.port))
    return s


def closed_within(sock, seconds, trickle=None):
    """True if the server closes sock within seconds (sending trickle bytes meanwhile)."""
    deadline = time.time() + seconds
    sock.settimeout(0.3)
    while time.time() < deadline:
        try:
            if trickle:
                sock.send(trickle)
            data = sock.recv(4096)
            if data == b"" or data.startswith(b"HTTP/1.1 4"):
                return True
        except socket.timeout:
            continue
        except OSError:
            return True
    return False


def test_trickled_header_block_is_cut(make_server):
    s = make_server(["--sandbox", "--header-timeout", "2", "--conn-timeout", "30"])
    c = connect(s)
    c.send(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    started = time.time()
    # One byte every 0.3 s is never idle for the 30 s idle timeout; the deadline still ends it.
    assert closed_within(c, 6, trickle=b"a"), "a trickled header block was never cut"
    assert time.time() - started < 5
    c.close()


def test_slow_body_is_cut(make_server):
    s = make_server(["--sandbox", "--min-body-rate", "100"])
    c = connect(s)
    c.send(b"POST /sandbox/clock HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           b"Authorization: Bearer sandbox-admin-token\r\nContent-Length: 5000\r\n\r\n")
    assert closed_within(c, 6, trickle=b"{"), "a body at a few bytes/s was never cut"
    c.close()
    # A normal body is untouched.
    r = s.admin("POST", "/sandbox/clock", {"advance_seconds": 0})
    assert r.status_code == 200


def test_connections_per_address_in_live_mode(make_server):
    s = make_server(["--conn-per-ip", "8"])
    held = [connect(s, "127.0.0.2") for _ in range(8)]
    extra = connect(s, "127.0.0.2")
    assert closed_within(extra, 3), "a ninth connection from one address was kept"
    # Another address is served.
    r = requests.get(s.url + "/health", timeout=2)
    assert r.status_code == 200
    for h in held:
        h.close()


def test_a_flood_from_one_address_leaves_room_for_others(make_server):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 20000), hard))
    s = make_server(["--sandbox", "--header-timeout", "3"])  # sandbox: no per-address limit
    attack = []
    stop = threading.Event()

    def slowloris(socks):
        while not stop.is_set():
            for k in list(socks):
                try:
                    k.send(b"a")
                except OSError:
                    socks.remove(k)
            time.sleep(1)

    try:
        for _ in range(5000):  # idle
            try:
                attack.append(connect(s, "127.0.0.2"))
            except OSError:
                break
        slow = []
        for _ in range(1000):  # slowloris: a header block that never ends
            try:
                k = connect(s, "127.0.0.2")
                k.send(b"GET / HTTP/1.1\r\nHost: x\r\nX-A: ")
                slow.append(k)
            except OSError:
                break
        t = threading.Thread(target=slowloris, args=(slow,), daemon=True)
        t.start()
        worst = 0.0
        for _ in range(12):
            t0 = time.time()
            r = requests.get(s.url + "/health", timeout=5)
            worst = max(worst, time.time() - t0)
            assert r.status_code == 200
            time.sleep(0.5)
        assert worst < 1.0, f"the honest client waited {worst:.2f} s"
    finally:
        stop.set()
        for k in attack:
            k.close()
        for k in slow:
            k.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
