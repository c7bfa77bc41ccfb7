"""The registration rush of bench/run.py on its own, in databases of your choosing.

    python bench/rush.py [--database decoded_rush_bench] [--redis-db 3] [--floor decoded_rush_ref --floor-redis-db 4]

Rebuilds the scratch database (migrate, bench/bench_data.py), starts gunicorn with the production
configuration and sends the same 3,000 registration POSTs from 64 clients as `bench_rush` in
bench/run.py; prints one JSON line: registrations/s, p50/p95/p99, statuses, confirmed and
waitlisted, and, whatever else the machine runs, the CPU milliseconds per registration of the web
workers and the database backends and what the backends were doing (sampled). With --floor, the
same for the plain-Django lock+count+insert view on that database. With --cold-sessions, the
cache is emptied first, so that every session is read from the database (as after a Redis
restart; bench/run.py puts them back in the cache before its rush). Leaves bench/run.py's shared
`decoded_bench*` databases alone, so it can run while others use them.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import httpload
from bench.prodstack import PYTHON, ROOT, Gunicorn, flush_redis, free_port, manage, production_env, reset_database


def prepare_database(database: str, redis_db: int) -> dict:
    """The production environment on a rebuilt scratch database (migrated, static files collected)
    and an emptied Redis database; bench/bench_data.py fills it."""
    env = production_env(reset_database(database), redis_db=redis_db)
    flush_redis(redis_db)
    manage(env, "migrate", "--noinput")
    if not (ROOT / "staticfiles" / "staticfiles.json").exists():
        manage(env, "collectstatic", "--noinput")
    return env


def rush_requests(data: dict, port: int) -> list[bytes]:
    """The rush's POSTs, as bench/run.py builds them (one signed-in person, one address each)."""
    slug = data["rush"]
    return [
        httpload.post_form(
            f"/en/sessions/{slug}/register/",
            {
                "csrfmiddlewaretoken": c["csrf"],
                "full_name": "Person Number",
                "organisation": "Clinic",
                "profession": "physician",
                "country": "DE",
                "language": "en",
                "privacy_consent": "on",
                "website": "",
                "started": data["stamp"],
            },
            host=f"127.0.0.1:{port}",
            headers={
                "Cookie": f"__Host-sessionid={c['session']}; __Host-csrftoken={c['csrf']}",
                "X-Forwarded-Proto": "https",
                "X-Forwarded-For": c["ip"],
                "Origin": f"https://127.0.0.1:{port}",
                "Referer": f"https://127.0.0.1:{port}/en/sessions/{slug}/register/",
            },
        )
        for c in data["clients"]
    ]


def floor_requests() -> list[bytes]:
    """The plain-Django floor's 3,000 bookings (bench/reference: lock, count, insert)."""
    return [httpload.post_form("/book/", {"person": f"p{i}"}, host="127.0.0.1", headers={}) for i in range(3000)]


def warm_sessions(env: dict, data: dict) -> None:
    """Put the rush's sessions back in the cache (cached_db reads the database and fills the cache
    on a miss), as they are after sign-in, when an earlier stage has emptied the cache."""
    code = (
        "import json, sys; from importlib import import_module; from django.conf import settings; "
        "store = import_module(settings.SESSION_ENGINE).SessionStore; "
        "[store(key).load() for key in json.load(sys.stdin)]"
    )
    keys = json.dumps([client["session"] for client in data["clients"]])
    subprocess.run([PYTHON, "manage.py", "shell", "--no-imports", "-c", code], cwd=ROOT, env=env, input=keys, text=True, check=True)


def count_registrations(env: dict, slug: str) -> dict:
    code = ("import json; from registrations.models import Registration as R; "
            f"q=R.objects.filter(session__slug='{slug}'); "
            "print(json.dumps({s: q.filter(status=s).count() for s in ('confirmed','waitlisted','cancelled')}))")
    output = subprocess.run([PYTHON, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, capture_output=True,
                            text=True, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def worker_cpu(master: int) -> dict[int, float]:
    """CPU seconds of each of gunicorn's workers so far (some are still forking when /healthz answers)."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return {int(pid): cpu_seconds([int(pid)]) for pid in children}


class BackendSampler(threading.Thread):
    """Samples what the database's backends are doing (pg_stat_activity) every 20 ms: waiting for
    the session row lock, flushing the WAL at commit, idle in a transaction (the app holds it), …
    and the CPU time of every backend seen (connections are replaced after CONN_MAX_AGE)."""

    def __init__(self, database: str):
        super().__init__(daemon=True)
        self.database, self.counts, self.cpu, self.running = database, Counter(), {}, True

    def run(self) -> None:
        import psycopg  # noqa: PLC0415

        with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{self.database}", autocommit=True) as db:
            while self.running:
                for pid, state, kind, event in db.execute(
                    "SELECT pid, state, wait_event_type, wait_event FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
                    [self.database],
                ):
                    self.counts[f"{state}:{kind or '-'}:{event or '-'}"] += 1
                    self.cpu[pid] = max(self.cpu.get(pid, 0), cpu_seconds([pid]))
                time.sleep(0.02)


def measured_run(server: Gunicorn, database: str, requests: list[bytes], concurrency: int) -> dict:
    """httpload's figures for `requests`, with the CPU milliseconds per request of gunicorn's
    workers, of the database's backends and of the load client, and the share of samples of each
    backend state."""
    workers_before = worker_cpu(server.process.pid)
    sampler = BackendSampler(database)
    sampler.start()
    client_before = time.process_time()  # the load client (this process; the sampler's queries included)
    result = httpload.run("127.0.0.1", server.port, requests, concurrency=concurrency)
    client_cpu = time.process_time() - client_before
    sampler.running = False
    sampler.join()
    workers_after = worker_cpu(server.process.pid)
    total = sum(sampler.counts.values()) or 1
    result["backend_states"] = {key: round(n / total, 3) for key, n in sampler.counts.most_common(6)}
    result["cpu_ms_per_request"] = {
        "gunicorn_workers": (sum(workers_after.values()) - sum(workers_before.values())) * 1000 / len(requests),
        "postgres_backends": sum(sampler.cpu.values()) * 1000 / len(requests),
        "load_client": client_cpu * 1000 / len(requests),
    }
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default="decoded_rush_bench")
    parser.add_argument("--redis-db", type=int, default=3)
    parser.add_argument("--floor", default="", help="a scratch database for the plain-Django floor")
    parser.add_argument("--floor-redis-db", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (default: config/gunicorn.conf.py)")
    parser.add_argument("--cold-sessions", action="store_true",
                        help="empty the cache before the rush: every session is read from the database")
    args = parser.parse_args()

    env = prepare_database(args.database, args.redis_db)
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run([PYTHON, "bench/bench_data.py", out.name], cwd=ROOT, env=env, check=True)
        data = json.loads(Path(out.name).read_text())

    if args.cold_sessions:
        flush_redis(args.redis_db)
    report: dict = {"load_before": os.getloadavg()[0], "cold_sessions": args.cold_sessions}
    with Gunicorn(env, port=free_port(), workers=args.workers or None) as server:
        result = measured_run(server, args.database, rush_requests(data, server.port), args.concurrency)
    bad_bodies = result.pop("bad_bodies")
    if bad_bodies:
        report["first_bad_body"] = bad_bodies[0][:300].decode(errors="replace")
    report.update(
        result,
        errors=sum(n for status, n in result["statuses"].items() if status != 200),
        **count_registrations(env, data["rush"]),
    )

    if args.floor:
        floor_env = {
            **env,
            "DJANGO_SETTINGS_MODULE": "bench.reference.settings",
            "REFERENCE_DATABASE_URL": reset_database(args.floor),
            "REDIS_URL": f"redis://127.0.0.1:6379/{args.floor_redis_db}",
        }
        subprocess.run([PYTHON, "bench/reference/setup_data.py"], cwd=ROOT, env=floor_env, check=True)
        with Gunicorn(floor_env, port=free_port(), app="bench.reference.wsgi") as server:
            floor = measured_run(server, args.floor, floor_requests(), args.concurrency)
        report["floor"] = {key: floor[key] for key in ("rps", "p50", "p99", "statuses", "cpu_ms_per_request")}
    report["load_after"] = os.getloadavg()[0]
    report["at"] = time.strftime("%H:%M:%S")
    print(json.dumps(report, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
