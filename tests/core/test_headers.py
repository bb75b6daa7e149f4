"""Security headers, and pages that keep to the content security policy."""

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_pages_carry_the_security_headers(client, small_event):
    page = client.get("/e/test-expo/?lang=en")
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "same-origin"
    # Files other than pages get the headers but no policy of their own.
    script = client.get("/static/js/forms.js")
    assert script.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" not in script.headers


def test_templates_hold_no_inline_script():
    """An inline handler or script would not run under the policy: data travels in
    application/json blocks, behaviour in the site's script files."""
    found = []
    for path in TEMPLATES.rglob("*.html"):
        text = re.sub(r"\{#.*?#\}", "", path.read_text(encoding="utf-8"), flags=re.S)
        found += [f"{path.name}: {m}" for m in re.findall(r"\son[a-z]+=\"", text)]
        found += [f"{path.name}: javascript:" for _ in re.findall(r"javascript:", text)]
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and 'type="application/json"' not in tag:
                found.append(f"{path.name}: {tag}")
    assert not found, found
