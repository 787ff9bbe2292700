# ruff: noqa: S603  (runs our own fixed tools: PostgreSQL binaries, gunicorn, wrk)
"""A PostgreSQL cluster for benchmarks, kept under .bench/ so seeded data survive runs."""

import os
import shutil
import socket
import subprocess
from pathlib import Path

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


class BenchCluster:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "data"
        self.port = int(os.environ.get("BENCH_PG_PORT") or free_port())

    def start(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        if not self.data.exists():
            subprocess.run(_as_postgres([str(PG_BIN / "initdb"), "-D", str(self.data), "-U",
                                         "postgres", "-A", "trust", "-E", "UTF8",
                                         "--locale=C.UTF-8", "--no-sync"]),
                           check=True, capture_output=True)
        if (self.data / "postmaster.pid").exists():  # left running by an interrupted run
            self.stop()
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
        # Sized as for a server of its own (a quarter of the memory for PostgreSQL's buffers,
        # three quarters expected in caches): with 256 MB most of the 1M-product index was
        # read from the system's cache again on every search.
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
                   f"-c shared_buffers={max(256, memory // 4)}MB "
                   f"-c effective_cache_size={max(1024, memory * 3 // 4)}MB "
                   "-c work_mem=16MB -c maintenance_work_mem=256MB -c synchronous_commit=off "
                   "-c max_connections=100")
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-w", "-l",
                                     str(self.root / "log"), "-o", options, "start"]),
                       check=True, capture_output=True)

    def ensure_database(self, name: str) -> str:
        subprocess.run(_as_postgres([str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p",
                                     str(self.port), "-U", "postgres", name]), capture_output=True)
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m",
                                     "fast", "stop"]), capture_output=True)
