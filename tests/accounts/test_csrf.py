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
