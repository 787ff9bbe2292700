"""Every route, fuzzed: extreme integers, odd dates, NUL bytes and unicode in path and query
parameters (and form values on POST routes), anonymous and logged in, never answer 5xx."""

import inspect
import os
import re
import sys
from contextlib import contextmanager
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace import create_app
from tests.conftest import Snapshot, settings_for_tests
from tests.fixtures.accounts import PASSWORD, new_user
from tests.fixtures.catalog import new_product
from tests.fixtures.orders import new_order

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
RUN = {"cases": 0, "doors": 0}

EXTREME_INTS = [
    "0", "1", "-1", "2147483647", "2147483648", "4294967296", "9223372036854775807",
    "9223372036854775808", "18446744073709551616", "9" * 40, "9" * 5000, "00000000001",
    "１２", "٣", "1e9", "0x10",
]
ODD_TEXT = [
    "\x00", "a\x00b", "%00", "0001-01", "0001-01-01", "9999-12", "9999-12-31", "10000-01",
    "2026-00", "2026-13", "0000-00", "-0001-01", "2026-02-30", "ｐｅｍｂｅｌｉ@contoh.id",
    "𝟗𝟗", "\u202e", "\ufeff", "..", "../etc/passwd", "a" * 3000, " ", "",
]
#: The extremes PostgreSQL takes differently from SQLite (int4 and int8 overflow, negative
#: offsets, NUL, the ends of the date range, VARCHAR limits, Unicode case folding): swept on
#: both databases. The others only meet the code's own parsing: swept once, on SQLite.
POSTGRES_DIFFERS = frozenset({
    "0", "1", "-1", "2147483647", "2147483648", "4294967296", "9223372036854775807",
    "9223372036854775808", "18446744073709551616", "9" * 40, "9" * 5000,
    "\x00", "a\x00b", "%00", "0001-01", "0001-01-01", "9999-12", "9999-12-31", "10000-01",
    "-0001-01", "ｐｅｍｂｅｌｉ@contoh.id", "𝟗𝟗", "a" * 3000,
})
#: Query and form names the views read, plus a few that views might read one day.
PARAMS = [
    "page", "q", "subject_id", "threshold", "store_id", "variant_id", "quantity", "period",
    "status", "tab", "by", "code", "month", "start", "end", "since", "until", "amount",
    "position", "ids", "next", "email", "action", "subject_type", "product_id", "lang",
    "expected_subtotal", "months", "effective_from", "sort", "category", "rpage", "reviews",
]
_PARAM = re.compile(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>")

values = st.one_of(
    st.sampled_from(EXTREME_INTS + ODD_TEXT),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.text(max_size=24),
)
query = st.dictionaries(st.sampled_from(PARAMS), values, max_size=5)


def _rules():
    app = create_app(settings_for_tests("sqlite://", "/nonexistent"))
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            found.append(pytest.param(rule.rule, method, id=f"{method} {rule.rule}"))
    return found


def _path_strategy(rule: str):
    """A strategy for concrete paths of `rule`, each parameter drawn by its converter."""
    parts: list = []
    last = 0
    for match in _PARAM.finditer(rule):
        parts.append(st.just(rule[last:match.start()]))
        converter, arguments = match.group(1), match.group(2)
        if converter == "any":
            choices = [c.strip().strip("'\"") for c in arguments.split(",")]
            parts.append(st.sampled_from(choices))
        elif converter == "int":
            parts.append(st.one_of(st.sampled_from(EXTREME_INTS),
                                   st.integers(0, 2**70).map(str)).map(lambda v: quote(v, "")))
        else:
            parts.append(values.filter(bool).map(lambda v: quote(v, "")))
        last = match.end()
    parts.append(st.just(rule[last:]))
    return st.tuples(*parts).map("".join)


def _sweep(rule: str, db_kind: str):
    """Deterministic cases first: every extreme value in every parameter at once."""
    for value, encoded in SWEEP:
        if db_kind == "postgres" and value not in POSTGRES_DIFFERS:
            continue

        def fill(match, value=value):
            converter, arguments = match.group(1), match.group(2)
            if converter == "any":
                return arguments.split(",")[0].strip().strip("'\"")
            if converter == "int" and value not in EXTREME_INTS:
                return "1"
            return quote(value, "") or "x"

        yield _PARAM.sub(fill, rule), encoded


#: Each sweep value in every parameter, encoded once (the same for every route and actor).
#: Not in `lang`: the app refuses an unknown language before any view runs, so with it every
#: GET of the sweep would have met that one check (400) and no view (the random cases try it).
SWEEP = [(value, urlencode(dict.fromkeys([p for p in PARAMS if p != "lang"], value)))
         for value in EXTREME_INTS + ODD_TEXT]


@pytest.fixture(scope="module")
def built(shared_categories, db_kind):
    """A vendor with a product and an order, and a staff admin, built once for the module;
    the session cookie of each actor's first login, kept for the module's later tests."""
    product = new_product()
    new_order(items=[(product, 1)])
    emails = {"vendor": product.store.owner.email, "admin": new_user("admin").email}
    return emails, Snapshot(db_kind), {}


@pytest.fixture
def fuzz_client(app, built, actor):
    """A test client for the actor (the anonymous visitor, the vendor or the admin, logged
    in), each test on the data as it was built (whatever the test before posted)."""
    emails, snapshot, cookies = built
    with app.app_context():
        snapshot.restore()  # if the test before wrote
        client = app.test_client()
        client.email = emails.get(actor)
        if client.email in cookies:
            # The restored rows hold the same session version, so the cookie still logs in.
            client.set_cookie(app.config["SESSION_COOKIE_NAME"], cookies[client.email])
        elif client.email:
            _log_in(client)
            cookies[client.email] = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
        yield client


def _log_in(client) -> None:
    response = client.post("/login", data={"email": client.email, "password": PASSWORD})
    assert response.status_code == 302


#: Answers of a door that turned the actor away: to log in or open a store first (302), no
#: token (401), not allowed (403).
_DENIED = frozenset({302, 401, 403})
#: (actor, method, answer) of the doors already swept with every value once: the first route
#: behind each door is (the login redirect carries the whole URL in ?next=, for instance).
DOORS_SWEPT: set[tuple[str, str, int]] = set()


@contextmanager
def _views_entered(app, rule: str, method: str):
    """Which of the route's view and its decorators ran: {"door"} when a decorator (log in
    first, staff only, a store first, an API token) answered and the view itself never ran.
    Such a door looks at who asks (session, token), not at the query or form values: after
    one route behind it was swept whole, the sweep of the others sends only the first value
    (the random cases still try every route).
    """
    entered: set[str] = set()
    endpoint = next(r.endpoint for r in app.url_map.iter_rules()
                    if r.rule == rule and method in (r.methods or ()))
    door = app.view_functions[endpoint]
    view = inspect.unwrap(door)
    codes = {door.__code__: "door", view.__code__: "view"}

    def look(frame, event, _arg):
        if event == "call" and frame.f_code in codes:
            entered.add(codes[frame.f_code])

    outer = sys.getprofile()  # e.g. a profiler the run is under: put back afterwards
    sys.setprofile(look)
    try:
        yield entered
    finally:
        sys.setprofile(outer)


@pytest.fixture(scope="module", autouse=True)
def report_cases():
    yield
    print(f"\nroute fuzz: {RUN['cases']} requests; {RUN['doors']} cases turned away at the "
          "door, swept with one value")


@pytest.mark.timeout(600)
@pytest.mark.parametrize("actor", ["anonymous", "vendor", "admin"])
@pytest.mark.parametrize(("rule", "method"), _rules())
def test_no_route_answers_5xx_to_extreme_input(fuzz_client, db_kind, actor, rule, method):
    def send(path: str, params: str) -> None:
        RUN["cases"] += 1
        if method == "GET":
            response = fuzz_client.get(path, query_string=params)
        else:
            response = fuzz_client.post(path, data=params,
                                        content_type="application/x-www-form-urlencoded")
        assert response.status_code < 500, (method, path, params, response.status_code)
        if actor != "anonymous" and rule == "/logout":
            _log_in(fuzz_client)
        return response.status_code

    sweep = _sweep(rule, db_kind)
    path, params = next(sweep)
    with _views_entered(fuzz_client.application, rule, method) as entered:
        status = send(path, params)
    door = (actor, method, status)
    if entered == {"door"} and status in _DENIED and door in DOORS_SWEPT:
        RUN["doors"] += 1
    else:
        if entered == {"door"}:
            DOORS_SWEPT.add(door)
        for path, params in sweep:
            send(path, params)
    if db_kind == "postgres":
        # The random cases look for mistakes in the code: they run once, on SQLite.
        return

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture,
                                     HealthCheck.too_slow])
    @given(path=_path_strategy(rule), params=query)
    def probe(path, params):
        send(path, urlencode(params))

    probe()


@pytest.mark.parametrize("actor", ["anonymous"])
def test_the_sweep_reaches_the_views(fuzz_client):
    """A check that runs before every view (NUL bytes, the language) answers the sweep's
    requests with 400: only NUL may stop them there, or the views go untested."""
    for value, params in SWEEP:
        response = fuzz_client.get("/search", query_string=params)
        assert response.status_code != 400 or "\x00" in value, value


@pytest.mark.parametrize(("actor", "rule", "door", "view"), [
    ("anonymous", "/account/orders", {302}, False),  # log in first
    ("vendor", "/staff/", {403}, False),  # staff only
    ("admin", "/vendor/", {302}, False),  # open a store first
    ("vendor", "/account/orders", {200}, True),
    ("anonymous", "/search", {200}, True),
])
def test_only_a_door_that_turns_the_actor_away_is_swept_once(fuzz_client, rule, door, view):
    """A request the route's decorators answer without running its view is told apart from
    one the view answered, so that the sweep stops only where no value can reach the view."""
    with _views_entered(fuzz_client.application, rule, "GET") as entered:
        status = fuzz_client.get(rule, query_string=SWEEP[0][1]).status_code
    assert status in door
    assert ("view" in entered) is view and "door" in entered
