from eventapp.events.services import grant_role, register_attendee
from eventapp.extensions import db


def test_overview_counts_booths_and_exhibitors(login_as):
    page = login_as("organizer").get("/e/test-expo/manage/?lang=en").get_data(as_text=True)
    assert "Organizer overview" in page
    # 20 booths in the small event, none taken.
    assert ">20<" in page.replace(" ", "")


def _to_come(event):
    """The small event moved into the future: a fair that is over takes no registration."""
    from datetime import date, timedelta

    event.starts_on = date.today() + timedelta(days=30)
    event.ends_on = event.starts_on + timedelta(days=1)
    db.session.commit()


def test_joining_an_event_grants_the_attendee_role(login_as, small_event):
    _to_come(small_event.event)
    client = login_as("outsider")
    response = client.post("/e/test-expo/join")
    assert response.status_code == 302
    from eventapp.core.permissions import roles_of

    assert roles_of(small_event.outsider, small_event.event) == {"attendee"}


def test_grant_role_is_idempotent_and_audited(small_event):
    from sqlalchemy import func, select

    from eventapp.core.audit import AuditEntry
    from eventapp.events.models import EventRole

    first = register_attendee(small_event.event, small_event.outsider)
    second = grant_role(small_event.event, small_event.outsider, "attendee")
    db.session.commit()
    assert first.id == second.id
    count = db.session.scalar(
        select(func.count())
        .select_from(EventRole)
        .where(EventRole.user_id == small_event.outsider.id)
    )
    assert count == 1
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "role.granted")
        )
        == 1
    )


def test_joining_twice_at_once_registers_once(login_as, small_event, monkeypatch):
    """A double click: the other request grants the role between this one's check,
    which found none, and its insert. The person is registered, not shown an error."""
    import pytest
    from sqlalchemy import func, select

    from eventapp.events.models import EventRole

    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serializes writing transactions: the race cannot happen there")
    _to_come(small_event.event)
    event, outsider = small_event.event, small_event.outsider
    real_scalar = type(db.session).scalar
    raced = []

    def scalar(session, statement, *args, **kwargs):
        found = real_scalar(session, statement, *args, **kwargs)
        if not raced and getattr(statement, "column_descriptions", [{}])[0].get("entity") is (
            EventRole
        ):
            raced.append(found)
            with db.engine.begin() as connection:
                connection.execute(
                    EventRole.__table__.insert().values(
                        event_id=event.id, user_id=outsider.id, role="attendee"
                    )
                )
        return found

    monkeypatch.setattr(type(db.session), "scalar", scalar)
    response = login_as("outsider").post("/e/test-expo/join")
    monkeypatch.undo()
    assert raced == [None] and response.status_code == 302
    count = db.session.scalar(
        select(func.count()).select_from(EventRole).where(EventRole.user_id == outsider.id)
    )
    assert count == 1


def test_a_lapsed_hold_counts_as_free(small_event):
    """A hold past its time frees its booth (the floor plan shows it free) even
    before the clean-up deletes the row: the overview counts it so too."""
    from datetime import timedelta

    from eventapp.booths.models import BoothAllocation
    from eventapp.core.db import utcnow
    from eventapp.events.views import booth_counts

    event, alpha = small_event.event, small_event.exhibitors["alpha"]
    before = booth_counts(event)
    now = utcnow()
    for code, expires_at in (
        ("A-01", now - timedelta(minutes=1)),
        ("A-02", now + timedelta(minutes=5)),
    ):
        db.session.add(
            BoothAllocation(
                booth=small_event.booths[code], exhibitor=alpha, state="hold", expires_at=expires_at
            )
        )
    db.session.commit()
    counts = booth_counts(event)
    assert counts["held"] == 1
    assert counts["free"] == before["free"] - 1


def test_the_audit_log_reaches_its_oldest_entries_page_by_page(login_as, small_event):
    from eventapp.core import audit

    audit.record("event.created", small_event.event, event=small_event.event, object_id="first")
    for number in range(600):
        audit.record("badge.issued", event=small_event.event, object_type="Badge", object_id=number)
    db.session.commit()
    client = login_as("organizer")
    first = client.get("/e/test-expo/manage/audit?lang=en").get_data(as_text=True)
    assert ">Badge 599<" in first and ">Badge 499<" not in first
    assert "page=2" in first and "Page 1 of " in first
    pages = int(first.split("Page 1 of ")[1].split("<")[0])
    last = client.get(f"/e/test-expo/manage/audit?lang=en&page={pages}").get_data(as_text=True)
    assert ">Event first<" in last and "Next<" not in last
    # A page beyond the last shows the last.
    assert ">Event first<" in client.get("/e/test-expo/manage/audit?page=999").get_data(
        as_text=True
    )


def test_the_audit_log_filters_by_action_and_by_who_did_it(login_as, small_event):
    """On a busy fair the log runs to thousands of entries: the organizers narrow it
    to one action and one person, and the pages keep the filter."""
    from eventapp.core import audit

    event = small_event.event
    for number in range(150):
        audit.record(
            "badge.issued",
            event=event,
            object_type="Badge",
            object_id=number,
            user=small_event.organizer,
        )
    audit.record(
        "badge.revoked",
        event=event,
        object_type="Badge",
        object_id="r1",
        user=small_event.organizer,
    )
    audit.record(
        "badge.revoked", event=event, object_type="Badge", object_id="r2", user=small_event.staff
    )
    db.session.commit()
    client = login_as("organizer")
    page = client.get("/e/test-expo/manage/audit?lang=en&action=badge.revoked").get_data(
        as_text=True
    )
    assert "2 entries match." in page
    assert ">Badge r1<" in page and ">Badge r2<" in page and ">Badge 149<" not in page
    page = client.get(
        "/e/test-expo/manage/audit?lang=en&action=badge.revoked&who=STAFF@example"
    ).get_data(as_text=True)
    assert "1 entry matches." in page and ">Badge r2<" in page and ">Badge r1<" not in page
    # By name too, and through the pages of a long result.
    page = client.get(
        "/e/test-expo/manage/audit?lang=en&action=badge.issued&who=Organizer"
    ).get_data(as_text=True)
    assert "150 entries match." in page
    assert "action=badge.issued" in page.split("Page 1 of")[1] and "who=Organizer" in page
    second = client.get(
        "/e/test-expo/manage/audit?lang=en&action=badge.issued&who=Organizer&page=2"
    ).get_data(as_text=True)
    assert ">Badge 0<" in second and ">Badge r1<" not in second
    # An unknown action is no filter; the Korean page names the filters in Korean.
    every = client.get("/e/test-expo/manage/audit?lang=en").get_data(as_text=True)
    count = every.split('id="audit-count">')[1].split(" ")[0]
    assert int(count) >= 152
    page = client.get("/e/test-expo/manage/audit?action=nope&lang=ko").get_data(as_text=True)
    assert f"{count}건이 해당합니다." in page and "모든 작업" in page


def test_the_overview_panels_count_in_good_english(login_as, small_event):
    """One pending registration, one badge, one person: no "1 registrations"."""
    import re

    from eventapp.badges.services import issue_badge

    small_event.exhibitors["beta"].status = "pending"
    issue_badge(small_event.event, small_event.attendee)
    db.session.commit()
    page = login_as("organizer").get("/e/test-expo/manage/?lang=en").get_data(as_text=True)
    assert "1 registration waits for review." in page
    badges = page[page.index("<h2>Badges</h2>") :].split("</section>")[0]
    figures = dict(re.findall(r"<dt>([^<]+)</dt><dd>(\d+)</dd>", badges))
    assert figures["Badges"] == "1" and figures["Revoked"] == "0"
    page = login_as("organizer").get("/e/test-expo/manage/?lang=ko").get_data(as_text=True)
    assert "검토 대기 중인 등록 1건" in page


def test_the_audit_log_names_its_objects_as_the_organizers_know_them(login_as, small_event):
    """ "Badge 1057" and "Scan point 5" were database ids: the log shows the badge's
    printed number and holder, the point's name, the device's label (or "Device 3"),
    the company's name, in the page's language, linked to their pages; the id stays
    in the cell's title for support."""
    from eventapp.badges.services import issue_badge
    from eventapp.checkin import services as checkin
    from eventapp.core import audit
    from tests.conftest import statements_of

    event, alpha = small_event.event, small_event.exhibitors["alpha"]
    small_event.staff.name_ko, small_event.staff.name_en = "김스태프", "Staff Kim"
    badge = issue_badge(event, small_event.staff)
    point = checkin.create_scan_point(event, name_ko="정문", name_en="Main gate", kind="entrance")
    device = checkin.create_device(point, label="", hours=5)
    for obj in (badge, point, device, alpha):
        audit.record("event.updated", obj, event=event, user=small_event.organizer)
    db.session.commit()
    client = login_as("organizer")
    page = client.get("/e/test-expo/manage/audit?lang=en").get_data(as_text=True)
    cells = {
        "Badge": f"Badge {badge.number} · Staff Kim",
        "ScanPoint": "Scan point Main gate",
        "ScanDevice": f"Scanner device {device.id}",
        "Exhibitor": f"Exhibitor {alpha.organization.name_en}",
    }
    urls = {
        "Badge": f"/e/test-expo/manage/badges/{badge.id}",
        "ScanPoint": f"/e/test-expo/checkin/points/{point.id}",
        "ScanDevice": f"/e/test-expo/checkin/devices/{device.id}",
        "Exhibitor": f"/e/test-expo/manage/exhibitors/{alpha.id}",
    }
    ids = {"Badge": badge.id, "ScanPoint": point.id, "ScanDevice": device.id, "Exhibitor": alpha.id}
    for kind, text in cells.items():
        assert (
            f'title="{kind} {ids[kind]}"><a class="tap" href="{urls[kind]}">{text}</a></td>' in page
        ), kind
    assert f">Badge {badge.id}<" not in page and f">Scan point {point.id}<" not in page
    # The raw action code is no tooltip: organizers read the label.
    assert 'title="event.updated"' not in page
    korean = client.get("/e/test-expo/manage/?lang=ko").get_data(as_text=True)
    assert f"출입증 {badge.number} · 김스태프</a>" in korean
    assert "스캔 지점 정문</a>" in korean and f"기기 {device.id}</a>" in korean
    # A scan point deleted since keeps the name it had.
    name = point.name_en
    checkin.delete_scan_point(point)
    db.session.commit()
    page = client.get("/e/test-expo/manage/audit?lang=en").get_data(as_text=True)
    assert f">Scan point {name} (deleted)<" in page
    # The names are read a type at a time: more entries, no more queries.
    _, few = statements_of(lambda: client.get("/e/test-expo/manage/audit?lang=en"))
    for user in (small_event.attendee, small_event.exhibitor_admin, small_event.outsider):
        audit.record("badge.issued", issue_badge(event, user), event=event, user=user)
    checkin.create_scan_point(event, name_ko="측문", name_en="Side gate", kind="entrance")
    db.session.commit()
    client.get("/e/test-expo/manage/audit?lang=en")  # the signed-in account read again
    _, many = statements_of(lambda: client.get("/e/test-expo/manage/audit?lang=en"))
    assert many == few


def _deleted_point_with_devices(event, name_ko, name_en, labels, user):
    """A scan point with devices, each with an entry of its own, then deleted."""
    from eventapp.checkin import services as checkin
    from eventapp.core import audit

    point = checkin.create_scan_point(event, name_ko=name_ko, name_en=name_en, kind="entrance")
    devices = [checkin.create_device(point, label=label, hours=5) for label in labels]
    for obj in (point, *devices):
        audit.record("event.updated", obj, event=event, user=user)
    db.session.commit()
    ids = point.id, [device.id for device in devices]
    checkin.delete_scan_point(point)
    db.session.commit()
    return ids


def test_the_audit_log_names_deleted_objects_by_the_names_they_had(login_as, small_event):
    """A deleted scan point and its devices read "Scan point #57" in every entry about
    them: every entry names them as their deletion entries kept them, in the page's
    language, unlinked and marked as deleted, also when the deletion entry is not on
    the page (filtered out here)."""
    event = small_event.event
    point_id, (tablet_id, bare_id) = _deleted_point_with_devices(
        event, "정문", "Main gate", ["Gate tablet", ""], small_event.organizer
    )
    client = login_as("organizer")
    page = client.get("/e/test-expo/manage/audit?lang=en&action=event.updated").get_data(
        as_text=True
    )
    assert "3 entries match." in page
    assert f'title="ScanPoint {point_id}">Scan point Main gate (deleted)</td>' in page
    assert f'title="ScanDevice {tablet_id}">Scanner device Gate tablet (deleted)</td>' in page
    # A device without a label keeps its number.
    assert f'title="ScanDevice {bare_id}">Scanner device {bare_id} (deleted)</td>' in page
    assert "/checkin/points/" not in page and "/checkin/devices/" not in page
    # The deletion entries themselves, the devices' too.
    page = client.get("/e/test-expo/manage/audit?lang=en").get_data(as_text=True)
    assert ">Scanner device deleted<" in page and ">Scan point deleted<" in page
    assert page.count(">Scanner device Gate tablet (deleted)<") == 3  # made, noted, deleted
    korean = client.get("/e/test-expo/manage/audit?lang=ko&action=event.updated").get_data(
        as_text=True
    )
    assert ">스캔 지점 정문 (삭제됨)</td>" in korean
    assert ">스캐너 기기 Gate tablet (삭제됨)</td>" in korean
    assert f">스캐너 기기 {bare_id} (삭제됨)</td>" in korean


def test_the_log_names_deleted_objects_with_one_query_however_many(login_as, small_event):
    """The names of deleted objects are read for the whole page at once: more deleted
    points and devices on a page, no more queries."""
    from tests.conftest import statements_of

    event, organizer = small_event.event, small_event.organizer
    _deleted_point_with_devices(event, "정문", "Main gate", ["A"], organizer)
    client = login_as("organizer")
    url = "/e/test-expo/manage/audit?lang=en&action=event.updated"
    client.get(url)
    _, few = statements_of(lambda: client.get(url))
    _deleted_point_with_devices(event, "측문", "Side gate", ["B", "C"], organizer)
    _deleted_point_with_devices(event, "후문", "Back gate", ["D", "E", ""], organizer)
    client.get(url)
    page, many = statements_of(lambda: client.get(url).get_data(as_text=True))
    assert page.count(" (deleted)<") == 9  # three points, six devices
    assert many == few


def test_the_audit_log_names_blocked_booths_by_their_codes(login_as, small_event):
    """Entries about blocking keep the booths' codes, not row ids: a booth coded
    with digits only ("101") was read as the id of a row and named as another
    booth. Several booths blocked at once are named together."""
    from eventapp.booths.services import block_booths, unblock_booths

    event, booths = small_event.event, small_event.booths
    # A code that is also another booth's row id.
    booths["A-01"].code = str(booths["B-05"].id)
    db.session.commit()
    block_booths(event, [booths["A-01"].code, "A-02"], reason="pillar")
    unblock_booths(event, [booths["A-01"].code])
    db.session.commit()
    page = login_as("organizer").get("/e/test-expo/manage/audit?lang=en").get_data(as_text=True)
    assert f">Booth {booths['A-01'].code}, A-02<" in page
    assert f">Booth {booths['A-01'].code}<" in page
    assert "B-05" not in page
