"""Template globals and filters shared by every page."""

from zoneinfo import ZoneInfo

from babel import Locale
from babel.core import get_global
from babel.dates import (
    format_datetime,
    format_interval,
    format_skeleton,
    get_timezone,
    get_timezone_location,
)
from flask import g, has_request_context
from flask_babel import format_date, get_locale
from flask_login import current_user
from jinja2 import pass_context

from eventapp.core.db import utcnow
from eventapp.core.i18n import (
    current_language,
    install_template_gettext,
    label,
    linked_language,
    ngettext,
)
from eventapp.core.nav import event_nav_items
from eventapp.core.permissions import company_of, has_role, roles_of

SEOUL = ZoneInfo("Asia/Seoul")


def local_time(moment, fmt="yyyy-MM-dd HH:mm", event=None):
    """Format an aware UTC datetime in the event's time zone."""
    if moment is None:
        return ""
    tz = event.tz if event is not None else SEOUL
    return format_datetime(moment, fmt, tzinfo=tz, locale=get_locale())


def local_clock(moment, event=None, now=None):
    """The time of day of a moment, with its day in front when that is not today in the
    event's time zone ("09:30", "Dec 7 09:30", "12월 7일 09:30"). For an end that may
    be up to a day away, such as a booth hold's: "until 09:30" alone could be tomorrow's."""
    if moment is None:
        return ""
    tz = event.tz if event is not None else SEOUL
    if moment.astimezone(tz).date() == (now or utcnow()).astimezone(tz).date():
        return local_time(moment, "HH:mm", event)
    day = format_skeleton("MMMd", moment, tzinfo=tz, locale=get_locale())
    return f"{day} {local_time(moment, 'HH:mm', event)}"


def fair_day(day, event=None):
    """A day as people read it: "Dec 10", "12월 10일", with the year only when it is
    not the fair's ("Jan 3, 2027"). The short date of the locale read "26. 12. 10."
    in Korean and "12/10/26" in English, which nobody reads at a glance."""
    if day is None:
        return ""
    year = event.starts_on.year if event is not None and event.starts_on else None
    skeleton = "MMMd" if day.year == year else "yMMMd"
    return format_skeleton(skeleton, day, locale=get_locale())


def fair_dates(event, weekdays=False):
    """A fair's days with their year, as one range: "Dec 10 – 11, 2026",
    "2026년 12월 10일~11일" (each year named where it spans two). Lists of fairs
    of several years need the year, which "26. 12. 10." hid in its short form.
    With `weekdays`, as the fair's own page gives them to visitors planning their
    trip: "Thu, Dec 10 – Fri, Dec 11, 2026", "2026년 12월 10일 (목) ~ 11일 (금)"."""
    if event.starts_on is None:
        return ""
    ends_on = event.ends_on or event.starts_on
    skeleton = "yMMMEd" if weekdays else "yMMMd"
    return format_interval(event.starts_on, ends_on, skeleton, locale=get_locale())


def is_web_address(value):
    """Only http(s) addresses become links: a stored `javascript:` or `data:`
    address would run in the reader's browser."""
    return isinstance(value, str) and value.strip().lower().startswith(("http://", "https://"))


def country_name(code, language=None):
    """A country's name in the page's language, or in `language` for what is printed in
    a set one ("KR": 대한민국, South Korea); the code itself where Babel knows no
    such territory."""
    if not code:
        return ""
    return Locale.parse(language or current_language()).territories.get(code.upper(), code)


def plural_forms(singular, plural, **variables):
    """Both forms of a counted text for a page's script, which picks one by the count
    (Intl.PluralRules): the count is known only there. Extracted like ngettext."""
    return {
        form: ngettext(singular, plural, n, **variables) for form, n in (("one", 1), ("other", 2))
    }


def _page_event(context, event=None):
    """`event`, else the page's event (a template's `event` may be something else)."""
    if event is None:
        page_event = context.get("event")
        event = page_event if hasattr(page_event, "tz") else None
    return event


@pass_context
def _local_time_filter(context, moment, fmt="yyyy-MM-dd HH:mm", event=None):
    """`local_time` in a template: the page's event's time zone unless one is named, so
    that an event held outside Seoul shows its own times everywhere."""
    return local_time(moment, fmt, _page_event(context, event))


@pass_context
def _local_clock_filter(context, moment, event=None):
    """`local_clock` in a template, in the page's event's time zone like `local_time`."""
    return local_clock(moment, _page_event(context, event))


@pass_context
def _fair_day_filter(context, day, event=None):
    """`fair_day` in a template, for the page's event."""
    return fair_day(day, _page_event(context, event))


def zone_name(name):
    """A time zone as people read it ("South Korea Time", "대한민국 시간"): the IANA
    name ("Asia/Seoul") told Korean visitors nothing. Mails and calendars keep the
    IANA name, which clients and foreign visitors' tools read alike."""
    try:
        zone = get_timezone(name)
    except LookupError:
        return name
    canonical = get_global("zone_aliases").get(name, name)
    if get_global("zone_territories").get(canonical, "ZZ") != "ZZ":
        return get_timezone_location(zone, locale=get_locale())
    # UTC and the Etc/GMT±N zones lie in no country: babel names them "Unknown
    # Region (UTC) Time", which reads like a fault. Their offset is all they mean.
    offset = utcnow().astimezone(zone).utcoffset()
    minutes = int(offset.total_seconds()) // 60
    if not minutes:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    hours, minutes = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


def register(app):
    install_template_gettext(app.jinja_env)
    app.add_template_filter(_local_time_filter, "local_time")
    app.add_template_filter(_local_clock_filter, "local_clock")
    app.add_template_filter(_fair_day_filter, "fair_day")
    app.add_template_filter(fair_dates, "fair_dates")
    app.add_template_test(is_web_address, "web_address")
    app.add_template_global(event_nav_items, "event_nav_items")
    app.add_template_global(plural_forms, "plural_forms")
    app.add_template_filter(country_name, "country_name")
    app.add_template_filter(zone_name, "zone_name")
    app.add_template_filter(label, "label")
    app.add_template_filter(lambda d, fmt="medium": format_date(d, fmt), "date")

    @app.context_processor
    def inject():
        event = g.get("event")
        return {
            "current_event": event,
            "lang": current_language(),
            "linked_lang": linked_language() if has_request_context() else None,
            "languages": app.config["LANGUAGES"],
            "my_roles": roles_of(current_user, event) if event is not None else set(),
            "can": lambda *roles: event is not None and has_role(current_user, event, *roles),
            "my_company": (lambda: company_of(current_user, event)) if event else (lambda: None),
        }
