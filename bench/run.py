# ruff: noqa: S603  (runs our own fixed tools: PostgreSQL binaries, gunicorn, wrk)
"""`make bench`: seed (cached), serve with gunicorn (2 workers), drive pages with wrk, print.

Usage: python -m bench.run [--db sqlite|postgres] [--size 100k|1m] [--duration 6]
                           [--cache on|off|both]
The bare Flask + Jinja baseline (24 items) is measured in the same run; each page's ratio
to it is printed, since other work on the machine moves absolute figures. Beside req/s it
prints the CPU the gunicorn workers spent per request (from /proc/<pid>/stat), which other
work on the machine disturbs far less than throughput. Ports are picked free each run.
"""

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / ".bench"
BIN = Path(sys.executable).parent
WRK = os.environ.get("WRK", "/usr/bin/wrk")


def schema_fingerprint(kind: str) -> str:
    """A digest of every table and column, and of the search index's definition on this
    database: a seeded database of another schema is seeded again."""
    import hashlib

    from marketplace.extensions import db
    from marketplace.models import User  # noqa: F401  (fills the metadata)
    from marketplace.search import schema as search_schema

    shape = sorted(f"{t.name}.{c.name}" for t in db.metadata.tables.values() for c in t.columns)
    shape += search_schema.SQLITE_DDL if kind == "sqlite" else search_schema.POSTGRES_DDL
    return hashlib.sha256("\n".join(shape).encode()).hexdigest()


def database_url(kind: str, size: str):
    """The URL of the seeded benchmark database (seeding it first if needed), and a stopper."""
    stopper = None
    fingerprint = schema_fingerprint(kind)
    if kind == "sqlite":
        path = BENCH / f"sqlite-{size}.db"
        url = f"sqlite:///{path}"
        marker = BENCH / f"sqlite-{size}.ok"
        ready = path.exists() and marker.exists() and marker.read_text().strip() == fingerprint
    else:
        from bench.pg import BenchCluster

        cluster = BenchCluster(BENCH / f"pg-{size}")
        cluster.start()
        stopper = cluster.stop
        url = cluster.ensure_database("bench")
        marker = BENCH / f"pg-{size}.ok"
        ready = marker.exists() and marker.read_text().strip() == fingerprint
    if not ready:
        try:
            _seed(kind, size, url)
        except BaseException:
            if stopper:
                stopper()
            raise
        marker.write_text(fingerprint + "\n")
    return url, stopper


def _seed(kind: str, size: str, url: str) -> None:
    from marketplace import create_app
    from marketplace.extensions import db

    BENCH.mkdir(exist_ok=True)
    if kind == "sqlite":
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    print(f"Seeding the {size} data set on {kind} (once; cached under .bench/)...")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        if kind == "postgres":  # a seeding run that stopped half-way is started afresh
            db.drop_all()
        db.create_all()
        from bench.seed import seed

        seed(size)
        db.session.remove()
        db.engine.dispose()


def sample_pages(url: str) -> dict[str, str]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        product = conn.execute(text(
            "SELECT p.id, p.slug FROM products p JOIN stores s ON s.id = p.store_id "
            "WHERE p.status = 'active' AND s.status = 'verified' ORDER BY p.id LIMIT 1 OFFSET 5000"
        )).one()
        store = conn.execute(text(
            "SELECT slug FROM stores WHERE status = 'verified' ORDER BY id LIMIT 1 OFFSET 500"
        )).scalar_one()
    engine.dispose()
    return {
        "home": "/",
        "category p1": "/c/makanan-olahan",
        "category p50": _linked("/c/makanan-olahan", {"category": "makanan-olahan",
                                                      "page": "50"}, url),
        "category p50 num": "/c/makanan-olahan?page=50",
        "search common": "/search?q=keripik",
        "search rare": "/search?q=andaliman",
        "search typo": "/search?q=robsuta",
        "search variant": "/search?q=kripik",
        "search 2w typo": "/search?q=kain+tennun",
        "search prefix": "/search?q=batik+tu",
        "search filters": "/search?q=batik&province=33&min_price=50000&max_price=300000"
                          "&in_stock=1&sort=price_asc",
        "search filt rel": "/search?q=kain+tenun&province=33&category=tenun-ikat"
                           "&max_price=300000&in_stock=1",
        "search suggest": "/search/suggest?q=kerip",
        "product": f"/p/{product.id}-{product.slug}",
        "store": f"/s/{store}",
    }


def _linked(path: str, args: dict, url: str) -> str:
    """The address of a deep page as its "next" links give it (with where it starts)."""
    from urllib.parse import urlencode

    from bench.search_queries import linked_page
    from marketplace import create_app
    from marketplace.extensions import db
    from marketplace.services.catalog import all_categories

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.test_request_context():
        found = linked_page(args, all_categories())
        db.session.remove()
        db.engine.dispose()
    found.pop("category")
    return f"{path}?{urlencode(found)}"


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class Server:
    """gunicorn with 2 sync workers on a free 127.0.0.1 port; tracks its workers' peak memory
    and CPU time."""

    def __init__(self, app: str, env: dict) -> None:
        self.app, self.env = app, env
        self.peak_kb = 0
        self._stop = threading.Event()
        self.proc = None

    def start(self, ready_path: str = "/") -> None:
        """Start on a free port; a port taken between choosing and binding means a retry."""
        for _attempt in range(5):
            self.port = free_port()
            self.proc = subprocess.Popen(
                [str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{self.port}",
                 "--log-level", "warning", "--chdir", str(ROOT), self.app],
                env={**os.environ, **self.env}, start_new_session=True,
            )
            if self._wait_ready(ready_path):
                return
            self.stop()
        raise RuntimeError("server did not start")

    def _wait_ready(self, path: str) -> bool:
        for _ in range(300):
            if self.proc.poll() is not None:  # gunicorn exits when it cannot bind
                return False
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5).read()
                return True
            except OSError:
                time.sleep(0.1)
        return False

    def cpu_seconds(self) -> float:
        """User + system CPU time of the workers so far (fields 14 and 15 of /proc/pid/stat)."""
        total = 0
        for pid in self.workers():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])
        return total / CLOCK_TICKS

    def settle(self, quiet: float = 0.5, limit: float = 60) -> None:
        """Wait until the workers' CPU time stands still twice running: the requests a wrk run
        left queued when it stopped (seconds of them on a slow page) would otherwise be
        served during, and counted in, the next page's run."""
        deadline, last, still = time.monotonic() + limit, self.cpu_seconds(), 0
        while still < 2 and time.monotonic() < deadline:
            time.sleep(quiet)
            now = self.cpu_seconds()
            still = still + 1 if now == last else 0
            last = now

    def workers(self) -> list[int]:
        try:
            out = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        except OSError:
            return []
        return [int(p) for p in out.split()]

    def _rss_kb(self, pid: int) -> int:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        except OSError:
            pass
        return 0

    def watch(self) -> None:
        def loop():
            while not self._stop.is_set():
                for pid in self.workers():
                    self.peak_kb = max(self.peak_kb, self._rss_kb(pid))
                time.sleep(0.2)

        threading.Thread(target=loop, daemon=True).start()

    def stop(self) -> None:
        self._stop.set()
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def drive(server: Server, path: str, duration: int) -> dict:
    """wrk on one page: req/s, latency percentiles, errors, and worker CPU ms per request."""
    url = f"http://127.0.0.1:{server.port}{path}"
    server.settle()
    # Warm up both workers (first requests fill per-process caches and SQLite's page cache).
    subprocess.run([WRK, "-t2", "-c4", "-d2s", "--timeout", "30s", url], capture_output=True)
    server.settle()
    cpu_before = server.cpu_seconds()
    out = subprocess.run([WRK, "-t2", "-c20", f"-d{duration}s", "--timeout", "10s", "-s",
                          str(ROOT / "bench" / "wrk_report.lua"), url],
                         capture_output=True, text=True, check=True).stdout
    cpu = server.cpu_seconds() - cpu_before
    line = next(x for x in out.splitlines() if x.startswith("JSON "))
    result = json.loads(line[5:])
    result["cpu_ms"] = 1000 * cpu / result["requests"] if result["requests"] else 0.0
    return result


def table(rows: list[tuple[str, dict]], baseline: dict, peak_mb: float, title: str) -> str:
    lines = [title, "",
             f"| {'page':<15} | {'req/s':>7} | {'CPU ms':>7} | {'p50 ms':>7} | {'p95 ms':>7} |"
             f" {'p99 ms':>7} | {'vs bare':>7} | {'errors':>6} |",
             f"|{'-' * 17}|{'-' * 9}|{'-' * 9}|{'-' * 9}|{'-' * 9}|{'-' * 9}|{'-' * 9}|"
             f"{'-' * 8}|"]
    for name, r in [("bare Flask", baseline), *rows]:
        ratio = r["rps"] / baseline["rps"] if baseline["rps"] else 0
        lines.append(f"| {name:<15} | {r['rps']:>7.0f} | {r['cpu_ms']:>7.2f} | {r['p50']:>7.1f} |"
                     f" {r['p95']:>7.1f} | {r['p99']:>7.1f} | {ratio:>6.0%} |"
                     f" {r['errors'] + r['non2xx']:>6} |")
    lines += ["", f"peak worker memory (RSS, app): {peak_mb:.0f} MB"]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--size", choices=("100k", "1m"), default="100k")
    parser.add_argument("--duration", type=int, default=6)
    parser.add_argument("--only", default="", help="comma-separated page names")
    parser.add_argument("--cache", choices=("on", "off", "both"), default="both",
                        help="the anonymous page cache on, off (PAGE_CACHE_SECONDS=0), or both")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    url, stop_db = database_url(args.db, args.size)
    servers = []
    try:
        pages = sample_pages(url)
        if args.only:
            pages = {k: v for k, v in pages.items() if k in args.only.split(",")}
        base = Server("bench.baseline:app", {})
        servers.append(base)
        base.start()
        baseline = drive(base, "/", args.duration)
        base.stop()
        caches = {"on": ["on"], "off": ["off"], "both": ["off", "on"]}[args.cache]
        for cache in caches:
            seconds = "60" if cache == "on" else "0"
            with tempfile.TemporaryDirectory(prefix="pm-bench-cache-") as cache_dir:
                app = Server("marketplace.wsgi:app",
                             {"DATABASE_URL": url, "SECRET_KEY": "bench-secret",
                              "PAGE_CACHE_SECONDS": seconds, "CACHE_DIR": cache_dir})
                servers.append(app)
                app.start("/healthz")
                app.watch()
                rows = []
                for name, path in pages.items():
                    rows.append((name, drive(app, path, args.duration)))
                    print(f"  cache {cache}, {name}: {rows[-1][1]['rps']:.0f} req/s",
                          file=sys.stderr)
                app.stop()
            print(table(rows, baseline, app.peak_kb / 1024,
                        f"make bench: {args.db}, {args.size} products, page cache {cache}, "
                        f"gunicorn 2 workers, wrk 2 threads 20 connections, "
                        f"{args.duration} s per page"))
            print()
    finally:
        for server in servers:
            server.stop()
        if stop_db:
            stop_db()


if __name__ == "__main__":
    main()
