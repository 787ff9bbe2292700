"""PKH graduate roster: staff import (all or nothing, idempotent, NIK kept only as a keyed hash)
and a store owner matched by her NIK, shown to staff as a verified PKH graduate."""

import io
import json

import pytest
from sqlalchemy import func, select, text

from marketplace.extensions import db as _db
from marketplace.models import AuditEvent, RosterHousehold, RosterImport
from marketplace.services.programme.roster import nik_hash, nik_problem

#: Plausible NIKs: Central Java (33), Pekalongan (75); a man born 12-05-80, a woman (day + 40).
NIK_MAN = "3375011205800001"
NIK_WOMAN = "3375015205850002"
NIK_OTHER = "3201014107900003"
HEADER = "nik,nama,kode_provinsi,kabupaten_kota,tanggal_lulus\n"


def roster_csv(*rows: str) -> bytes:
    return (HEADER + "".join(r + "\n" for r in rows)).encode()


GOOD = roster_csv(f"{NIK_MAN},Budi Santoso,33,Kota Pekalongan,2024-06-30",
                  f"{NIK_WOMAN},Siti Aminah,33,Kota Pekalongan,2025-01-15")


def upload(client, data: bytes, name: str = "roster.csv"):
    return client.post("/staff/roster", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def count(model) -> int:
    return _db.session.scalar(select(func.count()).select_from(model))


def dump_all_tables() -> str:
    """Every value of every table as text: a raw NIK must be nowhere."""
    _db.session.rollback()
    out = []
    for table in _db.metadata.sorted_tables:
        out.extend(str(row) for row in _db.session.execute(text(f"SELECT * FROM {table.name}")))  # noqa: S608
    return "\n".join(out)


@pytest.mark.parametrize("nik, ok", [
    (NIK_MAN, True), (NIK_WOMAN, True), ("337501120580001", False), ("33750112058000012", False),
    ("9975011205800001", False), ("3300011205800001", False), ("3375013205800001", False),
    ("3375017205800001", False), ("3375011213800001", False), ("3375011205800000", False),
    ("33750112058OOO01", False),
])
def test_nik_shape(app, nik, ok):
    with app.test_request_context():
        problem = nik_problem(nik)
        assert (problem is None) is ok
        assert problem is None or nik not in problem


def test_staff_imports_roster_idempotently_and_keeps_only_hashes(client, db, staff, login):
    login(staff)
    assert "/staff/roster" in client.get("/staff/").get_data(as_text=True)
    response = upload(client, GOOD)
    assert response.status_code == 302
    page = client.get("/staff/roster").get_data(as_text=True)
    assert "2 baris, 2 baru, 0 diperbarui, 0 tidak berubah" in page
    assert count(RosterHousehold) == 2
    stored = set(db.session.scalars(select(RosterHousehold.nik_hash)))
    assert stored == {nik_hash(NIK_MAN), nik_hash(NIK_WOMAN)}
    everything = dump_all_tables()
    assert NIK_MAN not in everything and NIK_WOMAN not in everything

    before = [(h.id, h.updated_at) for h in db.session.scalars(select(RosterHousehold))]
    assert upload(client, GOOD).status_code == 302  # the same file again: nothing changes
    assert "2 baris, 0 baru, 0 diperbarui, 2 tidak berubah" in client.get(
        "/staff/roster").get_data(as_text=True)
    db.session.expire_all()
    assert [(h.id, h.updated_at) for h in db.session.scalars(select(RosterHousehold))] == before

    renamed = roster_csv(f"{NIK_MAN},Budi Santoso Wijaya,33,Kota Pekalongan,2024-06-30",
                         f"{NIK_OTHER},Ani,32,Kabupaten Bogor,2023-03-01")
    assert upload(client, renamed).status_code == 302
    db.session.expire_all()
    assert count(RosterHousehold) == 3
    assert db.session.scalar(select(RosterHousehold.name).where(
        RosterHousehold.nik_hash == nik_hash(NIK_MAN))) == "Budi Santoso Wijaya"
    assert count(RosterImport) == 3


def test_json_roster_is_accepted(client, db, staff, login):
    login(staff)
    body = json.dumps([{"nik": NIK_WOMAN, "name": "Siti", "province_code": "33",
                        "regency": "Kota Pekalongan", "graduated_on": "2025-01-15"}]).encode()
    assert upload(client, body, "roster.json").status_code == 302
    assert count(RosterHousehold) == 1


def test_a_bad_row_rejects_the_whole_file_and_names_the_row_without_the_nik(
        client, db, staff, login):
    login(staff)
    bad = roster_csv(f"{NIK_MAN},Budi,33,Kota Pekalongan,2024-06-30",
                     "3375011213800009,Ani,33,Kota Pekalongan,2024-06-30",
                     f"{NIK_MAN},Budi lagi,33,Kota Pekalongan,2024-06-30",
                     f"{NIK_OTHER},Ani,33,Kota Pekalongan,30-06-2024")
    response = upload(client, bad)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "3 baris berisi kesalahan" in page
    assert "tanggal lahir" in page and "baris 2" in page
    for nik in ("3375011213800009", NIK_MAN, NIK_OTHER):
        assert nik not in page
    assert count(RosterHousehold) == 0 and count(RosterImport) == 0


def test_unreadable_files_get_a_message(client, db, staff, login):
    login(staff)
    assert upload(client, b"\xff\xfe\x00garbage").status_code == 422
    assert upload(client, b"nik,nama\n1,2\n").status_code == 422
    assert "Kolom tidak ada" in upload(client, b"nik,nama\n1,2\n").get_data(as_text=True)
    assert upload(client, b"[1, 2]", "r.json").status_code == 422
    assert count(RosterHousehold) == 0


def test_without_a_hash_key_nothing_is_imported(app, client, db, staff, login):
    login(staff)
    key = app.config["NIK_HASH_KEY"]
    app.config["NIK_HASH_KEY"] = None
    try:
        response = upload(client, GOOD)
    finally:
        app.config["NIK_HASH_KEY"] = key
    assert response.status_code == 503
    assert count(RosterHousehold) == 0


@pytest.mark.parametrize("who", ["anonymous", "buyer", "vendor"])
def test_only_staff_reach_the_roster(client, db, make_user, make_store, login, who):
    if who != "anonymous":
        user = make_user("buyer")
        if who == "vendor":
            make_store(owner=user)
        login(user)
    assert client.get("/staff/roster").status_code in (302, 403)
    assert upload(client, GOOD).status_code in (302, 403)
    assert count(RosterHousehold) == 0 and count(RosterImport) == 0


def test_owner_matched_by_nik_is_shown_to_staff(client, db, staff, make_user, make_store,
                                                login):
    login(staff)
    upload(client, GOOD)
    client.get("/logout")
    owner = make_user("buyer")
    store = make_store(owner=owner)
    login(owner)
    settings = client.get("/vendor/store").get_data(as_text=True)
    assert "NIK kepala keluarga" in settings

    unknown = client.post("/vendor/store/pkh", data={"nik": NIK_OTHER})
    assert unknown.status_code == 422
    assert NIK_OTHER not in unknown.get_data(as_text=True)
    assert "tidak ada dalam daftar lulusan PKH" in unknown.get_data(as_text=True)

    assert client.post("/vendor/store/pkh", data={"nik": "3375 0152 0585 0002"}
                       ).status_code == 302
    assert "Lulusan PKH terverifikasi" in client.get("/vendor/store").get_data(as_text=True)
    household = db.session.scalar(select(RosterHousehold).where(
        RosterHousehold.nik_hash == nik_hash(NIK_WOMAN)))
    assert household.store_id == store.id
    assert db.session.scalar(select(AuditEvent.action).where(
        AuditEvent.action == "store.pkh_match")) == "store.pkh_match"
    assert NIK_WOMAN not in dump_all_tables()
    client.get("/logout")

    other_owner = make_user("buyer")
    make_store(owner=other_owner)
    login(other_owner)
    taken = client.post("/vendor/store/pkh", data={"nik": NIK_WOMAN})
    assert taken.status_code == 409
    db.session.expire_all()
    assert db.session.get(RosterHousehold, household.id).store_id == store.id
    client.get("/logout")

    login(staff)
    detail = client.get(f"/staff/stores/{store.id}").get_data(as_text=True)
    assert "Lulusan PKH terverifikasi" in detail
    assert "Lulusan PKH terverifikasi" in client.get("/staff/stores?status=verified").get_data(
        as_text=True)
