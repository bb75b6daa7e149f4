import pytest

from config import ProductionConfig
from eventapp import create_app


def test_production_refuses_default_secret(monkeypatch):
    class Weak(ProductionConfig):
        SECRET_KEY = "dev-only-secret-not-for-production"

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(Weak)


def test_production_accepts_a_real_secret(tmp_path):
    class Strong(ProductionConfig):
        SECRET_KEY = "x" * 48
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'prod.sqlite'}"

    app = create_app(Strong)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
