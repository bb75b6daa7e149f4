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
