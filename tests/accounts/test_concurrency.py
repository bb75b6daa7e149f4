"""Password guesses sent at once: the limit of failed logins holds however many
requests (in however many workers) arrive together.

Each thread has its own application context, hence its own database session and
connection: on PostgreSQL they really run in parallel, on SQLite the BEGIN
IMMEDIATE transactions take turns.
"""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from eventapp.accounts import services
from eventapp.accounts.models import User
from eventapp.extensions import db

GUESSES = 12


def test_simultaneous_wrong_passwords_get_no_more_tries_than_the_limit(
    app, small_event, monkeypatch
):
    limit = app.config["LOGIN_MAX_FAILURES"]
    assert GUESSES > limit + 2
    checked = []
    real_check = User.check_password

    def slow_check(user, password):
        # A real password hash takes a good fraction of a second: long enough for
        # every other guess to arrive meanwhile.
        checked.append(password)
        time.sleep(0.3)
        return real_check(user, password)

    monkeypatch.setattr(User, "check_password", slow_check)
    barrier = threading.Barrier(GUESSES)

    def guess(number):
        with app.test_request_context("/login?lang=en"):
            try:
                barrier.wait(timeout=30)
                services.authenticate("attendee@example.org", f"guess {number}", "192.0.2.9")
            except services.AccountError as error:
                return str(error)
            finally:
                db.session.remove()
        return "signed in"

    with ThreadPoolExecutor(GUESSES) as pool:
        answers = list(pool.map(guess, range(GUESSES)))
    assert "signed in" not in answers
    assert len(checked) <= limit, f"{len(checked)} passwords tried, the limit is {limit}"
    assert sum("Too many failed attempts" in a for a in answers) >= GUESSES - limit
