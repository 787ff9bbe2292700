"""read_replica() sends reads to DATABASE_REPLICA_URL and keeps writes on the primary."""

from sqlalchemy import func, select

from marketplace.extensions import db as _db
from marketplace.models import User
from marketplace.replica import read_replica


def test_reads_inside_go_to_the_replica_and_writes_stay(app, db, make_user, new_database_url):
    make_user("buyer")
    replica_url = new_database_url("replica_copy")
    from sqlalchemy import create_engine

    copy = create_engine(replica_url)
    User.__table__.create(copy)  # an empty "replica": what it returns tells where reads went
    copy.dispose()
    app.config["DATABASE_REPLICA_URL"] = replica_url
    try:
        count = select(func.count()).select_from(User)
        assert _db.session.scalar(count) == 1
        _db.session.rollback()
        with read_replica():
            assert _db.session.scalar(count) == 0
            make_user("vendor")  # a write (flush and commit) inside still reaches the primary
        _db.session.rollback()
        assert _db.session.scalar(count) == 2
    finally:
        app.config["DATABASE_REPLICA_URL"] = None
        app.extensions.pop("replica_engine").dispose()


def test_without_a_replica_reads_stay_on_the_primary(db, make_user):
    make_user("buyer")
    with read_replica():
        assert _db.session.scalar(select(func.count()).select_from(User)) == 1
