"""bench/httpload.py, the rush's load client, against real sockets: every request sent once on its
own connection, statuses counted, failures kept, and no more connections open than asked."""

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench import httpload


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        server = self.server
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with server.lock:
            server.bodies.append(body)
            server.open_now += 1
            server.most_open = max(server.most_open, server.open_now)
            if server.open_now == server.hold_until_open:
                server.release.set()
        server.release.wait(10)  # the first answers wait until that many requests are open at once
        status = 503 if body == b"person=fail" else 200
        payload = b"x" * 100_000 if body == b"person=big" else b"ok"
        self.send_response(status)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(payload)
        with server.lock:
            server.open_now -= 1

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.lock, httpd.bodies, httpd.open_now, httpd.most_open = threading.Lock(), [], 0, 0
    httpd.release, httpd.hold_until_open = threading.Event(), 8
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _requests(port, people):
    return [httpload.post_form("/book/", {"person": person}, host=f"127.0.0.1:{port}", headers={"X-Test": "1"})
            for person in people]


def test_every_request_is_sent_once_and_counted(server):
    port = server.server_address[1]
    people = [f"p{i}" for i in range(40)] + ["fail", "big"]

    result = httpload.run("127.0.0.1", port, _requests(port, people), concurrency=8)

    assert sorted(server.bodies) == sorted(f"person={person}".encode() for person in people)
    assert result["statuses"] == {200: 41, 503: 1}
    assert server.release.is_set()  # eight were open at once: the client kept its concurrency
    assert server.most_open == 8  # and never more
    assert len(result["bad_bodies"]) == 1
    assert result["bad_bodies"][0].startswith(b"HTTP/1.0 503")
    assert 0 < result["p50"] <= result["p95"] <= result["p99"]
    assert result["rps"] == pytest.approx(42 / result["seconds"])


def test_a_refused_connection_and_a_silent_server_count_as_status_zero():
    listener = socket.create_server(("127.0.0.1", 0))  # accepts (backlog) but never answers
    silent_port = listener.getsockname()[1]
    closed = socket.create_server(("127.0.0.1", 0))
    refused_port = closed.getsockname()[1]
    closed.close()
    try:
        silent = httpload.run("127.0.0.1", silent_port, _requests(silent_port, ["a", "b"]), concurrency=2,
                              timeout=0.2)
        refused = httpload.run("127.0.0.1", refused_port, _requests(refused_port, ["a", "b", "c"]), concurrency=2)
    finally:
        listener.close()
    assert silent["statuses"] == {0: 2}
    assert refused["statuses"] == {0: 3}
    assert refused["bad_bodies"] == [b"", b"", b""]
