"""Settings, read from the environment.

`create_app()` picks a class by `EVENTAPP_ENV` (development, testing,
production); every value can be overridden by an environment variable of the
same name.
"""

import ipaddress
import os
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("EVENTAPP_INSTANCE", BASE_DIR / "instance"))

_DEV_SECRET = "dev-only-secret-not-for-production"


def _bool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name, default):
    return int(os.environ.get(name, default))


def _float(name, default):
    return float(os.environ.get(name, default))


class Config:
    ENV_NAME = "base"
    SECRET_KEY = os.environ.get("SECRET_KEY", _DEV_SECRET)
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'eventapp.sqlite'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    # Public address used in e-mails, calendar invites and QR set-up codes.
    SERVER_URL = os.environ.get("SERVER_URL", "http://127.0.0.1:5000")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    WTF_CSRF_TIME_LIMIT = None
    # Spreadsheet imports are well under this; a larger body is refused (HTTP 413)
    # before it is read. The scanner API sets its own, smaller limit.
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024

    BABEL_DEFAULT_LOCALE = "ko"
    BABEL_DEFAULT_TIMEZONE = "Asia/Seoul"
    LANGUAGES = ("ko", "en")
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")

    # Failed logins tolerated per e-mail address and per client address within
    # the window before further attempts are refused.
    LOGIN_MAX_FAILURES = _int("LOGIN_MAX_FAILURES", 5)
    LOGIN_FAILURE_WINDOW_SECONDS = _int("LOGIN_FAILURE_WINDOW_SECONDS", 900)
    # Expired failures are deleted by the login itself, at most this often per process.
    LOGIN_PRUNE_INTERVAL_SECONDS = _int("LOGIN_PRUNE_INTERVAL_SECONDS", 300)
    PASSWORD_RESET_MAX_AGE_SECONDS = _int("PASSWORD_RESET_MAX_AGE_SECONDS", 3600)
    # How long the link mailed at sign-up confirms the address; a new one can be asked for.
    EMAIL_CONFIRMATION_MAX_AGE_SECONDS = _int("EMAIL_CONFIRMATION_MAX_AGE_SECONDS", 3 * 86400)
    # How long an invitation to a company's team waits for its answer; inviting the
    # person again after that sends a new one.
    TEAM_INVITATION_DAYS = _int("TEAM_INVITATION_DAYS", 14)
    # How long after a company stops exhibiting its phones may still upload the leads
    # they captured offline before it stopped.
    LEAD_UPLOAD_GRACE_HOURS = _int("LEAD_UPLOAD_GRACE_HOURS", 24)

    # Outgoing mail: the outbox is drained by `flask outbox send`.
    MAIL_FROM = os.environ.get("MAIL_FROM", "KICXUP Global <noreply@kicxup.example>")
    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = _int("MAIL_PORT", 25)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)
    MAIL_TIMEOUT = _int("MAIL_TIMEOUT", 30)
    # Without an SMTP server, messages are written as .eml files here.
    MAIL_FILE_DIR = os.environ.get("MAIL_FILE_DIR", str(INSTANCE_DIR / "outbox"))
    MAIL_MAX_ATTEMPTS = _int("MAIL_MAX_ATTEMPTS", 8)
    # Wait after a failed attempt: the base, doubled after each further
    # failure, never more than the maximum (1, 2, 4, ... 60 minutes).
    MAIL_RETRY_BASE_SECONDS = _int("MAIL_RETRY_BASE_SECONDS", 60)
    MAIL_RETRY_MAX_SECONDS = _int("MAIL_RETRY_MAX_SECONDS", 3600)

    BOOTH_HOLD_MINUTES = _int("BOOTH_HOLD_MINUTES", 10)

    # Pages go compressed to phones on the venue's Wi-Fi: the floor plan's 300 KB of
    # HTML is 23 KB gzipped. Bodies under one network packet gain nothing (the scan
    # API's answers stay as they are), and streamed ones (exports, static files, which
    # the browser and the scanner's service worker keep) are sent as they come.
    COMPRESS_MIN_SIZE = 1400
    COMPRESS_STREAMS = False

    # The meeting scheduler behind "Schedule all accepted requests": its time
    # limit and its solver threads.
    MEETINGS_SOLVER_SECONDS = _float("MEETINGS_SOLVER_SECONDS", 10.0)
    MEETINGS_SOLVER_WORKERS = _int("MEETINGS_SOLVER_WORKERS", 2)

    # Number of reverse proxies in front of the app whose X-Forwarded-For
    # (client address) and X-Forwarded-Proto (https) headers are trusted.
    # 0 trusts none: without a proxy, clients could forge their address.
    PROXY_FIX_X_FOR = _int("PROXY_FIX_X_FOR", 0)
    PROXY_FIX_X_PROTO = _int("PROXY_FIX_X_PROTO", 0)


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    DEBUG = _bool("FLASK_DEBUG", False)


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = False
    SERVER_NAME = None
    MAIL_SERVER = None


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    PREFERRED_URL_SCHEME = "https"


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def load_config(name=None):
    """Return the settings class named by `name` or by EVENTAPP_ENV."""
    name = name or os.environ.get("EVENTAPP_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"EVENTAPP_ENV must be one of {sorted(CONFIGS)}, not {name!r}") from None


def _public_address_problem(url):
    """Why `url` cannot be the public address phones and mail readers open, or None."""
    try:
        parts = urlsplit(url or "")
        host = parts.hostname or ""
    except ValueError:
        return "is not an address"
    if parts.scheme not in ("http", "https") or not host:
        return "must be an http(s) address with a host name"
    if host == "localhost" or host.endswith(".localhost"):
        return "names this machine (localhost)"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    if address.is_loopback or address.is_unspecified:
        return f"names this machine ({host})"
    return None


def check_production_settings(settings):
    """Refuse to run production with a guessable secret, or with a public address
    that only this machine reaches (every e-mail link, calendar invite and
    scanner set-up code would point at the phone or laptop that opens it)."""
    if settings.get("ENV_NAME") != "production":
        return
    secret = settings.get("SECRET_KEY") or ""
    if secret == _DEV_SECRET or len(secret) < 32:
        raise RuntimeError(
            "SECRET_KEY must be set to a random value of at least 32 characters in production"
        )
    problem = _public_address_problem(settings.get("SERVER_URL"))
    if problem:
        raise RuntimeError(
            f"SERVER_URL {problem}: set it to the address people reach the app at in "
            "production, e.g. https://kicxup.example.org"
        )
