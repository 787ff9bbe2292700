"""The programme dashboard shows the facilitator figures (caseload, active share, graduations),
households and training outcomes, filtered by province or by a facilitators' area; its CSV
leaves out names and emails unless an admin asks."""

import pytest

from marketplace.services.programme import facilitation


@pytest.fixture
def areas(db, make_facilitator, assisted_store, make_store):
    """A facilitator in Kota Pekalongan with two entrepreneurs, one in Jakarta with none."""
    pekalongan = make_facilitator("33", "Kota Pekalongan")
    jakarta = make_facilitator("31")
    assisted_store(facilitator=pekalongan)
    second = make_store()
    facilitation.invite(second.owner, facilitation.require_facilitator(pekalongan).invite_code)
    db.session.commit()
    return pekalongan, jakarta


def facilitator_row(page: str, name: str) -> str:
    start = page.index(f"<tr><td>{name}</td>")
    return page[start:page.index("</tr>", start)]


def test_the_dashboard_shows_each_facilitators_figures(client, login, staff, areas):
    pekalongan, jakarta = areas
    login(staff)
    page = client.get("/staff/programme").get_data(as_text=True)
    row = facilitator_row(page, pekalongan.name)
    # caseload 2, both with a store, none sold in 30 days, none graduated
    assert "Kota Pekalongan" in row and "<td>2</td><td>2</td><td>0.0%</td><td>0</td>" in row
    assert "<td>0</td><td>0</td><td>–</td><td>0</td>" in facilitator_row(page, jakarta.name)
    assert "rumah tangga" in page  # households above the line
    assert "Bukan perkiraan sebab-akibat" in page  # trained vs not-yet-trained, with the caveat
    assert pekalongan.email not in page


def test_the_dashboard_filters_by_a_facilitators_area(client, login, staff, areas):
    pekalongan, jakarta = areas
    login(staff)
    page = client.get("/staff/programme").get_data(as_text=True)
    assert 'value="33:Kota Pekalongan"' in page and 'value="31:"' in page
    only = client.get("/staff/programme", query_string={"area": "33:Kota Pekalongan"})
    text = only.get_data(as_text=True)
    assert only.status_code == 200
    assert pekalongan.name in text and jakarta.name not in text
    assert "regency=Kota+Pekalongan" in text  # the export follows the filter
    by_province = client.get("/staff/programme?province=31").get_data(as_text=True)
    assert jakarta.name in by_province and pekalongan.name not in by_province
    unknown = client.get("/staff/programme", query_string={"area": "99:Atlantis"})
    assert unknown.status_code == 422


def test_the_figures_export_leaves_out_personal_data_unless_an_admin_asks(
        client, login, staff, admin, areas):
    pekalongan, _jakarta = areas
    login(staff)
    plain = client.get("/staff/training/figures.csv?regency=Kota+Pekalongan")
    body = plain.get_data(as_text=True)
    assert plain.status_code == 200 and "Kota Pekalongan" in body
    assert pekalongan.name not in body and pekalongan.email not in body
    assert len(body.strip().splitlines()) == 2  # header and the one facilitator of the area
    assert client.get("/staff/training/figures.csv?personal=1").status_code == 403
    page = client.get("/staff/programme").get_data(as_text=True)
    assert "personal=1" not in page
    client.post("/logout")
    login(admin)
    assert "personal=1" in client.get("/staff/programme").get_data(as_text=True)
    personal = client.get("/staff/training/figures.csv?personal=1").get_data(as_text=True)
    assert pekalongan.email in personal


def test_the_old_staff_figures_page_leads_to_the_dashboard(client, login, staff, areas):
    login(staff)
    response = client.get("/staff/training/figures?province=33")
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/programme?province=33#facilitators"
    menu = client.get("/staff/").get_data(as_text=True)
    assert "/staff/programme" in menu and "/staff/training/figures" not in menu


def test_a_facilitator_sees_her_own_regions_figures_and_not_the_dashboard(client, login,
                                                                          areas):
    pekalongan, jakarta = areas
    login(pekalongan)
    page = client.get("/pendamping/pelatihan/figures").get_data(as_text=True)
    assert pekalongan.name in page and jakarta.name not in page
    assert client.get("/staff/programme").status_code == 403
