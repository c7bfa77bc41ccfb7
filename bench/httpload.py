"""A small HTTP/1.1 load client for the registration rush (each request is distinct).

gunicorn's sync workers close the connection after each response, so every request opens its
own connection, as browsers arriving from an announcement email do.

The client shares the machine's two cores with the server it measures, so it is kept lean: one
thread, non-blocking sockets and the selector (epoll) directly, a request sent whole and the
response read until the server closes. On a slow machine the asyncio streams it replaced spent
1.5-1.7 ms of CPU per request (7 % of the whole registration's CPU: web workers, PostgreSQL and
client), this one 0.9-1.2 ms; both figures are bench/rush.py's `load_client`, which also counts
its database sampler.
"""

import errno
import selectors
import socket
import statistics
import time
from collections import Counter
from urllib.parse import urlencode


class _Connection:
    __slots__ = ("chunks", "deadline", "raw", "sent", "sock", "started")

    def __init__(self, raw: bytes, sock: socket.socket, started: float, timeout: float):
        self.raw, self.sock, self.sent, self.chunks = raw, sock, 0, []
        self.started, self.deadline = started, started + timeout


def _status(data: bytes) -> int:
    if not data.startswith(b"HTTP/"):
        return 0
    try:
        return int(data.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return 0


class _Load:
    """One run: the requests still to send, the open connections (the selector's map) and the figures."""

    def __init__(self, address: tuple[str, int], requests: list[bytes], timeout: float):
        self.address, self.pending, self.timeout = address, iter(requests), timeout
        self.selector = selectors.DefaultSelector()
        self.latencies: list[float] = []
        self.statuses: Counter = Counter()
        self.bad_bodies: list[bytes] = []

    def run(self, concurrency: int) -> None:
        connections = self.selector.get_map()
        checked = time.perf_counter()
        while True:
            while len(connections) < concurrency and self.start_next():
                pass
            if not connections:
                break
            for key, events in self.selector.select(timeout=0.5):
                if events & selectors.EVENT_WRITE:
                    self.on_writable(key.data)
                else:
                    self.on_readable(key.data)
            if (now := time.perf_counter()) - checked > 0.5:
                checked = now
                for key in list(connections.values()):
                    if key.data.deadline < now:
                        self.finish(key.data, 0, b"")
        self.selector.close()

    def start_next(self) -> bool:
        """Open the next request's connection; False when none is left."""
        raw = next(self.pending, None)
        if raw is None:
            return False
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        conn = _Connection(raw, sock, time.perf_counter(), self.timeout)
        self.selector.register(sock, selectors.EVENT_WRITE, conn)
        if sock.connect_ex(self.address) not in (0, errno.EINPROGRESS):
            self.finish(conn, 0, b"")
        return True

    def on_writable(self, conn: _Connection) -> None:
        try:
            conn.sent += conn.sock.send(memoryview(conn.raw)[conn.sent :])
        except OSError:  # refused (the connect failed) or reset
            self.finish(conn, 0, b"")
            return
        if conn.sent == len(conn.raw):
            self.selector.modify(conn.sock, selectors.EVENT_READ, conn)

    def on_readable(self, conn: _Connection) -> None:
        try:
            chunk = conn.sock.recv(65536)
        except OSError:
            chunk = None
        if chunk:
            conn.chunks.append(chunk)
            return
        data = b"".join(conn.chunks)
        self.finish(conn, _status(data) if chunk is not None else 0, data)

    def finish(self, conn: _Connection, status: int, data: bytes) -> None:
        self.selector.unregister(conn.sock)
        conn.sock.close()
        self.latencies.append(time.perf_counter() - conn.started)
        self.statuses[status] += 1
        if status >= 500 or status == 0:
            self.bad_bodies.append(data[:2000])


def run(host: str, port: int, requests: list[bytes], *, concurrency: int, timeout: float = 30) -> dict:
    """Send every request in `requests` (raw bytes) from `concurrency` connections at a time, each on
    a new connection, in order; returns requests/s, p50/p95/p99 latency in ms, the count of each
    status (0: no answer, a refused or reset connection, or `timeout` seconds without one) and the
    first 2,000 bytes of every 5xx or failed answer."""
    load = _Load((host, port), requests, timeout)
    began = time.perf_counter()
    load.run(concurrency)
    elapsed = time.perf_counter() - began
    quantiles = statistics.quantiles(load.latencies, n=100)
    return {"seconds": elapsed, "rps": len(requests) / elapsed, "p50": quantiles[49] * 1000,
            "p95": quantiles[94] * 1000, "p99": quantiles[98] * 1000, "statuses": dict(load.statuses),
            "bad_bodies": load.bad_bodies}


def post_form(path: str, fields: dict[str, str], *, host: str, headers: dict[str, str]) -> bytes:
    body = urlencode(fields).encode()
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}", "Connection: close",
             "Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}",
             *(f"{name}: {value}" for name, value in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body
