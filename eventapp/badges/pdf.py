"""Badge PDFs: one A6 badge to print at home, or sheets of four A6 badges on
A4 with cut marks for the organizer's printer.

Everything is vector: text in NanumGothic (embedded; letters it lacks in DejaVu
Sans, see core.pdf), the QR code drawn module by module, so it stays sharp at
any printer resolution.
Badges are read from an iterator (rows fetched 200 at a time) and drawn page
by page; each finished page is compressed at once and spooled to a temporary
file, and the PDF is written from there page by page (StreamingCanvas), so a
batch's memory stays about the same whatever its number of badges.
"""

import os
import tempfile
import zlib
from dataclasses import dataclass
from datetime import date

import qrcode
from markupsafe import escape
from qrcode.constants import ERROR_CORRECT_M
from reportlab.lib.colors import HexColor, white
from reportlab.lib.pagesizes import A4, A6
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFName, PDFStream
from reportlab.pdfgen.canvas import Canvas

from eventapp.core.pdf import (
    draw_centred_string,
    fit_font_size,
    register_korean_font,
    text_width,
    truncate_to_width,
)
from eventapp.core.templating import country_name

BRAND = HexColor("#0b2f6b")
INK = HexColor("#1b1b1b")
GREY = HexColor("#5f6368")
MARGIN = 5 * mm  # safe area inside each badge (cutting tolerance, printer margins)
QR_SIZE = 38 * mm
# Kept clear around the code: about six modules (the standard asks for four).
QR_QUIET_ZONE = 6 * mm
BAND_HEIGHT = 18 * mm
CUT_MARK = 6 * mm
CUT_MARK_OFFSET = 2 * mm
BOOTH_LABEL = "부스 Booth"


@dataclass(frozen=True)
class BadgeFace:
    """What is printed on one badge (decoupled from the database)."""

    name_ko: str
    name_en: str
    organization_ko: str
    organization_en: str
    country_ko: str
    country_en: str
    job_title: str
    booth: str
    category_ko: str
    category_en: str
    colour: str
    text_colour: str
    code: str
    reference: str  # short printed number for staff to look the badge up by hand


@dataclass(frozen=True)
class Branding:
    name_ko: str
    name_en: str
    fair_name_ko: str
    dates: str
    venue: str

    @classmethod
    def of(cls, event):
        return cls(
            name_ko=event.name_ko or event.name_en,
            name_en=event.name_en or event.name_ko,
            fair_name_ko=event.fair_name_ko or event.fair_name_en or "",
            dates=_date_range(event.starts_on, event.ends_on),
            venue=event.venue_en or event.venue_ko or event.city or "",
        )


def _date_range(first, last):
    if not isinstance(first, date):
        return ""
    if first == last:
        return first.isoformat()
    if first.year == last.year:
        return f"{first.isoformat()} – {last.strftime('%m-%d')}"
    return f"{first.isoformat()} – {last.isoformat()}"


def face_of(badge, code):
    category = badge.category_info
    return BadgeFace(
        name_ko=badge.name_ko or "",
        name_en=badge.name_en or "",
        organization_ko=badge.organization_ko or "",
        organization_en=badge.organization_en or "",
        country_ko=country_name(badge.country, "ko"),
        country_en=country_name(badge.country, "en"),
        job_title=badge.job_title or "",
        booth=badge.booth or "",
        category_ko=category.label_ko,
        category_en=category.label_en,
        colour=category.colour,
        text_colour=category.text_colour,
        code=code,
        reference=badge.number,
    )


def qr_matrix(text):
    """The QR modules (rows of booleans, no border) at error correction M."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    code.add_data(text, optimize=0)
    code.make(fit=True)
    return code.get_matrix()


def _dark_runs(matrix):
    """(row, first column, length) of each horizontal run of dark modules."""
    for row_index, row in enumerate(matrix):
        column, count = 0, len(row)
        while column < count:
            if row[column]:
                start = column
                while column < count and row[column]:
                    column += 1
                yield row_index, start, column - start
            else:
                column += 1


def qr_svg(text, label="", quiet=4):
    """The QR code of `text` as a small inline SVG (for showing a badge on screen)."""

    matrix = qr_matrix(text)
    size = len(matrix) + 2 * quiet
    path = "".join(
        f"M{start + quiet} {row + quiet}h{length}v1h-{length}z"
        for row, start, length in _dark_runs(matrix)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'shape-rendering="crispEdges" role="img" aria-label="{escape(label)}">'
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path d="{path}" fill="#000"/></svg>'
    )


def draw_qr(canvas, text, x, y, size):
    """Draw the QR code of `text` into the square (x, y, size): one filled
    rectangle per run of dark modules in a row, in module units (small
    integers keep the page stream short). Returns the module size."""
    matrix = qr_matrix(text)
    count = len(matrix)
    module = size / count
    canvas.saveState()
    canvas.translate(x, y)
    canvas.scale(module, module)
    canvas.setFillColor(INK)
    path = canvas.beginPath()
    for row, start, length in _dark_runs(matrix):
        path.rect(start, count - 1 - row, length, 1)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()
    return module


@dataclass
class TextBlock:
    """A centred paragraph of one or two lines, fitted to a width."""

    text: str
    size: float  # preferred size
    min_size: float  # smallest size on one line before wrapping onto two
    floor: float  # smallest size at all (then the text is cut with an ellipsis)
    bold: bool = False
    colour: object = INK
    max_lines: int = 1
    # The two lines to take when the text needs two; else it is split where the
    # wider line comes out narrowest.
    wrapped: tuple = ()
    gap: float = 1.5 * mm  # space below
    is_name: bool = False
    lines: tuple = ()
    fitted: float = 0.0

    @property
    def height(self):
        return len(self.lines) * self.fitted * LEADING + self.gap


LEADING = 1.18
# How many steps (of 10 % each) the lines below the names shrink before the names do.
NAMES_KEEP_SIZE_STEPS = 4


def _split_in_two(text, font, size):
    """The split of `text` into two lines whose wider line is narrowest:
    at a space when there is one, else between any two characters."""
    words = text.split(" ")
    if len(words) > 1:
        candidates = [(" ".join(words[:i]), " ".join(words[i:])) for i in range(1, len(words))]
    else:
        candidates = [(text[:i], text[i:]) for i in range(1, len(text))]
    if not candidates:
        return (text,)
    return min(
        candidates,
        key=lambda pair: max(text_width(pair[0], font, size), text_width(pair[1], font, size)),
    )


def fit_block(block, font, width):
    """Choose the block's lines and size: one line down to `min_size`, else two
    lines (if allowed) down to `floor`, else cut to fit at `floor`."""
    text = " ".join(block.text.split())
    one = fit_font_size(text, font, width, block.size, block.min_size)
    if text_width(text, font, one) <= width or block.max_lines == 1:
        size = fit_font_size(text, font, width, block.size, block.floor)
        block.lines, block.fitted = (truncate_to_width(text, font, size, width),), size
        return block
    lines = tuple(" ".join(line.split()) for line in block.wrapped) or _split_in_two(
        text, font, block.size
    )
    size = min(fit_font_size(line, font, width, block.size, block.floor) for line in lines)
    block.lines = tuple(truncate_to_width(line, font, size, width) for line in lines)
    block.fitted = size
    return block


class BadgeRenderer:
    """Draws badges on a reportlab canvas."""

    def __init__(self, branding):
        self.branding = branding
        self.font = register_korean_font()
        self.bold = register_korean_font(bold=True)

    def line(self, canvas, text, centre_x, y, size, width, *, bold=False, min_size=6, colour=INK):
        """One centred line of text, shrunk to fit `width` (then cut, never overflowing)."""
        if not text:
            return 0
        font = self.bold if bold else self.font
        size = fit_font_size(text, font, width, size, min_size)
        text = truncate_to_width(text, font, size, width)
        canvas.setFillColor(colour)
        draw_centred_string(canvas, centre_x, y, text, font, size)
        return size

    def person_blocks(self, face):
        primary, secondary = face.name_ko, face.name_en
        if not primary or primary == secondary:
            primary, secondary = secondary or primary, ""
        organization_en = (
            "" if face.organization_en == face.organization_ko else face.organization_en
        )
        # In both languages, as the names, company and category are: a reader may know one.
        country = " ".join(dict.fromkeys(p for p in (face.country_ko, face.country_en) if p))
        details = tuple(p for p in (face.job_title, country) if p)
        # A job title too long to share its line leaves the country a line of its own,
        # rather than the cut at the end of the line taking the country off the badge.
        wrapped = details if len(details) == 2 else ()
        details_block = TextBlock(
            " · ".join(details),
            8,
            6,
            5.5,
            colour=GREY,
            max_lines=len(wrapped) or 1,
            wrapped=wrapped,
            gap=2 * mm,
        )
        booth = f"{BOOTH_LABEL} {face.booth}" if face.booth else ""
        blocks = [
            TextBlock(primary, 24, 14, 8, bold=True, max_lines=2, gap=2 * mm, is_name=True),
            TextBlock(secondary, 13, 9, 6, max_lines=2, gap=2.5 * mm, is_name=True),
            TextBlock(face.organization_ko, 11, 8, 6, bold=True, max_lines=2, gap=1 * mm),
            TextBlock(organization_en, 9, 7, 5.5, max_lines=2, gap=1.5 * mm),
            details_block,
            TextBlock(booth, 12, 8, 7, bold=True, gap=0),
        ]
        return [b for b in blocks if b.text.strip()]

    def layout_person(self, face, width, available):
        """Fitted blocks that together take at most `available` height: when
        they would not, preferred sizes are reduced step by step, the lines below the
        names first. The names are what a badge is read for across a table: a job
        title or company that needed two lines printed them smaller."""
        step = 0
        while True:
            others = 0.9**step
            names = 0.9 ** max(0, step - NAMES_KEEP_SIZE_STEPS)
            blocks = []
            for block in self.person_blocks(face):
                if block.is_name:
                    block.size *= names
                else:
                    # Not below the smallest print it allows while the names keep theirs.
                    block.size = max(block.size * others, min(block.size, block.floor) * names)
                block.min_size = min(block.min_size, block.size)
                block.floor = min(block.floor, block.size)
                blocks.append(fit_block(block, self.bold if block.bold else self.font, width))
            if sum(b.height for b in blocks) <= available or names < 0.45:
                return blocks
            step += 1

    def draw(self, canvas, face, left, bottom, width, height):
        """One badge in the cell (left, bottom, width, height)."""
        x0, y0 = left + MARGIN, bottom + MARGIN
        w, h = width - 2 * MARGIN, height - 2 * MARGIN
        cx = x0 + w / 2
        text_w = w - 6 * mm
        top = y0 + h

        # Event branding.
        bar = 15 * mm
        canvas.setFillColor(BRAND)
        canvas.rect(x0, top - bar, w, bar, stroke=0, fill=1)
        self.line(
            canvas, self.branding.name_en, cx, top - 7 * mm, 12, text_w, bold=True, colour=white
        )
        if self.branding.name_ko != self.branding.name_en:
            self.line(canvas, self.branding.name_ko, cx, top - 12 * mm, 8, text_w, colour=white)
        info = " · ".join(p for p in (self.branding.dates, self.branding.venue) if p)
        self.line(
            canvas, self.branding.fair_name_ko, cx, top - bar - 4 * mm, 6.5, text_w, colour=GREY
        )
        self.line(canvas, info, cx, top - bar - 7.5 * mm, 6.5, text_w, colour=GREY)

        # The code, with its quiet zone left white, and a number to read out,
        # above the category band.
        reference_y = y0 + BAND_HEIGHT + 2.5 * mm
        qr_bottom = reference_y + 2.5 * mm + QR_QUIET_ZONE * 2 / 3
        qr_top = qr_bottom + QR_SIZE
        self.line(canvas, face.reference, cx, reference_y, 6.5, text_w, colour=GREY)
        draw_qr(canvas, face.code, cx - QR_SIZE / 2, qr_bottom, QR_SIZE)

        # The person, between the branding and the code's quiet zone.
        area_top = top - bar - 10 * mm
        area_bottom = qr_top + QR_QUIET_ZONE
        cursor = area_top
        for block in self.layout_person(face, text_w, area_top - area_bottom):
            font = self.bold if block.bold else self.font
            canvas.setFillColor(block.colour)
            for line in block.lines:
                cursor -= block.fitted * LEADING
                draw_centred_string(
                    canvas, cx, cursor + block.fitted * 0.25, line, font, block.fitted
                )
            cursor -= block.gap

        # The category band.
        canvas.setFillColor(HexColor(face.colour))
        canvas.rect(x0, y0, w, BAND_HEIGHT, stroke=0, fill=1)
        colour = HexColor(face.text_colour)
        if face.category_ko != face.category_en:
            self.line(
                canvas, face.category_ko, cx, y0 + 10 * mm, 16, text_w, bold=True, colour=colour
            )
            self.line(canvas, face.category_en, cx, y0 + 4.5 * mm, 10, text_w, colour=colour)
        else:
            self.line(
                canvas, face.category_en, cx, y0 + 6.5 * mm, 20, text_w, bold=True, colour=colour
            )


# Finished page streams stay in memory up to this size, then go to a temporary file.
SPOOL_IN_MEMORY = 64 * 1024


class _SpooledStream(PDFStream):
    """A page's compressed content, kept in the canvas's spool file until the PDF
    is written; formatted exactly like PDFStream(Filter /FlateDecode, content)."""

    def __init__(self, spool, offset, length):
        dictionary = PDFDictionary()
        dictionary["Filter"] = PDFArray([PDFName("FlateDecode")])
        super().__init__(dictionary)
        self._spool, self._offset, self._length = spool, offset, length

    def format(self, document):
        _write_through(document)
        self._spool.seek(self._offset)
        self.content = self._spool.read(self._length)
        try:
            return super().format(document)
        finally:
            self.content = None


def _write_through(document):
    """Send what reportlab has formatted so far to the output file, and every
    later piece straight there, instead of joining the whole file in memory.

    reportlab collects the formatted objects in a PDFFile (`document.__accum__`,
    set while `PDFDocument.format` runs) and returns their concatenation to
    `SaveToFile`, which writes it. PDFFile.add computes each object's offset
    itself and then calls its `write` attribute, so pointing `write` at the
    output keeps offsets, cross-reference table and bytes unchanged. Only done
    when StreamingCanvas.save named the output (`_badge_sink`); otherwise (e.g.
    getpdfdata) reportlab's own behaviour stands.
    """
    sink = getattr(document, "_badge_sink", None)
    collector = getattr(document, "__accum__", None)
    if sink is None or collector is None or getattr(document, "_badge_streaming", False):
        return
    for piece in collector.strings:
        sink.write(piece)
    collector.strings.clear()
    collector.write = sink.write
    document._badge_streaming = True


class StreamingCanvas(Canvas):
    """A canvas whose memory does not grow with the number of pages.

    reportlab keeps every finished page until `save()` and then builds the
    whole file in memory. Here each page's content is compressed as soon as
    the page is done and appended to a spool file (memory up to
    SPOOL_IN_MEMORY, then a temporary file on disk); `save()` reads the pages
    back one at a time and writes the PDF straight to its output. The bytes
    are the same as compressing each page and letting reportlab write them.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)

    def showPage(self):
        super().showPage()
        page = self._doc.Pages.pages[-1]
        if page.stream and not page.Contents:
            content = page.stream
            if isinstance(content, str):
                content = content.encode("utf-8")
            compressed = zlib.compress(content)
            offset = self._spool.seek(0, os.SEEK_END)
            self._spool.write(compressed)
            page.Contents = _SpooledStream(self._spool, offset, len(compressed))
            page.stream = None

    def save(self):
        target = self._filename
        try:
            if callable(getattr(target, "write", None)):
                self._doc._badge_sink = target
                super().save()
                return
            # A path: open it here, so that the pages can be written as they are read.
            with open(os.fspath(target), "wb") as handle:
                self._filename = handle
                self._doc._badge_sink = handle
                super().save()
        finally:
            self._spool.close()


def _open_canvas(out, pagesize, title):
    canvas = StreamingCanvas(out, pagesize=pagesize, pageCompression=1, invariant=1)
    canvas.setTitle(title)
    canvas.setAuthor("KICXUP")
    canvas.setCreator("eventapp badges")
    return canvas


def render_single(face, branding, out):
    """One badge on an A6 page, for printing at home."""
    canvas = _open_canvas(out, A6, f"{branding.name_en} — {face.name_en or face.name_ko}")
    BadgeRenderer(branding).draw(canvas, face, 0, 0, *A6)
    canvas.showPage()
    canvas.save()
    return 1


def draw_cut_marks(canvas, page_width, page_height, cell_width, cell_height, offset_y):
    """Ticks at the page edges where the cuts run, and a cross where they meet."""
    canvas.saveState()
    canvas.setStrokeColor(INK)
    canvas.setLineWidth(0.3)
    cut_x = cell_width
    cut_ys = (offset_y, offset_y + cell_height, offset_y + 2 * cell_height)
    for y in (0, page_height):
        direction = 1 if y == 0 else -1
        start = y + direction * CUT_MARK_OFFSET
        canvas.line(cut_x, start, cut_x, start + direction * CUT_MARK)
    for cut_y in cut_ys:
        for x, direction in ((0, 1), (page_width, -1)):
            start = x + direction * CUT_MARK_OFFSET
            canvas.line(start, cut_y, start + direction * CUT_MARK, cut_y)
    middle = cut_ys[1]
    arm = 3.5 * mm
    canvas.line(cut_x - arm, middle, cut_x + arm, middle)
    canvas.line(cut_x, middle - arm, cut_x, middle + arm)
    canvas.restoreState()


def render_sheets(faces, branding, out, title=None):
    """Badges four to an A4 page (2 x 2 A6 cells), in the order given.

    `faces` may be any iterator; each page is drawn and handed to reportlab
    before the next four badges are read. Returns the number of badges.
    """
    page_width, page_height = A4
    cell_width, cell_height = A6
    offset_y = (page_height - 2 * cell_height) / 2
    # Reading order: top left, top right, bottom left, bottom right.
    cells = [
        (0, offset_y + cell_height),
        (cell_width, offset_y + cell_height),
        (0, offset_y),
        (cell_width, offset_y),
    ]
    canvas = _open_canvas(out, A4, title or branding.name_en)
    renderer = BadgeRenderer(branding)
    count = 0
    for face in faces:
        slot = count % 4
        if slot == 0 and count:
            canvas.showPage()
        if slot == 0:
            draw_cut_marks(canvas, page_width, page_height, cell_width, cell_height, offset_y)
        renderer.draw(canvas, face, *cells[slot], cell_width, cell_height)
        count += 1
    if count == 0:
        canvas.setFont(renderer.font, 12)
        canvas.drawString(20 * mm, page_height - 30 * mm, "No badges / 출입증 없음")
    canvas.showPage()
    canvas.save()
    return count


# -- from the database -------------------------------------------------------------------------


def _faces(badges, sign):
    for badge in badges:
        yield face_of(badge, sign(badge))


def badge_pdf(badge, out):
    """The A6 PDF of one badge (its current issue) into `out` (path or binary file).

    Refuses a revoked badge (BadgeError): its print would carry a code every
    scanner rejects. Reissuing makes it printable again.
    """
    from eventapp.badges.services import BadgeError, code_signer

    if badge.is_revoked:
        raise BadgeError("a revoked badge is not printed; reissue it first")
    return render_single(
        face_of(badge, code_signer(badge.event)(badge)), Branding.of(badge.event), out
    )


def batch_pdf(event, out, **filters):
    """Sheets of the event's valid badges matching `filters` (see
    services.badges_query), in the stable print order, streamed from the
    database. Revoked badges are left out. Returns the count."""
    from eventapp.badges.services import badges_query, code_signer
    from eventapp.extensions import db

    sign = code_signer(event)
    query = badges_query(event, include_revoked=False, **filters).execution_options(yield_per=200)
    badges = db.session.scalars(query)
    try:
        return render_sheets(_faces(badges, sign), Branding.of(event), out)
    finally:
        badges.close()
