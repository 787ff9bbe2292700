"""A web worker loads only what serving pages needs (issue 13: worker memory under 100 MB).

The card gateway's library (stripe, with aiohttp and requests), the schema migration tools
(Flask-Migrate, Alembic, Mako), the demo seed and Pillow together cost each worker ~27 MB;
they are imported where a card is charged, a `flask db` command runs, the demo is seeded or
an image is decoded. The API's schemas and pydantic (~8 MB) are imported by the first API
request.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFERRED = ("stripe", "aiohttp", "requests", "alembic", "flask_migrate", "mako",
            "marketplace.seed", "PIL", "pydantic", "pydantic_core", "blueprints.api.schemas")

# A fresh interpreter building the app as gunicorn does (the test process has imported
# everything the other tests use).
WORKER = """
import json, sys
from marketplace import create_app
app = create_app()
client = app.test_client()
assert client.get("/robots.txt").status_code == 200
loaded = sorted(sys.modules)
# The first API requests load the schemas: a refused query and the document still answer.
refused = client.get("/api/v1/products?page=0")
assert refused.status_code == 400 and "page" in refused.get_json()["errors"], refused.data
assert client.get("/api/v1/openapi.json").get_json()["paths"]
print(json.dumps(loaded))
"""


def _run(args: list[str], env: dict) -> subprocess.CompletedProcess:
    done = subprocess.run(args, cwd=ROOT, env={**os.environ, **env}, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def test_web_worker_does_not_import_heavy_libraries(tmp_path):
    done = _run([sys.executable, "-c", WORKER], {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'web.db'}", "SECRET_KEY": "test",
        "MEDIA_DIR": str(tmp_path / "media")})
    loaded = json.loads(done.stdout.splitlines()[-1])
    assert [name for name in DEFERRED if name in loaded] == []


def test_migration_commands_are_there_when_asked_for(tmp_path):
    flask = str(Path(sys.executable).with_name("flask"))
    done = _run([flask, "--app", "marketplace", "db", "heads"],
                {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "SECRET_KEY": "test"})
    assert "(head)" in done.stdout
