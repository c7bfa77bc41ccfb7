"""`make drills`: fault drills against PostgreSQL. Each one breaks something in the middle of real
work, lets the system recover the way production would, and counts what came out.

1. certificates: a `db_worker` is killed (SIGKILL) in the middle of a certificate batch and started
   again as systemd does → every certificate exists once, every attendee gets one email;
2. reminders: the worker sending a reminder run is killed and started again → every reminder is
   delivered to the SMTP server once;
3. SMTP down: the SMTP server stops for a while during a reminder run → everything is delivered
   after it returns, nothing twice;
4. PostgreSQL restart: a throwaway PostgreSQL cluster of its own (never the shared server on
   5432) is restarted during a registration rush → clients get the translated 503 with
   Retry-After, no half-written registration, capacity exact, the site recovers by itself.

Drills 1–3 use the shared PostgreSQL with databases `decoded_drill_*`, Redis db 13, a local
aiosmtpd in its own process (bench/smtp_sink.py) and workers started like `decoded-worker@.service`
(docs/deploy.md: its ExecStartPre lines, then `db_worker --worker-id …`), under
bench/drill_settings.py (production settings with faster clocks). Drill 4 runs gunicorn with the
production settings against a cluster made with initdb in a temporary directory.

    .venv/bin/python bench/drills.py [certificates reminders smtp postgres]

Prints a PASS/FAIL table with the evidence, writes bench/results/drills-latest.md, exits 1 when a
drill fails. Bounded: each drill gives up after DRILL_TIMEOUT seconds (default 240).
"""

import asyncio
import contextlib
import dataclasses
import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg

from bench import httpload
from bench.prodstack import PYTHON, ROOT, Gunicorn, flush_redis, free_port, http_get, manage, production_env

TIMEOUT = float(os.environ.get("DRILL_TIMEOUT", "240"))
REDIS_DB = 13
SHARED_PG = "postgres://postgres@127.0.0.1:5432"
PG_BIN = Path(os.environ.get("DRILL_PG_BIN", "/usr/lib/postgresql/15/bin"))
CERTIFICATE_PEOPLE = int(os.environ.get("DRILL_CERTIFICATES", "300"))
REMINDERS = int(os.environ.get("DRILL_REMINDERS", "2000"))
RUSH_PEOPLE, RUSH_PLACES = (
    int(os.environ.get("DRILL_RUSH_PEOPLE", "1500")),
    int(os.environ.get("DRILL_RUSH_PLACES", "500")),
)
SMTP_OUTAGE_SECONDS, PG_OUTAGE_SECONDS = 10, 5


@dataclasses.dataclass
class Result:
    drill: str
    passed: bool = False
    evidence: list[str] = dataclasses.field(default_factory=list)
    failures: list[str] = dataclasses.field(default_factory=list)
    seconds: float = 0.0

    def check(self, condition: bool, what: str) -> None:
        """Record a required outcome; a false one fails the drill."""
        if not condition:
            self.failures.append(what)

    def note(self, text: str) -> None:
        self.evidence.append(text)
        print(f"    {text}", flush=True)


# --- the pieces a drill is made of -------------------------------------------------------------------


def sql(url: str, query: str, params: tuple = ()) -> list[tuple]:
    with psycopg.connect(url, autocommit=True) as connection:
        return connection.execute(query, params).fetchall()


def scalar(url: str, query: str, params: tuple = ()):
    return sql(url, query, params)[0][0]


def fresh_database(name: str) -> str:
    """Drop and create `name` on the shared PostgreSQL (only `decoded_drill*` names)."""
    assert name.startswith("decoded_drill")  # noqa: S101 (never touch another helper's database)
    with psycopg.connect(f"{SHARED_PG}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"{SHARED_PG}/{name}"


def wait_for(predicate, *, timeout: float, interval: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


class SmtpSink:
    """bench/smtp_sink.py in a process of its own, on a fixed port, so it can stop and come back."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.log = workdir / "smtp-received.jsonl"
        self.log.touch()
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [PYTHON, str(ROOT / "bench" / "smtp_sink.py"), "--port", str(self.port), "--log", str(self.log)],
            stdout=subprocess.PIPE,
            text=True,
        )
        if self.process.stdout.readline().strip() != "ready":
            raise RuntimeError("the SMTP sink did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=10)

    def received(self) -> list[dict]:
        """Every message logged so far; a line the sink is still writing (no newline yet) is left
        for the next call."""
        lines = self.log.read_text(encoding="utf-8").split("\n")[:-1]  # the last piece is unfinished or ""
        return [json.loads(line) for line in lines if line.strip()]


class Worker:
    """One `decoded-worker@<n>` as systemd runs it: the ExecStartPre commands, then db_worker with
    the unit's fixed worker id (`%H-%i`). `kill()` is SIGKILL: no graceful shutdown, no cleanup."""

    EXEC_START_PRE = (("send_due_messages", "--schedule"), ("recover_abandoned_tasks", "--worker-id", "{id}"))

    def __init__(self, env: dict, worker_id: str, workdir: Path):
        self.env, self.id = env, worker_id
        self.log = workdir / f"worker-{worker_id}.log"
        self.process: subprocess.Popen | None = None
        self.pre_output: list[str] = []

    def start(self) -> None:
        for command in self.EXEC_START_PRE:
            output = subprocess.run(
                [PYTHON, "manage.py", *(part.format(id=self.id) for part in command)],
                cwd=ROOT,
                env=self.env,
                capture_output=True,
                text=True,
                check=True,
                timeout=60,
            ).stdout.strip()
            self.pre_output.append(f"{command[0]}: {output}")
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                [PYTHON, "manage.py", "db_worker", "--worker-id", self.id, "--interval", "0.5", "--no-startup-delay"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()


class SupervisedWorker(Worker):
    """A Worker restarted whenever it exits, like systemd's Restart=always with RestartSec=1 (an
    ExecStartPre that fails while the database is down is tried again a second later)."""

    def __init__(self, env: dict, worker_id: str, workdir: Path):
        super().__init__(env, worker_id, workdir)
        self.restarts = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.supervise, daemon=True)

    def supervise(self) -> None:
        while not self.stopping.is_set():
            try:
                super().start()
            except subprocess.CalledProcessError:
                time.sleep(1)
                continue
            self.process.wait()
            if not self.stopping.is_set():
                self.restarts += 1
                time.sleep(1)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        super().stop()
        self.thread.join(timeout=70)


def drill_env(database_url: str, workdir: Path, *, smtp_port: int | None = None, **extra: str) -> dict[str, str]:
    env = production_env(
        database_url,
        redis_db=REDIS_DB,
        DJANGO_MEDIA_ROOT=str(workdir / "media"),
        DECODED_PRIVATE_MEDIA_ROOT=str(workdir / "private"),
        **extra,
    )
    if smtp_port:
        env.update(
            {
                "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "DJANGO_EMAIL_HOST": "127.0.0.1",
                "DJANGO_EMAIL_PORT": str(smtp_port),
                "DJANGO_EMAIL_USE_TLS": "0",
            }
        )
    return env


def drill_data(env: dict, *args: str) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run(
            [PYTHON, "bench/drill_data.py", *args, out.name], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
        )
        return json.loads(Path(out.name).read_text())


def task_states(url: str) -> dict[str, int]:
    return dict(sql(url, "SELECT status, count(*) FROM django_tasks_database_dbtaskresult GROUP BY status"))


def running_of(url: str, worker_id: str) -> list[tuple[str, str]]:
    """(task path, id) of the tasks the database thinks `worker_id` is running."""
    return sql(
        url,
        "SELECT task_path, id::text FROM django_tasks_database_dbtaskresult WHERE status = 'RUNNING' AND worker_ids->>-1 = %s",
        (worker_id,),
    )


def outbox_states(url: str, kind: str) -> dict[str, int]:
    return dict(
        sql(url, "SELECT status, count(*) FROM registrations_outboxmessage WHERE kind = %s GROUP BY status", (kind,))
    )


def deliveries(sink: SmtpSink, tokens: set[str]) -> dict:
    """What the SMTP server received of the expected Message-IDs: delivered once, lost, twice or more."""
    received = [line["message_id"] for line in sink.received()]
    counts = Counter(received)
    first_copy = {}
    for index, message_id in enumerate(received):
        first_copy.setdefault(message_id, index)
    expected = {f"<{token}@decoded.example>" for token in tokens}
    return {
        "received": sum(counts[m] for m in expected),
        "distinct": len(expected & counts.keys()),
        "lost": len(expected - counts.keys()),
        "twice": sum(1 for m in expected if counts[m] > 1),
        "twice_first_copy": sorted(first_copy[m] for m in expected if counts[m] > 1),
        "unexpected": sum(n for m, n in counts.items() if m not in expected),
    }


def recovery_log(workdir: Path) -> list[str]:
    """What registrations/task_recovery.py logged in the workers' logs (JSON lines), oldest first."""
    lines = []
    for log in workdir.glob("worker-*.log"):
        for line in log.read_text(errors="replace").splitlines():
            if '"registrations.task_recovery"' in line:
                entry = json.loads(line)
                lines.append(f"{entry['time'][11:19]} in {log.stem[7:]}: {entry['message']}")
    return sorted(lines)


def message_tokens(url: str, kind: str) -> set[str]:
    return {
        row[0] for row in sql(url, "SELECT message_token FROM registrations_outboxmessage WHERE kind = %s", (kind,))
    }


# --- drill 1: a worker killed in the middle of a certificate batch ------------------------------------


def drill_certificates(result: Result, workdir: Path) -> None:
    url = fresh_database("decoded_drill_certificates")
    sink = SmtpSink(workdir)
    env = drill_env(url, workdir, smtp_port=sink.port, DJANGO_SETTINGS_MODULE="bench.drill_settings")
    manage(env, "migrate", "--noinput")
    data = drill_data(env, "certificates", str(CERTIFICATE_PEOPLE))
    sink.start()
    workers = [Worker(env, "drill-cert-1", workdir), Worker(env, "drill-cert-2", workdir)]
    try:
        for worker in workers:
            worker.start()
        subprocess.run(
            [PYTHON, "bench/drill_data.py", "request-certificates", str(data["certified"])],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )

        def certificates() -> int:
            return scalar(url, "SELECT count(*) FROM registrations_certificate")

        def mid_batch(worker: Worker, at_least: int) -> bool:
            """`worker` runs a batch that has issued some but not all of its certificates."""
            rows = sql(
                url,
                """
                SELECT jsonb_array_length(t.args_kwargs->'kwargs'->'registration_ids'),
                       (SELECT count(*) FROM registrations_certificate c WHERE c.registration_id IN
                           (SELECT value::bigint FROM jsonb_array_elements_text(t.args_kwargs->'kwargs'->'registration_ids')))
                FROM django_tasks_database_dbtaskresult t WHERE t.status = 'RUNNING' AND t.worker_ids->>-1 = %s
                AND t.task_path LIKE '%%issue_certificates_batch'""",
                (worker.id,),
            )
            return certificates() >= at_least and any(0 < done < size for size, done in rows)

        def kill_mid_batch(worker: Worker, at_least: int) -> bool:
            if not wait_for(lambda: mid_batch(worker, at_least), timeout=TIMEOUT, interval=0.05):
                result.check(False, f"{worker.id} was never seen in the middle of a batch")
                return False
            worker.kill()
            stuck = [path.rsplit(".", 1)[1] for path, _ in running_of(url, worker.id)]
            result.note(
                f"SIGKILL {worker.id} in the middle of a batch at {certificates()} of {CERTIFICATE_PEOPLE} "
                f"certificates; left RUNNING for it: {len(stuck)} task(s) {stuck}"
            )
            return True

        # a. The worker comes back, as systemd restarts it (RestartSec=5): its start recovers the batch.
        if not kill_mid_batch(workers[0], CERTIFICATE_PEOPLE // 4):
            return
        time.sleep(5)
        workers[0].start()
        result.note(f"{workers[0].id} started again as systemd does: " + "; ".join(workers[0].pre_output[-2:]))
        # b. The other worker dies for good: the live worker's tick recovers its batch once it is
        # older than TASK_ABANDONED_AFTER_SECONDS.
        if not kill_mid_batch(workers[1], CERTIFICATE_PEOPLE // 2):
            return
        killed_at = time.monotonic()
        wait_for(lambda: not running_of(url, workers[1].id), timeout=TIMEOUT)
        result.note(
            f"{workers[1].id} not restarted; its batch left RUNNING {time.monotonic() - killed_at:.0f} s later "
            f"({len(running_of(url, workers[1].id))} left); recovery log: " + "; ".join(recovery_log(workdir))
        )

        def complete() -> bool:
            recipients = {address for line in sink.received() for address in line["to"]}
            return certificates() >= CERTIFICATE_PEOPLE and len(recipients) >= CERTIFICATE_PEOPLE

        wait_for(complete, timeout=TIMEOUT)
        time.sleep(3)  # anything sent twice would arrive now
    finally:
        for worker in workers:
            worker.stop()
        sink.stop()
    check_certificates(result, url, sink, workdir, data, workers)


def check_certificates(result: Result, url: str, sink: SmtpSink, workdir: Path, data: dict, workers: list) -> None:
    total, distinct, valid = sql(
        url,
        "SELECT count(*), count(DISTINCT registration_id), "
        "count(*) FILTER (WHERE status = 'valid') FROM registrations_certificate",
    )[0]
    audited = scalar(url, "SELECT count(*) FROM registrations_auditentry WHERE action = 'certificate_issued'")
    result.note(f"certificates: {total} rows, {distinct} registrations, {valid} valid; {audited} issue audit entries")
    result.check(
        total == distinct == valid == audited == CERTIFICATE_PEOPLE,
        f"expected {CERTIFICATE_PEOPLE} certificates, each once and audited once",
    )
    emails = Counter(address for line in sink.received() for address in line["to"])
    expected = {
        row[0]
        for row in sql(
            url,
            "SELECT u.email FROM registrations_registration r JOIN auth_user u "
            "ON u.id = r.user_id WHERE r.session_id = %s",
            (data["certified"],),
        )
    }
    once = sum(1 for address in expected if emails[address] == 1)
    twice = sum(1 for address in expected if emails[address] > 1)
    result.note(
        f"certificate emails: {once} attendees got exactly one, {len(expected - emails.keys())} none, "
        f"{twice} more than one; outbox {outbox_states(url, 'certificate')}"
    )
    result.check(once == CERTIFICATE_PEOPLE and twice == 0, "every attendee gets exactly one certificate email")
    pdfs = {p.relative_to(workdir / "private").as_posix() for p in (workdir / "private").rglob("*.pdf")}
    stored = {row[0] for row in sql(url, "SELECT pdf FROM registrations_certificate")}
    result.note(f"PDF files: {len(pdfs)} on disk, {len(pdfs - stored)} without a certificate (rolled back by the kill)")
    leftover = running_of(url, workers[0].id) + running_of(url, workers[1].id)
    result.note(f"tasks RUNNING at the end: {len(leftover)}; task states {task_states(url)}")
    result.check(not leftover, "no task left RUNNING")


# --- drills 2 and 3: a reminder run, its worker killed / its SMTP server stopped -----------------------


def sending_worker(url: str, workers: list[Worker]) -> Worker | None:
    for worker in workers:
        if any(
            path.endswith(("notifications_tick", "dispatch_due_messages_task"))
            for path, _ in running_of(url, worker.id)
        ):
            return worker
    return None


def reminder_run(result: Result, workdir: Path, *, name: str, fault) -> None:
    """Plan REMINDERS reminders, let two workers send them, apply `fault` at a third of the run."""
    url = fresh_database(f"decoded_drill_{name}")
    sink = SmtpSink(workdir)
    env = drill_env(url, workdir, smtp_port=sink.port, DJANGO_SETTINGS_MODULE="bench.drill_settings")
    manage(env, "migrate", "--noinput")
    drill_data(env, "reminders", str(REMINDERS))
    sink.start()
    workers = [Worker(env, f"drill-{name}-1", workdir), Worker(env, f"drill-{name}-2", workdir)]
    tokens: set[str] = set()
    try:
        for worker in workers:
            worker.start()
        if not wait_for(lambda: len(sink.received()) >= REMINDERS // 3, timeout=TIMEOUT, interval=0.05):
            result.check(False, f"a third of the reminders was not sent within {TIMEOUT:.0f} s")
            return
        received_at_fault = fault(url, sink, workers)

        def complete() -> bool:
            nonlocal tokens
            tokens = message_tokens(url, "reminder")
            return (
                len(tokens) == REMINDERS
                and deliveries(sink, tokens)["distinct"] == REMINDERS
                and (outbox_states(url, "reminder").get("sent", 0) == REMINDERS)
            )

        wait_for(complete, timeout=TIMEOUT)
        time.sleep(3)  # anything sent twice would arrive now
    finally:
        for worker in workers:
            worker.stop()
        sink.stop()
    delivered = deliveries(sink, tokens)
    states = outbox_states(url, "reminder")
    retried = scalar(url, "SELECT count(*) FROM registrations_outboxmessage WHERE attempts > 1")
    result.note(f"outbox: {states}, {retried} sent after more than one attempt")
    # The one message a sender had handed to the SMTP server when the fault struck, before it could
    # record "sent", is sent again with the same Message-ID (at-least-once; receivers can drop it).
    in_flight = [first for first in delivered["twice_first_copy"] if first < received_at_fault]
    result.note(
        f"SMTP server: {delivered['distinct']} of {REMINDERS} Message-IDs received, {delivered['lost']} lost, "
        f"{delivered['twice']} twice (first copies accepted as no. {[i + 1 for i in delivered['twice_first_copy']]}, "
        f"{received_at_fault} accepted when the fault struck), {delivered['unexpected']} unexpected"
    )
    result.check(states == {"sent": REMINDERS}, f"all {REMINDERS} outbox rows sent")
    result.check(delivered["distinct"] == REMINDERS and delivered["lost"] == 0, "every reminder delivered")
    result.check(
        delivered["twice"] == len(in_flight) <= 1 and delivered["unexpected"] == 0,
        "no reminder delivered twice, except the one in flight at the fault (same Message-ID)",
    )
    leftover = running_of(url, workers[0].id) + running_of(url, workers[1].id)
    result.note(f"tasks RUNNING at the end: {len(leftover)}; task states {task_states(url)}")
    result.note("recovery log: " + ("; ".join(recovery_log(workdir)) or "nothing"))
    result.check(not leftover, "no task left RUNNING")


def drill_reminders(result: Result, workdir: Path) -> None:
    def kill_the_sender(url: str, sink: SmtpSink, workers: list[Worker]) -> None:
        wait_for(lambda: sending_worker(url, workers) is not None, timeout=30, interval=0.02)
        victim = sending_worker(url, workers) or workers[0]
        victim.kill()
        other = workers[1] if victim is workers[0] else workers[0]
        received = len(sink.received())
        result.note(f"SIGKILL the sending worker {victim.id} after {received} of {REMINDERS} reminders")
        sending = outbox_states(url, "reminder").get("sending", 0)
        stuck = running_of(url, victim.id)
        ticks = scalar(
            url,
            "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status = 'READY' AND task_path LIKE '%%notifications_tick'",
        )
        result.note(
            f"left behind: {sending} rows 'sending' (leased), {len(stuck)} task(s) RUNNING for the dead worker, "
            f"{ticks} tick(s) waiting"
        )
        time.sleep(20)  # the lease (15 s in the drill) runs out; the other worker alone carries on
        result.note(
            f"20 s later, worker {other.id} alone: {len(sink.received())} received, "
            f"outbox {outbox_states(url, 'reminder')}"
        )
        victim.start()
        result.note(f"{victim.id} started again as systemd does: " + "; ".join(victim.pre_output[-2:]))
        return received

    reminder_run(result, workdir, name="reminders", fault=kill_the_sender)


def drill_smtp(result: Result, workdir: Path) -> None:
    def stop_the_server(url: str, sink: SmtpSink, workers: list[Worker]) -> None:
        sink.stop()
        received = len(sink.received())
        result.note(f"SMTP server stopped after {received} of {REMINDERS} reminders, for {SMTP_OUTAGE_SECONDS} s")
        time.sleep(SMTP_OUTAGE_SECONDS)
        sink.start()
        states = outbox_states(url, "reminder")
        errors = sql(
            url,
            "SELECT split_part(last_error, ':', 1), count(*) FROM registrations_outboxmessage "
            "WHERE last_error <> '' GROUP BY 1",
        )
        result.note(f"server back: outbox {states}; errors recorded {dict(errors)}")
        return received

    reminder_run(result, workdir, name="smtp", fault=stop_the_server)


# --- drill 4: PostgreSQL restarted during a registration rush ----------------------------------------


class ThrowawayPostgres:
    """A PostgreSQL cluster of the drill's own: initdb in a temporary directory, trust auth, loopback."""

    def __init__(self, workdir: Path):
        self.dir = workdir / "pgdata"
        self.port = free_port()
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def run(self, *args: str) -> None:
        subprocess.run(
            [*self.as_postgres, *args],
            cwd=self.dir,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=120,
        )

    def create(self) -> None:
        self.dir.mkdir()
        if self.as_postgres:
            shutil.chown(self.dir.parent, "postgres")
            shutil.chown(self.dir, "postgres")
        self.run(str(PG_BIN / "initdb"), "-D", str(self.dir), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        with (self.dir / "postgresql.conf").open("a") as conf:
            conf.write(
                f"listen_addresses = '127.0.0.1'\nport = {self.port}\nunix_socket_directories = '{self.dir}'\n"
                "max_connections = 100\nfsync = on\n"
            )

    def start(self) -> None:
        self.run(str(PG_BIN / "pg_ctl"), "-D", str(self.dir), "-l", str(self.dir / "server.log"), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self.run(str(PG_BIN / "pg_ctl"), "-D", str(self.dir), "-m", mode, "-w", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"


class Rush:
    """RUSH_PEOPLE signed-in people register at once from 64 connections; a person who gets a 503
    waits (1 s here rather than the 30 s of Retry-After) and sends the form again, as the page says."""

    def __init__(self, port: int, data: dict, titles: dict[str, str]):
        self.port, self.data, self.titles = port, data, titles
        self.done = 0
        self.finished_at: list[float] = []  # monotonic time of each registration
        self.statuses: Counter = Counter()
        self.bad_503: list[str] = []
        self.other_errors: list[str] = []
        self.retries = 0

    def request(self, index: int, client: dict) -> tuple[bytes, str]:
        language = "ru" if index % 2 else "en"
        path = f"/{language}/sessions/{self.data['rush']}/register/"
        host = f"127.0.0.1:{self.port}"
        raw = httpload.post_form(
            path,
            {
                "csrfmiddlewaretoken": client["csrf"],
                "full_name": f"Person Number{index}",
                "organisation": "Clinic",
                "profession": "physician",
                "country": "DE",
                "language": language,
                "privacy_consent": "on",
                "website": "",
                "started": self.data["stamp"],
            },
            host=host,
            headers={
                "Cookie": f"__Host-sessionid={client['session']}; __Host-csrftoken={client['csrf']}",
                "X-Forwarded-Proto": "https",
                "X-Forwarded-For": client["ip"],
                "Origin": f"https://{host}",
                "Referer": f"https://{host}{path}",
            },
        )
        return raw, language

    async def person(self, index: int, client: dict, deadline: float) -> None:
        raw, language = self.request(index, client)
        while time.monotonic() < deadline:
            try:
                reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", self.port), 10)
                writer.write(raw)
                await writer.drain()
                data = await asyncio.wait_for(reader.read(), 30)
                writer.close()
            except (OSError, TimeoutError) as error:
                status, data = 0, str(error).encode()
            else:
                status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
            self.statuses[status] += 1
            if status == 200:
                self.done += 1
                self.finished_at.append(time.monotonic())
                return
            if status == 503:
                self.check_503(data, language)
            else:
                self.other_errors.append(f"{status}: {data[:200]!r}")
            self.retries += 1
            await asyncio.sleep(1)

    def rate(self, start: float, end: float) -> float:
        return sum(1 for moment in self.finished_at if start <= moment < end) / (end - start)

    def check_503(self, data: bytes, language: str) -> None:
        head, _, body = data.partition(b"\r\n\r\n")
        headers = head.decode("latin-1").lower()
        text = body.decode(errors="replace")
        if (
            "\r\nretry-after: 30" not in headers
            or f'<html lang="{language}">' not in text
            or f"<title>{self.titles[language]}</title>" not in text
        ):
            self.bad_503.append(f"{language}: {head[:300]!r}")

    async def run_all(self, deadline: float) -> None:
        queue: asyncio.Queue = asyncio.Queue()
        for item in enumerate(self.data["clients"]):
            queue.put_nowait(item)

        async def connection_slot():
            while not queue.empty():
                index, client = queue.get_nowait()
                await self.person(index, client, deadline)

        await asyncio.gather(*(connection_slot() for _ in range(64)))


def restart_twice(result: Result, rush: "Rush", cluster: ThrowawayPostgres) -> None:
    """Restart PostgreSQL at a quarter and at half of the rush, each time for PG_OUTAGE_SECONDS."""
    # Two restarts: a clean one (pg_ctl stop -m fast: sessions terminated, transactions rolled
    # back) and a crash (-m immediate: no shutdown checkpoint, WAL recovery at start).
    for mode, share in (("fast", 4), ("immediate", 2)):
        wait_for(lambda share=share: rush.done >= RUSH_PEOPLE // share, timeout=TIMEOUT, interval=0.02)
        rate_before = rush.rate(time.monotonic() - 3, time.monotonic())
        errors_before = rush.statuses.get(503, 0)
        cluster.stop(mode)
        stopped_at = time.monotonic()
        time.sleep(PG_OUTAGE_SECONDS)
        cluster.start()
        back_at = time.monotonic()
        wait_for(lambda back_at=back_at: time.monotonic() > back_at + 3 or rush.done == RUSH_PEOPLE, timeout=5)
        result.note(
            f"PostgreSQL stopped ({mode}) after {rush.done} of {RUSH_PEOPLE} registered, back after "
            f"{back_at - stopped_at:.1f} s; {rush.statuses.get(503, 0) - errors_before} answers 503 meanwhile; "
            f"{rate_before:.0f} reg/s in the 3 s before, {rush.rate(back_at, back_at + 3):.0f} reg/s in the 3 s after"
        )


def drill_postgres(result: Result, workdir: Path) -> None:
    cluster = ThrowawayPostgres(workdir)
    cluster.create()
    cluster.start()
    try:
        with psycopg.connect(cluster.url(), autocommit=True) as connection:
            connection.execute('CREATE DATABASE "decoded_drill_rush"')
        url = cluster.url("decoded_drill_rush")
        sink = SmtpSink(workdir)
        env = drill_env(url, workdir, smtp_port=sink.port)
        flush_redis(REDIS_DB)
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput")
        data = drill_data(env, "rush", str(RUSH_PEOPLE), str(RUSH_PLACES))
        titles = drill_data(env, "texts")
        sink.start()
        worker = SupervisedWorker(env, "drill-rush-1", workdir)  # sends the confirmations meanwhile
        worker.start()
        with Gunicorn(env, port=free_port()) as server:
            rush = Rush(server.port, data, titles)
            began = time.monotonic()
            thread = threading.Thread(target=lambda: asyncio.run(rush.run_all(began + TIMEOUT)))
            thread.start()
            restart_twice(result, rush, cluster)
            thread.join()
            seconds = time.monotonic() - began
            ready = http_get(f"{server.base}/readyz", {"Host": "127.0.0.1"})[0]
            log_errors = [line for line in server.log_tail(2000).splitlines() if '"level": "ERROR"' in line]
        result.note(
            f"rush: {rush.done} of {RUSH_PEOPLE} registered in {seconds:.1f} s; answers {dict(rush.statuses)}; "
            f"{rush.retries} retries"
        )
        result.note(
            f"503 pages: {rush.statuses.get(503, 0)}, of which {len(rush.bad_503)} without Retry-After: 30 or "
            "the translated title in the page's language; other errors "
            f"{len(rush.other_errors)}{': ' + rush.other_errors[0] if rush.other_errors else ''}"
        )
        result.check(rush.statuses.get(503, 0) > 0, "the restart was seen by clients (503s)")
        result.check(not rush.bad_503, "every 503 has Retry-After and the translated page")
        result.check(not rush.other_errors, "no answer other than 200 or 503")
        result.check(rush.done == RUSH_PEOPLE, "everybody registered in the end")
        result.check(ready == 200, "/readyz is 200 again without restarting gunicorn")
        result.note(f"/readyz after the restart: {ready}; {len(log_errors)} ERROR log lines")
        check_registrations(result, url)
        emails_waiting = (
            "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status IN ('READY', 'RUNNING') "
            "AND task_path LIKE '%%send_registration_email'"
        )
        wait_for(lambda: scalar(url, emails_waiting) == 0, timeout=TIMEOUT)
        worker.stop()
        sink.stop()
        check_confirmations(result, url, sink, worker)
    finally:
        with contextlib.suppress(Exception):
            cluster.stop("immediate")


def check_confirmations(result: Result, url: str, sink: SmtpSink, worker: SupervisedWorker) -> None:
    """Every registrant of the rush got exactly one confirmation or waitlist email."""
    tasks = dict(
        sql(
            url,
            "SELECT status || coalesce(' ' || nullif(exception_class_path, ''), ''), count(*) "
            "FROM django_tasks_database_dbtaskresult WHERE task_path LIKE '%%send_registration_email' GROUP BY 1",
        )
    )
    received = sink.received()
    # Messages, not deliveries: a task run again after the database went away between the SMTP
    # server's acceptance and the recorded result sends the same message (same Message-ID, which
    # mail clients show once); a second, different message would be a real duplicate.
    emails = Counter(address for line in {line["message_id"]: line for line in received}.values() for address in line["to"])
    deliveries = Counter(address for line in received for address in line["to"])
    people = {
        row[0]
        for row in sql(url, "SELECT u.email FROM registrations_registration r JOIN auth_user u ON u.id = r.user_id")
    }
    once = sum(1 for address in people if emails[address] == 1)
    result.note(
        f"confirmation emails (one worker, restarted {worker.restarts} times as systemd would): tasks {tasks}; "
        f"{once} of {len(people)} registrants got exactly one message, {len(people - emails.keys())} none, "
        f"{sum(1 for a in people if emails[a] > 1)} more than one; the same message delivered twice to "
        f"{sum(1 for a in people if deliveries[a] > emails[a])} (accepted just before the database went away)"
    )
    result.check(once == len(people) == RUSH_PEOPLE, "every registrant gets exactly one confirmation email")


def check_registrations(result: Result, url: str) -> None:
    """Capacity exact, one place per person, nothing half-written: each registration has the audit
    entry, the saved profile and the queued email of `register_attendee`'s one transaction."""
    counts = dict(
        sql(
            url,
            "SELECT r.status, count(*) FROM registrations_registration r JOIN events_session s "
            "ON s.id = r.session_id WHERE s.slug = 'rush' GROUP BY r.status",
        )
    )
    doubles = scalar(
        url,
        "SELECT count(*) FROM (SELECT user_id FROM registrations_registration "
        "WHERE status <> 'cancelled' GROUP BY session_id, user_id HAVING count(*) > 1) d",
    )
    half = sql(
        url,
        """SELECT
        count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM registrations_auditentry a WHERE a.registration_id = r.id
            AND a.action IN ('registered', 'waitlisted'))),
        count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM registrations_profile p WHERE p.user_id = r.user_id)),
        count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM django_tasks_database_dbtaskresult t WHERE t.task_path LIKE '%%send_registration_email'
            AND (t.args_kwargs->'kwargs'->>'registration_id')::bigint = r.id))
        FROM registrations_registration r""",
    )[0]
    result.note(
        f"registrations: {counts}; {doubles} people with two places; without audit entry {half[0]}, "
        f"without saved profile {half[1]}, without a queued email {half[2]}"
    )
    result.check(
        counts == {"confirmed": RUSH_PLACES, "waitlisted": RUSH_PEOPLE - RUSH_PLACES},
        f"exactly {RUSH_PLACES} confirmed and {RUSH_PEOPLE - RUSH_PLACES} waitlisted",
    )
    result.check(doubles == 0, "nobody holds two places")
    result.check(half == (0, 0, 0), "no half-written registration (audit entry, profile and email with each)")


# --- the table ---------------------------------------------------------------------------------------

DRILLS = {
    "certificates": ("1. worker SIGKILLed mid certificate batch, restarted", drill_certificates),
    "reminders": ("2. worker SIGKILLed mid reminder run, restarted", drill_reminders),
    "smtp": ("3. SMTP server stopped during a reminder run", drill_smtp),
    "postgres": ("4. PostgreSQL restarted during a registration rush", drill_postgres),
}


def main(argv: list[str]) -> int:
    chosen = argv or list(DRILLS)
    results = []
    began = time.monotonic()
    for name in chosen:
        title, drill = DRILLS[name]
        print(f"\n{title}", flush=True)
        result = Result(title)
        started = time.monotonic()
        workdir = Path(tempfile.mkdtemp(prefix=f"decoded-drill-{name}-"))
        try:
            drill(result, workdir)
        except Exception as error:  # a drill that breaks is a failed drill; the others still run
            result.failures.append(f"{type(error).__name__}: {error}")
        result.seconds = time.monotonic() - started
        result.passed = not result.failures
        print(
            f"  {'PASS' if result.passed else 'FAIL'} in {result.seconds:.0f} s"
            + "".join(f"\n  failed: {f}" for f in result.failures),
            flush=True,
        )
        if result.passed:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            result.note(f"logs kept in {workdir}")
        results.append(result)
    write_results(results, time.monotonic() - began, chosen)
    return 0 if all(r.passed for r in results) else 1


def write_results(results: list[Result], seconds: float, chosen: list[str]) -> None:
    stamp = dt.datetime.now(tz=dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    rows = [
        f"| {r.drill} | {'PASS' if r.passed else '**FAIL**'} | {r.seconds:.0f} s | "
        + "<br>".join([*r.evidence, *(f"**failed: {f}**" for f in r.failures)])
        + " |"
        for r in results
    ]
    load = os.getloadavg()
    text = "\n".join(
        [
            f"# Fault drills, {stamp}",
            "",
            f"`.venv/bin/python bench/drills.py {' '.join(chosen)}` (`make drills`): {os.cpu_count()} CPUs, load average "
            f"{load[0]:.1f} at the end, total {seconds:.0f} s. Drills 1–3: shared PostgreSQL, databases decoded_drill_*, "
            "bench/drill_settings.py (tick 2 s, outbox lease 15 s, task abandoned after 60 s); drill 4: a throwaway "
            "PostgreSQL 15 cluster, gunicorn with the production settings.",
            "",
            "| drill | result | time | evidence |",
            "|---|---|---|---|",
            *rows,
            "",
        ]
    )
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "drills-latest.md").write_text(text)
    print("\n| drill | result | time |\n|---|---|---|")
    for r in results:
        print(f"| {r.drill} | {'PASS' if r.passed else 'FAIL'} | {r.seconds:.0f} s |")
    print("\nwritten to bench/results/drills-latest.md")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
