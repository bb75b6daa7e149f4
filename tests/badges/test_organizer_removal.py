"""A person who is no longer an organizer no longer holds a badge printed as one."""

import threading
import time

import pytest
from sqlalchemy import select

from eventapp.badges import services
from eventapp.badges.models import Badge
from eventapp.core.audit import AuditEntry
from eventapp.events import services as events
from eventapp.events.models import Event, EventRole
from eventapp.extensions import db


def _second_organizer(small_event, *, also=None):
    """The staff person made an organizer too (the event keeps its first one), and the
    badge and code printed for them as organizer."""
    person = small_event.outsider if also is None else getattr(small_event, also)
    events.grant_role(small_event.event, person, "organizer")
    badge = services.issue_badge(small_event.event, person)
    db.session.commit()
    assert badge.category == "organizer"
    return person, badge, services.badge_code(badge)


def test_removing_an_organizer_revokes_their_organizer_badge(login_as, small_event):
    event = small_event.event
    person, badge, code = _second_organizer(small_event)
    client = login_as("organizer")
    response = client.post(
        f"/e/test-expo/manage/organizers/{person.id}/remove?lang=en", follow_redirects=True
    )
    assert "is no longer an organizer of the event" in response.get_data(as_text=True)
    db.session.expire_all()
    assert services.verify_code(code, event).status == "revoked"
    assert badge.id in services.revocation_list(event)["revoked"]
    (entry,) = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "badge.revoked").order_by(AuditEntry.id)
    ).all()
    assert entry.object_id == str(badge.id)
    page = client.get(f"/e/test-expo/manage/badges/{badge.id}?lang=en").get_data(as_text=True)
    assert "Reason: No longer an organizer of the event." in page
    page = client.get(f"/e/test-expo/manage/badges/{badge.id}?lang=ko").get_data(as_text=True)
    assert "더 이상 행사 주최 측 담당자가 아닙니다." in page


def test_one_who_keeps_another_role_gets_a_badge_of_that_role_on_reissue(small_event):
    event = small_event.event
    person, badge, code = _second_organizer(small_event, also="staff")
    events.remove_organizer(event, person.id)
    db.session.commit()
    assert services.verify_code(code, event).status == "revoked"
    badge = services.reissue_badge(badge)
    db.session.commit()
    assert badge.category == "staff"
    assert services.verify_code(services.badge_code(badge), event).ok


def test_a_badge_of_another_category_set_by_hand_is_left_alone(small_event):
    event = small_event.event
    person, badge, code = _second_organizer(small_event)
    services.set_category(badge, "vip")
    db.session.commit()
    events.remove_organizer(event, person.id)
    db.session.commit()
    assert services.verify_code(code, event).ok
    assert not db.session.scalar(
        select(EventRole).where(EventRole.user_id == person.id, EventRole.role == "organizer")
    )


def test_a_badge_printed_while_its_holder_is_removed_as_organizer_is_revoked(
    app, small_event, monkeypatch
):
    """The bulk print read the roles (organizer), the removal then found no badge to
    revoke and committed, and the print issued a valid organizer's badge to someone
    no longer one. The removal now waits for the print and revokes what it made."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time: the race cannot happen there")
    event = small_event.event
    person = small_event.outsider
    events.grant_role(event, person, "organizer")
    db.session.commit()
    event_id, person_id = event.id, person.id
    db.session.remove()
    roles_read, removal_started = threading.Event(), threading.Event()
    real_people = services._people

    def people(*args, **kwargs):
        found = real_people(*args, **kwargs)
        if threading.current_thread().name == "print":
            roles_read.set()
            # The removal runs now; without a lock it commits before the print goes on.
            removal_started.wait(timeout=20)
            time.sleep(1)
        return found

    monkeypatch.setattr(services, "_people", people)
    errors = []

    def print_badges():
        try:
            with app.app_context():
                services.sync_badges(db.session.get(Event, event_id))
                db.session.commit()
        except Exception as error:  # reported below
            errors.append(error)

    def remove():
        try:
            roles_read.wait(timeout=20)
            with app.app_context():
                removal_started.set()
                events.remove_organizer(db.session.get(Event, event_id), person_id)
                db.session.commit()
        except Exception as error:  # reported below
            errors.append(error)

    threads = [
        threading.Thread(target=print_badges, name="print"),
        threading.Thread(target=remove, name="remove"),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    badge = db.session.scalar(select(Badge).where(Badge.user_id == person_id))
    assert badge.category == "organizer"
    assert services.verify_code(services.badge_code(badge), badge.event).status == "revoked"
