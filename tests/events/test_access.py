from tests.conftest import add_other_event, assert_access


def test_public_event_home_is_open_to_everyone(login_as):
    assert_access(
        login_as,
        "/e/test-expo/",
        allowed=set(
            [
                "anonymous",
                "attendee",
                "exhibitor_admin",
                "exhibitor_staff",
                "other_exhibitor",
                "staff",
                "organizer",
            ]
        ),
    )


def test_organizer_overview_is_for_organizers_only(login_as):
    assert_access(login_as, "/e/test-expo/manage/", allowed={"organizer"})


def test_audit_log_is_for_organizers_only(login_as):
    assert_access(login_as, "/e/test-expo/manage/audit", allowed={"organizer"})


def test_organizer_of_one_event_is_not_organizer_of_another(login_as, small_event):
    from datetime import date

    from eventapp.extensions import db

    add_other_event(ends_on=date(2026, 5, 2))
    db.session.commit()
    client = login_as("organizer")
    assert client.get("/e/other-expo/manage/").status_code == 403
    assert client.get("/e/test-expo/manage/").status_code == 200


def test_a_refused_page_leads_back_to_its_event_and_its_organizers(login_as, small_event):
    """ "Back to the event" led to the front page, that is to the newest event the person
    takes part in: here another one."""
    from datetime import date

    from eventapp.events.models import EventRole
    from eventapp.extensions import db

    other = add_other_event(starts_on=date(2099, 5, 1))
    db.session.add(EventRole(event=other, user=small_event.attendee, role="attendee"))
    db.session.commit()
    response = login_as("attendee").get("/e/test-expo/manage/?lang=en")
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert '<a class="button" href="/e/test-expo/">Back to the event</a>' in page
    assert '<a href="mailto:expo@example.org">expo@example.org</a>' in page
