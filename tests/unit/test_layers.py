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


# A view that catches ValidationError itself instead of going through `submit` or `act`
# (common.py), each with why its shape differs. The test fails on a new one and on a stale entry.
HAND_CAUGHT = {
    "account/api_tokens.py:token_page":
        "a new token's secret is shown in this answer only, so success renders, not redirects",
    "auth/setup.py:activate":
        "a wrong code is committed, not rolled back, so the guess counter stops guessing",
    "auth/views.py:reset_password":
        "a bad or expired link is a 400 (the link is wrong, not the form)",
    "shop/views.py:checkout":
        "also catches Conflict (sold out, total changed) as a 409; 'refresh' re-renders",
    "staff/exchange.py:outbound_events":
        "the service's error on 'kinds' is moved onto the first event checkbox",
    "staff/exchange.py:pkh_roster":
        "a rejected roster (RosterRejected) is shown with its row-by-row result instead",
    "staff/payments.py:transfer_reject":
        "only the service checks the note, and a refusal also flashes why the page is back",
    "staff/views.py:hide_or_unhide":
        "an invalid form is raised as the service's own message, so both reach the form alike",
    "staff/views.py:programme_dashboard":
        "a read on the replica: nothing to roll back or commit, errors go on the filter form",
    "vendor/views.py:quick_edit":
        "one row of many on the product list: the error is prefixed with the variant's name",
    "staff/payouts.py:payout_mark_paid":
        "a repeated payout is recorded once and flashed as 'info'; the payouts page is another "
        "helper's area",
}


def _hand_caught(path: Path) -> list[str]:
    """Functions of `path` with an `except` naming ValidationError."""
    def names(node) -> set[str]:
        if isinstance(node, ast.Tuple):
            return {n for elt in node.elts for n in names(elt)}
        if isinstance(node, ast.Attribute):
            return {node.attr}
        return {node.id} if isinstance(node, ast.Name) else set()

    tree = ast.parse(path.read_text(encoding="utf-8"))
    return sorted({
        f"{path.relative_to(WEB)}:{function.name}"
        for function in ast.walk(tree) if isinstance(function, ast.FunctionDef)
        for handler in ast.walk(function)
        if isinstance(handler, ast.ExceptHandler) and handler.type is not None
        and "ValidationError" in names(handler.type)
    })


def test_views_catch_validation_errors_only_through_submit():
    """The form boilerplate (rollback, errors on the form, 422, commit, flash, redirect) lives
    once, in blueprints.common.submit (and `act` for a button that goes back); a view writing
    it again by hand must be listed above."""
    helpers = {"common.py:submit", "common.py:act"}
    caught = {name for path in WEB.rglob("*.py") for name in _hand_caught(path)}
    assert helpers <= caught  # the check sees the places it must allow
    assert sorted(caught - helpers - HAND_CAUGHT.keys()) == []
    assert sorted(HAND_CAUGHT.keys() - caught) == [], "stale: these no longer catch it"


SERVICES = DOMAIN / "services"
DOMAINS = sorted(p.name for p in SERVICES.iterdir() if (p / "__init__.py").exists())
# Outside the web layer, blueprints and the CLI reach services only through a domain's exports.
SERVICE_CALLERS = [*WEB.rglob("*.py"), *(DOMAIN / "cli").rglob("*.py"), DOMAIN / "app.py"]


def _exports(domain: str) -> set[str]:
    return set(importlib.import_module(f"marketplace.services.{domain}").__all__)


def _reaches_past_exports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bound: dict[str, str] = {}  # local name -> domain package
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [f"line {node.lineno}: import {a.name}" for a in node.names
                      if a.name.startswith("marketplace.services")]
        elif isinstance(node, ast.ImportFrom) and node.module == "marketplace.services":
            for alias in node.names:
                if alias.name in DOMAINS:
                    bound[alias.asname or alias.name] = alias.name
                else:
                    found.append(f"line {node.lineno}: {alias.name} is not a domain package")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "marketplace.services."):
            domain = node.module.removeprefix("marketplace.services.")
            if domain not in DOMAINS:
                found.append(f"line {node.lineno}: {node.module} is inside a domain package")
                continue
            found += [f"line {node.lineno}: {domain}.{a.name} is not exported"
                      for a in node.names if a.name not in _exports(domain)]
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in bound and node.attr not in _exports(bound[node.value.id])):
            found.append(f"line {node.lineno}: {bound[node.value.id]}.{node.attr} is not exported")
    return found


def test_web_and_cli_use_only_what_each_domain_exports():
    """Blueprints, the CLI and the app factory call a domain's actions as its package exports
    them (`orders.place_order`), never a module inside it, so a domain can rearrange itself."""
    assert {"catalog", "orders", "payments", "stores"} <= set(DOMAINS)
    assert list(SERVICES.glob("*.py")) == [SERVICES / "__init__.py"], "a service outside a domain"
    problems = {
        str(path.relative_to(DOMAIN.parent)): found
        for path in SERVICE_CALLERS if (found := _reaches_past_exports(path))
    }
    assert not problems, problems


def test_each_domain_exports_what_it_imports():
    for domain in DOMAINS:
        module = importlib.import_module(f"marketplace.services.{domain}")
        assert module.__all__ == sorted(set(module.__all__)), domain
        assert all(hasattr(module, name) for name in module.__all__), domain
