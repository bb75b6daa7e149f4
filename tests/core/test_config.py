import pytest

from config import ProductionConfig
from eventapp import create_app


def test_production_refuses_default_secret(monkeypatch):
    class Weak(ProductionConfig):
        SECRET_KEY = "dev-only-secret-not-for-production"

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(Weak)


def _production(tmp_path, server_url="https://kicxup.example.org"):
    """Production settings with a real secret, its database in `tmp_path`."""

    class Production(ProductionConfig):
        SECRET_KEY = "x" * 48
        SERVER_URL = server_url
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'prod.sqlite'}"

    return Production


def test_production_accepts_a_real_secret(tmp_path):
    app = create_app(_production(tmp_path))
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True


@pytest.mark.parametrize(
    "address",
    [
        "http://127.0.0.1:5000",  # the default
        "http://localhost:8000",
        "https://[::1]/",
        "http://0.0.0.0:8000",
        "http://127.0.1.1",
        "kicxup.example.org",  # no scheme: links would be relative
        "ftp://kicxup.example.org",
        "",
    ],
)
def test_production_refuses_an_address_only_this_machine_reaches(address, tmp_path):
    """Set-up codes, e-mail links and calendar invites carry SERVER_URL: a phone
    that scans a set-up code for 127.0.0.1 opens itself."""

    with pytest.raises(RuntimeError, match="SERVER_URL"):
        create_app(_production(tmp_path, address))


@pytest.mark.parametrize(
    "address", ["https://kicxup.example.org", "http://10.0.0.5:8000", "https://kicxup.kr/expo"]
)
def test_production_accepts_an_address_others_reach(address, tmp_path):
    assert create_app(_production(tmp_path, address)).config["SERVER_URL"] == address
