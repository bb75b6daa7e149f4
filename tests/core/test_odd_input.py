"""Input no database column can hold is refused up front, on every page: ids
beyond the integer keys are not found, NUL characters are a bad request."""

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eventapp.core.permissions import MAX_ID, parse_id

BEYOND = (str(2**31), "9" * 25)  # PostgreSQL's integer keys stop below; SQLite's at 64 bits


@pytest.mark.parametrize("number", BEYOND)
@pytest.mark.parametrize(
    "path",
    [
        "/e/test-expo/manage/badges/{}",
        "/e/test-expo/manage/booths/proposals/{}",
        "/e/test-expo/checkin/points/{}",
        "/e/test-expo/exhibitors/{}/",
        "/e/test-expo/calendar/meetings/{}.ics",
    ],
)
def test_ids_beyond_the_keys_are_not_found(login_as, number, path):
    assert login_as("organizer").get(path.format(number)).status_code == 404


def test_largest_key_still_reaches_the_view(login_as):
    # The view runs (and finds nothing): the route still matches up to the last key.
    page = login_as("organizer").get(f"/e/test-expo/manage/badges/{MAX_ID}")
    assert page.status_code == 404 and b"<html" in page.data


def test_exhibitor_chosen_by_a_huge_number_is_not_found(login_as):
    client = login_as("organizer")
    response = client.post(
        "/e/test-expo/manage/booths/place", data={"exhibitor": BEYOND[1], "booths": "A-01"}
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    "request_args",
    [
        {"path": "/e/test\x00expo/"},
        {"path": "/e/test-expo/booths", "query_string": {"q": "a\x00b"}},
        {"path": "/login", "method": "POST", "data": {"email": "a\x00@example.org"}},
        {
            "path": "/login",
            "method": "POST",
            "data": {"email": "a\x00@example.org", "attachment": (io.BytesIO(b"x"), "x.txt")},
            "content_type": "multipart/form-data",
        },
    ],
)
def test_nul_characters_are_a_bad_request(client, small_event, request_args):
    response = client.open(**request_args)
    assert response.status_code == 400 and "NUL" in response.get_data(as_text=True)


def test_the_nul_refusal_speaks_the_readers_language(client, small_event):
    for lang, text in (
        ("en", "The request contains a NUL character."),
        ("ko", "요청에 NUL 문자가 포함되어 있습니다."),
    ):
        response = client.get(f"/events?lang={lang}&q=a%00b")
        assert response.status_code == 400 and text in response.get_data(as_text=True)


@given(st.integers())
def test_parse_id_keeps_exactly_the_key_range(number):
    expected = number if 0 < number <= MAX_ID else None
    assert parse_id(number) == expected
    assert parse_id(str(number)) == (expected if number >= 0 else None)


@pytest.mark.parametrize("value", ["", " 1", "1.0", "²", "١٢", "0x1", True, None, 1.0, [1]])
def test_parse_id_refuses_what_is_no_key(value):
    assert parse_id(value) is None
