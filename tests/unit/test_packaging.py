"""A non-editable wheel carries templates, static files, migrations and compiled catalogs."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SERVE_FROM_WHEEL = """
import sys, marketplace
assert marketplace.__file__.startswith(sys.argv[1]), marketplace.__file__
from flask_migrate import upgrade
from marketplace import create_app
app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite:///" + sys.argv[2], "SECRET_KEY": "x"})
with app.app_context():
    upgrade()
page = app.test_client().get("/login")
print(page.status_code, "Masuk" in page.get_data(as_text=True))
print(app.static_folder)
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "-w", str(out), str(ROOT)],
        check=True, capture_output=True, timeout=120,
    )
    return next(out.glob("pasar_mandiri-*.whl"))


@pytest.mark.slow
def test_wheel_lists_resources_and_compiled_catalogs(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    base = "marketplace/_resources/"
    for area in (p.name for p in (ROOT / "translations").iterdir() if p.is_dir()):
        assert f"{base}translations/{area}/id/LC_MESSAGES/messages.mo" in names
    assert f"{base}templates/base.html" in names
    assert f"{base}static/favicon.ico" in names
    assert f"{base}migrations/env.py" in names
    assert "marketplace/data/provinces.json" in names
    assert not any(n.endswith(".mo") and not n.startswith(base) for n in names)


@pytest.mark.slow
def test_installed_wheel_upgrades_its_database_and_serves_indonesian(wheel, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    run = subprocess.run(
        [sys.executable, "-c", SERVE_FROM_WHEEL, str(site), str(tmp_path / "app.db")],
        cwd=tmp_path, env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    first, static = run.stdout.splitlines()[:2]
    assert first == "200 True"
    assert static.startswith(str(site))
    assert not (site / "marketplace" / "_resources" / "instance").exists()
