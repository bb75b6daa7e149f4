"""The organizers' scan log: every scan, filtered by point, result and fair day, a
page at a time, newest first."""

import csv
import io
import re
from datetime import time, timedelta

from sqlalchemy import select, update

from eventapp.checkin import services
from eventapp.checkin.models import Lead, Scan
from eventapp.extensions import db
from tests.checkin.conftest import another_event, scan
from tests.conftest import statements_of

LOG = "/e/test-expo/checkin/scans"


def _rows(html):
    """The scan ids of the log's rows, top to bottom."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [int(n) for n in re.findall(r'<tr id="scan-(\d+)">', body)]


def _older_link(html):
    found = re.search(r'href="([^"]*before=\d+[^"]*)">Older scans<', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_the_log_goes_on_a_page_at_a_time_without_repeating_a_row(scanning, login_as, monkeypatch):
    monkeypatch.setattr(services, "SCAN_LOG_PAGE", 2)
    gate, staff = scanning.points["gate"], login_as("staff")
    for n in range(5):
        scan(staff, gate, f"K1-not-a-code-{n}")
    newest_first = list(
        db.session.scalars(select(Scan.id).order_by(Scan.received_at.desc(), Scan.id.desc()))
    )
    organizer = login_as("organizer")

    first = organizer.get(f"{LOG}?lang=en").get_data(as_text=True)
    assert "5 scans match; 2 shown here" in first
    assert _rows(first) == newest_first[:2]
    assert '<code class="muted">K1-not-a-code-4</code>' in first
    older = _older_link(first)
    assert older and f"before={newest_first[1]}" in older
    # Two more scans come in while the first page is read: the next page goes on
    # where the first stopped, it does not show its last rows again.
    scan(staff, gate, "K1-not-a-code-late-1")
    scan(staff, gate, "K1-not-a-code-late-2")
    second = organizer.get(older).get_data(as_text=True)
    assert _rows(second) == newest_first[2:4]
    assert 'href="/e/test-expo/checkin/scans">Newest<' in second
    third = organizer.get(_older_link(second)).get_data(as_text=True)
    assert _rows(third) == newest_first[4:] and _older_link(third) is None


def test_the_filter_keeps_to_its_day_and_says_when_nothing_matches(scanning, login_as, monkeypatch):
    gate, staff = scanning.points["gate"], login_as("staff")
    assert scan(staff, gate, scanning.code("attendee")).get_json()["status"] == "ok"
    scan(staff, gate, "K1-not-a-code")
    first_day, second_day = scanning.event.days
    # The malformed one counted for the second day (a scanner's later upload, say).
    db.session.execute(update(Scan).where(Scan.result == "invalid").values(day=second_day))
    db.session.commit()
    organizer = login_as("organizer")

    page = organizer.get(f"{LOG}?lang=en&day={second_day}").get_data(as_text=True)
    assert len(_rows(page)) == 1 and "1 scan matches." in page and "Not a badge code" in page
    assert f'<option value="{second_day}" selected>' in page
    page = organizer.get(f"{LOG}?lang=en&day={first_day}&result=invalid").get_data(as_text=True)
    assert "No scan matches the filter." in page and "No scans yet." not in page
    assert "0 scans match." in page
    # The filter travels with the link to older scans.
    scan(staff, gate, "K1-another-bad-code")
    monkeypatch.setattr(services, "SCAN_LOG_PAGE", 1)
    page = organizer.get(f"{LOG}?lang=en&result=invalid").get_data(as_text=True)
    assert "2 scans match; 1 shown here" in page
    older = organizer.get(_older_link(page)).get_data(as_text=True)
    assert "result=invalid" in _older_link(page) and "Not a badge code" in older
    assert "No scan matches" not in older and len(_rows(older)) == 1


def _day_choices(html):
    """(value, label) of the day filter's options but "all"."""
    select_ = html.split('<select name="day">', 1)[1].split("</select>", 1)[0]
    return re.findall(r'<option value="([^"]+)"[^>]*>([^<]*)</option>', select_)


def test_scans_of_days_the_fair_moved_away_from_can_still_be_filtered_by_day(scanning, login_as):
    """The day filter offered the fair's current days only: after the organizers
    moved the fair, the scans of the days it left could not be picked out by day."""
    gate, staff = scanning.points["gate"], login_as("staff")
    assert scan(staff, gate, scanning.code("attendee")).get_json()["status"] == "ok"
    scan(staff, gate, "K1-not-a-code")
    event = scanning.event
    first_day, second_day = event.days
    db.session.execute(update(Scan).where(Scan.result == "invalid").values(day=second_day))
    # A day later: the second day stays a fair day, the first is one no more.
    event.starts_on, event.ends_on = second_day, second_day + timedelta(days=1)
    db.session.commit()
    assert event.days == [second_day, second_day + timedelta(days=1)]
    days, statements = statements_of(lambda: services.scan_log_days(event))
    assert days == [first_day, second_day, second_day + timedelta(days=1)]
    assert statements == 1  # one query, whatever the number of days
    organizer = login_as("organizer")

    page = organizer.get(f"{LOG}?lang=en").get_data(as_text=True)
    choices = _day_choices(page)
    assert [value for value, _label in choices] == [d.isoformat() for d in days]
    assert choices[0][1].endswith("(not a fair day)")
    assert not any(label.endswith("(not a fair day)") for _value, label in choices[1:])
    page = organizer.get(f"{LOG}?lang=en&day={first_day}").get_data(as_text=True)
    assert f'<option value="{first_day}" selected>' in page
    assert "1 scan matches." in page and "not a badge code" not in page
    export = organizer.get(f"/e/test-expo/checkin/scans.csv?lang=en&day={first_day}")
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True).removeprefix("\ufeff"))))
    assert [row["Result"] for row in rows] == ["OK"]


def test_an_empty_log_says_there_are_no_scans_yet(scanning, login_as):
    page = login_as("organizer").get(f"{LOG}?lang=en").get_data(as_text=True)
    assert "No scans yet." in page and "No scan matches" not in page


def test_the_log_exports_as_csv_with_its_filter(scanning, login_as):
    import csv
    import io

    gate, staff = scanning.points["gate"], login_as("staff")
    scan(staff, gate, scanning.code("attendee"))
    scan(staff, gate, scanning.code("attendee"))
    scan(staff, gate, '=HYPERLINK("http://x")')
    scan(staff, scanning.points["vip_gate"], scanning.code("attendee"))
    organizer = login_as("organizer")
    page = organizer.get(f"{LOG}?lang=en&point={gate.id}").get_data(as_text=True)
    # The export is sent by the filter form itself: a filter chosen but not applied
    # yet is exported too.
    form = page.split('<form method="get"', 1)[1].split("</form>", 1)[0]
    assert 'formaction="/e/test-expo/checkin/scans.csv"' in form

    answer = organizer.get(f"/e/test-expo/checkin/scans.csv?lang=en&point={gate.id}")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    text = answer.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert [row["Result"] for row in rows] == ["invalid", "already checked in", "OK"]
    assert {row["Scan point"] for row in rows} == {"Main gate"}
    badge = scanning.badges["attendee"]
    # The number printed under the badge's QR code (000123-1), which the help desk
    # reads off the badge; it was 123-1, found nowhere on the badge.
    assert rows[2]["Badge"] == f"{badge.id:06d}-{badge.issue}" and rows[2]["Badge holder"]
    assert rows[2]["Scanned by"] == scanning.staff.name_en
    # What an unreadable scan held, kept from running as a formula.
    assert rows[0]["Code scanned"].startswith("'=HYPERLINK") and rows[0]["Badge"] == ""
    # Fair-clock times.
    assert rows[2]["Scanned at"].endswith("+09:00")
    korean = organizer.get("/e/test-expo/checkin/scans.csv?lang=ko&result=not_allowed")
    rows = list(csv.reader(io.StringIO(korean.get_data(as_text=True).removeprefix("\ufeff"))))
    assert len(rows) == 2 and rows[1][3] == "VIP 라운지"
    assert login_as("staff").get("/e/test-expo/checkin/scans.csv").status_code == 403


def test_another_events_badge_is_never_shown_whole(scanning, login_as):
    """A badge of another event scanned at this one's gate is a working code
    there: the log and its export show its start, enough to tell what it was."""
    from eventapp.badges import services as badges

    foreign = badges.badge_code(badges.issue_badge(another_event(scanning), scanning.attendee))
    db.session.commit()
    assert len(foreign) > 41
    answer = scan(login_as("staff"), scanning.points["gate"], foreign).get_json()
    assert answer["status"] == "invalid"

    organizer = login_as("organizer")
    page = organizer.get(f"{LOG}?lang=en").get_data(as_text=True)
    export = organizer.get("/e/test-expo/checkin/scans.csv?lang=en").get_data(as_text=True)
    for shown in (page, export):
        assert foreign not in shown and foreign[:40] + "…" in shown


def test_an_older_page_of_no_scan_of_the_event_is_the_newest_page(scanning, login_as):
    """`before` naming another event's scan, no scan at all, or not a number:
    the newest page, not labelled as an older one."""
    gate, staff = scanning.points["gate"], login_as("staff")
    for n in range(3):
        scan(staff, gate, f"K1-not-a-code-{n}")
    newest_first = list(
        db.session.scalars(select(Scan.id).order_by(Scan.received_at.desc(), Scan.id.desc()))
    )
    organizer = login_as("organizer")
    older = organizer.get(f"{LOG}?lang=en&before={newest_first[0]}").get_data(as_text=True)
    assert _rows(older) == newest_first[1:] and ">Newest<" in older and "shown here" in older

    other = another_event(scanning)
    other_event_scan = newest_first[0]
    db.session.execute(update(Scan).where(Scan.id == other_event_scan).values(event_id=other.id))
    db.session.commit()
    for before in (str(other_event_scan), "999999", "abc"):
        page = organizer.get(f"{LOG}?lang=en&before={before}").get_data(as_text=True)
        assert _rows(page) == newest_first[1:], before
        assert ">Newest<" not in page and "shown here" not in page and "2 scans match." in page


def test_the_log_finds_a_holders_scans_by_name_or_whole_code(scanning, login_as):
    """The help desk asks whether someone got in: by name, or by the badge's code."""
    from eventapp.badges import services as badges

    gate, staff = scanning.points["gate"], login_as("staff")
    scan(staff, gate, scanning.code("attendee"))
    scan(staff, gate, scanning.code("outsider"))
    foreign = badges.badge_code(badges.issue_badge(another_event(scanning), scanning.attendee))
    db.session.commit()
    scan(staff, gate, foreign)
    organizer = login_as("organizer")

    def holders(query):
        page = organizer.get(f"{LOG}?lang=en&{query}").get_data(as_text=True)
        return len(_rows(page)), page

    count, page = holders("q=attend")
    assert count == 1 and "Attendee" in page and "Outsider" not in page
    assert holders("q=" + scanning.code("outsider"))[0] == 1
    assert holders("q=%25")[0] == 0  # no wildcard
    # A part of a code finds nothing: parts would rebuild another event's badge.
    assert holders("q=" + foreign[:60])[0] == 0
    assert holders("q=" + foreign)[0] == 1
    # The filter goes on to the export (the form sends it) and to the older pages.
    assert 'name="q" value="attend"' in holders("q=attend")[1]
    export = organizer.get("/e/test-expo/checkin/scans.csv?lang=en&q=outsider").get_data(
        as_text=True
    )
    assert "Outsider" in export and "Attendee" not in export


def test_who_was_scanned_and_the_answer_come_first(scanning, login_as):
    """On a phone they are a scan's first lines, the rest below."""
    scan(login_as("staff"), scanning.points["gate"], scanning.code("attendee"))
    html = login_as("organizer").get(f"{LOG}?lang=en").get_data(as_text=True)
    head = re.findall(r"<th>([^<]+)</th>", html.split("<thead>", 1)[1].split("</thead>", 1)[0])
    assert head[:3] == ["Scanned at", "Result", "Badge holder"]
    row = html.split('<tr id="scan-', 1)[1].split("</tr>", 1)[0]
    cells = row.split("<td")[1:]
    assert "OK" in cells[1] and "Attendee" in cells[2]


def test_the_log_filters_by_the_phone_or_the_person_who_scanned(scanning, login_as, device_token):
    """ "What did the east gate's tablet scan after lunch?", "what did Kim scan?"."""
    gate = scanning.points["gate"]
    token = device_token("gate")
    scan(login_as("anonymous"), gate, scanning.code("attendee"), token=token)
    scan(login_as("anonymous"), gate, scanning.code("outsider"), token=token)
    scan(login_as("staff"), gate, scanning.code("organizer"))
    device_id = db.session.scalar(select(Scan.device_id).where(Scan.device_id.is_not(None)))
    organizer = login_as("organizer")
    page = organizer.get(f"{LOG}?lang=en").get_data(as_text=True)
    choices = page.split('name="scanner"', 1)[1].split("</select>", 1)[0]
    assert f'value="d{device_id}"' in choices and "test (Main gate)" in choices
    assert f'value="u{scanning.staff.id}"' in choices and ">Staff<" in choices
    by_phone = organizer.get(f"{LOG}?lang=en&scanner=d{device_id}").get_data(as_text=True)
    assert len(_rows(by_phone)) == 2
    by_person = organizer.get(f"{LOG}?lang=en&scanner=u{scanning.staff.id}").get_data(as_text=True)
    assert len(_rows(by_person)) == 1
    export = organizer.get(
        f"/e/test-expo/checkin/scans.csv?lang=en&scanner=u{scanning.staff.id}"
    ).get_data(as_text=True)
    assert len(export.strip().splitlines()) == 2  # the header and the staff member's scan
    # Anything else is no filter at all.
    assert len(_rows(organizer.get(f"{LOG}?scanner=x1").get_data(as_text=True))) == 3


def test_a_scanner_filter_written_otherwise_is_shown_chosen(scanning, login_as, device_token):
    gate = scanning.points["gate"]
    scan(login_as("anonymous"), gate, scanning.code("attendee"), token=device_token("gate"))
    device_id = db.session.scalar(select(Scan.device_id).where(Scan.device_id.is_not(None)))
    page = login_as("organizer").get(f"{LOG}?scanner=d0{device_id}").get_data(as_text=True)
    assert f'value="d{device_id}" selected' in page


RAW_REASONS = ("own_company", "lead_removed", "earlier_scan", "timed_scan")


def _scan_log_csv(client, **args):
    response = client.get("/e/test-expo/checkin/scans.csv", query_string=args)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header, body = rows[0], rows[1:]
    return [dict(zip(header, row, strict=True)) for row in body]


def test_scan_log_names_every_reason_in_words_not_as_an_internal_key(
    scanning, login_as, late_clock
):
    """The organizer's scan log (page and CSV) gives each scan's reason in words: a
    colleague's badge scanned at a booth, a removed lead scanned again by an upload,
    and an entry taken over by an earlier offline scan must not read `own_company`,
    `lead_removed` or `earlier_scan`."""
    booth, gate = scanning.points["alpha_booth"], scanning.points["gate"]
    staff = login_as("exhibitor_staff")
    # A colleague's badge at the company's own booth: no lead (reason own_company).
    own = scan(staff, booth, scanning.code("exhibitor_admin")).get_json()
    assert (own["status"], own["reason"]) == ("not_allowed", "own_company")
    # A lead removed, then an older queued scan of it uploaded (reason lead_removed).
    first = scan(staff, booth, scanning.code("attendee")).get_json()
    assert first["status"] == "ok"
    lead = db.session.scalar(select(Lead))
    removed = login_as("exhibitor_admin").post(f"/e/test-expo/leads/{lead.id}/remove")
    assert removed.status_code == 302
    older = scan(
        login_as("exhibitor_staff"),
        booth,
        scanning.code("attendee"),
        at=scanning.at(0, time(9, 0)),
        offline=True,
    ).get_json()
    assert (older["status"], older["reason"]) == ("ok", "lead_removed")
    # An online entry at 11:00, then an offline one of 09:00 uploaded: the first
    # becomes "already checked in" (reason earlier_scan).
    gate_staff = login_as("staff")
    scan(gate_staff, gate, scanning.code("outsider"), at=scanning.at(1, time(11, 0)), offline=True)
    scan(gate_staff, gate, scanning.code("outsider"), at=scanning.at(1, time(9, 0)), offline=True)

    organizer = login_as("organizer")
    reasons = {row["Reason"] for row in _scan_log_csv(organizer)}
    assert not reasons & set(RAW_REASONS), reasons
    page = organizer.get("/e/test-expo/checkin/scans").get_data(as_text=True)
    for key in ("own_company", "lead_removed"):
        assert f'title="{key}">{key}<' not in page, key


def test_a_booth_scan_of_a_lead_already_captured_reads_so_in_the_log(scanning, login_as):
    """A badge scanned twice at a booth: its scanner said "already captured" (a lead,
    no check-in), and so do the log, its CSV and the scan points' counts; a gate's
    second scan stays "already checked in"."""
    booth, gate = scanning.points["alpha_booth"], scanning.points["gate"]
    for point, role in ((booth, "exhibitor_staff"), (gate, "staff")):
        client = login_as(role)
        scan(client, point, scanning.code("attendee"))
        again = scan(client, point, scanning.code("attendee")).get_json()
        assert again["status"] == "already_checked_in", again
    organizer = login_as("organizer")
    # The export keeps the values as written; the page shows each result on its own,
    # with a capital in English.
    for lang, captured, checked_in, shown in (
        (
            "en",
            "already captured",
            "already checked in",
            ("Already captured", "Already checked in"),
        ),
        ("ko", "이미 수집됨", "이미 입장 확인됨", ("이미 수집됨", "이미 입장 확인됨")),
    ):
        by_point = {
            (row[3], row[4])
            for row in csv.reader(
                io.StringIO(
                    organizer.get(f"/e/test-expo/checkin/scans.csv?lang={lang}")
                    .get_data(as_text=True)
                    .removeprefix("\ufeff")
                )
            )
        }
        assert (booth.localized("name", lang), captured) in by_point
        assert (gate.localized("name", lang), checked_in) in by_point
        assert (booth.localized("name", lang), checked_in) not in by_point
        page = organizer.get(f"{LOG}?lang={lang}&point={booth.id}").get_data(as_text=True)
        assert f">{shown[0]}</span>" in page and f">{shown[1]}</span>" not in page
    overview = organizer.get("/e/test-expo/checkin/?lang=en").get_data(as_text=True)
    row = overview.split(f'/checkin/points/{booth.id}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-label="Already captured"' in row


def test_a_scan_points_rejected_count_opens_its_refused_scans(scanning, login_as):
    """Each count of the scan points' table opened its scans in the log but the
    rejected one: the log had no filter for every refusal at once."""
    gate, vip, staff = scanning.points["gate"], scanning.points["vip_gate"], login_as("staff")
    scan(staff, gate, scanning.code("attendee"))
    scan(staff, gate, scanning.code("attendee"))
    scan(staff, gate, "K1-not-a-code")
    scan(staff, gate, scanning.code("outsider"))
    scan(staff, vip, scanning.code("outsider"))  # another point's refusal
    organizer = login_as("organizer")
    overview = organizer.get("/e/test-expo/checkin/?lang=en").get_data(as_text=True)
    row = overview.split(">Main gate</a>", 1)[1].split("</tr>", 1)[0]
    link = re.search(r'data-label="Rejected"><a class="tap" href="([^"]+)">1<', row)
    assert link, row
    page = organizer.get(link.group(1).replace("&amp;", "&") + "&lang=en").get_data(as_text=True)
    assert "1 scan matches." in page and "Not a badge code" in page
    assert 'value="rejected" selected' in page
    rows = _scan_log_csv(organizer, point=gate.id, result="rejected", lang="en")
    assert [row["Result"] for row in rows] == ["invalid"]
    # Every refusal, whatever its kind, at every point.
    every = _scan_log_csv(organizer, result="rejected", lang="en")
    assert sorted(row["Result"] for row in every) == ["invalid", "not allowed here"]
    page = organizer.get(f"{LOG}?lang=ko&result=rejected").get_data(as_text=True)
    assert "반려됨(사유 무관)</option>" in page


def test_the_log_finds_a_badges_scans_by_its_printed_number(scanning, login_as):
    """The help desk holds a badge and asks whether it got in: the number under its
    QR code (000123-1) found nothing, only the holder's name or the whole code did."""
    gate, staff = scanning.points["gate"], login_as("staff")
    scan(staff, gate, scanning.code("attendee"))
    scan(staff, gate, scanning.code("outsider"))
    badge = scanning.badges["attendee"]
    organizer = login_as("organizer")
    for typed in (f"{badge.id:06d}-{badge.issue}", str(badge.id)):
        page = organizer.get(f"{LOG}?lang=en&q={typed}").get_data(as_text=True)
        assert len(_rows(page)) == 1 and "Attendee" in page and "Outsider" not in page, typed
    page = organizer.get(f"{LOG}?lang=ko").get_data(as_text=True)
    assert 'placeholder="이름, 출입증 번호 또는 코드"' in page


def test_a_code_of_digits_is_exported_as_it_was_read(scanning, login_as):
    """A hand scanner reading a product's barcode sends digits: Excel opened the
    export's 0012345678905 as 12345678905, and 8801234567890 as 8.80123E+12."""
    gate, staff = scanning.points["gate"], login_as("staff")
    for code in ("0012345678905", "8801234567890"):
        assert scan(staff, gate, code).get_json()["status"] == "invalid"
    export = login_as("organizer").get("/e/test-expo/checkin/scans.csv?lang=en")
    rows = csv.DictReader(io.StringIO(export.get_data(as_text=True).removeprefix("\ufeff")))
    assert sorted(row["Code scanned"] for row in rows) == ["'0012345678905", "'8801234567890"]


def _result_choice(page):
    """The label of the result filter's "already" choice."""
    return re.search(r'<option value="already_checked_in"[^>]*>([^<]*)</option>', page).group(1)


def test_the_result_filter_names_a_repeat_as_the_points_scanners_did(scanning, login_as):
    """A booth's "Already captured" count opens the log filtered by that result, and
    the filter said "Already checked in"; it names the repeat as the chosen points'
    scanners did, and both where booths and gates mix."""
    organizer = login_as("organizer")
    booth, gate = scanning.points["alpha_booth"], scanning.points["gate"]
    for query, shown in (
        (f"point={booth.id}&result=already_checked_in", "Already captured"),
        (f"point={gate.id}", "Already checked in"),
        ("", "Already checked in or captured"),
    ):
        page = organizer.get(f"{LOG}?lang=en&{query}").get_data(as_text=True)
        assert _result_choice(page) == shown
    page = organizer.get(f"{LOG}?lang=ko&point={booth.id}").get_data(as_text=True)
    assert _result_choice(page) == "이미 수집됨"
