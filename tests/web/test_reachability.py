"""Every page of a role's area is reachable by links from that role's home (issue 11): a crawler
starts at the front page, logged in as the role, follows only the links the pages show, and
must reach every page of the area that needs no data in its address. None answers ≥ 500."""

from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from werkzeug.exceptions import HTTPException

MAX_PAGES = 600
# Links a crawler must not follow: they change state on GET or leave the session.
NOT_FOLLOWED = ("/logout", "/static/", "/media/", "/api/")
# A bank officer opens it from the address printed on a vendor's statement, not from a menu.
FROM_PAPER = {"vendor.statement_verify"}


class _Links(HTMLParser):
    """Links, and forms that only read (method GET: search, filters, previews)."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])
        elif tag == "form" and (attrs.get("method") or "get").lower() == "get" \
                and attrs.get("action"):
            self.hrefs.append(attrs["action"])


def _crawl(app, client) -> tuple[set[str], list[str]]:
    """Endpoints reached by links from "/", and the pages that answered ≥ 500."""
    adapter = app.url_map.bind("localhost")
    seen, reached, broken = {"/"}, set(), []
    queue = deque(["/"])
    while queue and len(seen) < MAX_PAGES:
        path = queue.popleft()
        response = client.get(path)
        body = response.get_data(as_text=True)  # also ends a streamed download's context
        if response.status_code >= 500:
            broken.append(f"{path} -> {response.status_code}")
            continue
        hrefs = []
        if response.status_code in (301, 302, 303):
            hrefs = [response.location]  # a link to a page that sends on still reaches it
        elif response.status_code != 200:
            continue
        try:
            reached.add(adapter.match(urlsplit(path).path, method="GET")[0])
        except HTTPException:
            continue
        if response.mimetype == "text/html":
            parser = _Links()
            parser.feed(body)
            hrefs = parser.hrefs
        for href in hrefs:
            target = urlsplit(urldefrag(href)[0])
            if target.netloc not in ("", "localhost") or not target.path.startswith("/"):
                continue
            href = target.path + (f"?{target.query}" if target.query else "")
            if href.startswith(NOT_FOLLOWED) or href in seen:
                continue
            # One page of each listing is enough: filters and pages repeat the same endpoint.
            if target.query and any(urlsplit(s).path == target.path for s in seen):
                continue
            seen.add(href)
            queue.append(href)
    return reached, broken


def _pages_she_may_open(app, client, prefixes: list[str]) -> set[str]:
    """The area's pages that need no data in the address and open for her when typed."""
    pages = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(tuple(prefixes)) and "GET" in rule.methods \
                and not rule.arguments:
            response = client.get(rule.rule)
            response.get_data()
            if response.status_code == 200:
                pages.add(rule.endpoint)
    return pages


@pytest.fixture
def roles(make_user, make_store, make_facilitator):
    vendor = make_user("buyer")
    make_store(owner=vendor)
    return {"buyer": make_user("buyer"), "vendor": vendor, "staff": make_user("staff"),
            "admin": make_user("admin"), "facilitator": make_facilitator("33")}


AREAS = {
    "buyer": ["/account/", "/vendor/"],
    "vendor": ["/account/", "/vendor/"],
    "facilitator": ["/account/", "/pendamping/", "/vendor/"],
    "staff": ["/account/", "/staff/"],
    "admin": ["/account/", "/staff/"],
}


@pytest.mark.parametrize("role", sorted(AREAS))
def test_every_page_of_the_area_is_reached_by_links(app, client, login, roles, role):
    login(roles[role])
    reached, broken = _crawl(app, client)
    assert not broken, broken
    pages = _pages_she_may_open(app, client, AREAS[role])
    assert len(pages) > 3
    unreached = pages - reached - (FROM_PAPER if role != "vendor" else set())
    assert not unreached, f"{role} cannot reach by links: {sorted(unreached)}"
