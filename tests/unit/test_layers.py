"""The domain never reaches into HTTP: marketplace/ imports no blueprint, request, flash or
template rendering (DESIGN.md, Layers)."""

import ast
import importlib.util
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[2] / "marketplace"
FORBIDDEN_NAMES = {"request", "flash", "render_template", "render_template_string", "session",
                   "redirect"}
# The factory wires HTTP to the domain; it is the one place allowed to see requests.
WIRING = {"app.py"}


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


WEB = DOMAIN.parent / "blueprints"


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # the parent is a module, not a package
        return False


def _modules_handed_to_templates(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            modules.update(alias.asname or alias.name for alias in node.names
                           if _is_module(f"{node.module}.{alias.name}"))
        elif isinstance(node, ast.Import):
            modules.update((a.asname or a.name).split(".")[0] for a in node.names)
    return [
        f"line {node.lineno}: {kw.arg}={kw.value.id}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "render_template"
        for kw in node.keywords
        if isinstance(kw.value, ast.Name) and kw.value.id in modules
    ]


def test_templates_are_not_handed_whole_modules():
    """A template asks for values or small functions, not a service module to dig through."""
    problems = {
        str(path.relative_to(WEB)): found
        for path in WEB.rglob("*.py") if (found := _modules_handed_to_templates(path))
    }
    assert not problems, problems
