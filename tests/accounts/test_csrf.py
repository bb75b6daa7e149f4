import pytest

from eventapp import create_app


@pytest.fixture
def csrf_app(app):
    settings = dict(app.config)
    settings["WTF_CSRF_ENABLED"] = True
    return create_app(settings)


def test_forms_refuse_posts_without_csrf_token(csrf_app):
    client = csrf_app.test_client()
    response = client.post("/login", data={"email": "a@example.org", "password": "x"})
    assert response.status_code == 400
    response = client.post("/language", data={"lang": "en"})
    assert response.status_code == 400


def test_login_page_carries_a_csrf_token(csrf_app):
    page = csrf_app.test_client().get("/login").get_data(as_text=True)
    assert 'name="csrf_token"' in page


def test_a_form_refused_for_its_token_tells_the_reader_what_to_do(csrf_app):
    """A phone that kept a form open while its browser dropped the session cookie
    posts a token the server no longer knows: the person is told in words, not
    shown Flask-WTF's own message about tokens."""
    client = csrf_app.test_client()
    for lang in ("en", "ko"):
        response = client.post(
            f"/login?lang={lang}", data={"email": "a@example.org", "password": "x"}
        )
        page = response.get_data(as_text=True)
        assert response.status_code == 400
        assert "CSRF" not in page, lang
    english = client.post("/login?lang=en", data={"email": "a@example.org", "password": "x"})
    assert "reload the page" in english.get_data(as_text=True)
