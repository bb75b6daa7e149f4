"""Periods kept as JSON lists of [start, end], RFC 3339 UTC texts, the end None while
the period lasts: when a scan point was closed, when a company did not exhibit. A
scanner that was offline uploads its scans late; each is judged by whether its time
fell in such a period, not by how things stand at the upload."""

from datetime import UTC, datetime


def iso(moment):
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def noted(periods, inside, now):
    """`periods` once a period starts (`inside`) or ends (not `inside`) at `now`."""
    periods = [list(period) for period in periods or []]
    lasting = bool(periods) and periods[-1][1] is None
    if inside and not lasting:
        periods.append([iso(now), None])
    elif not inside and lasting:
        periods[-1][1] = iso(now)
    return periods


def overlaps(periods, start, end):
    """Whether some of the time from `start` to `end` (a moment, when they are one)
    lies in one of the periods."""
    for first, last in periods or []:
        if datetime.fromisoformat(first) <= end and (
            last is None or start < datetime.fromisoformat(last)
        ):
            return True
    return False
