"""Races: first downloads, key creation, reissues and bulk issuing at once.

Each worker has its own application context, hence its own database session
and connection; on PostgreSQL they really run in parallel, on SQLite the
BEGIN IMMEDIATE transactions take turns.
"""

import http.cookiejar
import threading
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from eventapp.accounts.models import User
from eventapp.badges import services
from eventapp.badges.models import Badge, EventKey
from eventapp.events.models import Event, EventRole
from eventapp.extensions import db
from tests.conftest import PASSWORD, fair_to_come

WORKERS = 6


def _together(app, count, work):
    """Run `work()` in `count` threads released at the same moment; returns results."""
    barrier = threading.Barrier(count)

    def run(_index):
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                return work()
            finally:
                db.session.remove()

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def test_simultaneous_first_issues_make_one_badge_and_one_key(app, small_event):
    event_id = small_event.event.id
    user_ids = [small_event[r].id for r in ("attendee", "exhibitor_admin", "staff", "organizer")]
    for user_id in user_ids:  # the first round also races for the event key

        def work(user_id=user_id):
            event = db.session.get(Event, event_id)
            badge = services.issue_badge(event, db.session.get(User, user_id))
            db.session.commit()
            return badge.id, services.badge_code(badge)

        results = _together(app, WORKERS, work)
        assert len({badge_id for badge_id, _ in results}) == 1
        assert len({code for _, code in results}) == 1  # one key signed them all
    db.session.rollback()  # end this session's snapshot: read what the workers wrote
    assert db.session.scalar(select(func.count()).select_from(EventKey)) == 1
    assert db.session.scalar(select(func.count()).select_from(Badge)) == len(user_ids)
    for badge in db.session.scalars(select(Badge)):
        assert services.verify_code(services.badge_code(badge), small_event.event).ok


def test_simultaneous_reissues_each_count(app, small_event):
    badge = services.issue_badge(small_event.event, small_event.attendee)
    db.session.commit()
    first_code, badge_id = services.badge_code(badge), badge.id

    def work():
        issue = services.reissue_badge(db.session.get(Badge, badge_id)).issue
        db.session.commit()
        return issue

    for round_ in range(3):
        issues = _together(app, WORKERS, work)
        # Every reissue saw the one before it: no two printed the same issue.
        assert sorted(issues) == list(range(2 + round_ * WORKERS, 2 + (round_ + 1) * WORKERS))
    db.session.rollback()  # end this session's snapshot: read what the workers wrote
    assert db.session.get(Badge, badge_id).issue == 1 + 3 * WORKERS
    assert services.verify_code(first_code, small_event.event).status == "revoked"


def test_simultaneous_bulk_issues_give_each_person_one_badge(app, small_event):
    event_id = small_event.event.id
    for n in range(40):
        user = User(email=f"crowd{n}@example.org", name_en=f"Crowd {n}", password_hash="x")
        db.session.add(user)
        db.session.add(EventRole(event_id=event_id, user=user, role="attendee"))
    db.session.commit()

    def work():
        issued, _ = services.sync_badges(db.session.get(Event, event_id))
        db.session.commit()
        return issued

    issued = _together(app, 4, work)
    people = 46
    assert sum(issued) == people
    db.session.rollback()  # end this session's snapshot: read what the workers wrote
    rows = db.session.execute(select(Badge.user_id, func.count()).group_by(Badge.user_id)).all()
    assert len(rows) == people and {n for _, n in rows} == {1}


def test_concurrent_downloads_over_http(live_server, small_event):
    """One person opening their badge PDF in several tabs at once gets one badge."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = urllib.parse.urlencode({"email": small_event.attendee.email, "password": PASSWORD})
    opener.open(f"{live_server.url}/login", data=form.encode())
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    barrier = threading.Barrier(WORKERS)

    def fetch(_index):
        request = urllib.request.Request(
            f"{live_server.url}/e/test-expo/badge.pdf", headers={"Cookie": cookie}
        )
        barrier.wait(timeout=30)
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers["Content-Type"], response.read()

    for _round in range(3):
        with ThreadPoolExecutor(WORKERS) as pool:
            results = list(pool.map(fetch, range(WORKERS)))
        assert {status for status, _, _ in results} == {200}
        assert {kind for _, kind, _ in results} == {"application/pdf"}
        assert len({body for _, _, body in results}) == 1  # the same badge, the same code
    db.session.rollback()  # end this session's snapshot: read what the workers wrote
    assert db.session.scalar(select(func.count()).select_from(Badge)) == 1


def _withdraw(exhibitor, _user_id):
    from eventapp.exhibitors import services as exhibitors

    exhibitors.withdraw(exhibitor, "budget cut")


def _issued_while_the_company_withdraws(
    app, monkeypatch, small_event, issue, checked_by="_stopped_companies", change=_withdraw
):
    """`issue()` prints the team's badges; the company withdraws (or `change` is made,
    and committed) just after the printing has checked what it reads with
    `checked_by`, before the print is committed. Returns the badge of the staff
    member, read afresh."""
    from eventapp.booths.models import Exhibitor

    fair_to_come(small_event.event)  # once it is over, a company no longer withdraws
    exhibitor_id = small_event.exhibitors["alpha"].id
    user_id = small_event.exhibitor_staff.id
    checked, withdrawn = threading.Event(), threading.Event()
    original = getattr(services, checked_by)

    def check(*args, **kwargs):
        result = original(*args, **kwargs)
        if threading.current_thread() is not threading.main_thread():
            checked.set()
            withdrawn.wait(timeout=3)  # held back by the printing's lock: goes on alone
        return result

    monkeypatch.setattr(services, checked_by, check)

    def printing():
        with app.app_context():
            try:
                issue(db.session.get(Event, small_event.event.id), db.session.get(User, user_id))
                db.session.commit()
            finally:
                db.session.remove()

    def withdrawal():
        with app.app_context():
            try:
                assert checked.wait(timeout=10)
                change(db.session.get(Exhibitor, exhibitor_id), user_id)
                withdrawn.set()
            finally:
                db.session.remove()

    with ThreadPoolExecutor(2) as pool:
        for future in [pool.submit(printing), pool.submit(withdrawal)]:
            future.result(timeout=30)
    db.session.rollback()  # end this session's snapshot: read what the workers wrote
    return db.session.scalar(select(Badge).where(Badge.user_id == user_id))


def test_a_badge_issued_while_the_company_withdraws_is_revoked(app, monkeypatch, small_event):
    """A valid print must not slip through: either the withdrawal sees the badge and
    revokes it, or the printing sees the withdrawal and issues it revoked."""
    badge = _issued_while_the_company_withdraws(app, monkeypatch, small_event, services.issue_badge)
    assert badge is not None and badge.is_revoked


def test_a_bulk_issue_while_the_company_withdraws_revokes_the_teams(app, monkeypatch, small_event):
    badge = _issued_while_the_company_withdraws(
        app, monkeypatch, small_event, lambda event, user: services.sync_badges(event)
    )
    assert badge is not None and badge.is_revoked


def test_a_reissue_at_the_desk_while_the_company_withdraws_is_revoked(
    app, monkeypatch, small_event
):
    """A badge the organizers had revoked (lost) is reissued while the company
    withdraws: the withdrawal read it as revoked already; the reissue must not bring
    it back valid."""
    assert _reissued_while_the_company_withdraws(app, monkeypatch, small_event).is_revoked


def _reissued_while_the_company_withdraws(app, monkeypatch, small_event, refused=(), **how):
    """The staff member's badge, revoked as lost, is reissued at the desk while the
    company withdraws (or `how` says what else changes, and when): the badge after.
    `refused`: the errors by which the reissue may be refused, depending on which
    change is seen first."""
    badge = services.issue_badge(small_event.event, small_event.exhibitor_staff)
    services.revoke_badge(badge, reason="lost")
    db.session.commit()

    def reissue(event, user):
        try:
            services.reissue_badge(services.badge_of(event, user))
        except refused:
            db.session.rollback()

    return _issued_while_the_company_withdraws(app, monkeypatch, small_event, reissue, **how)


def test_a_badge_issued_while_its_holder_leaves_the_team_does_not_name_the_company(
    app, monkeypatch, small_event
):
    """Printed as the company's staff just as the person is taken off its team: the
    removal sees the print and revokes it, or the print no longer names the company."""
    from eventapp.exhibitors import services as exhibitors

    badge = _issued_while_the_company_withdraws(
        app,
        monkeypatch,
        small_event,
        services.issue_badge,
        checked_by="_people",
        change=exhibitors.remove_member,
    )
    assert badge.is_revoked or badge.organization_id != small_event.companies["alpha"].id
