"""The domain never reaches into HTTP: marketplace/ imports no blueprint, request, flash or
template rendering (DESIGN.md, Layers)."""

import ast
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[2] / "marketplace"
FORBIDDEN_NAMES = {"request", "flash", "render_template", "render_template_string", "session",
                   "redirect"}
# The factory wires HTTP to the domain; it is the one place allowed to see requests.
WIRING = {"app.py", "i18n.py"}


def _violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.split(".")[0] == "blueprints":
                found.append(f"imports {node.module}")
            if node.module == "flask":
                found += [f"imports flask.{a.name}" for a in node.names
                          if a.name in FORBIDDEN_NAMES]
        if isinstance(node, ast.Import):
            found += [f"imports {a.name}" for a in node.names
                      if a.name.split(".")[0] == "blueprints"]
    return found


def test_domain_does_not_import_http():
    problems = {
        str(path.relative_to(DOMAIN)): found
        for path in DOMAIN.rglob("*.py")
        if path.name not in WIRING and (found := _violations(path))
    }
    assert not problems, problems
