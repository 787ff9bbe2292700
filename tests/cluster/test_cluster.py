"""The production path end to end: two app nodes behind Debian's nginx, on PostgreSQL with a
streaming replica, Redis (limits, cache, jobs), moto (S3 media), an RQ worker and an SMTP server.

Run once by `make test-cluster` (part of `make test`), never per database: `--cluster`.
"""

import asyncio
import os
import re
import signal
import subprocess
import threading
import time
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path

import boto3
import pytest
import requests
from sqlalchemy import func, select

from marketplace import create_app
from marketplace.extensions import db
from marketplace.models import OrderLine, OutboxMessage, Product, Variant
from marketplace.services.orders.cart import add_to_cart, cart_for_user
from tests.cluster.stack import SECRET_KEY, Stack, wait_for
from tests.fixtures.accounts import PASSWORD, new_user
from tests.fixtures.catalog import new_product, photo_bytes, seeded_categories
from tests.fixtures.orders import ADDRESS
from tests.fixtures.stores import new_store
from tests.support.smtp import SMTPServer

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(900)]

BUYERS = 200
UNITS = 50
PRICE = 15000


class GatedInbox:
    """The SMTP server's handler: holds the RCPT of one address until the gate opens."""

    def __init__(self, inbox) -> None:
        self.inbox, self.held = inbox, None
        self.arrived, self.gate = threading.Event(), threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == self.held and not self.gate.is_set():
            self.arrived.set()
            await asyncio.get_running_loop().run_in_executor(None, self.gate.wait, 60)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        return await self.inbox.handle_DATA(server, session, envelope)


@pytest.fixture(scope="module")
def smtp():
    server = SMTPServer()
    server.controller.handler = server.gate = GatedInbox(server.inbox)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def stack(smtp):
    started = time.monotonic()
    stack = Stack(smtp.port)
    try:
        primary, replica = stack.start_postgres()
        redis, s3 = stack.start_redis(), stack.start_moto()
        boto3.client("s3", endpoint_url=s3, region_name="us-east-1", aws_access_key_id="test",
                     aws_secret_access_key="test").create_bucket(Bucket="pasar-media")
        stack.app_env(primary, replica, redis, s3)
        stack.flask("db", "upgrade")
        stack.app = create_app({
            "SQLALCHEMY_DATABASE_URI": primary, "SECRET_KEY": SECRET_KEY, "REDIS_URL": redis,
            "MEDIA_S3_BUCKET": "pasar-media", "MEDIA_S3_ENDPOINT": s3,
            "MEDIA_S3_ACCESS_KEY": "test", "MEDIA_S3_SECRET_KEY": "test",
            "PASSWORD_HASH_METHOD": "scrypt:128:8:1", "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": smtp.port})
        stack.s3 = s3
        stack.node_a, stack.node_b = stack.start_node("node-a"), stack.start_node("node-b")
        stack.worker = stack.start_worker()
        stack.nginx = stack.start_nginx([stack.node_a, stack.node_b])
        print(f"\ncluster: PostgreSQL 15 primary :{stack.primary_port} + replica "
              f":{stack.replica_port}, redis, moto, node A {stack.node_a}, node B "
              f"{stack.node_b}, RQ worker, nginx {stack.nginx}; up in "
              f"{time.monotonic() - started:.1f}s")
        yield stack
    except BaseException:
        stack.print_logs()
        raise
    finally:
        stack.stop()
        leftovers = [p.pid for p in stack.processes.values() if p.poll() is None]
        print(f"cluster: stopped everything (left running: {leftovers or 'nothing'})")


@pytest.fixture(scope="module")
def shop(stack):
    """A verified store with 50 units of one product, a second product, staff, 200 buyers."""
    with stack.app.app_context():
        seeded_categories()
        staff = new_user("staff")
        target = new_user("buyer")  # logs in nowhere else: the limit counts only our tries
        store = new_store()
        hot = new_product(store=store, price=PRICE, stock=UNITS)
        other = new_product(store=store, price=20000, stock=5)
        buyers = [new_user("buyer") for _ in range(BUYERS)]
        for buyer in buyers:
            add_to_cart(cart_for_user(buyer), hot.variants[0].id, 1)
        db.session.commit()
        data = {"staff": staff.email, "vendor": store.owner.email, "store_id": store.id,
                "hot": hot.id, "variant": hot.variants[0].id, "other": other.id,
                "other_url": f"/p/{other.id}-{other.slug}", "buyers": [b.email for b in buyers],
                "target": target.email}
        db.session.remove()
    return data


# --- HTTP helpers ------------------------------------------------------------------------------

def csrf(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)[1]


def log_in(base: str, email: str) -> requests.Session:
    browser = requests.Session()
    token = csrf(browser.get(f"{base}/login", timeout=30).text)
    reply = browser.post(f"{base}/login", data={"email": email, "password": PASSWORD,
                                                "csrf_token": token},
                         allow_redirects=False, timeout=30)
    assert reply.status_code == 302, reply.text[:300]
    return browser


class FormFields(HTMLParser):
    """The fields of the first form whose action ends with `action`, as a browser sends them."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action, self.inside, self.fields = action, False, {}
        self.select = self.textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        # A form without an action posts to its own page, the one asked for.
        if tag == "form" and (a.get("action") or self.action).endswith(self.action) \
                and not self.fields:
            self.inside = True
        if not self.inside or not a.get("name") and tag != "option":
            return
        if tag == "input" and a.get("type") not in ("submit", "file", "button"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields[a["name"]] = a.get("value", "on" if a.get("type") == "checkbox" else "")
        elif tag == "select":
            self.select = a["name"]
        elif tag == "option" and self.select and (
                "selected" in a or self.select not in self.fields):
            self.fields[self.select] = a.get("value", "")
        elif tag == "textarea":
            self.textarea = a["name"]
            self.fields[self.textarea] = ""

    def handle_data(self, data):
        if self.textarea:
            self.fields[self.textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def form_fields(page: str, action: str) -> dict:
    parser = FormFields(action)
    parser.feed(page)
    return parser.fields


def horse_of(worker_pid: int) -> int:
    """The newest child of the RQ worker: the work horse forked for the current job."""
    children = Path(f"/proc/{worker_pid}/task/{worker_pid}/children").read_text().split()
    started = {int(pid): int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
               for pid in children}
    return max(started, key=started.get)


# --- the proofs --------------------------------------------------------------------------------

def test_a_killed_job_is_retried_and_its_email_sent_once(stack, shop, smtp):
    """A worker's job is killed (SIGKILL) in the middle of SMTP; the retry sends it once."""
    victim = shop["buyers"][0]
    smtp.gate.held = victim
    browser = requests.Session()
    token = csrf(browser.get(f"{stack.nginx}/password/forgot", timeout=30).text)
    browser.post(f"{stack.nginx}/password/forgot", data={"email": victim, "csrf_token": token},
                 timeout=30)
    assert smtp.gate.arrived.wait(60), "the worker never started sending"
    horse = horse_of(stack.worker.pid)
    os.kill(horse, signal.SIGKILL)
    killed_at = time.monotonic()
    smtp.gate.gate.set()
    wait_for(lambda: [m for m in smtp.messages if m["To"] == victim], "the retried email", 90)
    retried_after = time.monotonic() - killed_at
    time.sleep(3)  # a second copy would arrive now
    sent = [m for m in smtp.messages if m["To"] == victim]
    print(f"\nkilled job: work horse {horse} killed mid-SMTP; retried and delivered "
          f"{retried_after:.1f}s later; copies received: {len(sent)}")
    assert len(sent) == 1
    assert stack.worker.poll() is None  # the worker itself lives on


def test_oversell_race_through_nginx_sells_exactly_the_stock(stack, shop, smtp):
    """200 logged-in buyers press "place order" at once for 50 units, across both nodes."""
    form = {**ADDRESS, "method": "cod", "action": "place", "expected_subtotal": str(PRICE),
            f"shipping-{shop['store_id']}": "pickup"}
    ready: list[tuple[requests.Session, str]] = []

    def prepare(email: str) -> None:
        browser = log_in(stack.nginx, email)
        ready.append((browser, csrf(browser.get(f"{stack.nginx}/checkout", timeout=60).text)))

    threads = [threading.Thread(target=prepare, args=(e,)) for e in shop["buyers"]]
    for chunk in range(0, len(threads), 20):
        for t in threads[chunk:chunk + 20]:
            t.start()
        for t in threads[chunk:chunk + 20]:
            t.join(120)
    assert len(ready) == BUYERS
    outcomes: list[int] = []
    barrier = threading.Barrier(BUYERS)

    def buy(browser: requests.Session, token: str) -> None:
        barrier.wait()
        reply = browser.post(f"{stack.nginx}/checkout", data={**form, "csrf_token": token},
                             allow_redirects=False, timeout=120)
        outcomes.append(reply.status_code)

    began = time.perf_counter()
    racers = [threading.Thread(target=buy, args=pair) for pair in ready]
    for t in racers:
        t.start()
    for t in racers:
        t.join(180)
    elapsed = time.perf_counter() - began
    codes = outcomes
    with stack.app.app_context():
        sold = db.session.scalar(select(func.coalesce(func.sum(OrderLine.quantity), 0)))
        left = db.session.get(Variant, shop["variant"]).stock
        db.session.remove()
    served = {node: _requests_served(stack, node) for node in ("node-a", "node-b")}
    print(f"\nrace through nginx: buyers={BUYERS} units={UNITS} placed={codes.count(302)} "
          f"sold_out={codes.count(409)} other={sorted(set(codes) - {302, 409})} "
          f"sold={sold} stock_left={left} time={elapsed:.2f}s "
          f"({BUYERS / elapsed:.0f} checkouts/s); requests per node so far: {served}")
    assert len(codes) == BUYERS and not [c for c in codes if c >= 500]
    assert codes.count(302) == UNITS and codes.count(409) == BUYERS - UNITS
    assert sold == UNITS and left == 0
    assert all(served.values())  # both nodes took part


def _requests_served(stack, node: str) -> int:
    """Requests a node answered, from its own /metrics (Prometheus, multiprocess)."""
    base = stack.node_a if node == "node-a" else stack.node_b
    text = requests.get(f"{base}/metrics", timeout=10).text
    return int(sum(float(v) for v in re.findall(
        r'^flask_http_request_total\{[^}]*\} ([0-9.e+]+)$', text, flags=re.M)))


def test_order_emails_are_sent_by_the_worker_once_each(stack, shop, smtp):
    with stack.app.app_context():
        def all_sent():
            db.session.remove()
            return db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
                OutboxMessage.sent_at.is_(None))) == 0

        began = time.monotonic()
        wait_for(all_sent, "every outbox email sent", timeout=180, every=0.5)
        took = time.monotonic() - began
        rows = sorted((m.to, m.subject) for m in db.session.scalars(select(OutboxMessage)))
        db.session.remove()
    received = sorted((m["To"], m["Subject"]) for m in smtp.messages)
    print(f"\nemail: {len(rows)} outbox rows, {len(received)} messages received by SMTP from "
          f"the worker (drained {took:.1f}s after the race)")
    assert received == rows


def test_login_limit_trips_after_the_same_tries_whichever_node_answers(stack, shop):
    email = shop["target"]
    answers = []
    for attempt in range(7):
        base = stack.node_a if attempt % 2 == 0 else stack.node_b  # alternate the nodes
        browser = requests.Session()
        token = csrf(browser.get(f"{base}/login", timeout=30).text)
        reply = browser.post(f"{base}/login", data={"email": email, "password": "wrong",
                                                    "csrf_token": token}, timeout=30)
        answers.append(reply.status_code)
    through_nginx = []
    for _ in range(2):
        browser = requests.Session()
        token = csrf(browser.get(f"{stack.nginx}/login", timeout=30).text)
        through_nginx.append(browser.post(f"{stack.nginx}/login", data={
            "email": email, "password": PASSWORD, "csrf_token": token}, timeout=30).status_code)
    print(f"\nlogin limit (5 per account): answers alternating node A/B: {answers}; "
          f"then through nginx with the right password: {through_nginx}")
    assert answers[:5] == [401] * 5 and answers[5:] == [429, 429]
    assert through_nginx == [429, 429]


def test_price_change_on_node_a_reaches_an_anonymous_visitor_on_node_b(stack, shop):
    url = shop["other_url"]
    assert "Rp20.000" in requests.get(f"{stack.node_b}{url}", timeout=30).text  # now cached
    vendor = log_in(stack.node_a, shop["vendor"])
    edit = f"/vendor/products/{shop['other']}"
    fields = form_fields(vendor.get(f"{stack.node_a}{edit}", timeout=30).text, edit)
    price_field = next(k for k, v in fields.items() if k.endswith("price") and v == "20000")
    fields[price_field] = "17500"
    reply = vendor.post(f"{stack.node_a}{edit}", data=fields, allow_redirects=False, timeout=30)
    assert reply.status_code == 302, reply.text[:500]
    changed = time.monotonic()
    wait_for(lambda: "Rp17.500" in requests.get(f"{stack.node_b}{url}", timeout=30).text,
             "the new price on node B", timeout=10, every=0.2)
    seen = time.monotonic() - changed
    promise = int(stack.env["PAGE_CACHE_SECONDS"])
    print(f"\ncache: price changed on node A, seen by an anonymous visitor of node B after "
          f"{seen:.2f}s (promise: {promise}s)")
    assert seen <= promise + 1


def test_photo_uploaded_on_node_a_is_served_by_node_b_from_object_storage(stack, shop):
    vendor = log_in(stack.node_a, shop["vendor"])
    page = f"/vendor/products/{shop['other']}/images"
    token = csrf(vendor.get(f"{stack.node_a}{page}", timeout=30).text)
    reply = vendor.post(f"{stack.node_a}{page}", data={"csrf_token": token, "alt": "Keripik"},
                        files={"image": ("foto.jpg", BytesIO(photo_bytes(900, 700)),
                                         "image/jpeg")}, allow_redirects=False, timeout=60)
    assert reply.status_code == 302, reply.text[:500]
    with stack.app.app_context():
        product = db.session.get(Product, shop["other"])
        sha = product.images[0].image.sha256
        db.session.remove()
    s3 = boto3.client("s3", endpoint_url=stack.s3, region_name="us-east-1",
                      aws_access_key_id="test", aws_secret_access_key="test")
    # The worker makes the renditions after the upload's request; node B serves them then.
    served = wait_for(lambda: (reply := requests.get(f"{stack.node_b}/media/{sha}-640.webp",
                                                     timeout=30)).status_code == 200 and reply,
                      "the renditions made by the worker", timeout=60, every=0.2)
    stored = s3.get_object(Bucket="pasar-media", Key=f"public/{sha[:2]}/{sha}-640.webp")
    assert served.status_code == 200 and served.content == stored["Body"].read()
    assert "immutable" in served.headers["Cache-Control"]
    local = list(Path(stack.dir, "instance").rglob(f"{sha}*"))
    print(f"\nmedia: photo uploaded through node A, {len(served.content)} bytes served by node "
          f"B from the bucket (files on local disk: {len(local)})")
    assert local == []


def test_too_large_upload_gets_the_apps_413_page_from_nginx(stack, shop):
    vendor = log_in(stack.nginx, shop["vendor"])
    page = f"/vendor/products/{shop['other']}/images"
    token = csrf(vendor.get(f"{stack.nginx}{page}", timeout=30).text)
    reply = vendor.post(f"{stack.nginx}{page}", data={"csrf_token": token},
                        files={"image": ("big.jpg", BytesIO(b"\xff" * (13 * 1024 * 1024)))},
                        timeout=60)
    print(f"\nupload limit: 13 MB through nginx -> {reply.status_code}")
    assert reply.status_code == 413
    assert "10 MB" in reply.text and "<html" in reply.text  # the app's page, not nginx's


def test_programme_dashboard_is_served_from_the_replica(stack, shop):
    staff = log_in(stack.nginx, shop["staff"])

    def pending_on_dashboard() -> int:
        page = staff.get(f"{stack.nginx}/staff/programme?lang=en", timeout=60).text
        return int(re.search(r"Waiting for verification</dt><dd>(\d+)", page)[1])

    def replica_caught_up() -> bool:
        lsn = stack.psql(stack.primary_port, "SELECT pg_current_wal_lsn()")
        return stack.psql(stack.replica_port,
                          f"SELECT pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn") == "t"

    wait_for(replica_caught_up, "the replica catching up", timeout=30)
    before = pending_on_dashboard()
    stack.psql(stack.replica_port, "SELECT pg_wal_replay_pause()")
    try:
        with stack.app.app_context():
            new_store(verified=False)  # a new application, written on the primary
            db.session.remove()
        paused = pending_on_dashboard()
    finally:
        stack.psql(stack.replica_port, "SELECT pg_wal_replay_resume()")
    wait_for(replica_caught_up, "the replica catching up", timeout=30)
    resumed = pending_on_dashboard()
    print(f"\nreplica: pending stores on the dashboard {before} -> {paused} while the replica's "
          f"replay was paused -> {resumed} after it resumed")
    assert paused == before and resumed == before + 1


def test_healthz_through_nginx_names_every_part(stack):
    reply = requests.get(f"{stack.nginx}/healthz", timeout=30)
    print(f"\nhealthz: {reply.status_code} {reply.json()}")
    assert reply.json() == {"status": "ok", "database": "ok", "redis": "ok", "storage": "ok"}


def test_throughput_through_nginx(stack, shop):
    """Concurrent requests through nginx to 2 nodes x 2 workers all answer 2xx; with
    CLUSTER_WRK_SECONDS=5 (1 by default, to keep the suite short), the figures of
    deploy/README.md's sizing table."""
    pages = {"home": "/", "product": shop["other_url"], "search": "/search?q=keripik",
             "healthz": "/healthz"}
    seconds = int(os.environ.get("CLUSTER_WRK_SECONDS", "1"))
    figures = {}
    for name, path in pages.items():
        run = subprocess.run(["wrk", "-t2", "-c8", f"-d{seconds}s", f"{stack.nginx}{path}"],
                             capture_output=True, text=True, timeout=60, check=True).stdout
        bad = re.search(r"Non-2xx or 3xx responses: (\d+)", run)
        figures[name] = float(re.search(r"Requests/sec:\s+([0-9.]+)", run)[1])
        assert bad is None, run
    workers = 2 * int(stack.env["GUNICORN_WORKERS"])
    print("\nthroughput through nginx (req/s, total / per worker): " + ", ".join(
        f"{name} {rate:.0f} / {rate / workers:.0f}" for name, rate in figures.items()))
    assert all(rate > 0 for rate in figures.values())
