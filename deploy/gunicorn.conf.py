"""gunicorn settings for one app node (`gunicorn -c deploy/gunicorn.conf.py`); env overrides."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
#: Sync workers: each handles one request at a time and holds at most one database connection,
#: so DB_POOL_SIZE=1 + DB_MAX_OVERFLOW=1 per worker is enough (size PgBouncer for the sum).
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 20
keepalive = 5
#: Recycle workers now and then, so a slow leak never takes a node down.
max_requests = 2000
max_requests_jitter = 200
#: nginx on the same host (or the addresses in FORWARDED_ALLOW_IPS) may set X-Forwarded-*.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
wsgi_app = "marketplace.wsgi:app"


def child_exit(server, worker):
    """Drop a dead worker's Prometheus samples (multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
