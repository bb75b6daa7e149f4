"""Grouping helpers for agenda pages and PDFs (times shown in the event's time zone)."""

from itertools import groupby


def group_by_day(slots, event):
    """[(local date, [slots])] in time order."""
    ordered = sorted(slots, key=lambda s: s.starts_at)
    return [
        (day, list(items))
        for day, items in groupby(ordered, key=lambda s: s.starts_at.astimezone(event.tz).date())
    ]


def group_meetings(meetings, event):
    """[(local date, [meetings])] in time order; cancelled meetings last within a day."""
    ordered = sorted(meetings, key=lambda m: (m.slot.starts_at, m.status == "cancelled", m.id))
    return [
        (day, list(items))
        for day, items in groupby(
            ordered, key=lambda m: m.slot.starts_at.astimezone(event.tz).date()
        )
    ]
