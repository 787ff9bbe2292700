"""Jobs queued in a transaction leave when it commits, not when a savepoint inside it ends (a
product photo or an event uses one): before, an email could be sent for rows not yet visible,
or be forgotten because a savepoint rolled back."""

from sqlalchemy import text

from marketplace import jobs


def test_jobs_wait_for_the_real_commit_past_savepoints(db, monkeypatch):
    queued = []
    monkeypatch.setattr(jobs, "enqueue", lambda path, *, key, **kwargs: queued.append(key))
    db.session.execute(text("SELECT 1"))
    jobs.enqueue_after_commit("marketplace.mail.deliver", key="mail:1", message_id=1)
    with db.session.begin_nested():
        pass
    assert queued == []  # released savepoint: the transaction is still open
    savepoint = db.session.begin_nested()
    savepoint.rollback()
    assert queued == []
    db.session.commit()
    assert queued == ["mail:1"]  # once, at the commit


def test_jobs_of_a_rolled_back_transaction_are_forgotten(db, monkeypatch):
    queued = []
    monkeypatch.setattr(jobs, "enqueue", lambda path, *, key, **kwargs: queued.append(key))
    db.session.execute(text("SELECT 1"))  # a transaction, as when rows were written
    jobs.enqueue_after_commit("marketplace.mail.deliver", key="mail:2", message_id=2)
    db.session.rollback()
    db.session.commit()
    assert queued == []
