"""The ministry API: programme figures, store sync with cursor and updated_since, sales, training
and roster upload, by scope; personal data only with personal:read, and audited."""

import base64
import copy
from datetime import datetime

from sqlalchemy import func, select

from marketplace.models import ApiTokenKind, AuditEvent, RosterHousehold
from marketplace.services.programme import indicators, roster
from tests.fixtures.api import bearer
from tests.web.test_roster import NIK_MAN, NIK_WOMAN

ROSTER = {"households": [
    {"nik": NIK_MAN, "name": "Budi", "province_code": "33", "regency": "Kota Pekalongan",
     "graduated_on": "2024-06-30"},
    {"nik": NIK_WOMAN, "name": "Siti", "province_code": "33", "regency": "Kota Pekalongan",
     "graduated_on": "2025-01-15"}]}


def service_token(make_token, admin, *scopes):
    return bearer(make_token(admin, list(scopes), kind=ApiTokenKind.SERVICE, name="SIKS-NG"))


def test_figures_are_the_dashboards(client, db, admin, make_token, make_store):
    for _ in range(2):
        make_store()
    make_store(verified=False)
    headers = service_token(make_token, admin, "programme:read")
    answer = client.get("/api/v1/programme/figures", headers=headers)
    assert answer.status_code == 200
    body = answer.get_json()
    board = indicators.dashboard(admin)
    assert body["stores"]["verified"] == board.stores["verified"] == 2
    assert body["stores"]["pending"] == 1
    assert len(body["by_month"]) == len(board.by_month) == indicators.DASHBOARD_MONTHS
    assert client.get("/api/v1/programme/figures?province=99", headers=headers
                      ).status_code == 422
    for path in ("/api/v1/programme/sales?since_month=2026-01", "/api/v1/programme/training"):
        assert client.get(path, headers=headers).status_code == 200


def test_store_sync_pages_by_cursor_and_hides_personal_data(client, db, admin, make_token,
                                                            make_store):
    stores = [make_store() for _ in range(3)]
    headers = service_token(make_token, admin, "programme:read")
    first = client.get("/api/v1/programme/stores?limit=2", headers=headers).get_json()
    assert [s["id"] for s in first["items"]] == [s.id for s in stores[:2]]
    assert "personal" not in str(first) or all(s["personal"] is None for s in first["items"])
    second = client.get(f"/api/v1/programme/stores?limit=2&cursor={first['next_cursor']}",
                        headers=headers).get_json()
    assert [s["id"] for s in second["items"]] == [stores[2].id]
    assert second["next_cursor"] is None
    latest = second["items"][-1]["updated_at"]
    stores[0].story = "Sekarang juga menjual batik."
    db.session.commit()
    changed = client.get("/api/v1/programme/stores", query_string={"updated_since": latest},
                         headers=headers).get_json()
    assert stores[0].id in [s["id"] for s in changed["items"]]
    assert client.get("/api/v1/programme/stores?cursor=xyz", headers=headers).status_code == 400
    huge = base64.urlsafe_b64encode(b"2026-01-01T00:00:00+00:00|99999999999999999999").decode()
    for bad in ({"cursor": huge}, {"updated_since": "0001-01-01T00:00:00+14:00"},
                {"updated_since": "9999-12-31T23:59:59-12:00"}):
        assert client.get("/api/v1/programme/stores", query_string=bad,
                          headers=headers).status_code == 400, bad
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "api.personal_read")) == 0


def test_a_roster_match_and_a_changed_household_reach_the_nightly_sync(client, db, admin,
                                                                       make_token, make_store):
    store = make_store()
    headers = service_token(make_token, admin, "programme:read", "roster:write")
    assert client.post("/api/v1/roster", json=ROSTER, headers=headers).status_code == 200
    since = "2026-06-01T00:00:00+00:00"

    def synced() -> dict:
        answer = client.get("/api/v1/programme/stores", query_string={"updated_since": since},
                            headers=headers).get_json()
        return {item["id"]: item for item in answer["items"]}

    store.updated_at = datetime(2026, 1, 1)  # last synced long ago
    db.session.commit()
    assert store.id not in synced()
    roster.match_owner(store.owner, store, NIK_WOMAN)
    db.session.commit()
    assert synced()[store.id]["pkh_graduated_on"] == "2025-01-15"

    store.updated_at = datetime(2026, 1, 1)
    db.session.commit()
    corrected = copy.deepcopy(ROSTER)
    corrected["households"][1]["graduated_on"] = "2025-02-01"
    assert client.post("/api/v1/roster", json=corrected, headers=headers).status_code == 200
    assert synced()[store.id]["pkh_graduated_on"] == "2025-02-01"


def test_personal_data_needs_the_admins_scope_and_is_audited(client, db, admin, make_token,
                                                             make_store):
    store = make_store()
    headers = service_token(make_token, admin, "programme:read", "personal:read")
    item = client.get("/api/v1/programme/stores", headers=headers).get_json()["items"][0]
    assert item["personal"]["owner_email"] == store.owner.email
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "api.personal_read"))
    assert audit.after["store_ids"] == [store.id]


def test_scopes_guard_every_ministry_operation(client, db, admin, staff, make_token,
                                               make_store):
    store = make_store()
    vendor = bearer(make_token(store.owner, ["catalog:read", "store:write"]))
    staff_read = bearer(make_token(staff, ["programme:read"]))
    for path in ("/api/v1/programme/figures", "/api/v1/programme/stores",
                 "/api/v1/programme/sales", "/api/v1/programme/training"):
        assert client.get(path).status_code == 401
        assert client.get(path, headers=vendor).status_code == 403
        assert client.get(path, headers=staff_read).status_code == 200
    assert client.post("/api/v1/roster", json=ROSTER, headers=staff_read).status_code == 403
    assert client.post("/api/v1/roster", json=ROSTER, headers=vendor).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(RosterHousehold)) == 0


def test_roster_upload_through_the_api_is_all_or_nothing_and_idempotent(client, db, admin,
                                                                        make_token):
    headers = service_token(make_token, admin, "roster:write")
    answer = client.post("/api/v1/roster", json=ROSTER, headers=headers)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json() == {"rows": 2, "created": 2, "updated": 0, "unchanged": 0}
    again = client.post("/api/v1/roster", json=ROSTER, headers=headers).get_json()
    assert again == {"rows": 2, "created": 0, "updated": 0, "unchanged": 2}
    bad = {"households": [dict(ROSTER["households"][0], name="Budi Baru"),
                          dict(ROSTER["households"][1], nik="3375011213800009")]}
    refused = client.post("/api/v1/roster", json=bad, headers=headers)
    assert refused.status_code == 422
    assert "households.1" in refused.get_json()["errors"]
    assert "3375011213800009" not in refused.get_data(as_text=True)
    assert db.session.scalar(select(RosterHousehold.name).where(
        RosterHousehold.name == "Budi Baru")) is None


def test_ministry_operations_are_in_the_document(client, db):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/programme/figures", "/programme/stores", "/programme/sales",
                 "/programme/training", "/roster"):
        assert any(p.endswith(path) for p in paths), path
