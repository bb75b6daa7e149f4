"""Static file addresses that change with the file's content.

`url_for("static", filename=...)` gets `?v=` and a short hash of the file: after
a deploy, a page asks for the new scripts by a new address, so neither a browser
cache nor the scanner's service worker hands out an old script beside a new page.
"""

import hashlib
import os

from werkzeug.security import safe_join

# (path, mtime, size) -> hash; a file edited while the server runs gets a new entry.
_VERSIONS = {}


def static_version(folder, filename):
    """A short hash of the file's content, or None when there is no such file."""
    path = safe_join(folder, filename)
    if path is None:
        return None
    try:
        stat = os.stat(path)
    except OSError:
        return None
    key = (path, stat.st_mtime_ns, stat.st_size)
    version = _VERSIONS.get(key)
    if version is None:
        with open(path, "rb") as file:
            version = hashlib.sha256(file.read()).hexdigest()[:12]
        _VERSIONS[key] = version
    return version


def register(app):
    @app.url_defaults
    def version_static_files(endpoint, values):
        if endpoint != "static" or "v" in values or not values.get("filename"):
            return
        version = static_version(app.static_folder, values["filename"])
        if version is not None:
            values["v"] = version
