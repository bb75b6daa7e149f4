"""`next=` after signing in and after the language switch stays on this site."""

import pytest

from eventapp.core.urls import is_safe_redirect
from tests.conftest import PASSWORD

# Each of these starts with one "/" yet leads elsewhere once a browser, or
# werkzeug's Location header handling, has normalized it.
HOSTILE = [
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "\t//evil.example",
    "/\\evil.example",
    "/\\/evil.example",
    "\\\\evil.example",
    "https://evil.example",
    "//evil.example",
    "///evil.example",
    " //evil.example",
    "/\u200b/evil.example",
    "/\u3000/evil.example",
    "javascript:alert(1)",
    "",
]


@pytest.mark.parametrize("target", HOSTILE)
def test_hostile_targets_are_refused(target):
    assert not is_safe_redirect(target)


@pytest.mark.parametrize("target", ["/", "/account", "/e/test-expo/?lang=en#top", "/e/행사/"])
def test_paths_of_this_site_are_allowed(target):
    assert is_safe_redirect(target)


def _sign_in(client, next_target):
    return client.post(
        "/login",
        query_string={"next": next_target},
        data={"email": "attendee@example.org", "password": PASSWORD},
    )


@pytest.mark.parametrize("target", HOSTILE)
def test_login_never_redirects_off_site(client, small_event, target):
    response = _sign_in(client, target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_follows_a_local_next(client, small_event):
    response = _sign_in(client, "/account")
    assert response.headers["Location"] == "/account"


@pytest.mark.parametrize("target", HOSTILE)
def test_language_switch_never_redirects_off_site(client, target):
    response = client.post("/language", data={"lang": "en", "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_language_switch_returns_to_the_page(client):
    response = client.post("/language", data={"lang": "en", "next": "/e/test-expo/?x=1"})
    assert response.headers["Location"] == "/e/test-expo/?x=1"


def test_language_switch_drops_the_language_of_the_link(client, small_event):
    """A page reached by a link in one language ("?lang=en") comes back in the one chosen."""
    response = client.post(
        "/language", data={"lang": "ko", "next": "/e/test-expo/?lang=en&q=%EA%B0%80"}
    )
    assert response.headers["Location"] == "/e/test-expo/?q=%EA%B0%80"
    assert "로그인" in client.get(response.headers["Location"]).get_data(as_text=True)
    response = client.post("/language", data={"lang": "en", "next": "/e/test-expo/?lang=ko"})
    assert response.headers["Location"] == "/e/test-expo/"
