"""The rush's POSTs replayed in one process, through the WSGI application: where a registration's
CPU goes, whatever else the machine runs.

    python bench/rush_profile.py [--database decoded_rush_profile] [--redis-db 3] [--count 300]
                                 [--full] [--profile out.prof]

Rebuilds the scratch database (migrate, bench/bench_data.py) as bench/rush.py does, then sends
`--count` of the rush's POSTs (the same bytes) to `config.wsgi.application` one after the other,
and prints one JSON line: CPU and wall milliseconds per registration (`time.process_time()` of
this process: the web side), the CPU of its PostgreSQL backend per registration, statements per registration, and the CPU and wall
milliseconds for which the session row was held (from the lock to the commit). `--full` makes the
session full first (every POST is waitlisted); `--profile` writes a cProfile (CPU time) of the
replay. No gunicorn, no concurrency: the figures a worker pays per request, not throughput.
"""

import argparse
import io
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.prodstack import PYTHON, ROOT


def environ_of(raw: bytes) -> dict:
    """The WSGI environ of one of bench/httpload.py's raw requests."""
    head, body = raw.split(b"\r\n\r\n", 1)
    request_line, *header_lines = head.decode().split("\r\n")
    method, path, _version = request_line.split(" ")
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8700",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    for line in header_lines:
        name, value = line.split(": ", 1)
        key = name.upper().replace("-", "_")
        environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"] = value
    return environ


def _backend_pid(connection) -> int | None:
    """The process id of this connection's PostgreSQL backend (None on SQLite)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def replay(data: dict, count: int, *, full: bool, profile: str) -> dict:
    """In the production environment, after django.setup(): the figures of `count` POSTs."""
    from django.db import connection  # noqa: PLC0415

    from bench.rush import cpu_seconds, rush_requests  # noqa: PLC0415
    from config.wsgi import application  # noqa: PLC0415
    from events.models import Session  # noqa: PLC0415
    from registrations import services  # noqa: PLC0415

    if full:
        Session.objects.filter(slug=data["rush"]).update(capacity=0)
    held: list[tuple[float, float]] = []
    lock_session, register_attendee, taken = services._lock_session, services.register_attendee, {}

    def timed_lock(session):
        locked = lock_session(session)
        taken.setdefault("at", (time.perf_counter(), time.process_time()))
        return locked

    def timed_register(**kwargs):
        outcome = register_attendee(**kwargs)
        wall, cpu = taken.pop("at")
        held.append(((time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000))
        return outcome

    services._lock_session, services.register_attendee = timed_lock, timed_register

    def call(raw: bytes) -> str:
        statuses: list[str] = []
        b"".join(application(environ_of(raw), lambda status, headers, exc_info=None: statuses.append(status)))
        return statuses[0]

    requests = rush_requests(data, 8700)
    first = call(requests[0])  # a worker's first request pays one-off costs: not measured
    if not first.startswith("200"):
        raise RuntimeError(f"the first rush POST answered {first}")
    held.clear()
    batch = requests[1 : count + 1]
    statements = 0
    profiler = None
    if profile:
        import cProfile  # noqa: PLC0415

        profiler = cProfile.Profile(time.process_time)
    statuses: dict[str, int] = {}
    backend = _backend_pid(connection)
    backend_cpu = cpu_seconds([backend]) if backend else 0.0
    cpu, wall = time.process_time(), time.perf_counter()
    for raw in batch:
        connection.force_debug_cursor = True
        if profiler:
            profiler.enable()
        status = call(raw)
        if profiler:
            profiler.disable()
        statements += len(connection.queries)  # reset at each request's start
        statuses[status] = statuses.get(status, 0) + 1
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    backend_cpu = cpu_seconds([backend]) - backend_cpu if backend else None
    if profiler:
        profiler.dump_stats(profile)
    return {
        "registrations": len(batch),
        "statuses": statuses,
        "cpu_ms_per_registration": round(cpu * 1000 / len(batch), 2),
        "wall_ms_per_registration": round(wall * 1000 / len(batch), 2),
        # The PostgreSQL backend's CPU (same machine; /proc, in clock ticks of 10 ms: use --count 300+).
        "postgres_cpu_ms_per_registration": None if backend_cpu is None else round(backend_cpu * 1000 / len(batch), 2),
        "statements_per_registration": round(statements / len(batch), 2),
        "lock_held_ms_median": {
            "wall": round(statistics.median(w for w, _c in held), 2),
            "cpu": round(statistics.median(c for _w, c in held), 2),
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default="decoded_rush_profile")
    parser.add_argument("--redis-db", type=int, default=3)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--full", action="store_true", help="every POST is waitlisted")
    parser.add_argument("--profile", default="", help="write a cProfile (CPU time) of the replay here")
    parser.add_argument("--data", default="", help=argparse.SUPPRESS)  # the child process's
    args = parser.parse_args()

    if args.data:  # the child: the environment below is ours
        import django  # noqa: PLC0415

        django.setup()
        data = json.loads(Path(args.data).read_text())
        print(json.dumps(replay(data, args.count, full=args.full, profile=args.profile)))
        return 0

    from bench.rush import prepare_database  # noqa: PLC0415

    env = prepare_database(args.database, args.redis_db)
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run([PYTHON, "bench/bench_data.py", out.name], cwd=ROOT, env=env, check=True)
        child = [PYTHON, "bench/rush_profile.py", "--data", out.name, "--count", str(args.count)]
        child += ["--full"] * args.full + (["--profile", str(Path(args.profile).resolve())] if args.profile else [])
        return subprocess.run(child, cwd=ROOT, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
