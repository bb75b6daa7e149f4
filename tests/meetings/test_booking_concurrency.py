"""Live booking under real concurrency: many signed-in participants POST bookings to the
threaded live server at the same instant, round after round. The database must never
hold two active meetings of one person, firm or table in one slot; the number of
winners must be exactly what the free resources allow. Runs on SQLite and, with
TEST_DATABASE_URL, on PostgreSQL."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import delete, func, select

from eventapp.extensions import db
from eventapp.meetings import services
from eventapp.meetings.models import Meeting, MeetingRequest, MeetingSeat
from tests.meetings.conftest import HttpSession, accepted_request, add_company

ROUNDS = 10


def _fire(sessions_and_posts):
    """POST all at once (a barrier lines the threads up); returns [(status, location)]."""
    barrier = threading.Barrier(len(sessions_and_posts))

    def go(item):
        session, path, data = item
        barrier.wait()
        status, location, _body = session.request("POST", path, data)
        return status, location

    with ThreadPoolExecutor(len(sessions_and_posts)) as pool:
        return list(pool.map(go, sessions_and_posts))


def _won(results):
    return sum(1 for status, location in results if status == 302 and "/meetings/m/" in location)


def _assert_no_double_booking():
    """Check the meetings themselves, independently of the seats."""
    db.session.commit()  # start a fresh read: the test thread's snapshot may be older
    rows = db.session.execute(
        select(Meeting.slot_id, Meeting.table_id, MeetingRequest.startup_id, MeetingRequest.firm_id)
        .join(MeetingRequest, MeetingRequest.id == Meeting.request_id)
        .where(Meeting.status != "cancelled")
    ).all()
    people = [(slot, s) for slot, _t, s, _f in rows] + [(slot, f) for slot, _t, _s, f in rows]
    assert len(people) == len(set(people)), "a participant is in two meetings at once"
    tables = [(slot, t) for slot, t, _s, _f in rows if t is not None]
    assert len(tables) == len(set(tables)), "a table holds two meetings at once"
    # Every active meeting has exactly its seats.
    seats = db.session.scalar(select(func.count()).select_from(MeetingSeat))
    assert seats == 2 * len(rows) + len(tables)
    db.session.commit()  # end the read (SQLite: release the lock for the server)
    return len(rows)


def _reset_meetings():
    db.session.execute(delete(MeetingSeat))
    db.session.execute(delete(Meeting))
    db.session.commit()


@pytest.fixture
def crowd(meetup):
    """Six startups, each with an accepted request to the firm gamma and to four new
    firms; every participant has a signed-in HTTP session."""
    event = meetup.event
    gamma = meetup.profiles["gamma"]
    startups = [add_company(event, f"s{i}", "startup") for i in range(6)]
    firms = [(meetup.attendee, gamma)] + [
        add_company(event, f"f{i}", "large_firm") for i in range(4)
    ]
    requests = {}
    for s_user, startup in startups:
        for _f_user, firm in firms:
            requests[startup.id, firm.id] = accepted_request(event, startup, firm, s_user).id
    db.session.commit()
    return meetup, startups, firms, requests


def _sessions(live_server, users):
    return {user.id: HttpSession(live_server.url).login(user.email) for user in users}


def test_one_firm_is_never_double_booked(crowd, live_server):
    meetup, startups, firms, requests = crowd
    f_user, firm = firms[0]
    sessions = _sessions(live_server, [u for u, _p in startups])
    slot_ids = [s.id for s in meetup.slots]
    db.session.commit()
    for round_number in range(ROUNDS):
        slot_id = slot_ids[round_number % len(slot_ids)]
        posts = [
            (
                sessions[user.id],
                f"/e/test-expo/meetings/requests/{requests[startup.id, firm.id]}/book",
                {"slot_id": slot_id},
            )
            for user, startup in startups
        ]
        results = _fire(posts)
        assert all(status == 302 for status, _l in results), results
        assert _won(results) == 1, results
        assert _assert_no_double_booking() == 1
        _reset_meetings()


def test_tables_are_never_double_booked(crowd, live_server):
    """Five different pairs want the same slot; two tables: exactly two get it."""
    meetup, startups, firms, requests = crowd
    sessions = _sessions(live_server, [u for u, _p in startups[:5]])
    slot_ids = [s.id for s in meetup.slots]
    db.session.commit()
    for round_number in range(ROUNDS):
        slot_id = slot_ids[round_number % len(slot_ids)]
        posts = [
            (
                sessions[s_user.id],
                f"/e/test-expo/meetings/requests/{requests[startup.id, firm.id]}/book",
                {"slot_id": slot_id},
            )
            for (s_user, startup), (_f_user, firm) in zip(startups[:5], firms, strict=True)
        ]
        results = _fire(posts)
        assert _won(results) == 2, results
        assert _assert_no_double_booking() == 2
        _reset_meetings()


def test_mixed_crowd_over_all_slots(crowd, live_server):
    """Every startup books every firm in random-ish slots at once, all rounds kept: the
    final state is consistent and as full as the free resources allow in each round."""
    meetup, startups, firms, requests = crowd
    users = [u for u, _p in startups] + [u for u, _p in firms]
    sessions = _sessions(live_server, users)
    slot_ids = [s.id for s in meetup.slots]
    db.session.commit()
    total = 0
    for round_number in range(len(slot_ids)):
        posts = []
        for index, (s_user, startup) in enumerate(startups):
            f_user, firm = firms[(index + round_number) % len(firms)]
            # The startup and the firm both try, for different slots.
            path = f"/e/test-expo/meetings/requests/{requests[startup.id, firm.id]}/book"
            posts.append((sessions[s_user.id], path, {"slot_id": slot_ids[round_number]}))
            other_slot = slot_ids[(round_number + 1) % len(slot_ids)]
            posts.append((sessions[f_user.id], path, {"slot_id": other_slot}))
        results = _fire(posts)
        assert all(status == 302 for status, _l in results), results
        total += _won(results)
        assert _assert_no_double_booking() == total
    # Each request is booked at most once.
    db.session.commit()
    per_request = db.session.execute(
        select(Meeting.request_id, func.count()).group_by(Meeting.request_id)
    ).all()
    assert all(count == 1 for _rid, count in per_request)
    assert total > 0
    db.session.commit()


def test_both_sides_booking_one_request_get_one_meeting(crowd, live_server):
    meetup, startups, firms, requests = crowd
    (s_user, startup), (f_user, firm) = startups[0], firms[1]
    sessions = _sessions(live_server, [s_user, f_user])
    path = f"/e/test-expo/meetings/requests/{requests[startup.id, firm.id]}/book"
    db.session.commit()
    for round_number in range(ROUNDS):
        first, second = meetup.slots[round_number % 8].id, meetup.slots[(round_number + 3) % 8].id
        results = _fire(
            [
                (sessions[s_user.id], path, {"slot_id": first}),
                (sessions[f_user.id], path, {"slot_id": second}),
            ]
        )
        assert _won(results) == 1, results
        assert _assert_no_double_booking() == 1
        _reset_meetings()


def test_opposite_requests_at_the_same_moment_become_one_mutual_request(meetup, live_server):
    """Startup and firm ask each other at the same instant, pair after pair: every pair
    ends with one accepted, mutual request holding both messages, and neither side sees
    an error."""
    event = meetup.event
    pairs = [
        (add_company(event, f"s{i}", "startup"), add_company(event, f"f{i}", "large_firm"))
        for i in range(ROUNDS)
    ]
    db.session.commit()
    sessions = _sessions(live_server, [u for pair in pairs for u, _p in pair])
    db.session.commit()
    for (s_user, startup), (f_user, firm) in pairs:
        results = _fire(
            [
                (
                    sessions[s_user.id],
                    f"/e/test-expo/meetings/partners/{firm.id}/request",
                    {"message": f"startup {startup.id}"},
                ),
                (
                    sessions[f_user.id],
                    f"/e/test-expo/meetings/partners/{startup.id}/request",
                    {"message": f"firm {firm.id}"},
                ),
            ]
        )
        # Both land on the request page (an error would send them back to the partner).
        assert all(
            status == 302 and "/meetings/requests/" in location for status, location in results
        ), results
        assert results[0][1] == results[1][1]
        db.session.commit()  # a fresh read
        rows = db.session.scalars(
            select(MeetingRequest).where(
                MeetingRequest.startup_id == startup.id, MeetingRequest.firm_id == firm.id
            )
        ).all()
        assert len(rows) == 1
        request = rows[0]
        assert (request.status, request.mutual, request.weight) == ("accepted", True, 3)
        assert {request.message, request.receiver_message} == {
            f"startup {startup.id}",
            f"firm {firm.id}",
        }
        db.session.commit()  # end the read (SQLite: release the lock for the server)


def test_seat_constraints_refuse_a_double_booking_directly(meetup):
    """Without any service check, the database itself refuses a second seat."""
    from sqlalchemy.exc import IntegrityError

    alpha, beta, gamma = (meetup.profiles[k] for k in ("alpha", "beta", "gamma"))
    r1 = accepted_request(meetup.event, alpha, beta, meetup.exhibitor_admin)
    r2 = accepted_request(meetup.event, alpha, gamma, meetup.exhibitor_admin)
    slot = meetup.slots[0]
    services.book(r1, slot, meetup.exhibitor_admin)
    db.session.commit()
    meeting = Meeting(event_id=meetup.event.id, request=r2, slot=slot, table=meetup.tables[1])
    db.session.add(meeting)
    db.session.flush()
    db.session.add(MeetingSeat(meeting_id=meeting.id, slot_id=slot.id, profile_id=alpha.id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    meeting = Meeting(event_id=meetup.event.id, request=r2, slot=slot)
    db.session.add(meeting)
    db.session.flush()
    table = services.tables_of(meetup.event)[0]
    db.session.add(MeetingSeat(meeting_id=meeting.id, slot_id=slot.id, table_id=table.id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
