"""The production stack on one machine: PostgreSQL 15 primary + streaming replica, Redis, moto
(S3), two gunicorn app nodes, an RQ worker and nginx in front, all on 127.0.0.1 free ports.

Everything is started as a child process in its own session and stopped (process group
SIGTERM, then SIGKILL) by `Stack.stop()`, whatever happened before.
"""

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from tests.support.postgres import PG_BIN, _as_postgres, free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SECRET_KEY = "cluster-test-secret-key"


def wait_for(check, what: str, timeout: float = 30.0, every: float = 0.1):
    """Call `check` until it returns something truthy; fail with `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            result = check()
            if result:
                return result
        except Exception as exc:  # not up yet
            last = exc
        time.sleep(every)
    raise TimeoutError(f"{what} not ready after {timeout:.0f}s (last error: {last!r})")


def http_ok(url: str) -> bool:
    with urllib.request.urlopen(url, timeout=2) as reply:
        return reply.status == 200


class Stack:
    def __init__(self, smtp_port: int) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="pm-cluster-"))
        self.dir.chmod(0o755)  # the postgres user reaches its data and socket folders inside
        self.processes: dict[str, subprocess.Popen] = {}
        self.pg_dirs: list[Path] = []
        self.smtp_port = smtp_port
        self.log = self.dir / "logs"
        self.log.mkdir()

    # --- processes ------------------------------------------------------------------------------

    def spawn(self, name: str, args: list[str], env: dict | None = None,
              cwd: Path | None = None) -> subprocess.Popen:
        out = (self.log / f"{name}.log").open("ab")
        process = subprocess.Popen(args, env=env, cwd=cwd or ROOT, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        self.processes[name] = process
        return process

    def kill(self, name: str, sig: int = signal.SIGTERM) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, sig)
            process.wait(10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)

    def print_logs(self, lines: int = 15) -> None:
        """The end of every log, to see why the stack did not come up."""
        for path in sorted(self.log.glob("*.log")):
            tail = path.read_text(errors="replace").splitlines()[-lines:]
            print(f"--- {path.name}\n" + "\n".join(tail))

    def stop(self) -> None:
        for name in reversed(list(self.processes)):
            self.kill(name)
        for data in self.pg_dirs:
            subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m",
                                         "immediate", "-w", "stop"]),
                           capture_output=True, check=False)
        shutil.rmtree(self.dir, ignore_errors=True)

    # --- PostgreSQL --------------------------------------------------------------------------

    def _pg(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(_as_postgres([str(a) for a in args]), check=True,
                              capture_output=True, text=True)

    def _pg_start(self, data: Path, port: int) -> None:
        options = (f"-p {port} -k {self.dir / 'pg'} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c max_connections=200 -c wal_level=replica "
                   "-c max_wal_senders=5 -c hot_standby=on")
        self.pg_dirs.append(data)
        self._pg(PG_BIN / "pg_ctl", "-D", data, "-w", "-l", self.log / f"pg-{port}.log",
                 "-o", options, "start")

    def start_postgres(self) -> tuple[str, str]:
        """Primary and a streaming replica cloned from it with pg_basebackup -R."""
        pg = self.dir / "pg"
        pg.mkdir()
        if os.geteuid() == 0:
            for path in (pg, self.log):
                shutil.chown(path, "postgres", "postgres")
        self.primary_port, self.replica_port = free_port(), free_port()
        primary = pg / "primary"
        self._pg(PG_BIN / "initdb", "-D", primary, "-U", "postgres", "-A", "trust", "-E",
                 "UTF8", "--locale=C.UTF-8", "--no-sync")
        self._pg_start(primary, self.primary_port)
        self._pg(PG_BIN / "createdb", "-h", "127.0.0.1", "-p", self.primary_port, "-U",
                 "postgres", "pasar")
        replica = pg / "replica"
        self._pg(PG_BIN / "pg_basebackup", "-h", "127.0.0.1", "-p", self.primary_port, "-U",
                 "postgres", "-D", replica, "-R", "-X", "stream", "--no-sync",
                 "--checkpoint=fast")
        self._pg_start(replica, self.replica_port)
        url = "postgresql+psycopg://postgres@127.0.0.1:{}/pasar"
        return url.format(self.primary_port), url.format(self.replica_port)

    def psql(self, port: int, sql: str) -> str:
        return self._pg(PG_BIN / "psql", "-h", "127.0.0.1", "-p", port, "-U", "postgres",
                        "-d", "pasar", "-Atc", sql).stdout.strip()

    # --- Redis, moto ---------------------------------------------------------------------------

    def start_redis(self) -> str:
        port = free_port()
        self.spawn("redis", ["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no", "--dir", str(self.dir)])
        url = f"redis://127.0.0.1:{port}/0"
        from redis import Redis

        wait_for(lambda: Redis.from_url(url).ping(), "redis-server")
        return url

    def start_moto(self) -> str:
        port = free_port()
        self.spawn("moto", [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)])
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: http_ok(f"{url}/moto-api/"), "moto_server")
        return url

    # --- the app -------------------------------------------------------------------------------

    def app_env(self, primary: str, replica: str, redis: str, s3: str) -> dict:
        instance = self.dir / "instance"
        instance.mkdir(exist_ok=True)
        self.env = {
            "PATH": f"{BIN}:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": str(self.dir),
            "LANG": "C.UTF-8", "SECRET_KEY": SECRET_KEY, "INSTANCE_DIR": str(instance),
            "DATABASE_URL": primary, "DATABASE_REPLICA_URL": replica, "REDIS_URL": redis,
            "MEDIA_S3_BUCKET": "pasar-media", "MEDIA_S3_ENDPOINT": s3,
            "MEDIA_S3_ACCESS_KEY": "test", "MEDIA_S3_SECRET_KEY": "test",
            "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(self.smtp_port),
            "TRUSTED_PROXIES": "1", "PAGE_CACHE_SECONDS": "3",
            "LOGIN_LIMIT_PER_IP": "100000 per minute",
            "LOGIN_LIMIT_PER_ACCOUNT": "5 per 15 minutes",
            "DB_POOL_SIZE": "2", "DB_MAX_OVERFLOW": "2", "GUNICORN_WORKERS": "2",
            "GUNICORN_ACCESS_LOG": "/dev/null",
        }
        return self.env

    def flask(self, *args: str) -> str:
        return subprocess.run([str(BIN / "flask"), "--app", "marketplace", *args],
                              env=self.env, cwd=ROOT, check=True, capture_output=True,
                              text=True, timeout=300).stdout

    def start_node(self, name: str) -> str:
        port = free_port()
        metrics = self.dir / f"metrics-{name}"
        metrics.mkdir()
        env = {**self.env, "GUNICORN_BIND": f"127.0.0.1:{port}",
               "PROMETHEUS_MULTIPROC_DIR": str(metrics)}
        self.spawn(name, [str(BIN / "gunicorn"), "-c", str(ROOT / "deploy/gunicorn.conf.py")],
                   env=env)
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: http_ok(f"{url}/healthz"), f"app node {name}", timeout=60)
        return url

    def start_worker(self) -> subprocess.Popen:
        return self.spawn("worker", [str(BIN / "flask"), "--app", "marketplace", "worker"],
                          env=self.env)

    # --- nginx ---------------------------------------------------------------------------------

    def nginx_site(self, nodes: list[str], port: int) -> str:
        """deploy/nginx/pasar-mandiri.conf with its TLS, ports and paths made local."""
        site = (ROOT / "deploy/nginx/pasar-mandiri.conf").read_text()
        site = re.sub(r"\nserver \{\n    listen 80;.*?\n\}\n", "\n", site, flags=re.S)
        servers = "".join(f"    server {n.removeprefix('http://')} max_fails=3 "
                          "fail_timeout=10s;\n" for n in nodes)
        site = re.sub(r"    server 127\.0\.0\.1:8000 [^\n]*\n", servers, site)
        site = site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{port};")
        site = "\n".join(line for line in site.splitlines()
                         if not re.search(r"listen \[::\]|ssl_|Strict-Transport|# server", line))
        return (site.replace("/etc/nginx/snippets/pasar-proxy.conf",
                             str(ROOT / "deploy/nginx/pasar-proxy.conf"))
                .replace("/var/cache/nginx/pasar-media", str(self.dir / "nginx-cache"))
                .replace("/opt/pasar-mandiri/static/", f"{ROOT / 'static'}/"))

    def start_nginx(self, nodes: list[str]) -> str:
        port = free_port()
        prefix = self.dir / "nginx"
        prefix.mkdir()
        conf = prefix / "nginx.conf"
        conf.write_text(f"""
user root;
daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {self.log}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    access_log {self.log}/nginx-access.log;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    {self.nginx_site(nodes, port)}
}}
""")
        checked = subprocess.run(["nginx", "-t", "-p", str(prefix), "-c", str(conf)],
                                 capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr
        self.spawn("nginx", ["nginx", "-p", str(prefix), "-c", str(conf)])
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: http_ok(f"{url}/healthz"), "nginx")
        return url
