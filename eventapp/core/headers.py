"""Security headers on every answer.

Pages carry no inline script (their data travels in `application/json` script
blocks), so the content security policy allows scripts from this site only: an
injected `<script>` or `onclick=` does not run. qr-scanner starts its decoder as
a worker from a blob: address, and badges show their QR as data: images.
"""

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        # style="" attributes carry per-record values (a category's colour).
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "worker-src 'self' blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # One-click forms (accept a meeting, revoke a badge) must not be framed by
    # another site and clicked through it.
    "X-Frame-Options": "DENY",
    # Addresses carry secrets (calendar feeds, set-up codes, invitations): other
    # sites do not get them as Referer, while forms posted back here (the set-up
    # page's) still carry the Referer that CSRF protection over HTTPS asks for.
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=()",
}


def add_security_headers(response):
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if response.mimetype == "text/html":
        # HTML only: a PDF shown in the browser's viewer is left alone.
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    return response


def register(app):
    app.after_request(add_security_headers)
