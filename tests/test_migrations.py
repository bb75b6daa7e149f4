"""Migrations build exactly the models' schema, and round-trip."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from eventapp.extensions import db
from tests.conftest import reset_schema


def _drop_everything():
    db.session.remove()
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP SCHEMA public CASCADE")
            connection.exec_driver_sql("CREATE SCHEMA public")
    else:
        db.drop_all()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")


def _pending_changes():
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


@pytest.fixture
def empty_database(app_ctx):
    _drop_everything()
    yield
    reset_schema()


def test_upgrade_of_an_empty_database_gives_exactly_the_models(empty_database):
    upgrade()
    assert _pending_changes() == []


def test_downgrade_and_upgrade_round_trip(empty_database):
    upgrade()
    downgrade(revision="base")
    tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert tables == set()
    upgrade()
    assert _pending_changes() == []
