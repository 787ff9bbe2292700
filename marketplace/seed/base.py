"""Seed step 1: categories and the demo accounts (staff, admin, buyer)."""

from collections.abc import Iterator

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Category
from marketplace.services.users.accounts import create_user, find_user_by_email

#: (slug, Indonesian name, English name, children)
CATEGORIES = [
    ("makanan-olahan", "Makanan Olahan", "Processed Food", [
        ("keripik-camilan", "Keripik & Camilan", "Chips & Snacks"),
        ("kue-roti", "Kue & Roti", "Cakes & Bread"),
        ("sambal-bumbu", "Sambal & Bumbu", "Sambal & Spices"),
        ("minuman", "Minuman", "Drinks"),
    ]),
    ("kerajinan", "Kerajinan", "Crafts", [
        ("anyaman", "Anyaman", "Woven Crafts"),
        ("gerabah-keramik", "Gerabah & Keramik", "Pottery & Ceramics"),
        ("kerajinan-kayu", "Kerajinan Kayu", "Woodcraft"),
    ]),
    ("batik-tenun", "Batik & Tenun", "Batik & Weaving", [
        ("batik-tulis", "Batik Tulis", "Hand-drawn Batik"),
        ("batik-cap", "Batik Cap", "Stamped Batik"),
        ("tenun-ikat", "Tenun Ikat", "Ikat Weaving"),
        ("songket", "Songket", "Songket"),
    ]),
    ("fesyen", "Fesyen", "Fashion", [
        ("pakaian", "Pakaian", "Clothing"),
        ("tas-dompet", "Tas & Dompet", "Bags & Wallets"),
        ("aksesoris", "Aksesoris", "Accessories"),
    ]),
    ("perlengkapan-rumah", "Perlengkapan Rumah", "Home Goods", [
        ("dapur", "Peralatan Dapur", "Kitchenware"),
        ("dekorasi", "Dekorasi Rumah", "Home Decor"),
    ]),
]

#: Demo accounts: (role, email, name). Their passwords are printed by seed-demo.
DEMO_PASSWORD = "PasarMandiri2026"  # noqa: S105 (demo accounts, printed by seed-demo)
DEMO_ACCOUNTS = [
    ("admin", "admin@pasarmandiri.id", "Admin Pasar Mandiri"),
    ("staff", "staf@kemensos.go.id", "Staf Kemensos"),
    ("buyer", "pembeli@contoh.id", "Siti Pembeli"),
]


def seed_categories() -> int:
    existing = set(db.session.scalars(select(Category.slug)))
    added = 0
    for position, (slug, name_id, name_en, _children) in enumerate(CATEGORIES):
        if slug not in existing:
            db.session.add(Category(slug=slug, name_id=name_id, name_en=name_en,
                                    position=position))
            added += 1
    db.session.flush()
    parents = {c.slug: c for c in db.session.scalars(select(Category))}
    for slug, _name_id, _name_en, children in CATEGORIES:
        for position, (child_slug, name_id, name_en) in enumerate(children):
            if child_slug not in parents:
                db.session.add(Category(slug=child_slug, name_id=name_id, name_en=name_en,
                                        position=position, parent=parents[slug]))
                added += 1
    db.session.flush()
    return added


def seed_base() -> Iterator[str]:
    added = seed_categories()
    yield f"Categories: {added} added."
    for role, email, name in DEMO_ACCOUNTS:
        if find_user_by_email(email) is None:
            create_user(email, DEMO_PASSWORD, role, name=name)
        yield f"Demo {role}: {email} / {DEMO_PASSWORD}"
