"""gunicorn settings for production: `gunicorn "app:create_app()"` (or `gunicorn app:app`)
from the repository root reads this file. Every setting can be changed by environment variable.

- Workers: GUNICORN_WORKERS, default 2 per CPU core + 1 (the CRM's requests mostly wait on
  the database). Threads per worker: GUNICORN_THREADS (default 1).
- The app is loaded once in the master, then the workers are forked from it (preload_app):
  they share the app's code and memory, and start faster. The database pool is dropped after
  loading, so no connection is ever shared between processes.
- gc.freeze() after loading moves everything loaded so far out of the garbage collector's
  sight: the workers do not scan (and so do not copy) those objects, which cuts GC pauses.
- No access log: the app writes one structured line per request itself (crm/logging.py), with
  its id, user id, endpoint, status and duration, and never a query string.
"""

from __future__ import annotations

import gc
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS") or multiprocessing.cpu_count() * 2 + 1)
threads = int(os.environ.get("GUNICORN_THREADS") or 1)
worker_class = "gthread" if threads > 1 else "sync"
# A register save of 150 people or a report must finish; a stuck request is ended after this.
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 60)
graceful_timeout = 30
keepalive = 5
# Restart workers now and then (with jitter, not all at once) to bound memory growth.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS") or 2000)
max_requests_jitter = max_requests // 10
preload_app = True

accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# The reverse proxy on this machine may say the request came over https (X-Forwarded-Proto);
# the app's TRUSTED_PROXIES setting decides what it believes of X-Forwarded-For.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proc_name = "coproduction-crm"
# No runtime control socket (gunicorn 25.1+): systemd or the container manages the process, and
# two servers on one machine would otherwise share the default socket path.
control_socket_disable = True


def when_ready(server):
    """Called in the master after the app is loaded (preload_app) and before any worker forks."""
    _dispose_database_pool(server)
    gc.freeze()
    server.log.info("Co-production CRM: %s worker(s) on %s", workers, bind)


def _dispose_database_pool(server) -> None:
    """Forget any database connection the master opened while loading the app, so that each
    worker opens its own."""
    wsgi = getattr(getattr(server, "app", None), "callable", None)
    if wsgi is None or not hasattr(wsgi, "app_context"):
        return
    from crm.extensions import db

    with wsgi.app_context():
        db.engine.dispose()
