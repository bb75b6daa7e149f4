"""iCalendar objects (RFC 5545, methods of RFC 5546) built with the `icalendar` library.

Plain building blocks without database or Flask: the services decide what goes in.

- Every timed component carries DTSTART/DTEND in the event's zone (TZID=Asia/Seoul) and
  the calendar gets the matching VTIMEZONE (built from zoneinfo by icalendar, cached).
- DTSTAMP is always UTC.
- Methods: REQUEST (invitation or update), CANCEL (cancellation), PUBLISH (feeds and
  downloads; RFC 5546 allows no ATTENDEE there, so feeds carry the partner in the
  DESCRIPTION only).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, Timezone, vCalAddress, vText

PRODID = "-//KICOX//KICXUP Global eventapp//EN"
UID_DOMAIN = "kicxup.eventapp"
METHODS = ("REQUEST", "CANCEL", "PUBLISH")
CONTENT_TYPE = "text/calendar; charset=utf-8"


@dataclass(frozen=True)
class Address:
    """A calendar user: ORGANIZER or ATTENDEE (with ROLE/PARTSTAT/RSVP)."""

    email: str
    name: str = ""
    role: str | None = None  # REQ-PARTICIPANT, OPT-PARTICIPANT, CHAIR
    partstat: str | None = None  # NEEDS-ACTION, ACCEPTED, ...
    rsvp: bool | None = None

    def to_ical(self):
        address = vCalAddress(f"mailto:{self.email}")
        if self.name:
            # A parameter value cannot hold a double quote (RFC 5545 3.1).
            address.params["CN"] = vText(self.name.replace('"', "'"))
        if self.role is not None:
            address.params["CUTYPE"] = "INDIVIDUAL"
            address.params["ROLE"] = self.role
        if self.partstat is not None:
            address.params["PARTSTAT"] = self.partstat
        if self.rsvp is not None:
            address.params["RSVP"] = "TRUE" if self.rsvp else "FALSE"
        return address


def new_calendar(method, *, name=None, description=None, refresh=None):
    """An empty VCALENDAR for `method`; `refresh` (a timedelta) for subscribed feeds."""
    if method not in METHODS:
        raise ValueError(f"unknown iTIP method {method!r}")
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    if name:
        calendar.calendar_name = name  # NAME and X-WR-CALNAME
    if description:
        calendar.description = description  # DESCRIPTION and X-WR-CALDESC
    if refresh is not None:
        calendar.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", _duration(refresh))
    return calendar


def _duration(delta):
    minutes = int(delta.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return f"PT{hours}H{minutes}M" if minutes else f"PT{hours}H"


def timed_event(
    *,
    uid,
    start,
    end,
    summary,
    stamp,
    description="",
    location="",
    url=None,
    sequence=None,
    status=None,
    transparent=False,
    organizer=None,
    attendees=(),
    created=None,
    last_modified=None,
    alarm_minutes=None,
):
    """A VEVENT. `start`/`end` are aware datetimes in the zone they should be shown in
    (e.g. Asia/Seoul, written with TZID); `stamp` and the other moments go out in UTC."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be aware datetimes")
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", summary)
    if sequence is not None:
        event.add("sequence", int(sequence))
    if status:
        event.add("status", status)
    event.add("transp", "TRANSPARENT" if transparent else "OPAQUE")
    if location:
        event.add("location", location)
    if description:
        event.add("description", description)
    if url:
        event.add("url", url)
    if organizer is not None:
        event.add("organizer", organizer.to_ical())
    for attendee in attendees:
        event.add("attendee", attendee.to_ical())
    if created is not None:
        event.add("created", created.astimezone(UTC))
    if last_modified is not None:
        event.add("last-modified", last_modified.astimezone(UTC))
    if alarm_minutes:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", summary)
        alarm.add("trigger", timedelta(minutes=-alarm_minutes))
        event.add_component(alarm)
    return event


@lru_cache(maxsize=32)
def _vtimezone(tzid, first_year, last_year):
    return Timezone.from_tzinfo(
        ZoneInfo(tzid),
        tzid=tzid,
        first_date=date(first_year, 1, 1),
        last_date=date(last_year + 1, 1, 1),
    )


def _years(calendar):
    years = set()
    for component in calendar.walk("VEVENT"):
        for key in ("DTSTART", "DTEND"):
            value = component.get(key)
            if value is not None:
                years.add(value.dt.year)
    return (min(years), max(years)) if years else (datetime.now(UTC).year,) * 2


def finish(calendar):
    """Add a VTIMEZONE for every TZID the calendar uses (icalendar builds them from
    zoneinfo, like `Calendar.add_missing_timezones()`, for the years the calendar
    spans; cached, as the meetup mails many invites at once) and serialize it."""
    missing = sorted(calendar.get_missing_tzids())
    if missing:
        first, last = _years(calendar)
        for tzid in reversed(missing):
            # VTIMEZONEs go first, before the components that use them.
            calendar.subcomponents.insert(0, _vtimezone(tzid, first, last))
    return calendar.to_ical()
