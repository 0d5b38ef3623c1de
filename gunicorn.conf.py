"""Gunicorn settings for serving TTHC Scoring in production.

    .venv/bin/gunicorn -c gunicorn.conf.py

Gunicorn also reads this file by itself when started from the project folder. Every value
can be changed from the environment (the names below); the defaults suit a small server
behind a reverse proxy (nginx or similar) that terminates HTTPS and serves ``/static/`` from
``STATIC_ROOT``. The application itself is configured by its own variables (README.md,
"Configuration": at least ``DATABASE_URL``, ``SECRET_KEY``, ``DEBUG=false``,
``ALLOWED_HOSTS``).

| variable | default | meaning |
|---|---|---|
| ``GUNICORN_BIND`` | ``127.0.0.1:8000`` | comma-separated addresses, or ``unix:/run/tthc.sock`` |
| ``GUNICORN_WORKERS`` | 2 × cores + 1 | worker processes |
| ``GUNICORN_THREADS`` | ``1`` | threads per worker; above 1 gunicorn uses ``gthread`` workers |
| ``GUNICORN_TIMEOUT`` | ``30`` | seconds a worker may stay busy before it is killed and replaced |
| ``GUNICORN_GRACEFUL_TIMEOUT`` | ``30`` | seconds a worker gets to finish its requests on restart |
| ``GUNICORN_KEEPALIVE`` | ``5`` | seconds an idle keep-alive connection stays open (gthread) |
| ``GUNICORN_MAX_REQUESTS`` | ``1000`` | a worker is replaced after this many requests (0: never) |
| ``GUNICORN_MAX_REQUESTS_JITTER`` | ``200`` | random 0..N added per worker (staggered restarts) |
| ``GUNICORN_PRELOAD`` | ``true`` | load the application once in the master, before forking |
| ``GUNICORN_BACKLOG`` | ``2048`` | connections the kernel queues while every worker is busy |
| ``GUNICORN_ACCESSLOG`` | ``-`` (stdout) | access log file; empty to turn it off |
| ``GUNICORN_ERRORLOG`` | ``-`` (stderr) | error log file (tracebacks of 500s land here) |
| ``GUNICORN_LOGLEVEL`` | ``info`` | ``debug``, ``info``, ``warning``, ``error``, ``critical`` |
| ``GUNICORN_CONTROL_SOCKET`` | none (off) | path of gunicorn's control socket for ``gunicornc`` |
| ``FORWARDED_ALLOW_IPS`` | ``127.0.0.1,::1`` | proxies whose ``X-Forwarded-Proto`` is trusted |

Why these defaults:

- **Workers.** Pages are short and CPU-bound in Python (templates, forms), and each request
  holds one database connection: 2 × cores + 1 sync workers keep the cores busy while some
  wait on PostgreSQL, and use at most that many connections (× threads), far below
  PostgreSQL's default ``max_connections`` of 100. Raise ``GUNICORN_THREADS`` rather than
  workers if requests mostly wait (mail, PDF rendering); each thread then holds its own
  database connection.
- **Timeout.** A request that is still running after 30 s is stuck (a lock, a dead database
  connection); the worker is killed and replaced so the server keeps answering. Large
  reports render after the request (``REPORT_INLINE_UNITS``), so no page needs longer.
- **max_requests with jitter** recycles workers now and then, which bounds slow memory growth
  (WeasyPrint, fonts); the jitter keeps the workers from restarting at the same moment.
- **Preloading.** Starting Django and importing every view (WeasyPrint, pyHanko) costs about
  2 s of CPU. Without preloading every new worker pays it on its first request: when the
  workers, which serve about the same number of requests, reached ``max_requests`` together
  under the load bench, the server stalled for up to 10 s. With it the master loads the
  application and the URLconf once (``when_ready`` below) and a new worker is a fork that
  answers at once; the workers also share that memory. A code change then needs a full
  restart (``systemctl restart``), not ``kill -HUP``; set ``GUNICORN_PRELOAD=false`` to have
  HUP reload the code instead.
- **Logs on stdout/stderr** so systemd's journal or the container runtime keeps them. The
  access log records each request's duration in microseconds (``%(D)s``).
- **The worker heartbeat** lives in ``/dev/shm`` when there is one: on a disk-backed ``/tmp``
  the heartbeat can block a worker (gunicorn's "blocking os.fchmod" note).
- **No control socket** unless asked: several gunicorn instances of one user (for example the
  load bench beside a running server) would otherwise share ``~/.gunicorn/gunicorn.ctl``.

Database connections are kept between requests (``DB_CONN_MAX_AGE``, see the settings) and
checked before reuse, so a PostgreSQL restart costs the requests in flight, not the workers.
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.getenv(name, "").strip()
    return int(value) if value else default


wsgi_app = "tthc_scoring.wsgi:application"

bind = [
    address.strip()
    for address in os.getenv("GUNICORN_BIND", "127.0.0.1:8000").split(",")
    if address.strip()
]
backlog = _int("GUNICORN_BACKLOG", 2048)

workers = _int("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count() + 1)
threads = _int("GUNICORN_THREADS", 1)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)

max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)
preload_app = os.getenv("GUNICORN_PRELOAD", "true").strip().lower() in ("1", "true", "yes", "on")

if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

accesslog = os.getenv("GUNICORN_ACCESSLOG", "-") or None
errorlog = os.getenv("GUNICORN_ERRORLOG", "-")
loglevel = os.getenv("GUNICORN_LOGLEVEL", "info")
# The default format plus the request's duration in microseconds.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(D)s'

control_socket = os.getenv("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket

proc_name = "tthc-scoring"


def when_ready(server):
    """With preloading, import every view in the master so that forked workers start warm,
    and close any database connection so that no worker inherits one."""
    if not server.cfg.preload_app:
        return
    from django.db import connections
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018  (imports the URLconf and every view module)
    connections.close_all()
