"""A small asyncio HTTP/1.1 load client for the registration rush (each request is distinct).

gunicorn's sync workers close the connection after each response, so every request opens its
own connection, as browsers arriving from an announcement email do.
"""

import asyncio
import statistics
import time
from collections import Counter


async def _request(host: str, port: int, raw: bytes) -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(raw)
        await writer.drain()
        data = await reader.read()
    finally:
        writer.close()
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
    return status, data


async def _run(host: str, port: int, requests: list[bytes], concurrency: int, timeout: float) -> dict:
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for raw in requests:
        queue.put_nowait(raw)
    latencies: list[float] = []
    statuses: Counter = Counter()
    bodies: list[bytes] = []

    async def worker():
        while not queue.empty():
            raw = queue.get_nowait()
            started = time.perf_counter()
            try:
                status, data = await asyncio.wait_for(_request(host, port, raw), timeout)
            except (OSError, TimeoutError):
                status, data = 0, b""
            latencies.append(time.perf_counter() - started)
            statuses[status] += 1
            if status >= 500 or status == 0:
                bodies.append(data[:2000])

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - began
    quantiles = statistics.quantiles(latencies, n=100)
    return {"seconds": elapsed, "rps": len(requests) / elapsed, "p50": quantiles[49] * 1000,
            "p95": quantiles[94] * 1000, "p99": quantiles[98] * 1000, "statuses": dict(statuses), "bad_bodies": bodies}


def run(host: str, port: int, requests: list[bytes], *, concurrency: int, timeout: float = 30) -> dict:
    return asyncio.run(_run(host, port, requests, concurrency, timeout))


def post_form(path: str, fields: dict[str, str], *, host: str, headers: dict[str, str]) -> bytes:
    from urllib.parse import urlencode  # noqa: PLC0415

    body = urlencode(fields).encode()
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}", "Connection: close",
             "Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}",
             *(f"{name}: {value}" for name, value in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body
