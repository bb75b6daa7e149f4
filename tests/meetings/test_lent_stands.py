"""A free stand the organizers lend for the meetup receives one company's meetings:
lent to a second firm, both firms' partners were sent to it in the same slot."""

import pytest
from sqlalchemy import delete, func, select

from eventapp.extensions import db
from eventapp.meetings import services
from eventapp.meetings.models import Meeting, MeetingProfile
from tests.conftest import login
from tests.meetings.conftest import accepted_request, add_company, uncommitted_elsewhere

LENT_TO_BETA = (
    "Gamma Group cannot receive at stand B-09: it is lent to Beta Bio for the meetup. "
    "One stand receives one company's meetings."
)

KEPT_STAND_LENT = (
    "Beta Bio has no booth of its own and cannot receive again at stand B-09, which it "
    "was lent. It is now lent to Gamma Group for the meetup. Give another booth code."
)
FIRMS_KEPT_STAND_LENT = (
    "Your company has no booth of its own and cannot receive again at stand B-09, which "
    "the organizers lent it. It is now lent to Gamma Group for the meetup. Ask the "
    "organizer for another stand."
)


def _lend(profile, code="B-09"):
    services.set_booth_reception(profile.event, None, profile, True, code)


def _at_stand(code="B-09"):
    db.session.expire_all()
    return db.session.scalars(
        select(MeetingProfile.id)
        .where(
            MeetingProfile.receives_at_booth.is_(True),
            func.upper(MeetingProfile.booth_code) == code.upper(),
        )
        .order_by(MeetingProfile.id)
    ).all()


def test_a_stand_lent_to_a_firm_is_not_lent_to_another_company(meetup, english):
    beta, gamma = meetup.profiles["beta"], meetup.profiles["gamma"]
    _lend(beta)
    db.session.commit()
    with pytest.raises(services.MeetingError) as error:
        services.set_booth_reception(meetup.event, meetup.organizer, gamma, True, "b-09")
    assert str(error.value) == LENT_TO_BETA
    db.session.rollback()
    assert _at_stand() == [beta.id]
    # Beta saved again at its stand is still fine, and another stand is free for gamma.
    assert not services.set_booth_reception(meetup.event, meetup.organizer, beta, True, "B-09")
    _lend(gamma, "B-10")
    db.session.commit()
    assert (beta.location, gamma.location) == ("B-09", "B-10")


def _paused_at_stand(meetup):
    """Beta, with no booth of its own, received at stand B-09 the organizers lent it
    and paused, keeping the code; committed."""
    beta = meetup.profiles["beta"]
    _lend(beta)
    services.set_booth_reception(meetup.event, meetup.organizer, beta, False)
    db.session.commit()
    assert (beta.receives_at_booth, beta.booth_code) == (False, "B-09")
    return beta


def test_a_stand_kept_by_a_firm_that_paused_may_be_lent_but_not_taken_up_twice(meetup, english):
    """Beta stops receiving and keeps its stand to take it up later; meanwhile the
    organizers lend it to gamma. Beta, with no booth of its own, cannot take it up
    again while gamma receives there."""
    beta, gamma = _paused_at_stand(meetup), meetup.profiles["gamma"]
    _lend(gamma)
    db.session.commit()
    with pytest.raises(services.MeetingError) as error:
        services.set_booth_reception(meetup.event, meetup.organizer, beta, True)
    assert str(error.value) == KEPT_STAND_LENT
    db.session.rollback()
    with pytest.raises(services.MeetingError) as error:
        services.update_profile(db.session.get(MeetingProfile, beta.id), receives_at_booth=True)
    assert str(error.value) == FIRMS_KEPT_STAND_LENT
    db.session.rollback()
    assert _at_stand() == [gamma.id]


def _own_booth(meetup, company, code):
    from eventapp.booths.models import BoothAllocation

    db.session.add(
        BoothAllocation(
            booth_id=meetup.booths[code].id,
            exhibitor_id=meetup.exhibitors[company].id,
            state="placed",
        )
    )


def _given_to_alpha(meetup):
    _own_booth(meetup, "alpha", "B-09")
    return "It is now a booth of Alpha Robotics."


def _taken_off_the_plan(meetup):
    from eventapp.booths.models import Booth

    db.session.execute(delete(Booth).where(Booth.id == meetup.booths["B-09"].id))
    return "It is no longer on the floor plan."


def _blocked(meetup):
    """Blocked on the floor plan (a pillar): the firm, paused, was not moved off it and
    took it up again, sending its partners to a blocked booth."""
    from eventapp.booths.services import block_booths

    block_booths(meetup.event, ["B-09"], reason="pillar")
    return "It is now blocked on the floor plan."


@pytest.mark.parametrize("since", [_given_to_alpha, _taken_off_the_plan, _blocked])
def test_a_kept_stand_given_away_or_gone_is_named_when_reception_resumes(meetup, english, since):
    """Turned back on with no code, a firm with no booth whose kept stand was given
    to a company, left the floor plan or was blocked, was told only that it has no
    booth, or (blocked) received there again."""
    beta = _paused_at_stand(meetup)
    why = since(meetup)
    db.session.commit()
    with pytest.raises(services.MeetingError) as error:
        services.set_booth_reception(meetup.event, meetup.organizer, beta, True)
    assert str(error.value) == (
        "Beta Bio has no booth of its own and cannot receive again at stand B-09, which it "
        f"was lent. {why} Give another booth code."
    )
    db.session.rollback()
    with pytest.raises(services.MeetingError) as error:
        services.update_profile(db.session.get(MeetingProfile, beta.id), receives_at_booth=True)
    assert str(error.value) == (
        "Your company has no booth of its own and cannot receive again at stand B-09, "
        f"which the organizers lent it. {why} Ask the organizer for another stand."
    )
    db.session.rollback()
    assert (beta.receives_at_booth, beta.booth_code) == (False, "B-09")


def test_the_pages_say_a_kept_stand_is_lent_to_another_company(meetup, client):
    """The organizers' booth reception form, its code box emptied, and the firm's own
    profile, as its form shows the kept code, said only that the firm has no booth
    (the single firm's reception, set_booth_reception, says why: see above). The
    form then refused beta for sharing the stand with gamma, though its code was
    emptied: it now says beta has no booth to go back to, and what to do."""
    _paused_at_stand(meetup)
    beta, gamma = meetup.profiles["beta"], meetup.profiles["gamma"]
    _lend(gamma)
    db.session.commit()
    login(client, meetup.organizer)
    url = "/e/test-expo/meetings/manage/booths"
    # As the page sends it: gamma still ticked, at the stand.
    form = {"at_booth": [str(beta.id), str(gamma.id)], f"booth_{beta.id}": ""}
    form[f"booth_{gamma.id}"] = "B-09"
    page = client.post(f"{url}?lang=en", data=form, follow_redirects=True).get_data(as_text=True)
    assert KEPT_STAND_LENT in page
    page = client.post(f"{url}?lang=ko", data=form, follow_redirects=True).get_data(as_text=True)
    assert (
        "베타바이오는 자체 부스가 없으며, 주최 측이 빌려주었던 부스 B-09에서 다시 미팅을 받을 수 "
        "없습니다. 지금은 밋업을 위해 감마그룹에 빌려준 부스입니다. 다른 부스 코드를 입력하세요."
    ) in page
    db.session.expire_all()
    assert (beta.receives_at_booth, beta.booth_code) == (False, "B-09")

    client.post("/logout")
    login(client, meetup.other_exhibitor)  # acts for beta
    url = "/e/test-expo/meetings/profile"
    form = {"sector": "bio", "country": "KR", "stage": "", "receives_at_booth": "y"}
    form["booth_code"] = "B-09"  # as the page shows it
    page = client.post(f"{url}?lang=en", data=form).get_data(as_text=True)
    assert FIRMS_KEPT_STAND_LENT in page
    page = client.post(f"{url}?lang=ko", data=form).get_data(as_text=True)
    assert (
        "귀사는 자체 부스가 없으며, 주최 측이 빌려주었던 부스 B-09에서 다시 미팅을 받을 수 "
        "없습니다. 지금은 밋업을 위해 감마그룹에 빌려준 부스입니다. "
        "다른 부스가 필요하면 주최 측에 문의하세요."
    ) in page
    db.session.expire_all()
    assert (beta.receives_at_booth, beta.booth_code) == (False, "B-09")
    assert _at_stand() == [gamma.id]


def test_the_booth_reception_form_refuses_a_stand_lent_twice_and_saves_nothing(meetup, client):
    beta, gamma = meetup.profiles["beta"], meetup.profiles["gamma"]
    login(client, meetup.organizer)
    form = {
        "at_booth": [str(beta.id), str(gamma.id)],
        f"booth_{beta.id}": "B-09",
        f"booth_{gamma.id}": "B-09",
    }
    url = "/e/test-expo/meetings/manage/booths"
    response = client.post(f"{url}?lang=en", data=form, follow_redirects=True)
    assert response.status_code == 200
    assert LENT_TO_BETA.replace("'", "&#39;") in response.get_data(as_text=True)
    assert _at_stand() == []
    page = client.post(f"{url}?lang=ko", data=form, follow_redirects=True).get_data(as_text=True)
    assert "감마그룹은 부스 B-09에서 미팅을 받을 수 없습니다." in page
    assert "밋업을 위해 베타바이오에 빌려준 부스입니다." in page
    assert _at_stand() == []
    # Lent already: the form refuses it to another firm the same way.
    _lend(beta)
    db.session.commit()
    response = client.post(f"{url}?lang=en", data=form, follow_redirects=True)
    assert LENT_TO_BETA.replace("'", "&#39;") in response.get_data(as_text=True)
    assert _at_stand() == [beta.id]


def test_two_organizers_lending_one_stand_at_once_lend_it_once(app, meetup, english):
    """One organizer lends B-09 to beta while another lends it to gamma: the second
    waits for the first (the stand's row is locked) and is then refused. With a
    share lock both read the stand as free and both firms received there."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serializes writing transactions: the race cannot happen there")
    beta_id, gamma = meetup.profiles["beta"].id, meetup.profiles["gamma"]
    refused = []
    with uncommitted_elsewhere(app, lambda: _lend(db.session.get(MeetingProfile, beta_id))):
        try:
            _lend(gamma)
            db.session.commit()
        except services.MeetingError as error:
            refused.append(str(error))
            db.session.rollback()
    assert _at_stand() == [beta_id]
    assert refused == [LENT_TO_BETA]


def _save_form(meetup, *rows):
    """The organizers' booth reception form saved with `rows` (firm, receives, code)."""
    return services.set_booth_receptions(meetup.event, meetup.organizer, list(rows))


def _post_form(client, meetup, *rows):
    """The booth reception form posted by an organizer with `rows` (firm, code), each
    ticked; the page it leads to, in English."""
    login(client, meetup.organizer)
    data = {"at_booth": [str(firm.id) for firm, _code in rows]}
    data.update({f"booth_{firm.id}": code for firm, code in rows})
    url = "/e/test-expo/meetings/manage/booths?lang=en"
    return client.post(url, data=data, follow_redirects=True).get_data(as_text=True)


def _stands(*profiles):
    db.session.expire_all()
    return [
        (p.receives_at_booth, p.booth_code)
        for p in (db.session.get(MeetingProfile, profile.id) for profile in profiles)
    ]


@pytest.mark.parametrize(
    "gamma_row, gamma_after",
    [((True, "B-10"), (True, "B-10")), ((False, ""), (False, "B-09"))],
    ids=["given another stand", "stops receiving"],
)
def test_one_save_hands_a_stand_from_a_firm_to_one_of_a_lower_id(
    meetup, english, gamma_row, gamma_after
):
    """Gamma gives B-09 up in the same save that lends it to beta: beta's row comes
    first (lower id) and was refused while gamma still received there."""
    beta, gamma = meetup.profiles["beta"], meetup.profiles["gamma"]
    assert beta.id < gamma.id
    _lend(gamma)
    db.session.commit()
    assert _save_form(meetup, (gamma, *gamma_row), (beta, True, "b-09")) == 2
    db.session.commit()
    assert _stands(beta, gamma) == [(True, "B-09"), gamma_after]
    assert _at_stand() == [beta.id]


def test_one_save_swaps_two_firms_stands(meetup, english):
    beta, gamma = meetup.profiles["beta"], meetup.profiles["gamma"]
    _lend(beta, "B-10")
    _lend(gamma, "B-09")
    db.session.commit()
    assert _save_form(meetup, (beta, True, "B-09"), (gamma, True, "B-10")) == 2
    db.session.commit()
    assert _stands(beta, gamma) == [(True, "B-09"), (True, "B-10")]


def test_a_save_leaving_two_companies_on_one_stand_names_both_and_saves_nothing(meetup, english):
    """Gamma keeps B-09 while beta (a lower id) is lent it too: the save is refused as
    a whole, naming the firm that received there before, and beta keeps B-10."""
    beta, gamma = meetup.profiles["beta"], meetup.profiles["gamma"]
    _lend(beta, "B-10")
    _lend(gamma, "B-09")
    db.session.commit()
    with pytest.raises(services.MeetingError) as error:
        _save_form(meetup, (beta, True, "B-09"), (gamma, True, "B-09"))
    assert str(error.value) == (
        "Beta Bio cannot receive at stand B-09: it is lent to Gamma Group for the meetup. "
        "One stand receives one company's meetings."
    )
    db.session.rollback()
    assert _stands(beta, gamma) == [(True, "B-10"), (True, "B-09")]


def test_the_booth_reception_form_swaps_stands_in_one_save(meetup, client):
    beta, gamma = meetup.profiles["beta"], meetup.profiles["gamma"]
    _lend(beta, "B-10")
    _lend(gamma, "B-09")
    db.session.commit()
    page = _post_form(client, meetup, (beta, "B-09"), (gamma, "B-10"))
    assert "Booth reception saved." in page
    assert _stands(beta, gamma) == [(True, "B-09"), (True, "B-10")]


def test_a_stand_swapped_while_another_organizer_lends_it_is_lent_once(app, meetup, english):
    """One organizer swaps beta's and gamma's stands while another lends B-09 to a
    third firm: the lending waits for the swap (the stand's row is locked) and is
    then refused, naming beta, which receives at B-09 from now on."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serializes writing transactions: the race cannot happen there")
    beta, gamma = meetup.profiles["beta"], meetup.profiles["gamma"]
    _user, delta = add_company(meetup.event, "delta", "large_firm")
    _lend(beta, "B-10")
    _lend(gamma, "B-09")
    db.session.commit()
    ids = beta.id, gamma.id

    def swap():
        first, second = (db.session.get(MeetingProfile, i) for i in ids)
        services.set_booth_receptions(
            first.event, None, [(first, True, "B-09"), (second, True, "B-10")]
        )

    refused = []
    with uncommitted_elsewhere(app, swap):
        try:
            _save_form(meetup, (delta, True, "B-09"))
            db.session.commit()
        except services.MeetingError as error:
            refused.append(str(error))
            db.session.rollback()
    assert _at_stand("B-09") == [beta.id]
    assert _at_stand("B-10") == [gamma.id]
    assert refused == [
        "Delta Co cannot receive at stand B-09: it is lent to Beta Bio for the meetup. "
        "One stand receives one company's meetings."
    ]


def test_a_save_from_a_page_read_before_another_organizer_lent_a_stand(app, meetup, english):
    """Beta is at B-10 when an organizer opens the form to give gamma B-09; meanwhile
    another organizer moves beta to B-09. The form, saved after, leaves beta at B-10
    and gamma at B-09, as it says: its firms are re-read once locked. Read as they
    were, beta's row changed nothing, beta stayed at B-09 and the save was refused."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serializes writing transactions: the race cannot happen there")
    beta, gamma = meetup.profiles["beta"], meetup.profiles["gamma"]
    _lend(beta, "B-10")
    db.session.commit()
    beta_id = beta.id
    with uncommitted_elsewhere(app, lambda: _lend(db.session.get(MeetingProfile, beta_id))):
        _save_form(meetup, (beta, True, "B-10"), (gamma, True, "B-09"))
        db.session.commit()
    assert _stands(beta, gamma) == [(True, "B-10"), (True, "B-09")]


def _lent_twice(meetup):
    """Beta and gamma both at stand B-09 (lent twice before it was refused), beta
    with a meeting there in the first slot; committed."""
    beta, gamma = meetup.profiles["beta"], meetup.profiles["gamma"]
    _lend(beta)
    gamma.receives_at_booth, gamma.booth_code = True, "b-09"
    request = accepted_request(meetup.event, meetup.profiles["alpha"], beta, meetup.exhibitor_admin)
    meeting = services.book(request, meetup.slots[0], meetup.exhibitor_admin)
    db.session.commit()
    assert meeting.booth_code == "B-09"
    return gamma


def test_a_stand_lent_twice_never_holds_two_meetings_in_one_slot(meetup, english):
    gamma = _lent_twice(meetup)
    user, startup = add_company(meetup.event, "late", "startup")
    request = accepted_request(meetup.event, startup, gamma, user)
    db.session.commit()
    with pytest.raises(services.SlotTaken) as error:
        services.book(request, meetup.slots[0], user)
    assert str(error.value) == (
        "Booth b-09 already holds a meeting of Beta Bio in this time slot. "
        "Choose another slot, or give one of the firms another stand."
    )
    db.session.rollback()
    # Another slot is free at the stand; moving the meeting into the first is refused.
    meeting = services.book(db.session.merge(request), meetup.slots[1], user)
    db.session.commit()
    assert meeting.booth_code == "b-09"
    with pytest.raises(services.SlotTaken, match="Booth b-09 already holds a meeting of Beta"):
        services.move_meeting(meeting, meetup.slots[0], meetup.organizer)
    db.session.rollback()
    db.session.expire_all()
    in_first_slot = db.session.scalars(
        select(Meeting.booth_code)
        .where(Meeting.slot_id == meetup.slots[0].id, Meeting.status == "scheduled")
        .order_by(Meeting.id)
    ).all()
    assert in_first_slot == ["B-09"]


def test_a_stand_lent_twice_is_refused_on_the_move_page(meetup, client):
    gamma = _lent_twice(meetup)
    user, startup = add_company(meetup.event, "late", "startup")
    meeting = services.book(
        accepted_request(meetup.event, startup, gamma, user), meetup.slots[1], user
    )
    db.session.commit()
    login(client, meetup.organizer)
    response = client.post(
        f"/e/test-expo/meetings/manage/m/{meeting.id}/move?lang=en",
        data={"slot_id": str(meetup.slots[0].id), "table_id": "0"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Booth b-09 already holds a meeting of Beta Bio" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).slot_id == meetup.slots[1].id


def _shared_stand(meetup):
    """Beta and gamma both at stand B-09 (lent twice before it was refused), no
    meeting; committed. Returns delta, a third firm receiving nowhere."""
    beta, gamma = meetup.profiles["beta"], meetup.profiles["gamma"]
    _lend(beta)
    gamma.receives_at_booth, gamma.booth_code = True, "b-09"
    _user, delta = add_company(meetup.event, "delta", "large_firm")
    db.session.commit()
    return delta


def test_a_stand_lent_twice_does_not_block_saves_that_leave_it_as_it_was(meetup, client):
    """Every save of the booth reception form holds both rows of a stand lent twice:
    lending another stand to a third firm was refused, naming beta and gamma."""
    beta, gamma = meetup.profiles["beta"], meetup.profiles["gamma"]
    delta = _shared_stand(meetup)
    page = _post_form(client, meetup, (beta, "B-09"), (gamma, "b-09"), (delta, "B-10"))
    assert "Booth reception saved." in page
    # Gamma's code as the floor plan spells it.
    assert _stands(beta, gamma, delta) == [(True, "B-09"), (True, "B-09"), (True, "B-10")]
    # Each firm saved again on its own, at the stand, changes nothing and is fine too.
    for firm in (beta, gamma):
        firm = db.session.get(MeetingProfile, firm.id)
        assert not services.set_booth_reception(meetup.event, None, firm, True, firm.booth_code)
    db.session.commit()
    assert _at_stand() == [beta.id, gamma.id]


def test_a_save_putting_a_third_company_on_a_stand_lent_twice_is_refused(meetup, english):
    beta, gamma = meetup.profiles["beta"], meetup.profiles["gamma"]
    delta = _shared_stand(meetup)
    with pytest.raises(services.MeetingError) as error:
        _save_form(meetup, (beta, True, "B-09"), (gamma, True, "b-09"), (delta, True, "B-09"))
    assert str(error.value) == (
        "Delta Co cannot receive at stand B-09: it is lent to Beta Bio for the meetup. "
        "One stand receives one company's meetings."
    )
    db.session.rollback()
    # Nor may a firm that paused elsewhere, or is moved from another stand, join it.
    _lend(db.session.get(MeetingProfile, delta.id), "B-10")
    db.session.commit()
    with pytest.raises(services.MeetingError, match="Delta Co cannot receive at stand B-09"):
        _save_form(meetup, (beta, True, "B-09"), (gamma, True, "b-09"), (delta, True, "b-09"))
    db.session.rollback()
    assert _at_stand() == [beta.id, gamma.id]
    assert _at_stand("B-10") == [delta.id]


@pytest.mark.parametrize("beta_receives", [False, True], ids=["paused", "receiving"])
def test_a_stand_whose_code_is_emptied_goes_to_the_firm_another_row_gives_it(
    meetup, client, beta_receives
):
    """Beta, lent B-09, has its code emptied in the form while gamma is given B-09:
    the save was refused naming both, beta taking its kept stand up again. The
    organizer gives the stand away: beta receives at its company's own booth."""
    beta, gamma = meetup.profiles["beta"], meetup.profiles["gamma"]
    _lend(beta)
    if not beta_receives:
        services.set_booth_reception(meetup.event, meetup.organizer, beta, False)
    _own_booth(meetup, "beta", "B-10")
    db.session.commit()
    page = _post_form(client, meetup, (beta, ""), (gamma, "B-09"))
    assert "Booth reception saved." in page
    assert _stands(beta, gamma) == [(True, "B-10"), (True, "B-09")]
    assert _at_stand() == [gamma.id]


def test_a_firm_receiving_at_a_stand_given_away_is_not_told_it_receives_again(meetup, client):
    """Beta receives at its lent stand B-09 and has no booth of its own; the organizer
    empties its code while giving B-09 to gamma. The refusal said beta "cannot receive
    again" there, though it never stopped."""
    beta, gamma = meetup.profiles["beta"], meetup.profiles["gamma"]
    _lend(beta)
    db.session.commit()
    page = _post_form(client, meetup, (beta, ""), (gamma, "B-09"))
    assert (
        "Beta Bio has no booth of its own and cannot go on receiving at stand B-09, which "
        "it was lent. It is now lent to Gamma Group for the meetup. Give another booth code."
    ) in page
    assert "receive again" not in page
    db.session.expire_all()
    assert _stands(beta, gamma) == [(True, "B-09"), (False, None)]
