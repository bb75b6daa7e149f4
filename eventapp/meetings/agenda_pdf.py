"""Printable agendas of the global meetup (reportlab, A4, Hangul-capable font).

One section per participant: the company, then a table of its meetings by time (Seoul
time), partner, table or booth and the partner's contact. Firms use it as their day
sheet at the booth; organizers print everybody's at once.
"""

import io

from flask_babel import format_date
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from eventapp.core.i18n import gettext as _
from eventapp.core.pdf import paragraph_markup, register_korean_font
from eventapp.core.templating import zone_name
from eventapp.meetings import services
from eventapp.meetings.models import contacts_of


def _styles(font, bold):
    return {
        "title": ParagraphStyle("title", fontName=bold, fontSize=16, leading=20, spaceAfter=4),
        "sub": ParagraphStyle(
            "sub", fontName=font, fontSize=9.5, leading=12, textColor=colors.HexColor("#5b6875")
        ),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=9, leading=11.5),
        "head": ParagraphStyle(
            "head", fontName=bold, fontSize=9, leading=11.5, textColor=colors.white
        ),
    }


def _p(text, style):
    markup = paragraph_markup(str(text or ""), style.fontName)
    return Paragraph(markup.replace("\n", "<br/>"), style)


def _names(organization):
    if (
        organization.name_ko
        and organization.name_en
        and organization.name_ko != organization.name_en
    ):
        return f"{organization.name_ko} · {organization.name_en}"
    return organization.name_ko or organization.name_en


def _section(event, profile, styles, meetings, contacts):
    tz = event.tz
    # Translated outside the f-string: the catalog's extraction does not look into
    # f-strings, so a message there was never translated.
    meetup, times = _("Global meetup"), _("times in %(zone)s", zone=zone_name(event.timezone))
    story = [
        _p(_names(profile.organization), styles["title"]),
        _p(f"{event.name} · {meetup} · {profile.side_label} · {times}", styles["sub"]),
        Spacer(1, 4 * mm),
    ]
    if not meetings:
        story.append(_p(_("No meetings scheduled."), styles["cell"]))
        return story
    head = [_("Time"), _("Partner"), _("Place"), _("Contact")]
    rows = [[_p(h, styles["head"]) for h in head]]
    last_day = None
    day_rows = []
    for meeting in meetings:
        start = meeting.slot.starts_at.astimezone(tz)
        end = meeting.slot.ends_at.astimezone(tz)
        if start.date() != last_day:
            last_day = start.date()
            rows.append([_p(format_date(start.date(), "full"), styles["head"]), "", "", ""])
            day_rows.append(len(rows) - 1)
        partner = meeting.request.other(profile)
        contact = ", ".join(f"{u.name} <{u.email}>" for u in contacts[partner.id][:2])
        rows.append(
            [
                _p(f"{start:%H:%M}–{end:%H:%M}", styles["cell"]),
                _p(
                    f"{_names(partner.organization)}\n{partner.organization.kind_label}",
                    styles["cell"],
                ),
                _p(meeting.location_label, styles["cell"]),
                _p(contact, styles["cell"]),
            ]
        )
    table = Table(rows, colWidths=[26 * mm, 70 * mm, 34 * mm, 50 * mm], repeatRows=1)
    style = [
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#0b5cad")),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#dde3ea")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    for index in day_rows:
        style += [
            ("SPAN", (0, index), (-1, index)),
            ("BACKGROUND", (0, index), (-1, index), colors.HexColor("#00a38c")),
        ]
    table.setStyle(TableStyle(style))
    story.append(table)
    return story


def agendas_pdf(event, profiles, meetings=None):
    """PDF bytes with one agenda per profile (each starts on a new page).

    `meetings`: {profile id: its active meetings in time order} when the caller has
    read them all at once; the partners' contacts are read at once here."""
    if meetings is None:
        meetings = {profile.id: services.meetings_of(profile) for profile in profiles}
    partners = {
        meeting.request.other(profile)
        for profile in profiles
        for meeting in meetings.get(profile.id, [])
    }
    contacts = contacts_of(partners)
    font = register_korean_font()
    bold = register_korean_font(bold=True)
    styles = _styles(font, bold)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=" — ".join((event.name, _("Agenda"))),
        author="KICXUP Global",
    )
    story = []
    for index, profile in enumerate(profiles):
        if index:
            story.append(PageBreak())
        story.extend(_section(event, profile, styles, meetings.get(profile.id, []), contacts))
    if not story:
        story.append(_p(_("No meetings scheduled."), styles["cell"]))
    document.build(story)
    return buffer.getvalue()
