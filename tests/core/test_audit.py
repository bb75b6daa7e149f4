"""The audit log reads as what happened, in the organizer's language."""

import re
from pathlib import Path

from flask_babel import force_locale

from eventapp.core.audit import ACTIONS, OBJECT_TYPES
from eventapp.events.services import register_attendee
from eventapp.extensions import db

ROOT = Path(__file__).resolve().parents[2]
# `audit.record("booth.held", ...)`, or a helper's `_audit_device("a" if first else "b", ...)`.
RECORDED = re.compile(
    r'(?:audit\.record|_audit_\w+)\(\s*"([a-z_]+\.[a-z_]+)"(?:\s+if\s+\w+\s+else\s+"([a-z_]+\.[a-z_]+)")?'
)


def test_every_recorded_action_has_a_label():
    recorded = set()
    for path in (ROOT / "eventapp").rglob("*.py"):
        for match in RECORDED.finditer(path.read_text(encoding="utf-8")):
            recorded.update(name for name in match.groups() if name)
    assert len(recorded) > 50
    assert sorted(recorded - set(ACTIONS)) == []


def test_every_object_type_written_by_hand_is_named():
    """Entries about no model instance give their type by hand: each has a name."""
    written = set()
    for path in (ROOT / "eventapp").rglob("*.py"):
        written.update(re.findall(r'object_type="([A-Za-z]+)"', path.read_text(encoding="utf-8")))
    assert {"Event", "User"} <= written
    assert sorted(written - set(OBJECT_TYPES)) == []


def test_the_log_names_its_objects_in_the_readers_language(login_as, small_event):
    """ "Role 7" or "역할 7", not the model's class name."""
    register_attendee(small_event.event, small_event.outsider)
    db.session.commit()
    client = login_as("organizer")
    for lang in ("en", "ko"):
        page = client.get(f"/e/test-expo/manage/audit?lang={lang}").get_data(as_text=True)
        rows = page.split("<tbody>", 1)[1]
        assert ">EventRole " not in rows, lang
        with force_locale(lang):
            assert f">{OBJECT_TYPES['EventRole']} " in rows, lang


def test_the_log_shows_what_happened_not_its_code(login_as, small_event):
    register_attendee(small_event.event, small_event.outsider)
    db.session.commit()
    page = login_as("organizer").get("/e/test-expo/manage/audit?lang=en").get_data(as_text=True)
    assert ">Role granted<" in page
    assert ">role.granted<" not in page
    overview = login_as("organizer").get("/e/test-expo/manage/?lang=en").get_data(as_text=True)
    assert ">Role granted<" in overview


def test_an_exhibitors_history_shows_what_happened(login_as, small_event):
    from eventapp.exhibitors.services import set_status

    alpha = small_event.exhibitors["alpha"]
    set_status(alpha, "rejected", "Outside the program", notify=False)
    db.session.commit()
    page = (
        login_as("organizer")
        .get(f"/e/test-expo/manage/exhibitors/{alpha.id}?lang=en")
        .get_data(as_text=True)
    )
    assert "<td>Exhibitor status changed " in page
