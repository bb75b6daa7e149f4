"""Fonts for PDFs with Hangul (floor plans, badges, agendas).

`register_korean_font()` registers NanumGothic from the system fonts when it is
installed and otherwise reportlab's built-in CID font HYSMyeongJo-Medium, which
every PDF reader can show without embedding. Call it before drawing; it returns
the font name to use and is cheap to call again.

NanumGothic has no glyph for many Latin letters with diacritics (š, ř, ă, ş, Å,
ễ, ...): the names of visitors from Czechia, Turkey, Sweden or Vietnam lost
those letters. DejaVu Sans (fonts-dejavu-core, which fontconfig brings) draws
them: `text_width`, `draw_string`, `draw_centred_string` and `paragraph_markup`
take each character NanumGothic lacks from it, when it is installed.
"""

import os
import threading

NANUM_GOTHIC = "/usr/share/fonts/truetype/nanum/NanumGothic.ttf"
NANUM_GOTHIC_BOLD = "/usr/share/fonts/truetype/nanum/NanumGothicBold.ttf"
DEJAVU_SANS = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
DEJAVU_SANS_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
CID_FALLBACK = "HYSMyeongJo-Medium"

_lock = threading.Lock()
_registered: dict[str, str] = {}
# Font name -> the font that draws the characters it lacks.
_fallbacks: dict[str, str] = {}


def _register_ttf(path):
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    name = os.path.splitext(os.path.basename(path))[0]
    pdfmetrics.registerFont(TTFont(name, path))
    return name


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
            name = _register_ttf(path)
            fallback = DEJAVU_SANS_BOLD if bold else DEJAVU_SANS
            if os.path.exists(fallback) and fallback != path:
                _fallbacks[name] = _register_ttf(fallback)
        else:
            from reportlab.pdfbase.cidfonts import UnicodeCIDFont

            name = CID_FALLBACK
            pdfmetrics.registerFont(UnicodeCIDFont(name))
        _registered[key] = name
        return name


def font_runs(text, font_name):
    """`text` as ((font name, part), ...): the characters `font_name` has no glyph
    for go to its fallback font, when that one has them."""
    from reportlab.pdfbase import pdfmetrics

    fallback = _fallbacks.get(font_name)
    if fallback is None or not text:
        return ((font_name, text),)
    primary = pdfmetrics.getFont(font_name).face.charToGlyph
    secondary = pdfmetrics.getFont(fallback).face.charToGlyph
    runs = []
    for char in text:
        code = ord(char)
        font = fallback if code not in primary and code in secondary else font_name
        if runs and runs[-1][0] == font:
            runs[-1][1] += char
        else:
            runs.append([font, char])
    return tuple((font, part) for font, part in runs)


def text_width(text, font_name, size):
    """The width of `text` as draw_centred_string draws it."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return sum(stringWidth(part, font, size) for font, part in font_runs(text, font_name))


def draw_string(canvas, x, y, text, font_name, size):
    """`canvas.drawString` in `font_name`, the characters it lacks taken from its
    fallback font. Leaves the canvas's font set to `font_name`."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    for font, part in font_runs(text, font_name):
        canvas.setFont(font, size)
        canvas.drawString(x, y, part)
        x += stringWidth(part, font, size)
    canvas.setFont(font_name, size)


def draw_centred_string(canvas, x, y, text, font_name, size):
    """`canvas.drawCentredString` as `draw_string` draws."""
    draw_string(canvas, x - text_width(text, font_name, size) / 2, y, text, font_name, size)


def paragraph_markup(text, font_name):
    """`text` as markup for a reportlab Paragraph in `font_name`: escaped (a "<" or
    "&" in a name would start a tag or an entity), the characters the font lacks
    set in its fallback font."""
    from xml.sax.saxutils import escape, quoteattr

    return "".join(
        escape(part) if font == font_name else f"<font face={quoteattr(font)}>{escape(part)}</font>"
        for font, part in font_runs(text or "", font_name)
    )


def fit_font_size(text, font_name, max_width, size, min_size=5.0):
    """The largest font size <= `size` at which `text` is at most `max_width` wide
    (but not below `min_size`; see truncate_to_width for what still does not fit)."""
    width = text_width(text, font_name, size)
    if not text or width <= max_width:
        return size
    fitted = size * max_width / width
    # The width is linear in the size; rounding may still overshoot by a hair.
    while fitted > min_size and text_width(text, font_name, fitted) > max_width:
        fitted *= 0.99
    return max(fitted, min_size)


def truncate_to_width(text, font_name, size, max_width, ellipsis="…"):
    """`text`, cut and ended with an ellipsis if needed, so that it fits `max_width`."""
    if text_width(text, font_name, size) <= max_width:
        return text
    while text and text_width(text + ellipsis, font_name, size) > max_width:
        text = text[:-1]
    return text + ellipsis
