"""A throwaway PostgreSQL 15 cluster, run as the unprivileged `postgres` user (it refuses root)."""

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


class Cluster:
    """initdb + pg_ctl start on 127.0.0.1 and a free port; `stop()` removes everything."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="pm-pg-"))
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        data = self.dir / "data"
        subprocess.run(
            _as_postgres([str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "-A",
                          "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]),
            check=True, capture_output=True,
        )
        options = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        subprocess.run(
            _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-w", "-l",
                          str(self.dir / "log"), "-o", options, "start"]),
            check=True, capture_output=True,
        )

    def create_database(self, name: str) -> str:
        subprocess.run(
            _as_postgres([str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                          "-U", "postgres", name]),
            check=True, capture_output=True,
        )
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        subprocess.run(
            _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast",
                          "stop"]),
            capture_output=True,
        )
        shutil.rmtree(self.dir, ignore_errors=True)
