"""Who stands where: CSV and XLSX lists, and a printable PDF floor plan with the
exhibitor directory."""

import csv
import io
import unicodedata

from eventapp.booths.state import (
    STATUSES,
    ZONE_COLOURS,
    booth_rows,
    directory,
    exhibitor_rows,
    plan_view,
    zone_label,
)
from eventapp.core.i18n import gettext as _
from eventapp.core.i18n import label as standalone_label
from eventapp.core.spreadsheets import csv_cell, keep_as_text, xlsx_row

COLUMNS = (
    "booth",
    "hall",
    "zone",
    "corner",
    "tier",
    "status",
    "state",
    "company_ko",
    "company_en",
    "country",
    "exhibitor_status",
)

# The "Exhibitors" sheet: every company exhibiting, with booths or not yet.
EXHIBITOR_COLUMNS = (
    "company_ko",
    "company_en",
    "exhibitor_status",
    "booths_rented",
    "booths",
    "held_booths",
    "zones",
)


def _values(row):
    values = []
    for key in COLUMNS:
        value = row[key]
        if key == "corner":
            value = "yes" if value else "no"
        values.append("" if value is None else value)
    return values


def booths_csv(event):
    """CSV (UTF-8 with BOM so that Excel shows Hangul) of every booth and its exhibitor."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(list(COLUMNS))
    for row in booth_rows(event):
        writer.writerow([csv_cell(value) for value in _values(row)])
    return out.getvalue().encode("utf-8")


def booths_xlsx(event):
    """XLSX workbook: sheet "Booths" (one row per booth) and "Exhibitors" (one per
    company exhibiting, including those without booths yet)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Booths"
    sheet.append(list(COLUMNS))
    rows = booth_rows(event)
    for row in rows:
        sheet.append(xlsx_row(_values(row)))
        keep_as_text(sheet[sheet.max_row])
    companies = workbook.create_sheet("Exhibitors")
    companies.append(list(EXHIBITOR_COLUMNS))
    zone_of = {row["booth"]: row["zone"] for row in rows}
    # Every company exhibiting, as the organizers' booth page lists them: those still
    # picking (their booths held) and those without booths too, whom the organizers chase.
    for entry in exhibitor_rows(event):
        exhibitor, codes = entry["exhibitor"], entry["booths"]
        holding = entry["states"] == ["hold"]
        companies.append(
            xlsx_row(
                [
                    exhibitor.organization.name_ko,
                    exhibitor.organization.name_en,
                    exhibitor.status,
                    exhibitor.booth_count,
                    "" if holding else " ".join(codes),
                    " ".join(codes) if holding else "",
                    " ".join(sorted({zone_of[code] for code in codes})),
                ]
            )
        )
        keep_as_text(companies[companies.max_row])
    for ws in (sheet, companies):
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
        for index, column in enumerate(ws.columns, start=1):
            width = max((_display_width(c.value) for c in column), default=8)
            ws.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 48)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _display_width(value):
    """How many character widths of Excel's column unit `value` takes: Hangul (like
    every wide East Asian character) is about two, so a column as wide as a Korean
    name's length in characters showed only half of it."""
    return sum(
        2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
        for char in str(value if value is not None else "")
    )


# --------------------------------------------------------------------------- PDF

STATUS_FILL = {
    "free": "#ffffff",
    "held": "#fde68a",
    "taken": "#cbd5e1",
    "yours": "#99f6e4",
    "blocked": "#475569",
}


def floorplan_pdf(event):
    """A4 landscape: one page per hall with every booth, then the exhibitor directory."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        Flowable,
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    from eventapp.core.pdf import (
        draw_centred_string,
        draw_string,
        paragraph_markup,
        register_korean_font,
        text_width,
        truncate_to_width,
    )

    font = register_korean_font()
    bold = register_korean_font(bold=True)
    plan = plan_view(event)
    title_style = ParagraphStyle("title", fontName=bold, fontSize=16, leading=20)
    text_style = ParagraphStyle("text", fontName=font, fontSize=8.5, leading=11)
    head_style = ParagraphStyle("head", fontName=bold, fontSize=9, leading=11)

    class HallDrawing(Flowable):
        def __init__(self, hall, booths, width, height):
            super().__init__()
            self.hall, self.booths = hall, booths
            self.width, self.height = width, height

        def draw(self):
            c = self.canv
            scale = min(self.width / self.hall.width, self.height / self.hall.height)
            c.saveState()
            c.translate(0, self.height)
            c.setStrokeColor(colors.HexColor("#94a3b8"))
            c.setFillColor(colors.HexColor("#f1f5f9"))
            c.rect(
                0,
                -self.hall.height * scale,
                self.hall.width * scale,
                self.hall.height * scale,
                stroke=1,
                fill=1,
            )
            for b in self.booths:
                x = (b.x - self.hall.x) * scale
                y = -(b.y - self.hall.y + b.h) * scale
                w, h = b.w * scale, b.h * scale
                c.setFillColor(colors.HexColor(STATUS_FILL.get(b.status, "#ffffff")))
                c.setStrokeColor(colors.HexColor("#334155"))
                c.setLineWidth(0.4)
                c.rect(x, y, w, h, stroke=1, fill=1)
                c.setFillColor(colors.HexColor(ZONE_COLOURS.get(b.zone, "#64748b")))
                c.rect(x, y + h * 0.82, w, h * 0.18, stroke=0, fill=1)
                size = max(3.0, min(7.0, w / 5.2))
                c.setFillColor(colors.white if b.status == "blocked" else colors.black)
                draw_centred_string(c, x + w / 2, y + h * 0.48, b.code, font, size)
                if b.exhibitor_name:
                    small = size * 0.8
                    name = truncate_to_width(b.exhibitor_name, font, small, w * 0.92)
                    draw_centred_string(c, x + w / 2, y + h * 0.2, name, font, small)
            c.restoreState()

    class Legend(Flowable):
        """Colour swatches, each followed by its label, wrapped over as many lines as needed."""

        def __init__(self, items, font_name, size):
            super().__init__()
            self.items, self.font_name, self.size = items, font_name, size
            self.swatch = size * 1.15
            self.line = size * 1.8
            self.lines = []

        def _layout(self, width):
            lines, line, x = [], [], 0.0
            for colour, label in self.items:
                item_width = self.swatch + 4 + text_width(label, self.font_name, self.size) + 12
                if line and x + item_width > width:
                    lines.append(line)
                    line, x = [], 0.0
                line.append((x, colour, label))
                x += item_width
            if line:
                lines.append(line)
            return lines

        def wrap(self, avail_width, avail_height):
            self.lines = self._layout(avail_width)
            self.width = avail_width
            self.height = len(self.lines) * self.line
            return self.width, self.height

        def draw(self):
            c = self.canv
            c.saveState()
            for number, line in enumerate(self.lines):
                base = self.height - (number + 1) * self.line + (self.line - self.swatch) / 2
                for x, colour, label in line:
                    c.setFillColor(colors.HexColor(colour))
                    c.setStrokeColor(colors.HexColor("#334155"))
                    c.setLineWidth(0.4)
                    c.rect(x, base, self.swatch, self.swatch, stroke=1, fill=1)
                    c.setFillColor(colors.black)
                    draw_string(
                        c,
                        x + self.swatch + 4,
                        base + self.swatch * 0.18,
                        label,
                        self.font_name,
                        self.size,
                    )
            c.restoreState()

    doc_buffer = io.BytesIO()
    page = landscape(A4)
    margin = 12 * mm
    doc = SimpleDocTemplate(
        doc_buffer,
        pagesize=page,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin,
        title=_("Floor plan — %(event)s", event=event.name),
        author="KICXUP Global",
    )
    story = []
    frame_w = page[0] - 2 * margin
    frame_h = page[1] - 2 * margin - 40
    # The zone strip on each booth and the fill of its status, as on the screen plan.
    legend_items = [
        (ZONE_COLOURS.get(z, "#64748b"), standalone_label(zone_label(z))) for z in plan.zones
    ] + [
        (STATUS_FILL[key], standalone_label(STATUSES[key]))
        for key in ("free", "held", "taken", "blocked")
    ]

    def text(value, style):
        return Paragraph(paragraph_markup(value, style.fontName), style)

    for hall in plan.halls:
        booths = [b for b in plan.booths if b.hall == hall.code]
        title = _(
            "%(event)s — %(hall)s (%(count)s booths)",
            event=event.name,
            hall=hall.name,
            count=len(booths),
        )
        story.append(text(title, title_style))
        story.append(Legend(legend_items, font, 8.5))
        story.append(Spacer(1, 6))
        scale = min(frame_w / hall.width, frame_h / hall.height)
        story.append(HallDrawing(hall, booths, hall.width * scale, hall.height * scale))
        story.append(PageBreak())

    entries = directory(event)
    story.append(text(_("Exhibitor directory — %(event)s", event=event.name), title_style))
    story.append(Spacer(1, 6))
    data = [
        [
            text(_("Company"), head_style),
            text(_("Company (English)"), head_style),
            text(_("Zone"), head_style),
            text(_("Booths"), head_style),
        ]
    ]
    for entry in entries:
        data.append(
            [
                text(entry["name_ko"], text_style),
                text(entry["name_en"], text_style),
                text(", ".join(str(zone_label(z)) for z in entry["zones"]), text_style),
                text(" ".join(entry["booths"]), text_style),
            ]
        )
    if not entries:
        data.append([text(_("No exhibitor has booths yet."), text_style), "", "", ""])
    table = Table(
        data, colWidths=[frame_w * 0.3, frame_w * 0.35, frame_w * 0.15, frame_w * 0.2], repeatRows=1
    )
    table.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.HexColor("#334155")),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#cbd5e1")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story.append(table)
    doc.build(story)
    return doc_buffer.getvalue()
