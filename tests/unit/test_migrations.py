"""The Alembic migrations build the schema the models describe, on this run's database."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect

from marketplace import create_app
from marketplace.extensions import db
from tests.conftest import settings_for_tests


def test_upgrade_builds_the_models_schema_without_drift(new_database_url, media_dir):
    url = new_database_url("pasar_migrations")
    app = create_app(settings_for_tests(url, media_dir))
    with app.app_context():
        upgrade()
        engine = create_engine(url)
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True,
                            "include_object": _include_object()},
            )
            diff = compare_metadata(context, db.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        assert "users" in inspect(engine).get_table_names()
        engine.dispose()
        downgrade(revision="base")
        engine = create_engine(url)
        assert "users" not in inspect(engine).get_table_names()
        engine.dispose()


def _include_object():
    unmanaged = db.metadata.info.get("unmanaged_tables", ())

    def include(obj, name, type_, reflected, compare_to):
        return not (type_ == "table" and (
            name in unmanaged or any(name.startswith(p + "_") for p in unmanaged)
        ))

    return include
