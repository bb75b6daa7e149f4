"""PROXY_FIX_X_FOR: behind a reverse proxy the client's address comes from
X-Forwarded-For, so login throttling counts clients, not the proxy."""

import os
import subprocess
import sys
from pathlib import Path

from flask import request
from sqlalchemy import select

from eventapp import create_app
from eventapp.accounts.models import LoginAttempt
from eventapp.extensions import db

PROXY = {"REMOTE_ADDR": "10.0.0.2"}


def _client(app, **settings):
    fresh = create_app(dict(app.config, **settings))

    @fresh.get("/remote-addr-for-test")
    def remote_addr():
        return f"{request.remote_addr} {request.scheme}"

    return fresh.test_client()


def test_forwarded_headers_are_ignored_by_default(app):
    client = _client(app)
    response = client.get(
        "/remote-addr-for-test",
        headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"},
        environ_base=PROXY,
    )
    # Without a proxy a client could forge the header to dodge the limits.
    assert response.get_data(as_text=True) == "10.0.0.2 http"


def test_one_trusted_proxy_gives_the_client_address(app):
    client = _client(app, PROXY_FIX_X_FOR=1, PROXY_FIX_X_PROTO=1)
    response = client.get(
        "/remote-addr-for-test",
        # The client made up the first value; only the proxy's own is trusted.
        headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.9", "X-Forwarded-Proto": "https"},
        environ_base=PROXY,
    )
    assert response.get_data(as_text=True) == "203.0.113.9 https"


def test_failed_logins_behind_the_proxy_count_per_client(app, app_ctx):
    client = _client(app, PROXY_FIX_X_FOR=1)
    for address in ("203.0.113.9", "203.0.113.10"):
        response = client.post(
            "/login",
            data={"email": "nobody@example.org", "password": "wrong"},
            headers={"X-Forwarded-For": address},
            environ_base=PROXY,
        )
        assert response.status_code == 401
    addresses = sorted(db.session.scalars(select(LoginAttempt.remote_addr)))
    assert addresses == ["203.0.113.10", "203.0.113.9"]


def test_setting_comes_from_the_environment():
    root = Path(__file__).resolve().parents[2]
    environment = dict(os.environ, PROXY_FIX_X_FOR="2")
    environment.pop("PROXY_FIX_X_PROTO", None)
    output = subprocess.run(
        [
            sys.executable,
            "-c",
            "import config; c = config.Config; print(c.PROXY_FIX_X_FOR, c.PROXY_FIX_X_PROTO)",
        ],
        cwd=root,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert output.split() == ["2", "0"]
