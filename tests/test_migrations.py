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


def _old_event():
    from datetime import date

    from eventapp.events.models import Event

    return Event(
        slug="old-expo",
        name_ko="지난 엑스포",
        name_en="Old Expo",
        starts_on=date(2025, 9, 17),
        ends_on=date(2025, 9, 18),
        contact_email="old@example.org",
    )


def _old_user(email="visitor@example.org", created_at=None):
    """A user inserted with the columns the users table had before 0019 (the model's
    defaults would fill the newer ones), loaded without the newer ones."""
    from sqlalchemy import column, insert, table

    from eventapp.core.db import UTCDateTime, utcnow

    old_users = table(
        "users",
        *(column(name) for name in ("id", "email", "name_ko", "name_en", "locale")),
        *(column(name) for name in ("password_hash", "is_admin", "active")),
        column("created_at", UTCDateTime),
    )
    user_id = db.session.execute(
        insert(old_users)
        .values(
            email=email,
            name_ko="",
            name_en="Visitor",
            locale="ko",
            password_hash="-",
            is_admin=False,
            active=True,
            created_at=created_at or utcnow(),
        )
        .returning(old_users.c.id)
    ).scalar_one()
    return _old_user_again(user_id)


def _old_user_again(user_id):
    """The user, loaded (again) without the columns newer than 0019."""
    from sqlalchemy import select
    from sqlalchemy.orm import defer

    from eventapp.accounts.models import User

    return db.session.scalar(
        select(User)
        .options(defer(User.email_confirmed_at))
        .where(User.id == user_id)
        .execution_options(populate_existing=True)
    )


def test_older_badge_issue_ends_are_recovered_from_the_audit_log(empty_database):
    """Before 0010 a badge kept the end of the issue just before the current one
    only; 0012 finds the older ones in the audit log: the revocation, if the issue
    was revoked, else its reprint."""
    import time
    from datetime import timedelta

    from sqlalchemy import delete, select

    from eventapp.badges import services as badges
    from eventapp.badges.models import BadgeIssueEnd

    upgrade(revision="0011")
    event = _old_event()
    db.session.add(event)
    # The columns 0011 knows (the model has newer ones).
    user = _old_user()
    db.session.flush()
    # A visitor of the fair: a badge of someone with no role is not reissued.
    from eventapp.events.models import EventRole

    db.session.add(EventRole(event_id=event.id, user_id=user.id, role="attendee"))
    db.session.flush()
    badge, user_id = badges.issue_badge(event, user), user.id

    def commit():
        # A reissue prints the holder's current details: their row is read again
        # with the columns 0011 knows, not expired to be loaded whole.
        db.session.commit()
        _old_user_again(user_id)

    commit()
    badges.reissue_badge(badge)  # issue 1 ends: printed anew
    commit()
    badges.revoke_badge(badge)  # issue 2 ends: revoked, and printed anew later
    commit()
    time.sleep(0.5)
    badges.reissue_badge(badge)
    commit()
    badges.reissue_badge(badge)  # issue 3 ends: the one 0010 kept
    commit()
    assert badge.issue == 4
    badge_id = badge.id
    truth = dict(
        db.session.execute(
            select(BadgeIssueEnd.issue, BadgeIssueEnd.ended_at).where(
                BadgeIssueEnd.badge_id == badge.id
            )
        ).all()
    )
    assert sorted(truth) == [1, 2, 3]
    db.session.execute(delete(BadgeIssueEnd).where(BadgeIssueEnd.issue < 3))
    db.session.commit()
    db.session.remove()

    upgrade()
    recovered = dict(
        db.session.execute(
            select(BadgeIssueEnd.issue, BadgeIssueEnd.ended_at).where(
                BadgeIssueEnd.badge_id == badge_id
            )
        ).all()
    )
    assert sorted(recovered) == [1, 2, 3]
    assert recovered[3] == truth[3]
    for issue in (1, 2):
        # The audit entry is written just after the change it records.
        assert timedelta(0) <= recovered[issue] - truth[issue] < timedelta(seconds=0.2), issue


def test_when_companies_stopped_exhibiting_is_recovered_from_the_audit_log(empty_database):
    """0014: a company that withdrew (or was turned away) after exhibiting stopped at
    its last change of status out of approved, placed or confirmed; 0017: each time it
    stopped, until it was approved again."""
    from datetime import UTC, datetime

    from sqlalchemy import insert, select

    from eventapp.booths.models import Exhibitor
    from eventapp.core.audit import AuditEntry
    from eventapp.organizations.models import Organization

    upgrade(revision="0013")
    event = _old_event()
    db.session.add(event)
    db.session.flush()
    ids = {}
    for name, status in (("left", "withdrawn"), ("staying", "placed"), ("turned_away", "rejected")):
        org = Organization(name_ko=name, name_en=name, kind="startup", sector="ai")
        db.session.add(org)
        db.session.flush()
        # The columns 0013 knows (the model has the new one).
        ids[name] = db.session.execute(
            insert(Exhibitor.__table__)
            .values(event_id=event.id, organization_id=org.id, status=status)
            .returning(Exhibitor.__table__.c.id)
        ).scalar_one()

    def changed(name, old, new, hour):
        db.session.add(
            AuditEntry(
                action="exhibitor.status_changed",
                object_type="Exhibitor",
                object_id=str(ids[name]),
                data={"from": old, "to": new},
                created_at=datetime(2025, 9, 17, hour, tzinfo=UTC),
            )
        )

    changed("left", "pending", "approved", 1)
    changed("left", "approved", "withdrawn", 2)
    changed("left", "withdrawn", "pending", 3)
    changed("left", "pending", "approved", 4)
    changed("left", "approved", "withdrawn", 5)  # the last time it stopped
    changed("staying", "approved", "withdrawn", 1)
    changed("staying", "withdrawn", "pending", 2)
    changed("staying", "pending", "placed", 3)
    changed("turned_away", "pending", "rejected", 1)  # it never exhibited
    db.session.commit()
    db.session.remove()

    upgrade()
    ends = dict(db.session.execute(select(Exhibitor.id, Exhibitor.exhibiting_until)).all())
    assert ends[ids["left"]] == datetime(2025, 9, 17, 5, tzinfo=UTC)
    assert ends[ids["staying"]] is None and ends[ids["turned_away"]] is None
    # 0017: and each period it did not exhibit, to its next approval.
    stops = dict(db.session.execute(select(Exhibitor.id, Exhibitor.stopped_periods)).all())
    assert stops[ids["left"]] == [
        ["2025-09-17T02:00:00Z", "2025-09-17T04:00:00Z"],
        ["2025-09-17T05:00:00Z", None],
    ]
    assert stops[ids["staying"]] == [["2025-09-17T01:00:00Z", "2025-09-17T03:00:00Z"]]
    assert stops[ids["turned_away"]] is None


def test_accounts_from_before_the_address_confirmation_count_as_confirmed(empty_database):
    """0019: sign-up now confirms the address; the accounts made before are confirmed
    as of their creation, so nobody is shut out by the upgrade."""
    from datetime import UTC, datetime

    from sqlalchemy import select

    from eventapp.accounts.models import User

    upgrade(revision="0018")
    created = datetime(2025, 9, 1, 9, tzinfo=UTC)
    _old_user("old@example.org", created_at=created)
    db.session.commit()
    db.session.remove()

    upgrade()
    user = db.session.scalar(select(User).where(User.email == "old@example.org"))
    assert user.email_confirmed and user.email_confirmed_at == created


def test_invitations_from_before_expiry_are_open_for_the_default_days(empty_database):
    """0020: invitations expire; those sent before are open for the default 14 days
    from when they were sent."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import column, insert, select, table

    from eventapp.booths.models import Exhibitor
    from eventapp.core.db import UTCDateTime
    from eventapp.exhibitors.models import TeamInvitation
    from eventapp.organizations.models import Organization

    upgrade(revision="0019")
    event = _old_event()
    organization = Organization(name_ko="알파", name_en="Alpha", kind="startup", sector="ai")
    db.session.add_all([event, organization])
    db.session.flush()
    exhibitor = Exhibitor(event=event, organization=organization, status="approved")
    db.session.add(exhibitor)
    db.session.flush()
    user = _old_user()
    sent = datetime(2025, 9, 1, 9, tzinfo=UTC)
    invitations = table(
        "team_invitations",
        *(column(name) for name in ("event_id", "exhibitor_id", "user_id", "role", "status")),
        column("created_at", UTCDateTime),
    )
    db.session.execute(
        insert(invitations).values(
            event_id=event.id,
            exhibitor_id=exhibitor.id,
            user_id=user.id,
            role="exhibitor_staff",
            status="pending",
            created_at=sent,
        )
    )
    db.session.commit()
    db.session.remove()

    upgrade()
    invitation = db.session.scalar(select(TeamInvitation))
    assert invitation.expires_at == sent + timedelta(days=14)
    assert invitation.expired


def test_meeting_tables_in_use_gain_an_english_label(empty_database):
    """0022: the tables' and the settings' place in English. On SQLite a step that
    rebuilt meeting_tables failed once a meeting sat at a table (its foreign key)."""
    from datetime import UTC, datetime, time

    from sqlalchemy import JSON, Time, column, insert, select, table

    from eventapp.core.db import UTCDateTime
    from eventapp.meetings.models import (
        Meeting,
        MeetingProfile,
        MeetingRequest,
        MeetingSettings,
        MeetingSlot,
        MeetingTable,
    )
    from eventapp.organizations.models import Organization

    upgrade(revision="0021")
    event = _old_event()
    startup = Organization(name_ko="알파", name_en="Alpha", kind="startup", sector="ai")
    firm = Organization(name_ko="감마", name_en="Gamma", kind="large_firm", sector="ai")
    db.session.add_all([event, startup, firm])
    db.session.flush()
    old_settings = table(
        "meeting_settings",
        *(column(c) for c in ("event_id", "slot_minutes", "table_count", "table_label")),
        column("first_meeting_bonus"),
        *(column(c, Time) for c in ("day_starts_at", "day_ends_at")),
        *(column(c, JSON) for c in ("meeting_days", "breaks")),
        column("updated_at", UTCDateTime),
    )
    db.session.execute(
        insert(old_settings).values(
            event_id=event.id,
            slot_minutes=30,
            table_count=1,
            table_label="밋업존",
            day_starts_at=time(10),
            day_ends_at=time(12),
            first_meeting_bonus=3,
            meeting_days=[],
            breaks=[],
            updated_at=datetime(2025, 9, 1, tzinfo=UTC),
        )
    )
    old_tables = table(
        "meeting_tables", *(column(c) for c in ("id", "event_id", "code", "label", "active"))
    )
    table_id = db.session.execute(
        insert(old_tables)
        .values(event_id=event.id, code="T01", label="밋업존", active=True)
        .returning(old_tables.c.id)
    ).scalar_one()
    profiles = [
        MeetingProfile(event=event, organization=startup, side="startup", sector="ai"),
        MeetingProfile(event=event, organization=firm, side="firm", sector="ai"),
    ]
    starts = datetime(2025, 9, 17, 1, tzinfo=UTC)
    slot = MeetingSlot(event=event, code="D1-1000", starts_at=starts, ends_at=starts)
    db.session.add_all([*profiles, slot])
    db.session.flush()
    request = MeetingRequest(
        event=event, startup=profiles[0], firm=profiles[1], requester_side="startup"
    )
    db.session.add(request)
    db.session.flush()
    meetings = table(
        "meetings",
        *(column(c) for c in ("event_id", "request_id", "slot_id", "table_id", "status")),
        *(column(c) for c in ("sequence", "uid", "scheduled_via", "cancel_reason")),
        *(column(c) for c in ("startup_notes", "firm_notes")),
        *(column(c, UTCDateTime) for c in ("created_at", "updated_at")),
    )
    db.session.execute(
        insert(meetings).values(
            event_id=event.id,
            request_id=request.id,
            slot_id=slot.id,
            table_id=table_id,
            status="scheduled",
            sequence=0,
            uid="meeting-1@old-expo",
            scheduled_via="organizer",
            cancel_reason="",
            startup_notes="",
            firm_notes="",
            created_at=starts,
            updated_at=starts,
        )
    )
    db.session.commit()
    db.session.remove()

    upgrade()
    placed = db.session.scalar(select(MeetingTable))
    assert (placed.id, placed.label, placed.label_en) == (table_id, "밋업존", "")
    assert placed.place("en") == "밋업존"  # read as it is until named in English
    assert db.session.scalar(select(MeetingSettings)).table_label_en == ""
    assert db.session.scalar(select(Meeting)).table_id == table_id

    # And back: on SQLite, a downgrade that rebuilt meeting_tables failed the same way.
    db.session.remove()
    downgrade(revision="0021")
    for name, dropped in (("meeting_tables", "label_en"), ("meeting_settings", "table_label_en")):
        assert dropped not in {c["name"] for c in inspect(db.engine).get_columns(name)}
    with db.engine.connect() as connection:
        kept = connection.exec_driver_sql("SELECT code, label FROM meeting_tables").all()
        seated = connection.exec_driver_sql("SELECT table_id FROM meetings").scalar_one()
    assert ([tuple(row) for row in kept], seated) == ([("T01", "밋업존")], table_id)


def _revisions_down_from_head():
    """(revision, the one below it or "base"), from head down."""
    from alembic.script import ScriptDirectory
    from flask import current_app

    config = current_app.extensions["migrate"].migrate.get_config()
    scripts = ScriptDirectory.from_config(config)
    return [(s.revision, s.down_revision or "base") for s in scripts.walk_revisions()]


def _fair_in_full():
    """The demo fair, and rows in the tables the demo leaves empty that a fair in
    progress fills (a held booth, a set-up scanner, invitations, a proposed time...)."""
    from datetime import timedelta

    from sqlalchemy import select

    from eventapp.accounts.models import LoginAttempt, User
    from eventapp.badges.models import Badge
    from eventapp.booths.models import Booth, BoothAllocation, BoothPlanProposal, Exhibitor
    from eventapp.calendar.models import CalendarFeed
    from eventapp.checkin.models import LeadRemoval, MeetingArrival, ScanDevice, ScanPoint
    from eventapp.core.db import utcnow
    from eventapp.demo import seed_demo
    from eventapp.exhibitors.models import TeamInvitation
    from eventapp.meetings.models import (
        ColleagueInvitation,
        Meeting,
        MeetingPlan,
        MeetingSlot,
        MeetingTimeProposal,
    )
    from eventapp.notifications.models import OutboxMessage

    event = seed_demo(log=lambda *_: None)
    now = utcnow()
    organizer = db.session.scalar(select(User).where(User.email == "organizer@kicxup.kr"))
    visitor = db.session.scalar(select(User).where(User.email == "attendee@kicxup.kr"))
    showcase = db.session.scalar(
        select(Exhibitor)
        .join(User, User.organization_id == Exhibitor.organization_id)
        .where(User.email == "exhibitor@kicxup.kr")
    )
    free_booth = db.session.scalar(
        select(Booth)
        .where(Booth.event_id == event.id, ~Booth.allocation.has(), Booth.blocked.is_(False))
        .order_by(Booth.id)
    )
    db.session.add(
        BoothAllocation(
            booth=free_booth,
            exhibitor=showcase,
            state="hold",
            expires_at=now + timedelta(minutes=10),
        )
    )
    db.session.add(
        BoothPlanProposal(event=event, created_by=organizer, assignments={}, left_out=[])
    )
    point = db.session.scalar(select(ScanPoint).order_by(ScanPoint.id))
    db.session.add(
        ScanDevice(
            event_id=event.id,
            scan_point=point,
            label="Gate A phone",
            created_by=organizer,
            expires_at=now + timedelta(days=3),
            set_up_at=now,
            setup_claim="c" * 64,
            last_seen_at=now,
        )
    )
    badge = db.session.scalar(select(Badge).where(Badge.user_id == visitor.id))
    db.session.add(
        LeadRemoval(
            event_id=event.id,
            organization_id=showcase.organization_id,
            badge_id=badge.id,
            removed_at=now,
        )
    )
    meeting = db.session.scalar(
        select(Meeting)
        .where(Meeting.event_id == event.id, Meeting.status == "scheduled")
        .order_by(Meeting.id)
    )
    other_slot = db.session.scalar(
        select(MeetingSlot)
        .where(MeetingSlot.event_id == event.id, MeetingSlot.id != meeting.slot_id)
        .order_by(MeetingSlot.id)
    )
    db.session.add(
        MeetingTimeProposal(
            event_id=event.id,
            meeting=meeting,
            slot=other_slot,
            proposer_side="startup",
            message="Could we meet later?",
        )
    )
    db.session.add(
        MeetingArrival(
            event_id=event.id,
            meeting_id=meeting.id,
            slot_id=meeting.slot_id,
            side="startup",
            profile_id=meeting.request.startup_id,
            badge=badge,
            scan_point=point,
            arrived_at=now,
            recorded_at=now,
        )
    )
    db.session.add(
        MeetingPlan(event=event, fingerprint="f" * 64, problem={}, solution={"meetings": []})
    )
    db.session.add(
        ColleagueInvitation(
            event_id=event.id,
            organization_id=showcase.organization_id,
            user_id=visitor.id,
            invited_by_id=organizer.id,
            expires_at=now + timedelta(days=14),
        )
    )
    db.session.add(
        TeamInvitation(
            event=event,
            exhibitor=showcase,
            user=visitor,
            role="exhibitor_staff",
            invited_by=organizer,
            expires_at=now + timedelta(days=14),
        )
    )
    db.session.add(CalendarFeed(user=visitor, event=event))
    db.session.add(LoginAttempt(email=visitor.email, remote_addr="203.0.113.7"))
    db.session.add(
        OutboxMessage(
            event_id=event.id,
            recipient=visitor.email,
            subject="Your badge",
            raw=b"Subject: Your badge\r\n\r\n...",
            claim_token="t" * 32,
            next_attempt_at=now,
        )
    )
    db.session.commit()
    db.session.remove()


def _filled():
    """Each table's rows, and how many of them have a value in each column: a rebuilt
    table on SQLite deletes the rows referencing it (ON DELETE CASCADE) or empties
    their column (SET NULL)."""
    filled = {}
    with db.engine.connect() as connection:
        for name in sorted(set(inspect(connection).get_table_names()) - {"alembic_version"}):
            columns = list(connection.exec_driver_sql(f'SELECT * FROM "{name}" LIMIT 0').keys())
            counts = ", ".join(f'count("{column}")' for column in columns)
            row = connection.exec_driver_sql(f'SELECT count(*), {counts} FROM "{name}"').one()
            filled[name] = dict(zip(["rows", *columns], row, strict=True))
    return filled


def _lost(before, after):
    """What `after` lacks of `before`, in the tables and columns both have."""
    return {
        (name, column): (before[name][column], after[name][column])
        for name in sorted(before.keys() & after.keys())
        for column in before[name].keys() & after[name].keys()
        if after[name][column] < before[name][column]
    }


def _migrate(step, revision, what):
    db.session.remove()
    try:
        step(revision=revision)
    except (Exception, SystemExit) as error:
        pytest.fail(f"{what} failed with a fair's data in the database: {error!r}")


def test_each_migration_goes_down_and_up_again_with_a_fair_in_the_database(empty_database):
    """Every downgrade, one revision at a time, keeps the rows of the tables it does
    not drop, and so does the upgrade back to it. On SQLite a batch step that rebuilds
    a table drops the old one, whose rows take their dependants along (ON DELETE
    CASCADE) or are refused by the foreign keys."""
    upgrade()
    _fair_in_full()
    kept = _filled()
    assert not [name for name, columns in kept.items() if not columns["rows"]]
    for revision, below in _revisions_down_from_head():
        _migrate(downgrade, below, f"downgrade of {revision} (to {below})")
        down = _filled()
        assert _lost(kept, down) == {}, f"downgrade of {revision} lost data"
        if below == "base":
            break
        _migrate(upgrade, revision, f"upgrade to {revision} (again, from {below})")
        assert _lost(down, _filled()) == {}, f"upgrade to {revision} lost data"
        _migrate(downgrade, below, f"downgrade of {revision} (again)")
        kept = _filled()
    upgrade()
    assert _pending_changes() == []
