"""How a worker starts serving: templates compiled by one worker are reused by the next, and the
objects of the start-up are kept out of the garbage collector's scans."""

import os
import subprocess
import sys
from pathlib import Path

from marketplace import create_app

ROOT = Path(__file__).resolve().parents[2]


def test_a_new_worker_reuses_the_templates_an_earlier_one_compiled(tmp_path, monkeypatch):
    settings = {"TESTING": True, "SECRET_KEY": "test",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'serving.db'}",
                "TEMPLATE_CACHE_DIR": str(tmp_path / "templates")}
    first = create_app(settings)
    first.jinja_env.get_template("staff/programme.html")
    assert list((tmp_path / "templates").iterdir())

    second = create_app(settings)
    compiled = []
    compile_template = second.jinja_env.compile
    monkeypatch.setattr(second.jinja_env, "compile",
                        lambda *args, **kwargs: compiled.append(args[1:3])
                        or compile_template(*args, **kwargs))
    second.jinja_env.get_template("staff/programme.html")
    assert compiled == []
    second.jinja_env.get_template("errors/error.html")  # not compiled by the first worker yet
    assert [name for name, _filename in compiled] == ["errors/error.html"]


def test_the_served_app_is_built_with_its_start_up_objects_frozen(tmp_path):
    script = ("import gc\n"
              "from marketplace.wsgi import app\n"
              "assert gc.get_freeze_count() > 50_000, gc.get_freeze_count()\n"
              "assert app.test_client().get('/robots.txt').status_code == 200\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={
                              **os.environ, "SECRET_KEY": "test",
                              "DATABASE_URL": f"sqlite:///{tmp_path / 'web.db'}",
                              "INSTANCE_DIR": str(tmp_path)})
    assert done.returncode == 0, done.stderr[-3000:]
