"""GET /metrics: Prometheus' text exposition format, version 0.0.4.

The document is read by a strict parser written here from the format's
description (https://prometheus.io/docs/instrumenting/exposition_formats/,
"Text-based format"), never with the server's code. Calls that must be
counted by the next scrape go over one keep-alive connection (a
requests.Session): the server counts a request when it ends, before it reads
the next one on that connection, so the next scrape must already see it.
"""
import math
import re
import socket
import time

import requests

from conftest import SANDBOX_TOKEN, create_body

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


def parse_labels(text, i):
    """Labels from text[i] (just past '{') to the closing '}': (dict, index past '}')."""
    labels = {}
    while text[i] != "}":
        m = LABEL_NAME.match(text, i)
        assert m, f"label name expected at {text[i:]!r}"
        name = m.group(0)
        i = m.end()
        assert text[i:i + 2] == '="', f"=\" expected after label {name} in {text!r}"
        i += 2
        value = []
        while text[i] != '"':
            if text[i] == "\\":
                esc = text[i + 1]
                assert esc in '\\"n', f"bad escape \\{esc} in {text!r}"
                value.append({"\\": "\\", '"': '"', "n": "\n"}[esc])
                i += 2
            else:
                assert text[i] != "\n"
                value.append(text[i])
                i += 1
        i += 1
        assert name not in labels, f"label {name} twice in {text!r}"
        labels[name] = "".join(value)
        assert text[i] in ",}", f"',' or '}}' expected in {text!r}"
        if text[i] == ",":
            i += 1
    return labels, i + 1


def parse(text):
    """Strictly parses a document: {(name, frozenset(labels)): value}, {family: type}."""
    assert text.endswith("\n"), "the document must end with a line feed"
    types, helps, samples, started = {}, set(), {}, set()
    for line in text[:-1].split("\n"):
        assert line, "no empty lines"
        if line.startswith("#"):
            m = re.fullmatch(r"# (HELP|TYPE) ([^ ]+) (.+)", line)
            assert m, f"bad comment line {line!r}"
            kind, name, rest = m.groups()
            assert NAME.fullmatch(name), f"bad metric name {name!r}"
            if kind == "HELP":
                assert name not in helps, f"two HELP lines for {name}"
                helps.add(name)
            else:
                assert name not in types, f"two TYPE lines for {name}"
                assert name not in started, f"TYPE {name} after its samples"
                assert rest in TYPES, f"unknown type {rest!r}"
                types[name] = rest
            continue
        m = NAME.match(line)
        assert m, f"bad sample line {line!r}"
        name = m.group(0)
        i = m.end()
        labels = {}
        if line[i] == "{":
            labels, i = parse_labels(line, i + 1)
        assert line[i] == " ", f"one space before the value in {line!r}"
        value_text = line[i + 1:]
        assert re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|[+-]Inf|NaN",
                            value_text), f"bad value in {line!r} (no timestamps expected)"
        value = float(value_text)
        family = name
        if name not in types:
            base = re.sub(r"_(bucket|sum|count)$", "", name)
            assert types.get(base) == "histogram", f"{name} has no TYPE line"
            family = base
        else:
            assert types[name] != "histogram", f"histogram {name} without a suffix"
        assert family in helps, f"{family} has no HELP line"
        started.add(family)
        if types[family] == "counter":
            assert value >= 0, line
        key = (name, frozenset(labels.items()))
        assert key not in samples, f"the same series twice: {line!r}"
        samples[key] = value
    check_histograms(types, samples)
    return samples, types


def check_histograms(types, samples):
    """Buckets are cumulative (never fall as le rises), +Inf is there and equals _count."""
    for family, kind in types.items():
        if kind != "histogram":
            continue
        series = {}
        for (name, labels), value in samples.items():
            if name == family + "_bucket":
                rest = frozenset((k, v) for k, v in labels if k != "le")
                le = dict(labels)["le"]
                series.setdefault(rest, []).append((math.inf if le == "+Inf" else float(le), value))
        assert series, f"histogram {family} has no buckets"
        for rest, buckets in series.items():
            buckets.sort()
            values = [v for _, v in buckets]
            assert values == sorted(values), f"{family}{dict(rest)} buckets fall: {buckets}"
            assert buckets[-1][0] == math.inf, f"{family}{dict(rest)} has no +Inf bucket"
            assert samples[(family + "_count", rest)] == buckets[-1][1]
            assert (family + "_sum", rest) in samples


def scrape(http, url):
    r = http.get(url + "/metrics", timeout=10)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == CONTENT_TYPE
    assert r.headers["Cache-Control"] == "no-store"
    samples, _ = parse(r.text)
    return samples, r.text


def get(samples, name, **labels):
    """A sample's value; 0 for a counter series not written yet."""
    return samples.get((name, frozenset(labels.items())), 0)


def moved(before, after, surface, route, method, status):
    """How far wonpay_http_requests_total{surface,route,method,status} rose between scrapes."""
    labels = {"surface": surface, "route": route, "method": method, "status": str(status)}
    return (get(after, "wonpay_http_requests_total", **labels)
            - get(before, "wonpay_http_requests_total", **labels))


def wire(id_, amount=1000):
    return {"id": id_, "from": {"bank_code": "004", "account_number": "11111111111"},
            "to": {"bank_code": "088", "account_number": "22222222222"}, "amount": amount}


def test_counters_move(make_server):
    s = make_server(["--sandbox", "--rate-limit", "0"]).avoid_bank_night()
    http = requests.Session()
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    before, _ = scrape(http, s.url)

    for _ in range(3):
        r = http.post(s.url + "/api/", data=create_body(),
                      headers={**form, "AQR-DEVELOPER-TOKEN": SANDBOX_TOKEN}, timeout=10)
        assert r.status_code == 200, r.text
    r = http.post(s.url + "/api/", data=create_body(),
                  headers={**form, "AQR-DEVELOPER-TOKEN": "aqr_wrong_token"}, timeout=10)
    assert r.status_code == 401, r.text
    assert http.get(s.url + "/nowhere", timeout=10).status_code == 404
    assert http.get(s.url + "/health", timeout=10).status_code == 200
    r = http.post(s.url + "/sandbox/transfers", json=wire("metrics-1"),
                  headers={"Authorization": "Bearer sandbox-admin-token"}, timeout=10)
    assert r.status_code == 201, r.text

    after, _ = scrape(http, s.url)

    def delta(*labels):
        return moved(before, after, *labels)

    assert delta("aqr", "/api/", "POST", 200) == 3
    assert delta("aqr", "/api/", "POST", 401) == 1
    assert delta("system", "none", "GET", 404) == 1
    assert delta("system", "/health", "GET", 200) == 1
    assert delta("sandbox", "/sandbox/transfers", "POST", 201) == 1
    assert delta("system", "/metrics", "GET", 200) == 1  # the first scrape

    def hist(samples, surface):
        return get(samples, "wonpay_http_request_duration_seconds_count", surface=surface)

    assert hist(after, "aqr") - hist(before, "aqr") == 4
    assert hist(after, "system") - hist(before, "system") == 3
    assert hist(after, "sandbox") - hist(before, "sandbox") == 1
    for surface in ("aqr", "system", "sandbox"):
        assert get(after, "wonpay_http_request_duration_seconds_sum", surface=surface) > \
            get(before, "wonpay_http_request_duration_seconds_sum", surface=surface)
        assert get(after, "wonpay_http_responses_503_total", surface=surface) == 0

    # Four writes, each answered only once durable, one after the other: four batches of
    # one command, each with its COMMIT timed.
    def commit(samples, name):
        return get(samples, name) - get(before, name)

    assert commit(after, "wonpay_commit_batches_total") == 4
    assert commit(after, "wonpay_commit_batch_size_count") == 4
    assert commit(after, "wonpay_commit_batch_size_sum") == 4
    assert commit(after, "wonpay_commit_fsync_seconds_count") == 4
    assert get(after, "wonpay_commit_fsync_seconds_sum") > \
        get(before, "wonpay_commit_fsync_seconds_sum")
    assert get(after, "wonpay_commit_failures_total") == 0
    assert get(after, "wonpay_commit_refused_total") == 0
    assert get(after, "wonpay_commit_queue_depth") == 0  # every write was answered

    # This session's connection is open; nothing was refused in sandbox mode.
    assert after[("wonpay_http_connections_open", frozenset())] >= 1
    assert get(after, "wonpay_http_connections_total") >= get(after, "wonpay_http_connections_open")
    assert get(after, "wonpay_http_connections_refused_total") == 0
    assert get(after, "wonpay_up") == 1
    started = get(after, "wonpay_process_start_time_seconds")
    assert time.time() - 600 < started <= time.time() + 1


def test_route_labels_are_patterns_never_paths(make_server):
    s = make_server(["--sandbox", "--rate-limit", "0"])
    http = requests.Session()
    kw = s.aqr(create_body()).json()["data"]["uniq_keyword"]
    before, _ = scrape(http, s.url)
    assert http.get(f"{s.url}/f/{kw}", timeout=10).status_code == 200
    assert http.get(f"{s.url}/f/{kw}/98765432", timeout=10).status_code == 200
    assert http.head(f"{s.url}/f/{kw}", timeout=10).status_code == 200
    for i in range(20):  # 20 unknown paths: one series
        assert http.get(f"{s.url}/nowhere/{i}-{kw}", timeout=10).status_code == 404
    assert http.request("BREW", s.url + "/nowhere", timeout=10).status_code == 404
    after, text = scrape(http, s.url)
    assert moved(before, after, "aqr", "/f/{keyword}", "GET", 200) == 1
    assert moved(before, after, "aqr", "/f/{keyword}/{amount}", "GET", 200) == 1
    assert moved(before, after, "aqr", "/f/{keyword}", "HEAD", 200) == 1
    assert moved(before, after, "system", "none", "GET", 404) == 20
    assert moved(before, after, "system", "none", "other", 404) == 1  # a fixed list of methods
    assert kw not in text and "98765432" not in text and "nowhere" not in text
    routes = {dict(labels)["route"] for (name, labels) in after
              if name == "wonpay_http_requests_total"}
    assert routes <= {"none", "/f/{keyword}", "/f/{keyword}/{amount}", "/api/", "/metrics"}


def test_method_not_allowed_and_head(server):
    r = requests.post(server.url + "/metrics", timeout=10)
    assert r.status_code == 405
    assert r.headers["Allow"] == "GET, HEAD"
    assert r.json()["error"]["code"] == "method_not_allowed"  # wonpay's own envelope
    r = requests.head(server.url + "/metrics", timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"] == CONTENT_TYPE


def test_open_in_live_mode(make_server):
    """No token in either mode (docs/decisions.md, "Metrics"): nothing in it is secret."""
    s = make_server([])
    samples, _ = scrape(requests.Session(), s.url)
    assert get(samples, "wonpay_up") == 1


def hold(port, source):
    """A connection from source that has had one answer (so the server accepted it)."""
    c = socket.socket()
    c.bind((source, 0))
    c.connect(("127.0.0.1", port))
    c.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    c.settimeout(10)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = c.recv(4096)
        assert chunk, "the server closed a connection it should have kept"
        data += chunk
    assert data.startswith(b"HTTP/1.1 200"), data[:100]
    return c


def test_connection_gauges(make_server):
    s = make_server(["--sandbox", "--conn-per-ip", "3"])
    http = requests.Session()
    before, _ = scrape(http, s.url)
    held = [hold(s.port, "127.0.0.2") for _ in range(3)]
    mid, _ = scrape(http, s.url)
    for name in ("wonpay_http_connections_open", "wonpay_http_connections_total"):
        assert get(mid, name) - get(before, name) == 3, name

    # A fourth from the same address is refused at accept: closed without an answer.
    c = socket.socket()
    c.bind(("127.0.0.2", 0))
    c.connect(("127.0.0.1", s.port))
    c.settimeout(10)
    try:
        c.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert c.recv(4096) == b""
    except ConnectionResetError:
        pass
    c.close()
    after, _ = scrape(http, s.url)
    assert get(after, "wonpay_http_connections_refused_total") == 1
    assert get(after, "wonpay_http_connections_open") == get(mid, "wonpay_http_connections_open")
    assert get(after, "wonpay_http_connections_total") == get(mid, "wonpay_http_connections_total")
    for h in held:
        h.close()
