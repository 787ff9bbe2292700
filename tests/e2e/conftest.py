"""Browser tests: Debian's Chromium through Playwright, a live server, axe-core on every page."""

import hashlib
import threading
from pathlib import Path

import axe_playwright_python
import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from marketplace import create_app
from tests.conftest import settings_for_tests
from tests.fixtures.accounts import PASSWORD
from tests.support.postgres import free_port

CHROMIUM = "/usr/bin/chromium"
AXE_SCRIPT = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()


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


# A landmark is picked by its name (a screen reader lists them): named like another landmark
# or like a field, it leaves a person guessing (issue 11, item 5).
_NAMED_TWICE = """() => {
  const name = el => (el.getAttribute('aria-label') || '').trim();
  const landmarks = [...document.querySelectorAll('nav, form[aria-label], [role=search], '
                                                  + '[role=region][aria-label]')].map(name);
  const fields = new Set();
  for (const el of document.querySelectorAll('input, select, textarea'))
    for (const label of el.labels || []) fields.add(label.textContent.trim());
  return landmarks.filter((n, i) => n && (landmarks.indexOf(n) !== i || fields.has(n)));
}"""


# The page's markup and screen size, without its CSRF tokens (new in every response): two pages
# alike in these get the same axe results, so the run checks each once (about a fifth of the
# pages the journeys visit were seen before, e.g. the login page).
_MARKUP = """() => {
  const copy = document.documentElement.cloneNode(true);
  for (const el of copy.querySelectorAll('input[name=csrf_token]')) el.removeAttribute('value');
  return innerWidth + 'x' + innerHeight + copy.outerHTML;  // target sizes depend on the screen
}"""
_checked_markup: set[str] = set()


class A11y:
    """Runs axe-core on the page; every URL the browser lands on must have been checked."""

    def __init__(self, page) -> None:
        self.page = page
        self.visited: list[str] = []
        self.checked: set[str] = set()
        # axe-core comes with every document the tab opens: sent to Chromium once, not 570 KB
        # through Playwright for each check (~80 ms a page).
        page.add_init_script(AXE_SCRIPT)
        page.on("framenavigated",
                lambda frame: frame == page.main_frame and self.visited.append(frame.url))

    def check(self) -> None:
        self.page.wait_for_load_state()
        markup = hashlib.sha256(self.page.evaluate(_MARKUP).encode()).digest()
        if markup not in _checked_markup:
            self._run_axe()
            _checked_markup.add(markup)
        self.checked.add(self.page.url)

    def _run_axe(self) -> None:
        results = self.page.evaluate("options => axe.run(document, options)",
                                     {"resultTypes": ["violations"]})
        serious = [v for v in results["violations"] if v.get("impact") in ("serious", "critical")]
        assert not serious, f"{self.page.url}: " + "; ".join(
            f"{v['id']}: {v['help']} ({[n['target'] for n in v['nodes']][:3]})" for v in serious
        )
        twice = self.page.evaluate(_NAMED_TWICE)
        assert not twice, f"{self.page.url}: two things on the page are named {twice}"

    def unchecked(self) -> list[str]:
        return [url for url in self.visited if url not in self.checked and url != "about:blank"]


@pytest.fixture
def a11y(page, db):
    """Call `a11y.check()` after each navigation; the test fails if a visited page was not."""
    checker = A11y(page)
    yield checker
    missing = checker.unchecked()
    assert not missing, f"pages visited without an axe check: {missing}"


class Visitor:
    """A person on the site: comes in once through the front page, then goes by links only."""

    def __init__(self, page, live_server, a11y, monkeypatch) -> None:
        self.page, self.a11y, self._monkeypatch = page, a11y, monkeypatch
        self.root = live_server + "/"

    def arrive(self) -> None:
        """Open the site root, the journey's one typed address; any later `goto` fails."""
        self.page.goto(self.root)
        self.a11y.check()

        def typed_address(url, **_kwargs):
            pytest.fail(f"a journey goes by links and buttons; typed address: {url}")
        self._monkeypatch.setattr(self.page, "goto", typed_address)

    def menu(self, name: str) -> None:
        """Follow a link of the account menu in the header, present on every page."""
        self.page.get_by_role("navigation", name="Akun").get_by_role(
            "link", name=name, exact=True).click()
        self.a11y.check()

    def log_in(self, identifier: str, password: str = PASSWORD) -> None:
        self.menu("Masuk")
        self.page.get_by_label("Email atau nomor HP").fill(identifier)
        self.page.get_by_label("Kata sandi").fill(password)
        self.page.get_by_role("button", name="Masuk").click()
        expect(self.page.get_by_role("link", name="Keluar")).to_be_visible()
        self.a11y.check()

    def become(self, identifier: str, home: str) -> None:
        """Hand the phone to another person: whoever is in logs out, she logs in and opens her
        home from the account menu (e.g. "Toko saya", "Staf")."""
        account = self.page.get_by_role("navigation", name="Akun")
        if account.get_by_role("link", name="Keluar", exact=True).count():
            self.log_out()
        self.log_in(identifier)
        self.menu(home)

    def follow(self, link) -> None:
        """Click a link or button that leads to another page, and check that page."""
        link.click()
        self.a11y.check()

    def log_out(self) -> None:
        self.menu("Keluar")
        self.page.get_by_role("button", name="Keluar sekarang").click()
        expect(self.page.get_by_text("Anda sudah keluar.")).to_be_visible()
        self.a11y.check()


@pytest.fixture
def visitor(page, live_server, a11y, monkeypatch):
    """The browser's person; `visitor.arrive()` opens the site, then links and buttons only."""
    return Visitor(page, live_server, a11y, monkeypatch)
