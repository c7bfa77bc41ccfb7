"""gunicorn settings for Decoded: `gunicorn -c config/gunicorn.conf.py config.wsgi`.

Every value can be overridden by the environment (GUNICORN_*), e.g. in systemd's EnvironmentFile.
Measured on 2 cores (bench/results/latest.md): the sync worker with cores+1 processes; the app
is CPU-bound (templates, ORM) and each request is short, so threads add nothing but GIL
contention, while the TLS proxy in front buffers slow clients. One process more than cores covers
the moments a worker waits for PostgreSQL or Redis; more than that only makes them take turns on
the same cores (uncached session page, 2 cores, quiet: 5 workers 252-266 req/s, p99 51-57 ms, 6.6 ms
of worker CPU a request; 3 workers 292-296 req/s, p99 37 ms, 5.8 ms; registration rush 119 -> 128/s).
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# cores+1, capped: beyond that, processes only compete for the same cores and PostgreSQL
# connections (each process keeps one, CONN_MAX_AGE).
workers = int(os.environ.get("GUNICORN_WORKERS", min(multiprocessing.cpu_count() + 1, 9)))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# A request taking longer than this is killed (the PDF of a certificate is served, not built).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On SIGTERM (systemctl stop/restart) workers finish their requests for up to this long.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
keepalive = 5
# Recycle workers now and then, with jitter so that they do not all restart at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = 500
# Import the app before forking: faster starts, shared memory pages.
preload_app = True
# No access log: request lines carry tokens in paths and query strings (join links, calendar
# feeds, sign-in redirects). The TLS proxy keeps its own log without query strings (docs/deploy.md);
# the app's own log lines are JSON with tokens scrubbed (config/logging.py).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Behind the TLS proxy on the same host: trust its X-Forwarded-* headers.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proc_name = "decoded"


def post_worker_init(worker):
    """In each worker, after the fork and before its first request: its own database and Redis
    connections and the feeds' first queries (config/warmup.py), so that a fresh worker (at start,
    or recycled after max_requests) does not make its first visitor wait for them."""
    if getattr(worker.app, "app_uri", None) != "config.wsgi":
        return  # another app served with this configuration (bench/reference: plain Django)
    from config.warmup import warm_up_worker  # noqa: PLC0415 (the app is loaded by now)

    warm_up_worker()
