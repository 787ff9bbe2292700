"""The programme summary refresh runs as a background job started from the staff page."""

from sqlalchemy import func, select

from marketplace import jobs
from marketplace.models import BackgroundTask, SummaryRefresh


def _refreshes(db) -> int:
    db.session.remove()  # the test shares the requests' session: read what the job committed
    return db.session.scalar(select(func.count()).select_from(SummaryRefresh))


def test_refresh_is_queued_shown_and_runs_once(client, db, staff, login, app, monkeypatch):
    waiting = []
    app.config.update(JOBS_INLINE=False)
    monkeypatch.setattr(jobs, "enqueue", lambda path, *, key=None, **kwargs:
                        waiting.append((path, key, kwargs)))
    login(staff)
    response = client.post("/staff/programme/refresh")
    assert response.status_code == 302
    client.post("/staff/programme/refresh")  # pressed again while waiting: still one
    page = client.get("/staff/programme").get_data(as_text=True)
    assert "latar belakang" in page and "menunggu giliran" in page and "Muat ulang" in page
    assert len(waiting) == 1 and _refreshes(db) == 0

    [(path, key, kwargs)] = waiting
    jobs.perform(path, kwargs, app=app)
    jobs.perform(path, kwargs, app=app)  # retried after it finished: nothing twice
    assert _refreshes(db) == 1
    task = db.session.scalar(select(BackgroundTask))
    assert task.state == "done" and task.result["rows"] >= 0
    page = client.get("/staff/programme?lang=en").get_data(as_text=True)
    assert "waiting for its turn" not in page and "Figures as of" in page
    app.config.update(JOBS_INLINE=True)


def test_inline_refresh_is_done_when_the_page_comes_back(client, db, staff, login):
    login(staff)
    page = client.post("/staff/programme/refresh", follow_redirects=True)
    assert "Angka sudah diperbarui." in page.get_data(as_text=True)
    assert _refreshes(db) == 1


def test_only_staff_start_a_refresh(client, db, buyer, login):
    login(buyer)
    assert client.post("/staff/programme/refresh").status_code in (403, 404)
    assert db.session.scalar(select(func.count()).select_from(BackgroundTask)) == 0


def test_the_refresh_pays_for_the_people_figures_not_the_next_viewer(client, db, staff, login,
                                                                     app, monkeypatch):
    from marketplace.extensions import cache
    from marketplace.services.programme import training
    from marketplace.services.stores import groups

    monkeypatch.setitem(app.config, "PAGE_CACHE_SECONDS", 60)
    cache.clear()
    login(staff)
    assert client.post("/staff/programme/refresh").status_code == 302
    expected = training._outcomes("")

    def computed_again(*_args):
        raise AssertionError("computed for the viewer; the refresh should have done it")

    monkeypatch.setattr(training, "_outcomes", computed_again)
    monkeypatch.setattr(groups, "households_above_line", computed_again)
    page = client.get("/staff/programme?lang=en")
    assert page.status_code == 200
    assert "Trained vs not-yet-trained stores" in page.get_data(as_text=True)
    assert training.outcomes_of("") == expected


def test_a_store_verified_pays_for_the_people_figures_not_the_next_viewer(
        client, db, staff, login, app, monkeypatch, make_store):
    from marketplace.extensions import cache
    from marketplace.services.programme import training

    monkeypatch.setitem(app.config, "PAGE_CACHE_SECONDS", 60)
    cache.clear()
    login(staff)
    assert client.get("/staff/programme").status_code == 200  # the figures, computed once
    make_store()  # opened and verified: one more store in the figures
    expected = training._outcomes("")

    def computed_again(*_args):
        raise AssertionError("computed for the viewer; the change should have queued it")

    monkeypatch.setattr(training, "_outcomes", computed_again)
    assert client.get("/staff/programme").status_code == 200
    assert training.outcomes_of("") == expected


def test_a_change_committed_during_the_warm_up_is_computed_too(db, app, monkeypatch):
    from marketplace import versions
    from marketplace.extensions import cache
    from marketplace.services.programme import people, training

    monkeypatch.setitem(app.config, "PAGE_CACHE_SECONDS", 60)
    cache.clear()
    computed = []
    real = training._outcomes

    def outcomes(province_code):
        computed.append(province_code)
        if len(computed) == 1:  # another request commits a change meanwhile
            versions.bump(training.FIGURES)
        return real(province_code)

    monkeypatch.setattr(training, "_outcomes", outcomes)
    people.warm_figures()
    assert computed == ["", ""]
    training.outcomes_of("")  # the version now current was filled by the second pass
    assert computed == ["", ""]
