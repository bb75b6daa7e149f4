"""URLs: where a `next=` redirect may lead (only to a path on this site), and the
`int` converter of our routes.

Checking for a leading "/" is not enough. Browsers and URL parsers (Python's
`urlsplit`, which werkzeug runs over every Location header) drop tabs and
newlines and read a backslash as a slash, so `/<TAB>/evil.example` or
`/\\evil.example` leave this site although they start with a single "/".
"""

import unicodedata
from urllib.parse import urlsplit

from werkzeug.routing import IntegerConverter
from werkzeug.urls import iri_to_uri

from eventapp.core.permissions import MAX_ID


def _has_unsafe_characters(target):
    # Control and format characters are silently removed by parsers; any
    # whitespace or backslash is either removed, or read as a slash, by
    # some browser. A genuine path of ours never contains them unquoted.
    return any(
        unicodedata.category(char)[0] in "CZ" or char.isspace() or char == "\\" for char in target
    )


def _is_local_path(url):
    if not url.startswith("/") or url.startswith("//"):
        return False
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc


def is_safe_redirect(target):
    """True when `target` is a path on this site and stays one after the
    normalization werkzeug applies to the Location header."""
    if not isinstance(target, str) or not target or _has_unsafe_characters(target):
        return False
    return _is_local_path(target) and _is_local_path(iri_to_uri(target))


def safe_redirect_target(target, default):
    """`target` if it is safe to redirect to, else `default`."""
    return target if is_safe_redirect(target) else default


class RowIdConverter(IntegerConverter):
    """`<int:...>` in our routes: a number beyond the database's integer ids
    matches no route (404) rather than failing in the query (500)."""

    def __init__(self, map, *args, max=MAX_ID, **kwargs):  # noqa: A002 (werkzeug's names)
        super().__init__(map, *args, max=max, **kwargs)
