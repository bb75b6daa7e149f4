"""Bulk import of exhibitors from a CSV or XLSX file (see docs/exhibitor-import.md).

Three steps, so that nothing is written until the whole file is valid:

1. `read_table()` turns the file into (line number, {column: text}) rows; a
   column the import does not know is left out of them, with a warning.
2. `parse_row()` checks one row on its own (no database): kinds, sectors,
   zones, booth count, wish count, corner, e-mail, country, website.
3. `check_rows()` checks the rows against each other and against the event
   (booths, existing exhibitors and accounts): wished booths, duplicates,
   competitors to avoid.

`prepare()` runs all three and returns a plan with every problem found;
`apply()` writes a valid plan in one transaction.
"""

import csv
import io
import re
import zipfile
import zlib
from contextlib import nullcontext
from dataclasses import dataclass, field
from xml.etree.ElementTree import ParseError

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select

from eventapp.accounts.models import User
from eventapp.accounts.services import normalize_email
from eventapp.booths import floorplan
from eventapp.booths.models import Exhibitor, ExhibitorAvoid
from eventapp.calendar.services import team_change
from eventapp.core import audit, columns
from eventapp.core.i18n import gettext as _
from eventapp.core.spreadsheets import cell_text
from eventapp.events.models import EXHIBITOR_ROLES, EventRole
from eventapp.events.services import grant_role
from eventapp.exhibitors.services import (
    PRIORITY_TIERS,
    clean_company_name,
    company_name_key,
    deactivated_message,
    exhibitor_names,
)
from eventapp.extensions import db
from eventapp.organizations.models import ORGANIZATION_KINDS, SECTORS, Organization

COLUMNS = (
    "name_ko",
    "name_en",
    "kind",
    "sector",
    "country",
    "website",
    "booths",
    "zones",
    "wishes",
    "corner",
    "avoid",
    "contact_email",
    "contact_name",
    "description_ko",
    "description_en",
    "priority_tier",
)
# The columns of the sample file, in this order (the descriptions are optional).
SAMPLE_COLUMNS = COLUMNS[:13]
REQUIRED_COLUMNS = ("kind", "sector", "booths", "contact_email")
NAME_COLUMNS = ("name_ko", "name_en")
MAX_ROWS = 2000
MAX_BYTES = 5 * 1024 * 1024
MAX_BOOTHS = 4
MAX_WISHES = 5

KIND_ALIASES = {
    "mid_size_firm": "midsize_firm",
    "midsize": "midsize_firm",
    "large": "large_firm",
    "research_institute": "institute",
}
# The floor-plan CSV's words, so that "x" means yes in both files; an empty cell is no.
TRUE_WORDS = floorplan.TRUE_WORDS
FALSE_WORDS = floorplan.FALSE_WORDS | {""}
MAX_PRIORITY_TIER = max(PRIORITY_TIERS)
LIST_SPLIT = re.compile(r"[;,|\s]+")
NAME_SPLIT = re.compile(r"[;|\n]+")
WEBSITE = re.compile(r"^https?://[^\s/$.?#][^\s]*\.[^\s]+$", re.IGNORECASE)
HANGUL = re.compile(r"[\uac00-\ud7a3]")


class ImportFileError(Exception):
    """The file cannot be read at all (format, encoding, size)."""


@dataclass(frozen=True, order=True)
class RowProblem:
    line: int
    column: str
    message: str


@dataclass
class ParsedRow:
    line: int
    name_ko: str = ""
    name_en: str = ""
    kind: str = ""
    sector: str = ""
    country: str = "KR"
    website: str | None = None
    booth_count: int = 1
    zones: tuple = ()
    wishes: tuple = ()  # upper-case codes, as stored
    wishes_as_typed: tuple = ()  # for messages: the organizer looks for them in the file
    corner: bool = False
    avoid: tuple = ()
    contact_email: str = ""  # normalized as accounts store it (lower case, ASCII domain)
    contact_email_as_typed: str = ""  # for messages: the organizer looks for it in the file
    contact_name: str = ""
    description_ko: str = ""
    description_en: str = ""
    priority_tier: int = 0

    @property
    def names(self):
        return {company_name_key(n) for n in (self.name_ko, self.name_en) if n}

    @property
    def label(self):
        return self.name_ko or self.name_en


@dataclass
class ImportPlan:
    rows: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    # What the organizer should know but does not stop the import (columns ignored).
    warnings: list = field(default_factory=list)
    # line -> id of an existing organization the row will reuse
    reused_organizations: dict = field(default_factory=dict)
    # e-mail addresses that already have an account
    existing_accounts: set = field(default_factory=set)

    @property
    def ok(self):
        return not self.problems and bool(self.rows)


@dataclass
class ImportResult:
    """What `apply()` wrote: the registrations, and how many contacts were invited to
    their company's team (existing accounts) rather than put on it (new accounts)."""

    exhibitors: list
    invited: int = 0


# -- 1. reading ------------------------------------------------------------------------------


def header_key(name):
    return re.sub(r"[\s\-_]+", "_", cell_text(name).lower()).strip("_")


def suggested_column(typed, present=()):
    """The column of the import an unknown header cell most likely means, or None
    (`columns.suggested_column`)."""
    return columns.suggested_column(typed, COLUMNS, present)


def _decode(data):
    for encoding in ("utf-8-sig", "cp949"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(_("The CSV file must be encoded in UTF-8 (or CP949)."))


def _csv_rows(data):
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=floorplan.delimiter(text))
    for values in reader:
        # line_num is where the record ends; quoted line breaks make it differ from the start.
        yield reader.line_num, values


def _xlsx_rows(data):
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError) as error:
        raise ImportFileError(_("This is not a readable Excel (.xlsx) file.")) from error
    except Exception as error:  # zipfile.BadZipFile and friends
        raise ImportFileError(_("This is not a readable Excel (.xlsx) file.")) from error
    try:
        sheet = workbook.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [cell_text(v) for v in values]
    finally:
        workbook.close()


def read_table(filename, data):
    """(header problems, header warnings, [(line, {column: text})]) of a CSV or XLSX
    file. The rows hold the known columns only: what the others hold is never read."""
    if len(data) > MAX_BYTES:
        raise ImportFileError(_("The file is larger than 5 MB."))
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        source = _xlsx_rows(data)
    elif name.endswith(".csv"):
        source = _csv_rows(data)
    else:
        raise ImportFileError(_("Upload a .csv or .xlsx file."))
    problems, warnings, rows, header = [], [], [], None
    header_line = line = 0
    unnamed = {}  # index of a column without a header cell -> first line with data in it
    try:
        for line, values in source:
            values = [cell_text(v) for v in values]
            if not any(values):
                continue
            if header is None:
                header, header_line = [header_key(v) for v in values], line
                problems, warnings = _check_header(line, header, values)
                continue
            if len(rows) >= MAX_ROWS:
                raise ImportFileError(_("Import at most %(count)s rows at a time.", count=MAX_ROWS))
            columns.note_unnamed_data(header, values, line, unnamed)
            rows.append(
                (
                    line,
                    {
                        key: value
                        for key, value in zip(header, values, strict=False)
                        if key in COLUMNS
                    },
                )
            )
    except UNREADABLE as error:
        raise ImportFileError(_damaged_file_message(name, line + 1)) from error
    if header is None:
        raise ImportFileError(_("The file is empty."))
    for index, first in sorted(unnamed.items()):
        problems.append(_unnamed_column_problem(header_line, index, first))
    return problems, warnings, rows


def _unnamed_column_problem(line, index, first):
    """A column whose header cell is empty holds data: the import cannot tell what it
    is (often a column whose name was cleared, or the header row one cell short)."""
    letter = columns.column_letter(index + 1)
    return RowProblem(
        line,
        letter,
        _(
            "Column %(letter)s (column %(number)s) has no name in the header but holds "
            "data, first on line %(first)s: name it, or delete the column.",
            letter=letter,
            number=index + 1,
            first=first,
        ),
    )


# What a damaged file raises while its rows are read: a CSV cell over the csv
# module's field size limit, a truncated or broken sheet XML or ZIP member of an
# .xlsx file (ParseError, BadZipFile for a bad CRC, zlib.error and EOFError for
# cut deflate data, KeyError for a missing part, ValueError for a bad value).
UNREADABLE = (
    csv.Error,
    ParseError,
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    KeyError,
    ValueError,
)


def _damaged_file_message(name, line):
    """Why a file could not be read to the end; `line` is where the reading stopped."""
    if name.endswith(".csv"):
        return _(
            "Line %(line)s of the CSV file cannot be read: a cell is longer than "
            "%(count)s characters, or the file is damaged.",
            line=line,
            count=csv.field_size_limit(),
        )
    return _("The Excel (.xlsx) file is damaged: its first sheet cannot be read.")


def _check_header(line, header, typed):
    """(problems, warnings) of the header: its keys, and its names as typed, which
    name a repeated or an ignored column (the organizer looks for them in the file).

    Organizers' sheets carry columns of their own (notes, a phone, a "No."): these
    are ignored with a warning. One that looks like a known column missing from the
    file is suggested, on its warning and on the refusal of a required column."""
    problems, warnings = [], []
    present = {key for key in header if key in COLUMNS}
    seen = set()
    meant = {}  # known column -> the ignored column as typed that looks like it
    for key, name in zip(header, typed, strict=True):
        if not key:
            continue
        if key not in COLUMNS:
            suggestion = suggested_column(name, present)
            if suggestion is None:
                message = _(
                    "Column '%(column)s' is not read by the import and is ignored.", column=name
                )
            else:
                meant.setdefault(suggestion, name)
                message = _(
                    "Column '%(column)s' is not read by the import and is ignored: "
                    "did you mean %(known)s?",
                    column=name,
                    known=suggestion,
                )
            warnings.append(RowProblem(line, name, message))
            continue
        if key in seen:
            problems.append(RowProblem(line, name, _("Column appears twice.")))
        seen.add(key)
    for key in REQUIRED_COLUMNS:
        if key not in seen:
            problems.append(RowProblem(line, key, _missing_message(key, meant)))
    if not seen & set(NAME_COLUMNS):
        key = next((c for c in NAME_COLUMNS if c in meant), "name_ko")
        problems.append(RowProblem(line, key, _missing_message(key, meant, names=True)))
    return problems, warnings


def _missing_message(key, meant, names=False):
    if key not in meant:
        return _("Give a name_ko or name_en column.") if names else _("Required column is missing.")
    return _(
        "Required column is missing; the column '%(column)s' of the file is ignored: "
        "did you mean %(known)s?",
        column=meant[key],
        known=key,
    )


# -- 2. one row ------------------------------------------------------------------------------


def _choices(values):
    return ", ".join(sorted(values))


def parse_row(line, raw):
    """Check one row on its own. Returns (ParsedRow or None, [RowProblem]).

    Never raises for any text in any column; a row with problems gives None.
    """
    row, problems = read_row(line, raw)
    return (None if problems else row), problems


def read_row(line, raw):
    """Check one row on its own. Returns (ParsedRow, [RowProblem]): the row as far as
    it could be read (a column with a problem keeps its default or what was valid of
    it), so that a row with problems is still checked against the others."""
    problems = []

    def get(column):
        return cell_text(raw.get(column))

    def problem(column, message):
        problems.append(RowProblem(line, column, message))

    # PostgreSQL text cannot hold NUL (a stray byte of a damaged export): stored, or
    # only looked up, it would fail the preview or the import as a server error.
    for column in COLUMNS:
        if "\x00" in get(column):
            problem(column, _("The cell contains a NUL character, which cannot be stored."))

    row = ParsedRow(line=line)
    row.name_ko, row.name_en = (clean_company_name(get(column)) for column in NAME_COLUMNS)
    if not (row.name_ko or row.name_en):
        problem("name_ko", _("Give the company name in name_ko or name_en."))
    for column in NAME_COLUMNS:
        if len(getattr(row, column)) > 200:
            problem(column, _("At most %(count)s characters.", count=200))

    kind = header_key(get("kind"))
    kind = KIND_ALIASES.get(kind, kind)
    if kind not in ORGANIZATION_KINDS:
        problem(
            "kind",
            _(
                "Unknown kind '%(value)s'; use one of: %(choices)s.",
                value=get("kind"),
                choices=_choices(ORGANIZATION_KINDS),
            ),
        )
    row.kind = kind

    sector = get("sector").lower()
    if sector not in SECTORS:
        problem(
            "sector",
            _(
                "Unknown sector '%(value)s'; use one of: %(choices)s.",
                value=get("sector"),
                choices=_choices(SECTORS),
            ),
        )
    row.sector = sector

    country = get("country").upper() or "KR"
    if not re.fullmatch(r"[A-Z]{2}", country):
        problem("country", _("Use a two-letter country code such as KR or US."))
    row.country = country

    website = get("website")
    if website:
        if "://" not in website:
            website = "https://" + website
        if len(website) > 300 or not WEBSITE.match(website):
            problem("website", _("Not a web address: '%(value)s'.", value=get("website")))
    row.website = website or None

    booths = get("booths")
    count = None
    if re.fullmatch(r"\d{1,3}(\.0+)?", booths):
        count = int(float(booths))
    if count is None or not 1 <= count <= MAX_BOOTHS:
        problem(
            "booths",
            _(
                "Booths must be a whole number from 1 to %(count)s, not '%(value)s'.",
                count=MAX_BOOTHS,
                value=booths,
            ),
        )
    else:
        row.booth_count = count

    zones = []
    for typed in LIST_SPLIT.split(get("zones")):
        zone = typed.lower()
        if not zone:
            continue
        if zone not in SECTORS:
            problem(
                "zones",
                _(
                    "Unknown zone '%(value)s'; use one of: %(choices)s.",
                    value=typed,
                    choices=_choices(SECTORS),
                ),
            )
        elif zone not in zones:
            zones.append(zone)
    row.zones = tuple(zones)

    typed_wishes = [code for code in LIST_SPLIT.split(get("wishes")) if code]
    wishes = [code.upper() for code in typed_wishes]
    if len(wishes) > MAX_WISHES:
        problem(
            "wishes",
            _(
                "At most %(count)s wished booths, not %(value)s.",
                count=MAX_WISHES,
                value=len(wishes),
            ),
        )
    repeated = [typed for i, typed in enumerate(typed_wishes) if wishes[i] in wishes[:i]]
    if repeated:
        codes = ", ".join(dict.fromkeys(repeated))
        problem("wishes", _("Booth wished twice: %(codes)s.", codes=codes))
    row.wishes = tuple(wishes)
    row.wishes_as_typed = tuple(typed_wishes)

    corner = get("corner").lower()
    if corner in TRUE_WORDS:
        row.corner = True
    elif corner not in FALSE_WORDS:
        problem("corner", _("Corner must be yes or no, not '%(value)s'.", value=get("corner")))

    avoid = []
    for name in NAME_SPLIT.split(get("avoid")):
        name = name.strip()
        if name and company_name_key(name) not in {company_name_key(a) for a in avoid}:
            avoid.append(name)
    row.avoid = tuple(avoid)

    email = get("contact_email")
    if not email:
        problem("contact_email", _("A contact e-mail address is required."))
    else:
        try:
            validated = validate_email(email, check_deliverability=False)
        except EmailNotValidError:
            problem("contact_email", _("Not a valid e-mail address: '%(value)s'.", value=email))
        else:
            # As accounts store it (a Hangul domain in its xn-- form): the form the
            # validator gives keeps the Hangul, and would miss the account.
            row.contact_email = normalize_email(validated.normalized)
            row.contact_email_as_typed = email
    row.contact_name = get("contact_name")
    if len(row.contact_name) > 100:
        problem("contact_name", _("At most %(count)s characters.", count=100))
    row.description_ko, row.description_en = get("description_ko"), get("description_en")

    tier = get("priority_tier")
    if re.fullmatch(r"\d{1,3}(\.0+)?", tier) and int(float(tier)) <= MAX_PRIORITY_TIER:
        row.priority_tier = int(float(tier))
    elif tier:
        problem(
            "priority_tier",
            _(
                "Priority tier must be a whole number from 0 to %(max)s, not '%(value)s'.",
                max=MAX_PRIORITY_TIER,
                value=tier,
            ),
        )
    return row, problems


# -- 3. rows against each other and the event --------------------------------------------------


@dataclass(frozen=True)
class EventFacts:
    """What the checks need to know about the event, loaded once."""

    booths: dict  # upper-case code -> object with .zone and .blocked
    exhibitor_names: dict  # company_name_key(name) -> exhibitor id (this event)
    company_of_email: dict  # e-mail -> organization id the account represents here (or None)


def check_rows(rows, facts, failed_names=()):
    """Problems between rows and with the event: duplicates, wishes, avoid, contacts.

    `failed_names` are the company names of rows that did not parse: naming
    them in `avoid` is not reported again (their own problem is)."""
    from eventapp.exhibitors.services import check_wishes

    problems = []
    names_in_file = {}
    emails_in_file = {}
    for row in rows:
        for column in NAME_COLUMNS:
            name = getattr(row, column)
            key = company_name_key(name)
            if not name:
                continue
            if key in facts.exhibitor_names:
                message = _("%(name)s is already an exhibitor of this event.", name=name)
                problems.append(RowProblem(row.line, column, message))
            elif names_in_file.get(key, row.line) != row.line:
                message = _(
                    "Duplicate company: same name as on line %(line)s.", line=names_in_file[key]
                )
                problems.append(RowProblem(row.line, column, message))
        for name in row.names:
            names_in_file.setdefault(name, row.line)

        for message in check_wishes(list(row.wishes_as_typed), list(row.zones), facts.booths):
            problems.append(RowProblem(row.line, "wishes", message))

        email = row.contact_email
        if not email:
            continue  # missing or not an address: reported on its own
        if email in emails_in_file:
            problems.append(
                RowProblem(
                    row.line,
                    "contact_email",
                    _(
                        "%(email)s is already the contact of line %(line)s; one person represents one "
                        "company.",
                        email=row.contact_email_as_typed,
                        line=emails_in_file[email],
                    ),
                )
            )
        else:
            emails_in_file[email] = row.line
        if facts.company_of_email.get(email) is not None:
            problems.append(
                RowProblem(
                    row.line,
                    "contact_email",
                    _(
                        "%(email)s already represents a company at this event.",
                        email=row.contact_email_as_typed,
                    ),
                )
            )

    for row in rows:
        for name in row.avoid:
            key = company_name_key(name)
            if key in row.names:
                problems.append(RowProblem(row.line, "avoid", _("A company cannot avoid itself.")))
            elif not (key in names_in_file or key in facts.exhibitor_names or key in failed_names):
                problems.append(
                    RowProblem(
                        row.line,
                        "avoid",
                        _(
                            "Unknown company '%(name)s': name an exhibitor of this file or of the event.",
                            name=name,
                        ),
                    )
                )
    return problems


def load_facts(event):
    from eventapp.exhibitors.services import booths_by_code

    company_of_email = {}
    for email, organization_id in db.session.execute(
        select(User.email, EventRole.organization_id)
        .join(EventRole, EventRole.user_id == User.id)
        .where(EventRole.event_id == event.id, EventRole.role.in_(EXHIBITOR_ROLES))
    ):
        company_of_email[email] = organization_id
    return EventFacts(
        booths=booths_by_code(event),
        exhibitor_names=exhibitor_names(event),
        company_of_email=company_of_email,
    )


def prepare(event, filename, data):
    """Read and check a whole file; nothing is written."""
    plan = ImportPlan()
    header_problems, plan.warnings, raw_rows = read_table(filename, data)
    plan.problems.extend(header_problems)
    if header_problems:
        return plan
    if not raw_rows:
        plan.problems.append(RowProblem(1, "-", _("The file has no rows to import.")))
        return plan
    # Every row, also one with problems of its own, is checked against the others and
    # the event: all the problems of a row are listed at once, not one more found on the
    # same line once the first are corrected. A row's own problems stand for the checks
    # of their column (a booth count too high is not reported again as a wish problem).
    rows, own_problems = [], {}
    failed_names = set()
    for line, raw in raw_rows:
        row, problems = read_row(line, raw)
        plan.problems.extend(problems)
        rows.append(row)
        if problems:
            own_problems[line] = {p.column for p in problems}
            failed_names.update(
                company_name_key(cell_text(raw.get(c))) for c in NAME_COLUMNS if raw.get(c)
            )
        else:
            plan.rows.append(row)

    def add(problems):
        plan.problems.extend(p for p in problems if p.column not in own_problems.get(p.line, ()))

    emails = sorted({row.contact_email for row in rows if row.contact_email})
    if emails:
        # The contacts' accounts are locked before their companies are read (and until
        # the import commits), as accepting a team invitation locks its person's: one
        # accepted meanwhile is seen here, rather than the import also making its
        # person another company's admin at the event.
        db.session.execute(
            select(User.id).where(User.email.in_(emails)).order_by(User.id).with_for_update()
        ).all()
    add(check_rows(rows, load_facts(event), failed_names))
    deactivated = set()
    if emails:
        accounts = db.session.execute(
            select(User.email, User.active).where(User.email.in_(emails))
        ).all()
        plan.existing_accounts = {email for email, _active in accounts}
        deactivated = {email for email, active in accounts if not active}
    for row in rows:
        if row.contact_email in deactivated:
            # Invited as company admin, the contact could never sign in to accept: the
            # company would have nobody to act for it.
            message = deactivated_message(row.contact_email_as_typed)
            add([RowProblem(row.line, "contact_email", message)])
    # A new account has no other name than the contact's until its owner edits their
    # profile, and badges print it: without one, the badge would name nobody. An
    # existing account keeps its own name (or its e-mail) and needs none here.
    for row in rows:
        if not row.contact_name and row.contact_email not in plan.existing_accounts:
            add(
                [
                    RowProblem(
                        row.line,
                        "contact_name",
                        _(
                            "Give the name of %(email)s: it is printed on their badge.",
                            email=row.contact_email_as_typed,
                        )
                        if row.contact_email
                        else _("Give the contact's name: it is printed on their badge."),
                    )
                ]
            )
    # Two rows may reuse the same organization under different names (one by its
    # Korean name, the other by its English one): a company exhibits only once.
    name_problems = {(p.line, p.column) for p in plan.problems if p.column in NAME_COLUMNS}
    first_line = {}  # organization id -> first line that reuses it
    known = _KnownNames()
    for row in rows:
        if own_problems.get(row.line, set()) & set(NAME_COLUMNS):
            continue  # not looked up: a name too long or with a NUL character
        org, column, other = _matching_organization(row, known)
        if other is not None:
            # Whichever company the import took, the row's other name is another firm's:
            # the organizer says which company the row is.
            if not any((row.line, c) in name_problems for c in NAME_COLUMNS):
                add([RowProblem(row.line, column, _two_companies_message(row, org, other))])
            continue
        if org is None:
            continue
        if row.line not in own_problems:
            plan.reused_organizations[row.line] = org.id
        if org.id not in first_line:
            first_line[org.id] = row.line
        elif not any((row.line, c) in name_problems for c in NAME_COLUMNS):
            add(
                [
                    RowProblem(
                        row.line,
                        column,
                        _("Same company as line %(line)s.", line=first_line[org.id]),
                    )
                ]
            )
    plan.problems.sort()
    return plan


def _two_companies_message(row, first, second):
    return _(
        "name_ko '%(name_ko)s' is the company %(first)s on the platform, but name_en "
        "'%(name_en)s' is another one, %(second)s: give the names of one company.",
        name_ko=row.name_ko,
        name_en=row.name_en,
        first=_both_names(first),
        second=_both_names(second),
    )


def _both_names(org):
    """An organization as the organizer finds it on the platform: both its names."""
    names = [name for name in (org.name_ko, org.name_en) if name]
    return " / ".join(dict.fromkeys(names))


def _matching_organization(row, known):
    """The organization of the platform the row names, to reuse instead of making a
    second one of the same firm: (organization, the name column that matched, None),
    or (None, None, None) if there is none.

    Either name of the row may be either name of the organization, compared as
    duplicates are told (`company_name_key`): a Korean file often writes the English
    name in name_ko, and "ＡＣＭＥ" is the "ACME" already on the platform. When the two
    names of the row are two different organizations, it is (the one of name_ko,
    "name_en", the one of name_en): the row cannot tell which it is."""
    found = {column: known.ids(getattr(row, column)) for column in NAME_COLUMNS}
    by_ko, by_en = found["name_ko"], found["name_en"]
    if by_ko and by_en:
        both = by_ko & by_en
        if not both:
            return known.best(by_ko, row), "name_en", known.best(by_en, row)
        return known.best(both, row), "name_ko", None
    for column in NAME_COLUMNS:
        if found[column]:
            return known.best(found[column], row), column, None
    return None, None, None


class _KnownNames:
    """The platform's organizations by `company_name_key` of each of their names,
    Korean and English alike, read once for an import."""

    def __init__(self):
        self._ids = None
        self._names = {}

    def ids(self, name):
        """The ids of the organizations one of whose names is `name` by its key."""
        if not name:
            return set()
        if self._ids is None:
            self._ids = {}
            for org_id, *names in db.session.execute(
                select(Organization.id, *(getattr(Organization, c) for c in NAME_COLUMNS))
            ):
                self._names[org_id] = names
                for value in names:
                    if value:
                        self._ids.setdefault(company_name_key(value), set()).add(org_id)
        return self._ids.get(company_name_key(name), set())

    def best(self, ids, row):
        """Of organizations that are the same firm by name, the one that bears a name
        of the row as written, else the earliest: the platform's duplicates stay
        where they are, and the import adds to the one the file means."""
        typed = {name for name in (row.name_ko, row.name_en) if name}
        org_id = min(ids, key=lambda i: (not typed & set(self._names[i]), i))
        return db.session.get(Organization, org_id)


# -- writing ---------------------------------------------------------------------------------


def apply(event, plan, status, *, actor=None):
    """Write a valid plan in the current transaction (the caller commits).

    Creates or reuses organizations, creates the registrations with `status`,
    the contacts and the competitor links. A contact the import makes an account
    for is the company admin at once (and gets a link to choose a password); an
    existing account belongs to someone who has not asked to join, and gets an
    invitation as company admin, as a company admin's invitation would be
    (`services.add_member`). Returns an ImportResult.
    """
    from eventapp.exhibitors import services

    if not plan.ok:
        raise ValueError("only a plan without problems can be applied")
    if status not in ("approved", "pending"):
        raise ValueError(f"status {status!r} cannot be imported")
    created = []
    by_name = {}
    for row in plan.rows:
        org = (
            db.session.get(Organization, plan.reused_organizations[row.line])
            if row.line in plan.reused_organizations
            else None
        )
        if org is None:
            org = Organization(
                name_ko=row.name_ko or row.name_en, name_en=row.name_en or row.name_ko
            )
            db.session.add(org)
        for key in ("kind", "sector", "country"):
            setattr(org, key, getattr(row, key))
        org.website = row.website or org.website
        org.description_ko = row.description_ko or org.description_ko or ""
        org.description_en = row.description_en or org.description_en or ""
        exhibitor = Exhibitor(
            event=event,
            organization=org,
            status=status,
            booth_count=row.booth_count,
            zones=list(row.zones),
            wishes=list(row.wishes),
            wants_corner=row.corner,
            priority_tier=row.priority_tier,
        )
        db.session.add(exhibitor)
        user = db.session.scalar(select(User).where(User.email == row.contact_email))
        new_account = user is None
        if new_account:
            user = services.invite_account(
                row.contact_email, row.contact_name, "ko" if row.country == "KR" else "en", org
            )
            # A company of the platform may have meetings booked at the event (in the
            # meetup as an attendee's): its new admin attends them. A new one has none,
            # and its rows are flushed once, below.
            reused = row.line in plan.reused_organizations
            with team_change(user, org, event) if reused else nullcontext():
                grant_role(event, user, "exhibitor_admin", organization=org)
        created.append((row, exhibitor, user, new_account))
        for name in row.names:
            by_name[name] = exhibitor
    db.session.flush()
    for exhibitor_id, org in db.session.execute(
        select(Exhibitor.id, Organization)
        .join(Organization, Exhibitor.organization_id == Organization.id)
        .where(Exhibitor.event_id == event.id)
    ):
        for name in (org.name_ko, org.name_en):
            if name:
                by_name.setdefault(company_name_key(name), exhibitor_id)
    links = set()
    for row, exhibitor, _user, _new in created:
        for name in row.avoid:
            other = by_name[company_name_key(name)]
            other_id = other if isinstance(other, int) else other.id
            if other_id != exhibitor.id:
                links.add((exhibitor.id, other_id))
    for exhibitor_id, other_id in sorted(links):
        db.session.add(ExhibitorAvoid(exhibitor_id=exhibitor_id, avoided_id=other_id))
    for row, exhibitor, user, new_account in created:
        audit.record(
            "exhibitor.imported",
            exhibitor,
            event=event,
            data={
                "line": row.line,
                "organization": row.name_en or row.name_ko,
                "status": status,
                "contact": user.email,
                "contact_invited": not new_account,
                "priority_tier": row.priority_tier,
            },
        )
        if new_account:
            services.mail_member_added(
                user, exhibitor, "exhibitor_admin", password_link=services.set_password_url(user)
            )
        else:
            # Raises (and so stops the whole import) only for what prepare() has
            # checked already under the contacts' row locks.
            services.invite_member(exhibitor, user, "exhibitor_admin", imported=True)
    invited = sum(1 for _row, _exhibitor, _user, new in created if not new)
    audit.record(
        "exhibitor.import",
        None,
        event=event,
        object_type="Event",
        object_id=event.id,
        data={
            "exhibitors": len(created),
            "new_accounts": len(created) - invited,
            "invited": invited,
            "avoid_links": len(links),
            "status": status,
        },
    )
    return ImportResult(
        exhibitors=[exhibitor for _row, exhibitor, _user, _new in created],
        invited=invited,
    )
