"""The priority tier (early booth picking, e.g. for sponsors) set by the organizers."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from eventapp.booths import services as booth_services
from eventapp.booths.models import BoothSettings
from eventapp.core.audit import AuditEntry
from eventapp.core.db import utcnow
from eventapp.exhibitors import services
from eventapp.extensions import db
from tests.conftest import assert_access, errors_under


def url(exhibitor):
    return f"/e/test-expo/manage/exhibitors/{exhibitor.id}/priority"


def test_organizer_sets_the_priority_tier_on_the_exhibitor_page(login_as, small_event):
    beta = small_event.exhibitors["beta"]
    client = login_as("organizer")
    page = client.get(f"/e/test-expo/manage/exhibitors/{beta.id}?lang=en").get_data(as_text=True)
    assert 'id="priority-tier"' in page and 'id="priority-button"' in page
    response = client.post(url(beta), data={"tier": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    assert beta.priority_tier == 1
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "exhibitor.priority_changed")
    )
    assert (entry.object_id, entry.data) == (str(beta.id), {"from": 0, "to": 1})
    assert entry.user_id == small_event.organizer.id
    page = client.get(response.location + "?lang=en").get_data(as_text=True)
    assert "now picks booths as: priority" in page

    # An early window now opens for Beta only.
    settings = db.session.get(BoothSettings, small_event.event.id)
    settings.picking_opens_at = utcnow() + timedelta(days=1)
    settings.priority_opens_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    assert booth_services.picking_status(settings, beta) == "open"
    assert booth_services.picking_status(settings, small_event.exhibitors["alpha"]) == "not_yet"

    # Saving the same tier again changes nothing and writes no entry.
    client.post(url(beta), data={"tier": "1"})
    client.post(url(beta), data={"tier": "0"})
    actions = db.session.scalars(
        select(AuditEntry.data)
        .where(AuditEntry.action == "exhibitor.priority_changed")
        .order_by(AuditEntry.id)
    ).all()
    assert actions == [{"from": 0, "to": 1}, {"from": 1, "to": 0}]


def test_unknown_tier_is_refused(login_as, small_event):
    beta = small_event.exhibitors["beta"]
    client = login_as("organizer")
    response = client.post(url(beta), data={"tier": "7"})
    assert response.status_code == 400
    db.session.expire_all()
    assert beta.priority_tier == 0
    with pytest.raises(services.ExhibitorError):
        services.set_priority_tier(beta, "sponsor")


def test_only_organizers_set_the_tier(login_as, small_event):
    beta = small_event.exhibitors["beta"]
    assert_access(login_as, url(beta), {"organizer"}, method="post", data={"tier": "1"})


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", "The value sent is not one of the choices; choose again."),
        ("ko", "보내신 값은 선택지에 없습니다. 다시 선택해 주세요."),
    ],
)
@pytest.mark.parametrize("sent", ["abc", "7", ""])
def test_a_tampered_tier_is_refused_under_the_field(login_as, small_event, lang, said, sent):
    """It said "Invalid Choice: could not coerce." (in Korean, that the value could
    not be converted), or "Not a valid choice." naming no field."""
    beta = small_event.exhibitors["beta"]
    client = login_as("organizer")
    response = client.post(url(beta) + f"?lang={lang}", data={"tier": sent})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert errors_under(page, "tier") == [said]
    assert "coerce" not in page and "변환할 수 없습니다" not in page
    db.session.expire_all()
    assert beta.priority_tier == 0
