"""Static file addresses carry a hash of the file's content."""

import re

from flask import url_for

from eventapp.core.static_files import static_version


def test_version_follows_the_content(tmp_path):
    script = tmp_path / "app.js"
    script.write_text("one")
    first = static_version(str(tmp_path), "app.js")
    assert re.fullmatch(r"[0-9a-f]{12}", first)
    assert static_version(str(tmp_path), "app.js") == first
    script.write_text("two, longer")
    assert static_version(str(tmp_path), "app.js") not in (None, first)


def test_no_version_for_missing_or_outside_files(tmp_path):
    (tmp_path / "inside").mkdir()
    (tmp_path / "secret.txt").write_text("x")
    assert static_version(str(tmp_path / "inside"), "missing.js") is None
    assert static_version(str(tmp_path / "inside"), "../secret.txt") is None


def test_static_urls_carry_the_version(app):
    with app.test_request_context():
        url = url_for("static", filename="checkin/scanner.js")
        version = static_version(app.static_folder, "checkin/scanner.js")
        assert url == f"/static/checkin/scanner.js?v={version}"
        assert url_for("static", filename="no/such/file.js") == "/static/no/such/file.js"
        assert url_for("static", filename="checkin/scanner.js", v=None) == (
            "/static/checkin/scanner.js"
        )
