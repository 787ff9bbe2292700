"""Browser tests: Debian's Chromium through Playwright, a live server, axe-core on every page."""

import threading
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from werkzeug.serving import make_server

from marketplace import create_app
from tests.conftest import settings_for_tests
from tests.support.postgres import free_port

CHROMIUM = "/usr/bin/chromium"
_axe = Axe()


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # A small phone screen, like the ones most buyers and sellers use.
    return {**browser_context_args, "viewport": {"width": 390, "height": 800},
            "locale": "id-ID"}


@pytest.fixture(scope="session")
def live_app(app, database_url, media_dir):
    """The real app (CSRF on) against the test database, served on 127.0.0.1."""
    config = settings_for_tests(database_url, media_dir)
    config["WTF_CSRF_ENABLED"] = True
    return create_app(config)


@pytest.fixture(scope="session")
def live_server(live_app):
    port = free_port()
    server = make_server("127.0.0.1", port, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


class A11y:
    """Runs axe-core on the page; every URL the browser lands on must have been checked."""

    def __init__(self, page) -> None:
        self.page = page
        self.visited: list[str] = []
        self.checked: set[str] = set()
        page.on("framenavigated",
                lambda frame: frame == page.main_frame and self.visited.append(frame.url))

    def check(self) -> None:
        self.page.wait_for_load_state()
        results = _axe.run(self.page)
        serious = [v for v in results.response["violations"]
                   if v.get("impact") in ("serious", "critical")]
        assert not serious, f"{self.page.url}: " + "; ".join(
            f"{v['id']}: {v['help']} ({[n['target'] for n in v['nodes']][:3]})" for v in serious
        )
        self.checked.add(self.page.url)

    def unchecked(self) -> list[str]:
        return [url for url in self.visited if url not in self.checked and url != "about:blank"]


@pytest.fixture
def a11y(page, db):
    """Call `a11y.check()` after each navigation; the test fails if a visited page was not."""
    checker = A11y(page)
    yield checker
    missing = checker.unchecked()
    assert not missing, f"pages visited without an axe check: {missing}"
