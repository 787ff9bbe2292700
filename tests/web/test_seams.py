"""Seams between areas (issue 11): one vendor menu, one staff menu, order emails that link to
the page, and every form's messages in Indonesian, WTForms' own included."""

import re

import pytest
from sqlalchemy import select

from blueprints.forms import Form, SubForm
from marketplace.models import OrderStatus, OutboxMessage, PaymentMethod
from tests.support.html import Page

VENDOR_MENU = ["/vendor/", "/vendor/orders", "/vendor/products", "/vendor/products/new",
               "/vendor/products/import", "/vendor/sales", "/vendor/ledger", "/vendor/reviews",
               "/vendor/statements", "/vendor/store", "/vendor/store/shipping"]

# Words that only appear in an English message; the Indonesian ones never use them.
ENGLISH = re.compile(r"\b(the|this|field|must|invalid|required|not|please|enter|choose|"
                     r"number|characters?|value|date|between|least|most|file|choice)\b", re.I)


@pytest.fixture
def vendor_world(db, order_in, make_product):
    """A store owner with a new order, a product and a delivered order of another buyer."""
    order = order_in(OrderStatus.PROCESSING)
    product = order.lines[0].variant.product
    return {"owner": order.store.owner, "order": order, "product": product}


def _page(client, path: str) -> Page:
    response = client.get(path)
    assert response.status_code == 200, f"{path} -> {response.status_code}"
    return Page(response.get_data(as_text=True))


def test_every_vendor_page_shows_the_one_vendor_menu(client, login, vendor_world):
    login(vendor_world["owner"])
    order, product = vendor_world["order"], vendor_world["product"]
    pages = [*VENDOR_MENU, f"/vendor/orders/{order.reference}", f"/vendor/products/{product.id}",
             f"/vendor/products/{product.id}/images"]
    menus = set()
    for path in pages:
        page = _page(client, path)
        assert "Toko saya" in page.navs, f"{path}: menus {list(page.navs)}"
        hrefs = tuple(a.attrs["href"] for a in page.navs["Toko saya"])
        assert set(VENDOR_MENU) <= set(hrefs), path
        menus.add(hrefs)
    assert len(menus) == 1  # the same menu on every page


def test_the_new_order_email_links_to_the_order_page(db, make_order, make_product):
    checkout = make_order(method=PaymentMethod.COD, items=[(make_product(), 1)])
    order = checkout.orders[0]
    owner_mail = db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.to == order.store.owner.email,
        OutboxMessage.subject.contains(order.reference)))
    assert f"http://127.0.0.1:5000/vendor/orders/{order.reference}" in owner_mail.body
    assert "Buka untuk menerima" in owner_mail.body


def test_status_emails_link_each_person_to_their_page(db, order_in):
    order = order_in(OrderStatus.COMPLETED)
    mails = {m.to: m.body for m in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.subject.contains(order.reference)))}
    assert f"/account/orders/{order.reference}" in mails[order.buyer.email]
    assert f"/vendor/orders/{order.reference}" in mails[order.store.owner.email]


def test_the_staff_menu_is_grouped_with_no_duplicates(client, login, make_user):
    login(make_user("admin"))
    page = _page(client, "/staff/")
    links = page.navs["Area staf"]
    hrefs = [a.attrs["href"] for a in links]
    names = [a.name for a in links]
    assert len(hrefs) == len(set(hrefs)) and len(names) == len(set(names))
    html = client.get("/staff/").get_data(as_text=True)
    for group in ("Penjual", "Pesanan & dana", "Konten", "Program", "Admin"):
        assert f'<span class="nav-group">{group}</span>' in html


def test_staff_pages_name_each_control_once(app, client, login, make_user):
    """Two buttons called "Cari" on one page leave a screen-reader user guessing."""
    login(make_user("admin"))
    paths = [r.rule for r in app.url_map.iter_rules()
             if r.rule.startswith("/staff") and "GET" in r.methods and not r.arguments
             and not r.rule.endswith(".csv")]
    for path in paths:
        response = client.get(path)
        if response.status_code != 200:  # the preview needs its form's time
            continue
        page = Page(response.get_data(as_text=True))
        buttons = [c.name for c in page.controls if c.tag == "button"]
        assert len(buttons) == len(set(buttons)), f"{path}: {buttons}"
        assert len(page.landmarks) == len(set(page.landmarks)), f"{path}: {page.landmarks}"


# --- item 4: every message in the user's language --------------------------------------------

def _form_classes(base) -> set[type]:
    found = set()
    for cls in base.__subclasses__():
        found |= {cls} | _form_classes(cls)
    return found


def test_every_form_of_the_site_speaks_the_users_language(app):
    """A form built on FlaskForm or wtforms.Form directly would show WTForms' English."""
    from flask_wtf import FlaskForm
    from wtforms import Form as PlainForm

    ours = _form_classes(Form) | _form_classes(SubForm) | {Form, SubForm}
    strays = {f"{c.__module__}.{c.__name__}" for c in _form_classes(FlaskForm)
              | _form_classes(PlainForm)
              if c.__module__.startswith("blueprints") and c not in ours}
    assert not strays


def test_wtforms_builtin_messages_all_have_indonesian():
    from babel.messages.pofile import read_po
    from wtforms.i18n import messages_path

    from tests.unit.test_translations import _indonesian_catalog

    with open(f"{messages_path()}/wtforms.pot", "rb") as handle:
        builtin = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    assert builtin - set(_indonesian_catalog()) == set()


@pytest.fixture
def everyone(db, order_in, make_user, make_product):
    """Each role with something to act on: orders in several states, a product, a store."""
    delivered = order_in(OrderStatus.DELIVERED)
    fresh = order_in(OrderStatus.PROCESSING, buyer=delivered.buyer)
    return {"buyer": delivered.buyer, "vendor": fresh.store.owner, "admin": make_user("admin"),
            "delivered": delivered, "fresh": fresh, "product": fresh.lines[0].variant.product}


def _pages_of(app, role: str, world: dict) -> list[str]:
    prefix = {"guest": ("/login", "/register", "/password"),
              "buyer": ("/account", "/cart", "/checkout", "/report", "/p/", "/vendor/open"),
              "vendor": ("/vendor",), "admin": ("/staff",)}[role]
    static = [r.rule for r in app.url_map.iter_rules()
              if "GET" in r.methods and not r.arguments and r.rule.startswith(prefix)
              and not r.rule.endswith((".csv", ".json"))]
    delivered, fresh, product = world["delivered"], world["fresh"], world["product"]
    line = delivered.lines[0]
    extra = {
        "guest": [],
        "buyer": [f"/account/orders/{delivered.reference}",
                  f"/account/orders/{delivered.reference}/review/{line.id}",
                  f"/account/orders/{delivered.reference}/refund",
                  f"/account/orders/{delivered.reference}/confirm",
                  f"/p/{product.id}", f"/report/product/{product.id}",
                  f"/report/store/{product.store_id}"],
        "vendor": [f"/vendor/orders/{fresh.reference}", f"/vendor/products/{product.id}",
                   f"/vendor/products/{product.id}/images"],
        "admin": [f"/staff/stores/{product.store_id}"],
    }[role]
    return static + extra


_SKIP = re.compile(r"/logout|/disable|/enable|/delete|/remove|/end$|/cancel")
_GARBAGE = {"email": "bukan-email", "number": "abc", "date": "kemarin",
            "datetime-local": "kemarin", "file": None}


@pytest.mark.parametrize("role", ["guest", "buyer", "vendor", "admin"])
def test_every_form_submitted_empty_or_wrong_answers_in_indonesian(app, client, login, everyone,
                                                                    role):
    if role != "guest":
        login(everyone[role])
    if role == "buyer":
        client.post("/cart/add", data={"variant_id": everyone["product"].variants[0].id,
                                       "quantity": 1})
    english, forms_tried = [], 0
    for path in _pages_of(app, role, everyone):
        response = client.get(path)
        if response.status_code != 200:
            continue
        for form in Page(response.get_data(as_text=True)).forms:
            target = form.action or path
            if form.method != "post" or _SKIP.search(target):
                continue
            wrong = {name: _GARBAGE.get(kind, "x" * 300) for name, kind, _first in form.fields
                     if kind not in ("hidden", "submit", "file", "checkbox", "radio")}
            forms_tried += 1
            for data in ({}, wrong):
                answer = client.post(target, data=data, follow_redirects=True)
                assert answer.status_code < 500, f"{target} {data} -> {answer.status_code}"
                for message in Page(answer.get_data(as_text=True)).messages:
                    if ENGLISH.search(message):
                        english.append(f"{path} -> {target}: {message}")
    assert forms_tried >= 3
    assert not english, "\n".join(sorted(set(english)))
