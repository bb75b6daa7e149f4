"""Calendars of the event: iCalendar invites for meetings, private feeds, downloads.

Modules:
- ical.py: building iCalendar objects (RFC 5545/5546) with the `icalendar` library
- models.py: `CalendarFeed`, the per-user-per-event secret behind a private feed URL
- services.py: invites e-mailed through the outbox (receivers of the meetings
  package's signals), feed tokens and the calendars served by the views
- views.py: "My calendar" page, private feed, event calendar, per-meeting download
"""
