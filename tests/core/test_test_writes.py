"""The test thread changing data while a live server's thread writes too."""

import threading

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from eventapp.accounts.models import User
from eventapp.extensions import db


def _server_thread_retitles(app, user_id, title):
    failed = []

    def work():
        with app.app_context():
            try:
                db.session.get(User, user_id).job_title = title
                db.session.commit()
            except Exception as error:  # reported to the test below
                failed.append(error)
            finally:
                db.session.remove()

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(30)
    assert not thread.is_alive() and not failed


def test_a_write_after_the_server_wrote_is_not_refused(app, small_event, writing):
    user_id = small_event.attendee.id
    db.session.commit()
    db.session.get(User, user_id)  # the test thread reads: a snapshot is open
    _server_thread_retitles(app, user_id, "By the server")
    with writing():
        user = db.session.get(User, user_id)
        assert user.job_title == "By the server"
        user.job_title = "By the test"
    db.session.remove()
    assert db.session.scalar(select(User.job_title).where(User.id == user_id)) == "By the test"


def test_a_plain_read_then_write_is_what_goes_wrong_on_sqlite(app, small_event):
    """Why `writing` exists: a read snapshot taken before the server's commit cannot
    become a write on SQLite."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL lets the later write wait for the row instead")
    user_id = small_event.attendee.id
    db.session.commit()
    db.session.get(User, user_id)
    _server_thread_retitles(app, user_id, "By the server")
    db.session.get(User, user_id).job_title = "By the test"
    with pytest.raises(OperationalError, match="database is locked"):
        db.session.commit()
    db.session.rollback()
