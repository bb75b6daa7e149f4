"""Issuing, reissuing, revoking and verifying badges against the database."""

import base64
from datetime import date

import pytest
from sqlalchemy import func, select

from eventapp.badges import codes, services
from eventapp.badges.models import Badge, EventKey
from eventapp.booths.models import BoothAllocation
from eventapp.core.audit import AuditEntry
from eventapp.events.models import EventRole
from eventapp.extensions import db
from tests.conftest import add_other_event


def _actions():
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def _flip_bit(text, byte_index):
    raw = bytearray(base64.b32decode(text[2:]))
    raw[byte_index] ^= 0x80
    return "K1" + base64.b32encode(bytes(raw)).decode()


def test_issue_is_idempotent_and_snapshots_the_person(small_event):
    event, person = small_event.event, small_event.exhibitor_admin
    db.session.add(
        BoothAllocation(
            booth=small_event.booths["A-02"],
            exhibitor=small_event.exhibitors["alpha"],
            state="placed",
        )
    )
    db.session.add(
        BoothAllocation(
            booth=small_event.booths["A-01"],
            exhibitor=small_event.exhibitors["alpha"],
            state="confirmed",
        )
    )
    db.session.add(
        BoothAllocation(
            booth=small_event.booths["A-03"],
            exhibitor=small_event.exhibitors["alpha"],
            state="hold",
        )
    )
    first = services.issue_badge(event, person)
    db.session.commit()
    again = services.issue_badge(event, person)
    db.session.commit()
    assert again.id == first.id and again.issue == 1
    assert db.session.scalar(select(func.count()).select_from(Badge)) == 1
    assert first.category == "exhibitor"
    assert (first.name_ko, first.name_en) == ("exhibitor_admin 님", "Exhibitor_Admin")
    assert (first.organization_ko, first.organization_en) == ("알파로보틱스", "Alpha Robotics")
    assert first.organization_id == small_event.companies["alpha"].id
    assert first.country == "KR"
    assert first.booth == "A-01, A-02"  # placed and confirmed only, in code order
    assert _actions().count("badge.issued") == 1
    assert db.session.get(EventKey, event.id) is not None


def test_default_categories_follow_roles_and_company_kind(small_event):
    event = small_event.event
    expected = {
        "organizer": "organizer",
        "staff": "staff",
        "exhibitor_admin": "exhibitor",
        "exhibitor_staff": "exhibitor",
        "other_exhibitor": "exhibitor",
        "attendee": "large_firm",  # gamma is a large firm
        "outsider": "visitor",  # no role, no company
    }
    for role, category in expected.items():
        assert services.issue_badge(event, small_event[role]).category == category, role
    small_event.companies["gamma"].kind = "investor"
    assert services.default_category({"attendee"}, "investor") == "buyer"
    assert services.default_category({"attendee"}, "startup") == "startup"
    assert services.default_category({"attendee", "staff"}, "startup") == "staff"


def test_given_category_sticks_and_refresh_follows_the_record(small_event):
    event, person = small_event.event, small_event.attendee
    badge = services.issue_badge(event, person, category="vip")
    db.session.commit()
    person.name_en = "Attendee Renamed"
    services.issue_badge(event, person)
    assert badge.category == "vip" and badge.name_en == "Attendee Renamed"
    services.set_category(badge, None)
    assert badge.category == "large_firm" and not badge.category_manual
    with pytest.raises(services.BadgeError):
        services.issue_badge(event, person, category="astronaut")


def test_sync_issues_everybody_once_and_refreshes(small_event):
    event = small_event.event
    assert services.sync_badges(event) == (6, 0)  # six people with a role
    db.session.commit()
    assert services.sync_badges(event) == (0, 0)
    small_event.companies["alpha"].name_en = "Alpha Robotics Ltd."
    db.session.add(
        BoothAllocation(
            booth=small_event.booths["A-05"],
            exhibitor=small_event.exhibitors["alpha"],
            state="placed",
        )
    )
    assert services.sync_badges(event) == (0, 2)
    db.session.commit()
    alpha = db.session.scalars(
        select(Badge).where(Badge.organization_id == small_event.companies["alpha"].id)
    ).all()
    assert {b.booth for b in alpha} == {"A-05"}
    assert {b.organization_en for b in alpha} == {"Alpha Robotics Ltd."}
    only = services.sync_badges(event, user_ids=[small_event.outsider.id])
    assert only == (0, 0)  # the outsider has no role


def test_verdicts(small_event):
    event = small_event.event
    badge = services.issue_badge(event, small_event.attendee)
    db.session.commit()
    text = services.badge_code(badge)
    assert len(text) == 122

    verdict = services.verify_code(text, event)
    assert verdict.status == "valid" and verdict.ok and verdict.badge.id == badge.id
    assert verdict.reason == "Valid badge."
    assert services.verify_code(f" {text.lower()} ", event.id).status == "valid"

    # Forged: a flipped bit in the payload, in the signature, or another key.
    for index in (8, 40):
        forged = services.verify_code(_flip_bit(text, index), event)
        assert forged.status == "bad_signature" and forged.badge is None
    stranger = codes.encode(codes.generate_private_key(), event.id, badge.id, badge.issue)
    assert services.verify_code(stranger, event).status == "bad_signature"

    # Garbage.
    for garbage in ("", "hello", "K1ABC", text[:-1], text + "A", "https://example.org/"):
        verdict = services.verify_code(garbage, event)
        assert verdict.status == "malformed" and verdict.badge is None

    # A genuine code of a badge id that does not exist.
    key = db.session.get(EventKey, event.id)
    unknown = codes.encode(key.private_key, event.id, badge.id + 1000, 1)
    assert services.verify_code(unknown, event).status == "unknown_badge"
    ahead = codes.encode(key.private_key, event.id, badge.id, badge.issue + 1)
    assert services.verify_code(ahead, event).status == "unknown_badge"


def test_reissue_revokes_older_codes_and_revoke_everything(small_event):
    event = small_event.event
    badge = services.issue_badge(event, small_event.attendee)
    db.session.commit()
    old = services.badge_code(badge)
    services.reissue_badge(badge)
    db.session.commit()
    new = services.badge_code(badge)
    assert new != old and badge.issue == 2
    assert services.verify_code(old, event).status == "revoked"
    assert services.verify_code(old, event).badge.id == badge.id
    assert services.verify_code(new, event).status == "valid"
    assert services.revocation_list(event) == {"revoked": [], "min_issue": {badge.id: 2}}

    services.revoke_badge(badge, reason="lost")
    db.session.commit()
    assert services.verify_code(new, event).status == "revoked"
    assert services.revocation_list(event) == {"revoked": [badge.id], "min_issue": {badge.id: 2}}
    # Reissuing a revoked badge restores it with a new code; old ones stay revoked.
    services.reissue_badge(badge)
    db.session.commit()
    assert services.verify_code(new, event).status == "revoked"
    assert services.verify_code(services.badge_code(badge), event).status == "valid"
    assert _actions().count("badge.reissued") == 2 and "badge.revoked" in _actions()
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "badge.revoked"))
    assert entry.data["reason"] == "lost" and entry.event_id == event.id


def test_other_event(small_event):
    event = small_event.event
    other = add_other_event(starts_on=date(2026, 1, 1), ends_on=date(2026, 1, 2))
    db.session.add(EventRole(event=other, user=small_event.attendee, role="attendee"))
    db.session.flush()
    theirs = services.issue_badge(other, small_event.attendee)
    ours = services.issue_badge(event, small_event.attendee)
    db.session.commit()
    assert theirs.id != ours.id

    verdict = services.verify_code(services.badge_code(theirs), event)
    assert verdict.status == "other_event" and verdict.badge.id == theirs.id
    # A forged code naming the other event is still a forgery.
    forged = codes.encode(codes.generate_private_key(), other.id, theirs.id, 1)
    assert services.verify_code(forged, event).status == "bad_signature"
    # An event with no key here at all: it can only be called another event's.
    nowhere = codes.encode(codes.generate_private_key(), 9999, 1, 1)
    assert services.verify_code(nowhere, event).status == "other_event"
    # And our badge is valid only here.
    assert services.verify_code(services.badge_code(ours), other).status == "other_event"


def test_no_key_yet_means_no_genuine_code(small_event):
    text = codes.encode(codes.generate_private_key(), small_event.event.id, 1, 1)
    assert services.verify_code(text, small_event.event).status == "bad_signature"


def test_event_key_is_made_once(small_event):
    first = services.event_key(small_event.event)
    db.session.commit()
    second = services.event_key(small_event.event)
    assert first.public_key == second.public_key
    assert len(first.private_key) == 32 and len(first.public_key) == 32
    assert services.public_key_b64(small_event.event) == codes.public_key_b64(first.public_key)
    assert db.session.scalar(select(func.count()).select_from(EventKey)) == 1


def test_print_order_keeps_companies_named_only_in_korean_together(small_event):
    """Companies and people may give their names in Korean only. Ordered by the English
    names, which are then empty, the badges of two such companies came out in the order
    their people registered, one company's interleaved with the other's on the sheets."""
    from eventapp.accounts.models import User
    from eventapp.organizations.models import Organization

    event = small_event.event
    companies = [
        Organization(name_ko=name, name_en="", kind="startup", sector="ai")
        for name in ("나래텍", "다온소프트")
    ]
    db.session.add_all(companies)
    people = []
    # Registered alternately, and each company's people not in the order of their names.
    for number, (company, name) in enumerate(
        [
            (companies[1], "한지민"),
            (companies[0], "최서연"),
            (companies[1], "김도윤"),
            (companies[0], "박하준"),
        ]
    ):
        person = User(
            email=f"korean{number}@example.org", name_ko=name, name_en="", password_hash="-"
        )
        db.session.add(person)
        db.session.add(
            EventRole(event=event, user=person, role="exhibitor_staff", organization=company)
        )
        people.append(person)
    db.session.flush()
    services.sync_badges(event)
    db.session.commit()

    printed = [
        (badge.organization_ko, badge.name_ko)
        for badge in db.session.scalars(
            services.badges_query(event, user_ids=[p.id for p in people])
        )
    ]
    assert printed == [
        ("나래텍", "박하준"),
        ("나래텍", "최서연"),
        ("다온소프트", "김도윤"),
        ("다온소프트", "한지민"),
    ]
