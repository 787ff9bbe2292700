"""Benchmark: importing the PKH graduate roster (checking, hashing, upserting) at 100,000 rows.

    .venv/bin/python bench/roster_import.py [--rows 100000] [--database-url URL]

Builds a throwaway database (SQLite in a temp folder unless --database-url is given), writes a
CSV of plausible, distinct NIKs, then times three imports through the roster service: the first
(every row new), the same file again (every row unchanged) and a file with every name changed
(every row updated). Prints rows per second for each, parse time included.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from marketplace import create_app
from marketplace.database import write_intent
from marketplace.extensions import db
from marketplace.services.programme import roster
from tests.fixtures.accounts import new_user


def roster_file(rows: int, suffix: str = "") -> bytes:
    lines = ["nik,nama,kode_provinsi,kabupaten_kota,tanggal_lulus"]
    for i in range(rows):
        # Province 33, regency 01-99, district, a valid birth date, serial 0001-9999.
        nik = f"33{i % 99 + 1:02d}{i // 99 % 100:02d}{i % 28 + 1:02d}{i % 12 + 1:02d}" \
              f"{i // 9900 % 100:02d}{i % 9999 + 1:04d}"
        lines.append(f"{nik},Kepala Keluarga {i}{suffix},33,Kota Pekalongan,2024-06-30")
    return ("\n".join(lines) + "\n").encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="roster-bench-")
    url = args.database_url or f"sqlite:///{folder}/bench.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "NIK_HASH_KEY": "bench-" + "k" * 40,
                      "PASSWORD_HASH_METHOD": "scrypt:1024:8:1", "MEDIA_DIR": folder})
    with app.app_context(), write_intent():
        db.drop_all()
        db.create_all()
        staff = new_user("staff")
        db.session.commit()
        first, renamed = roster_file(args.rows), roster_file(args.rows, " B")
        for label, data in (("new", first), ("same file again", first), ("all renamed", renamed)):
            started = time.perf_counter()
            result = roster.import_roster(staff, roster.read_rows(data, "roster.csv"))
            db.session.commit()
            seconds = time.perf_counter() - started
            print(f"{label:>16}: {result.rows} rows ({result.created} new, {result.updated} "
                  f"updated, {result.unchanged} unchanged) in {seconds:.2f} s = "
                  f"{result.rows / seconds:,.0f} rows/s")


if __name__ == "__main__":
    main()
