# ruff: noqa: S603  (runs our own fixed tools: gunicorn, Lighthouse)
"""`make lighthouse`: Lighthouse mobile scores and page weights for home, search and product.

Serves the benchmark data set (seeded once, see bench.run) with gunicorn and runs Lighthouse
12 with Debian's Chromium. Weights are HTML + CSS + JS of each page, gzip-compressed.
"""

import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

from bench.run import ROOT, Server, database_url, sample_pages

LIGHTHOUSE = os.environ.get("LIGHTHOUSE", str(ROOT / ".bench/node/node_modules/.bin/lighthouse"))
PORT = 58090


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (127.0.0.1 only)
        return response.read()


def page_weight(base: str, path: str) -> tuple[int, int]:
    """(raw bytes, gzip bytes) of the page's HTML plus its stylesheets and scripts."""
    html = fetch(base + path)
    assets = re.findall(rb'<link rel="stylesheet" href="([^"]+)"', html)
    assets += re.findall(rb'<script[^>]+src="([^"]+)"', html)
    bodies = [html] + [fetch(base + a.decode()) for a in assets]
    return sum(len(b) for b in bodies), sum(len(gzip.compress(b, 6)) for b in bodies)


def lighthouse(url: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        subprocess.run([LIGHTHOUSE, url, "--output=json", f"--output-path={out}", "--quiet",
                        "--only-categories=performance,accessibility,best-practices,seo",
                        "--chrome-flags=--headless --no-sandbox --disable-gpu "
                        "--disable-dev-shm-usage"],
                       check=True, env={**os.environ, "CHROME_PATH": "/usr/bin/chromium"},
                       capture_output=True)
        report = json.loads(out.read_text())
    return {name: round(cat["score"] * 100) for name, cat in report["categories"].items()}


def main() -> None:
    sys.path.insert(0, str(ROOT))
    url, stop_db = database_url("sqlite", "100k")
    pages = sample_pages(url)
    chosen = {"home": pages["home"], "search": pages["search common"],
              "product": pages["product"]}
    server = Server("marketplace.wsgi:app", PORT,
                    {"DATABASE_URL": url, "SECRET_KEY": "lighthouse"})
    try:
        server.wait_ready("/healthz")
        base = f"http://127.0.0.1:{PORT}"
        print("make lighthouse: Lighthouse 12.2.3, mobile, Chromium; weights gzip -6\n")
        print(f"| {'page':<8} | {'perf':>4} | {'a11y':>4} | {'best pr.':>8} | {'seo':>4} |"
              f" {'HTML+CSS+JS':>11} | {'gzip':>8} |")
        print(f"|{'-' * 10}|{'-' * 6}|{'-' * 6}|{'-' * 10}|{'-' * 6}|{'-' * 13}|{'-' * 10}|")
        for name, path in chosen.items():
            scores = lighthouse(base + path)
            raw, packed = page_weight(base, path)
            print(f"| {name:<8} | {scores['performance']:>4} | {scores['accessibility']:>4} |"
                  f" {scores['best-practices']:>8} | {scores['seo']:>4} |"
                  f" {raw / 1024:>8.1f} KB | {packed / 1024:>5.1f} KB |", flush=True)
    finally:
        server.stop()
        if stop_db:
            stop_db()


if __name__ == "__main__":
    main()
