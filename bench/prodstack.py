"""The production configuration on this machine, for `make prod-check` and `make bench`.

`production_env()` is the environment of a production process with throwaway secrets, a scratch
PostgreSQL database on 127.0.0.1:5432 (user postgres, trust) and Redis on 127.0.0.1:6379;
`Gunicorn` starts `config/gunicorn.conf.py` on a loopback port and stops it with SIGTERM (the
graceful shutdown production gets from systemd); `http_get` is a dependency-free HTTP client.
"""

import base64
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
GUNICORN = str(Path(PYTHON).parent / "gunicorn")
# Requests as if through the TLS proxy: X-Forwarded-Proto https (DJANGO_BEHIND_TLS_PROXY=1).
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def reset_database(name: str) -> str:
    """Drop and create `name` on the local PostgreSQL; returns its DATABASE_URL."""
    for sql in (f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", sql], check=True)
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def production_env(database_url: str, *, redis_db: int = 5, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
        "DECODED_ENCRYPTION_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SITE_URL": "https://127.0.0.1",
        "DJANGO_BEHIND_TLS_PROXY": "1",
        # One trusted proxy: the client address is X-Forwarded-For's (the rush sends one per person).
        "DJANGO_TRUSTED_PROXY_COUNT": "1",
        "DATABASE_URL": database_url,
        "REDIS_URL": f"redis://127.0.0.1:6379/{redis_db}",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DEMO_ORGANISER_PASSWORD": secrets.token_urlsafe(24),
        "PYTHONPATH": str(ROOT),
    }
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, quiet: bool = True) -> None:
    subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True,
        stdout=subprocess.DEVNULL if quiet else None,
    )


def flush_redis(db: int) -> None:
    subprocess.run(["redis-cli", "-h", "127.0.0.1", "-n", str(db), "FLUSHDB"], check=True, stdout=subprocess.DEVNULL)


class Gunicorn:
    """`with Gunicorn(env, port=…) as server:` serves until the block ends (then SIGTERM)."""

    def __init__(self, env, *, port: int, app: str = "config.wsgi", workers: int | None = None,
                 worker_class: str = "sync", threads: int = 1, config: str = "config/gunicorn.conf.py"):
        self.env = dict(env)
        self.env.update({"GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKER_CLASS": worker_class,
                         "GUNICORN_THREADS": str(threads)})
        if workers:
            self.env["GUNICORN_WORKERS"] = str(workers)
        self.port, self.app, self.config = port, app, config
        self.process: subprocess.Popen | None = None
        self.log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"decoded-gunicorn-{port}.log"  # noqa: S108

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "Gunicorn":
        self.process = subprocess.Popen(
            [GUNICORN, "-c", self.config, self.app], cwd=ROOT, env=self.env,
            stdout=subprocess.DEVNULL, stderr=self.log_path.open("w"),
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if http_get(f"{self.base}/healthz")[0] == 200:
                    return self
            except OSError:
                time.sleep(0.2)
        self.__exit__(None, None, None)
        raise RuntimeError("gunicorn did not answer /healthz within 30 s")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def log_tail(self, lines: int = 20) -> str:
        """The end of gunicorn's error log (the app's JSON lines included)."""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def http_get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of a GET; redirects are not followed."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    request = urllib.request.Request(url, headers={**PROXY_HEADERS, **(headers or {})})  # noqa: S310 (loopback URLs)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()
