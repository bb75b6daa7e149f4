"""Fonts for PDFs with Hangul (floor plans, badges, agendas).

`register_korean_font()` registers NanumGothic from the system fonts when it is
installed and otherwise reportlab's built-in CID font HYSMyeongJo-Medium, which
every PDF reader can show without embedding. Call it before drawing; it returns
the font name to use and is cheap to call again.
"""

import os
import threading

NANUM_GOTHIC = "/usr/share/fonts/truetype/nanum/NanumGothic.ttf"
NANUM_GOTHIC_BOLD = "/usr/share/fonts/truetype/nanum/NanumGothicBold.ttf"
CID_FALLBACK = "HYSMyeongJo-Medium"

_lock = threading.Lock()
_registered: dict[str, str] = {}


def register_korean_font(bold=False, path=None):
    """Register a font that can draw Hangul and return its reportlab name."""
    from reportlab.pdfbase import pdfmetrics

    if path is None:
        path = NANUM_GOTHIC_BOLD if bold else NANUM_GOTHIC
        if bold and not os.path.exists(path):
            path = NANUM_GOTHIC
    key = path or CID_FALLBACK
    with _lock:
        if key in _registered:
            return _registered[key]
        if path and os.path.exists(path):
            from reportlab.pdfbase.ttfonts import TTFont

            name = os.path.splitext(os.path.basename(path))[0]
            pdfmetrics.registerFont(TTFont(name, path))
        else:
            from reportlab.pdfbase.cidfonts import UnicodeCIDFont

            name = CID_FALLBACK
            pdfmetrics.registerFont(UnicodeCIDFont(name))
        _registered[key] = name
        return name


def fit_font_size(text, font_name, max_width, size, min_size=5.0):
    """The largest font size <= `size` at which `text` is at most `max_width` wide
    (but not below `min_size`; see truncate_to_width for what still does not fit)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    width = stringWidth(text, font_name, size)
    if not text or width <= max_width:
        return size
    fitted = size * max_width / width
    # The width is linear in the size; rounding may still overshoot by a hair.
    while fitted > min_size and stringWidth(text, font_name, fitted) > max_width:
        fitted *= 0.99
    return max(fitted, min_size)


def truncate_to_width(text, font_name, size, max_width, ellipsis="…"):
    """`text`, cut and ended with an ellipsis if needed, so that it fits `max_width`."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if stringWidth(text, font_name, size) <= max_width:
        return text
    while text and stringWidth(text + ellipsis, font_name, size) > max_width:
        text = text[:-1]
    return text + ellipsis
