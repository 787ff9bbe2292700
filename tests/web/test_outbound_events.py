"""Signed events for ministry systems: staff subscribe a URL, events arrive signed at a real local
HTTP server, failed sends are retried with backoff, logged, and replayed by staff."""

import hashlib
import hmac
import json
import threading
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as time_of_day
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, select

from marketplace import jobs
from marketplace.clock import JAKARTA
from marketplace.models import (
    AuditEvent,
    DeliveryStatus,
    EventDelivery,
    EventSubscription,
    OrderStatus,
    OutboundEvent,
)
from marketplace.services.orders import orderflow
from marketplace.services.programme import outbound

SECRET = "rahasia-kemensos-0123456789"


class Receiver:
    """A ministry system: checks each POST's Pasar-Signature, answers from `answers` (then 200)."""

    def __init__(self, answers=()) -> None:
        self.answers = list(answers)
        self.received: list[dict] = []
        self.bad_signatures = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                parts = dict(p.split("=", 1) for p in self.headers["Pasar-Signature"].split(","))
                expected = hmac.new(SECRET.encode(), parts["t"].encode() + b"." + body,
                                    hashlib.sha256).hexdigest()
                fresh = abs(time.time() - int(parts["t"])) < 300
                if not (hmac.compare_digest(expected, parts["v1"]) and fresh):
                    receiver.bad_signatures += 1
                    self.send_response(400)
                else:
                    status = receiver.answers.pop(0) if receiver.answers else 200
                    if status == 200:
                        receiver.received.append(json.loads(body))
                    self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/pasar-events"
        # A short poll: shutdown() waits for it (0.5 s by default, at every test's end).
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = []

    def make(answers=()):
        made.append(Receiver(answers))
        return made[-1]

    yield make
    for r in made:
        r.stop()


@pytest.fixture
def background(app):
    """Jobs go to this process's job thread with short retry pauses, as under `make run`."""
    app.config.update(JOBS_INLINE=False, JOBS_RETRY_SCALE=0.001)
    yield app
    jobs.drain_local(app)
    app.config.update(JOBS_INLINE=True, JOBS_RETRY_SCALE=1.0)


def subscribe(client, url: str, *kinds: str):
    data = {"name": "SIKS-NG Kemensos", "url": url, "secret": SECRET}
    data.update({"kind_" + k.replace(".", "_"): "y" for k in kinds})
    return client.post("/staff/events", data=data)


def test_staff_subscribe_and_a_verified_store_arrives_signed(client, db, staff, login,
                                                             make_store, receiver):
    ministry = receiver()
    login(staff)
    assert "/staff/events" in client.get("/staff/").get_data(as_text=True)
    assert subscribe(client, ministry.url, "store.verified", "store.suspended").status_code == 302
    store = make_store(verified=False)
    assert client.post(f"/staff/stores/{store.id}/verify", data={"note": "ok"}
                       ).status_code == 302
    assert client.post(f"/staff/stores/{store.id}/suspend", data={"reason": "Foto palsu"}
                       ).status_code == 302
    assert ministry.bad_signatures == 0
    assert [(e["type"], e["data"]["store_id"], e["data"]["status"]) for e in ministry.received
            ] == [("store.verified", store.id, "verified"), ("store.suspended", store.id,
                                                             "suspended")]
    log = client.get("/staff/events?status=delivered").get_data(as_text=True)
    assert "store.verified" in log and "Sampai" in log


def jakarta(day: date, clock: str) -> datetime:
    return datetime.combine(day, time_of_day.fromisoformat(clock), tzinfo=JAKARTA)


@pytest.fixture
def night(monkeypatch):
    """night(day) -> the clock of the daily-counts command reads 00:20 in Jakarta on `day`."""
    def at(day: date) -> None:
        now = jakarta(day, "00:20").astimezone(UTC)
        monkeypatch.setattr("marketplace.services.programme.outbound.utcnow", lambda: now)
        monkeypatch.setattr("marketplace.cli.events.utcnow", lambda: now)
    return at


def complete_at(order_in, db, when: datetime):
    order = order_in(OrderStatus.DELIVERED)
    orderflow.transition(order, OrderStatus.COMPLETED, None)
    order.completed_at = when.astimezone(UTC)
    db.session.commit()


def test_completed_orders_are_counted_once_per_jakarta_day(client, db, app, staff, login,
                                                           order_in, receiver, night):
    ministry = receiver()
    login(staff)
    subscribe(client, ministry.url, "order.completed")
    monday, tuesday = date(2026, 11, 2), date(2026, 11, 3)
    # 23:59 Monday and 00:01 Tuesday in Jakarta are both Monday in UTC (16:59 and 17:01).
    complete_at(order_in, db, jakarta(monday, "23:59"))
    complete_at(order_in, db, jakarta(tuesday, "00:01"))
    complete_at(order_in, db, jakarta(tuesday, "23:30"))
    complete_at(order_in, db, jakarta(tuesday + timedelta(days=1), "00:05"))  # not ended yet
    assert ministry.received == []  # a completion sends nothing by itself
    assert db.session.scalar(select(func.count()).select_from(EventDelivery)) == 0

    runner = app.test_cli_runner()
    night(tuesday)
    first = runner.invoke(args=["events", "daily-counts"])
    assert first.exit_code == 0, first.output
    night(tuesday + timedelta(days=1))
    for _ in range(2):  # the second run of the same night sends nothing new
        result = runner.invoke(args=["events", "daily-counts"])
        assert result.exit_code == 0, result.output
    assert "0 day(s)" in result.output
    assert [(e["type"], e["data"]) for e in ministry.received] == [
        ("order.completed", {"date": "2026-11-02", "completed_orders": 1}),
        ("order.completed", {"date": "2026-11-03", "completed_orders": 2})]
    assert ministry.bad_signatures == 0
    assert "buyer" not in json.dumps(ministry.received)
    assert "order.completed" in client.get("/staff/events?status=delivered").get_data(
        as_text=True)


def test_daily_counts_catch_up_missed_nights_with_zeros(client, db, app, staff, login,
                                                        order_in, receiver, night, background):
    ministry = receiver()
    login(staff)
    subscribe(client, ministry.url, "order.completed")
    sent_day = date(2026, 11, 2)
    complete_at(order_in, db, jakarta(sent_day + timedelta(days=2), "12:00"))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["events", "daily-counts", "--date", "2026-11-02"]).exit_code == 0
    night(sent_day + timedelta(days=4))  # three nights without the timer
    assert runner.invoke(args=["events", "daily-counts"]).exit_code == 0
    assert jobs.drain_local(background)
    assert sorted((e["data"]["date"], e["data"]["completed_orders"]) for e in ministry.received
                  ) == [
        ("2026-11-02", 0), ("2026-11-03", 0), ("2026-11-04", 1), ("2026-11-05", 0)]
    today = runner.invoke(args=["events", "daily-counts", "--date", "2026-11-06"])
    assert today.exit_code != 0 and "not ended" in today.output
    assert len(ministry.received) == 4


def test_a_catch_up_counts_each_day_by_its_jakarta_midnights(client, db, app, staff, login,
                                                            order_in, receiver, night,
                                                            background):
    ministry = receiver()
    login(staff)
    subscribe(client, ministry.url, "order.completed")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["events", "daily-counts", "--date", "2026-11-01"]).exit_code == 0
    for day, clock in [("2026-10-31", "12:00"), ("2026-11-02", "00:00"), ("2026-11-02", "23:59"),
                       ("2026-11-03", "00:00"), ("2026-11-04", "00:01"),
                       ("2026-11-04", "23:59"), ("2026-11-05", "00:00")]:
        complete_at(order_in, db, jakarta(date.fromisoformat(day), clock))
    night(date(2026, 11, 5))  # two nights missed: 2 and 3 November, and now the 4th ended
    result = runner.invoke(args=["events", "daily-counts"])
    assert result.exit_code == 0 and "3 day(s)" in result.output, result.output
    assert jobs.drain_local(background)
    assert sorted((e["data"]["date"], e["data"]["completed_orders"]) for e in ministry.received
                  ) == [("2026-11-01", 0), ("2026-11-02", 2), ("2026-11-03", 1),
                        ("2026-11-04", 2)]


def test_daily_counts_go_only_to_subscribers(client, db, app, staff, login, order_in, receiver,
                                             night):
    runner = app.test_cli_runner()
    night(date(2026, 11, 3))
    complete_at(order_in, db, jakarta(date(2026, 11, 2), "10:00"))
    assert runner.invoke(args=["events", "daily-counts"]).exit_code == 0
    ministry = receiver()
    login(staff)
    subscribe(client, ministry.url, "store.verified")
    assert runner.invoke(args=["events", "daily-counts"]).exit_code == 0
    assert ministry.received == []
    assert db.session.scalar(select(func.count()).select_from(OutboundEvent)) == 0


def test_events_recorded_together_are_all_sent_after_the_commit(db, staff, receiver,
                                                                background):
    ministry = receiver()
    outbound.add_subscription(staff, name="Kemensos", url=ministry.url, secret=SECRET,
                              kinds=["order.completed"])
    db.session.commit()
    first = outbound.emit("order.completed", "order.completed:2026-11-01", {"n": 1})
    assert outbound.emit("order.completed", "order.completed:2026-11-01", {"n": 1}) is None
    outbound.emit("order.completed", "order.completed:2026-11-02", {"n": 2})
    assert jobs.drain_local(background) and ministry.received == []  # nothing before the commit
    db.session.commit()
    assert jobs.drain_local(background)
    assert sorted(e["data"]["n"] for e in ministry.received) == [1, 2]
    assert ministry.received[0]["id"] == first.id


def test_graduation_is_announced_once(db, staff, make_store, monthly_net, receiver, app):
    from datetime import date

    from marketplace.services.programme import indicators

    ministry = receiver()
    outbound.add_subscription(staff, name="Kemensos", url=ministry.url, secret=SECRET,
                              kinds=["store.graduated"])
    db.session.commit()
    store = make_store()
    indicators.add_threshold(staff, "ump", "33", None, 2_000_000, date(2020, 1, 1))
    this_month = indicators.current_month()
    months = [indicators.month_of_index(indicators.month_index(this_month) - i) for i in (1, 2, 3)]
    monthly_net(store, dict.fromkeys(months, 2_500_000))  # recomputes graduation
    indicators.recompute_graduation()
    db.session.commit()
    assert [(e["type"], e["data"]["store_id"]) for e in ministry.received] == [
        ("store.graduated", store.id)]


def test_a_failing_receiver_is_retried_with_backoff_then_replayed(
        client, db, staff, login, make_store, receiver, background):
    flaky = receiver(answers=[500, 500])
    login(staff)
    subscribe(client, flaky.url, "store.verified")
    store = make_store(verified=False)
    client.post(f"/staff/stores/{store.id}/verify", data={"note": "ok"})
    db.session.rollback()
    assert jobs.drain_local(background)
    delivery = db.session.scalar(select(EventDelivery))
    assert (delivery.status, delivery.attempts, delivery.last_status) == (
        DeliveryStatus.DELIVERED, 3, 200)
    assert len(flaky.received) == 1

    down = receiver(answers=[500] * outbound.MAX_ATTEMPTS)
    subscription = db.session.scalar(select(EventSubscription))
    subscription.url = down.url
    db.session.commit()
    other = make_store(verified=False)
    client.post(f"/staff/stores/{other.id}/verify", data={"note": "ok"})
    db.session.rollback()
    assert jobs.drain_local(background)
    failed = db.session.scalar(select(EventDelivery).where(
        EventDelivery.status == DeliveryStatus.FAILED))
    assert failed.attempts == outbound.MAX_ATTEMPTS and failed.last_error == "HTTP 500"
    assert "HTTP 500" in client.get("/staff/events?status=failed").get_data(as_text=True)

    db.session.rollback()
    assert client.post(f"/staff/events/deliveries/{failed.id}/replay").status_code == 302
    db.session.rollback()
    assert jobs.drain_local(background)
    db.session.expire_all()
    assert db.session.get(EventDelivery, failed.id).status == DeliveryStatus.DELIVERED
    assert [e["data"]["store_id"] for e in down.received] == [other.id]
    assert db.session.scalar(select(AuditEvent.action).where(
        AuditEvent.action == "events.replay")) == "events.replay"


def test_bad_subscriptions_are_refused(client, db, staff, login):
    login(staff)
    for data in ({"name": "X", "url": "ftp://x", "secret": SECRET, "kind_store_verified": "y"},
                 {"name": "X", "url": "https://x.go.id", "secret": "short",
                  "kind_store_verified": "y"},
                 {"name": "X", "url": "https://x.go.id", "secret": SECRET}):
        assert client.post("/staff/events", data=data).status_code == 422
    assert db.session.scalar(select(func.count()).select_from(EventSubscription)) == 0


@pytest.mark.parametrize("who", ["anonymous", "buyer", "vendor"])
def test_only_staff_reach_events(client, db, make_user, make_store, login, who, staff):
    subscription = outbound.add_subscription(staff, name="K", url="https://k.go.id/e",
                                             secret=SECRET, kinds=["store.suspended"])
    db.session.commit()
    if who != "anonymous":
        user = make_user("buyer")
        if who == "vendor":
            make_store(owner=user)
        login(user)
    assert client.get("/staff/events").status_code in (302, 403)
    assert client.post("/staff/events", data={"name": "Y", "url": "https://y.go.id",
                                              "secret": SECRET}).status_code in (302, 403)
    assert client.post(f"/staff/events/subscriptions/{subscription.id}/pause"
                       ).status_code in (302, 403)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(EventSubscription)) == 1
    assert db.session.get(EventSubscription, subscription.id).active
    assert db.session.scalar(select(func.count()).select_from(OutboundEvent)) == 0
