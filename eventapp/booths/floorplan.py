"""Reading a floor plan from CSV (or the first sheet of an Excel .xlsx file).

The format (README.md, "Floor plan CSV") has one booth per line::

    booth,hall,zone,x,y,w,h,corner,tier
    A-001,A,ai,4,4,3,3,,standard

`parse_floorplan()` checks every line and returns the booths it read together
with every problem found, each with its line number, so an organizer can fix
the whole file at once. Columns of their own that CAD or spreadsheet exports
carry (area, price, notes) are ignored, each named in a warning. It never
touches the database; the import service refuses to store anything while the
list of problems is not empty.
"""

import csv
import datetime
import io
import math
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from eventapp.booths.geometry import EPSILON, Rect, adjacency, corners
from eventapp.core.columns import column_letter, note_unnamed_data, suggested_column
from eventapp.core.i18n import gettext, one_full_stop
from eventapp.core.i18n import lazy_gettext as _l
from eventapp.core.spreadsheets import cell_text

COLUMNS = ("booth", "hall", "zone", "x", "y", "w", "h", "corner", "tier")
REQUIRED = ("booth", "hall", "zone", "x", "y", "w", "h")
CODE_MAX = 16
TIER_MAX = 20
MAX_METRES = 10_000
DEFAULT_TIER = "standard"
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
# Matched as typed, before lower case: str.lower() makes ASCII of some other letters
# (the Kelvin sign K becomes k), which the rule does not admit.
TIER_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
# The Halfwidth and Fullwidth Forms block, where a Korean input method's full-width
# mode types Latin letters, digits and signs.
FULL_WIDTH = re.compile("[\uff01-\uffef]+")
# A number as Excel writes it where the comma is the decimal mark ("4,5").
DECIMAL_COMMA = re.compile(r"[+-]?[0-9]*,[0-9]+")


# Yes and no in a spreadsheet cell, shared with the exhibitor import so that one
# file convention holds everywhere: a mark ("x", "o", "v") means yes.
TRUE_WORDS = frozenset({"1", "y", "yes", "true", "t", "x", "o", "v", "corner", "예", "네"})
FALSE_WORDS = frozenset({"0", "n", "no", "false", "f", "-", "아니오", "아니요"})

MESSAGES = {
    "encoding": _l("The file is not text in UTF-8 (or CP949)."),
    # Same words as the exhibitor import's, which reads .xlsx files alike.
    "not_xlsx": _l("This is not a readable Excel (.xlsx) file."),
    "damaged_xlsx": _l("The Excel (.xlsx) file is damaged: its first sheet cannot be read."),
    "empty": _l("The file is empty."),
    "no_booths": _l("The file lists no booths."),
    "missing_columns": _l("Missing columns: %(columns)s."),
    # Same words as the exhibitor import's, which ignores columns of its own alike.
    "ignored_column": _l("Column '%(column)s' is not read by the import and is ignored."),
    "ignored_column_meant": _l(
        "Column '%(column)s' is not read by the import and is ignored: did you mean %(known)s?"
    ),
    "missing_column_meant": _l(
        "Missing column %(known)s; the column '%(column)s' of the file is ignored: "
        "did you mean %(known)s?"
    ),
    "duplicate_columns": _l("Column %(column)s appears twice."),
    # Same words as the exhibitor import's, which refuses such a column alike.
    "unnamed_column": _l(
        "Column %(letter)s (column %(number)s) has no name in the header but holds "
        "data, first on line %(first)s: name it, or delete the column."
    ),
    "unreadable": _l("The line cannot be read as CSV: %(reason)s."),
    "field_count": _l("Expected %(expected)s values, found %(found)s."),
    "missing_code": _l("The booth code is missing."),
    "long_code": _l("Booth code %(code)s is longer than %(max)s characters."),
    "bad_code": _l(
        "Booth code %(code)s may only hold letters, digits and . _ / - "
        "and must start with a letter or digit."
    ),
    "duplicate_code": _l("Duplicate booth code %(code)s (first on line %(first)s)."),
    "unknown_hall": _l("Unknown hall %(hall)s (known halls: %(known)s)."),
    "unknown_zone": _l("Unknown zone %(zone)s (known zones: %(known)s)."),
    # An empty cell named as such: "x is not a number: ." left the organizer guessing.
    "empty_cell": _l("%(column)s is empty; it is required."),
    "bad_number": _l("%(column)s is not a number: %(value)s."),
    "negative": _l("%(column)s must not be negative: %(value)s."),
    "not_positive": _l("%(column)s must be greater than zero: %(value)s."),
    "too_large": _l("%(column)s is implausibly large: %(value)s."),
    "bad_corner": _l("corner must be yes, no or empty, not %(value)s."),
    "excel_date": _l(
        "%(column)s holds the date %(value)s: Excel read what was typed as a date. Format "
        "the column as text and type it again."
    ),
    "bad_tier": _l(
        "Tier %(tier)s may only hold letters (either case), digits, _ and -, must start "
        "with a letter or digit and be at most %(max)s characters long."
    ),
    "outside_hall": _l("Booth %(code)s lies outside hall %(hall)s (%(width)s × %(height)s m)."),
    "overlap": _l("Booth %(code)s overlaps booth %(other)s (line %(line)s)."),
}


@dataclass(frozen=True)
class RowError:
    """One problem of the file: its line (0 for the file as a whole) and reason."""

    line: int
    kind: str
    params: dict = field(default_factory=dict, hash=False, compare=False)

    @property
    def message(self):
        template = str(MESSAGES[self.kind])  # translated now, in the current language
        # Filled as every message is: a Korean particle after a value keeps its one
        # fitting form ("A-01이", not "A-01이(가)").
        return one_full_stop(template, self.params) if self.params else template

    def __str__(self):
        if self.line:
            return gettext("Line %(line)s: %(message)s", line=self.line, message=self.message)
        return self.message


@dataclass(frozen=True)
class BoothRow:
    line: int
    code: str
    hall: str
    zone: str
    x: float
    y: float
    w: float
    h: float
    corner: bool | None  # None: derive from the geometry
    tier: str

    @property
    def rect(self):
        return Rect(self.code, self.hall, self.x, self.y, self.w, self.h)


@dataclass
class ParsedPlan:
    booths: list[BoothRow]
    errors: list[RowError]
    # What the organizer should know but does not stop the import (columns ignored).
    warnings: list[RowError] = field(default_factory=list)

    @property
    def ok(self):
        return not self.errors and bool(self.booths)


def decode(data):
    """Text of an uploaded file: UTF-8 (with or without BOM), else CP949 from Korean Excel."""
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    for encoding in ("utf-8-sig", "cp949"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def delimiter(text):
    """The separator of a CSV file by its header line: commas, or semicolons or tabs
    (Excel saves "CSV" with semicolons where the comma is the decimal mark)."""
    header = text.split("\n", 1)[0]
    if header.count(";") > header.count(",") or "\t" in header:
        return ";" if header.count(";") >= header.count("\t") else "\t"
    return ","


def _halfwidth(fields):
    """The cells as the plan's codes are written. Korean Excel in full-width mode types
    "Ａ－０１", "Ａ" and "ＡＩ": the same letters as booth A-01, hall A and zone ai,
    which were refused as a bad code, "Unknown hall Ａ (known halls: A, B)" and
    "Unknown zone ＡＩ", each looking like what the plan knows. Only the full-width
    forms are read so: NFKC at large makes ASCII of other letters (the Kelvin sign,
    "²"), which the file means as typed."""
    return [FULL_WIDTH.sub(lambda m: unicodedata.normalize("NFKC", m[0]), c) for c in fields]


def _number(raw, column, line, errors, *, positive, decimal_comma=False):
    """The cell's number. `decimal_comma`: the file is separated by semicolons or tabs,
    as Excel saves it where the comma is the decimal mark, so "4,5" means 4.5."""
    text = raw.strip()
    if not text:
        errors.append(RowError(line, "empty_cell", {"column": column}))
        return None
    if decimal_comma and DECIMAL_COMMA.fullmatch(text):
        text = text.replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if math.isnan(value) or math.isinf(value):
        errors.append(RowError(line, "bad_number", {"column": column, "value": raw.strip()}))
        return None
    if positive and value <= 0:
        errors.append(RowError(line, "not_positive", {"column": column, "value": raw.strip()}))
        return None
    if not positive and value < 0:
        errors.append(RowError(line, "negative", {"column": column, "value": raw.strip()}))
        return None
    if value > MAX_METRES:
        errors.append(RowError(line, "too_large", {"column": column, "value": raw.strip()}))
        return None
    return value


def _word(raw):
    """A cell's word as typed, and as matched (in lower case).

    Messages quote the word as typed: the organizer looks for it in the file,
    not for our lower case."""
    typed = raw.strip()
    return typed, typed.lower()


def _corner(raw, line, errors):
    typed, word = _word(raw)
    if not word:
        return None
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    errors.append(RowError(line, "bad_corner", {"value": typed}))
    return None


def _header(fields, errors, warnings):
    """The header's names (lower case), one per value of a line, ignored ones too."""
    cells = [_word(field) for field in fields]
    names = [name for _typed, name in cells]
    present = {name for name in names if name in COLUMNS}
    meant = {}  # missing column -> the ignored column as typed that looks like it
    for index, (typed, name) in enumerate(cells):
        if not name:
            continue
        if name not in COLUMNS:
            known = suggested_column(typed, COLUMNS, present)
            if known is None:
                warnings.append(RowError(1, "ignored_column", {"column": typed}))
            else:
                meant.setdefault(known, typed)
                warnings.append(
                    RowError(1, "ignored_column_meant", {"column": typed, "known": known})
                )
        elif name in names[:index]:
            errors.append(RowError(1, "duplicate_columns", {"column": typed}))
    missing = [c for c in REQUIRED if c not in present]
    unmeant = [c for c in missing if c not in meant]
    if unmeant:
        errors.append(RowError(1, "missing_columns", {"columns": ", ".join(unmeant)}))
    for column in missing:
        if column in meant:
            errors.append(
                RowError(1, "missing_column_meant", {"column": meant[column], "known": column})
            )
    return names


# An .xlsx file is a ZIP archive; no CSV file starts so.
XLSX_SIGNATURE = b"PK\x03\x04"


def _csv_records(text):
    """(line, values) of each line of CSV text; a line that cannot be read ends them
    as (line, RowError)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter(text))
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield reader.line_num, RowError(reader.line_num, "unreadable", {"reason": str(error)})
            return
        yield reader.line_num, values


class _Date(str):
    """A sheet cell Excel holds as a date ("1-1" typed becomes 1 January): its text."""


def _sheet_text(value):
    text = cell_text(value)
    return _Date(text) if isinstance(value, datetime.date) else text


def _xlsx_records(data):
    """(row number, values) of each row of the first sheet of an .xlsx file, the
    numbers Excel shows beside the rows; a sheet that cannot be read to its end
    ends them as (row, RowError)."""
    import zipfile
    import zlib
    from xml.etree.ElementTree import ParseError

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # a damaged ZIP archive fails in many ways
        yield 0, RowError(0, "not_xlsx")
        return
    number = 0
    try:
        for number, values in enumerate(workbook.worksheets[0].iter_rows(values_only=True), 1):
            yield number, [_sheet_text(value) for value in values]
    except (ParseError, zipfile.BadZipFile, zlib.error, EOFError, KeyError, ValueError):
        yield number + 1, RowError(0, "damaged_xlsx")
    finally:
        workbook.close()


def _trimmed(values):
    """A sheet's row without the empty cells after its last value."""
    end = len(values)
    while end and not values[end - 1].strip():
        end -= 1
    return values[:end]


def parse_floorplan(data, halls, zones):
    """Read a floor plan: CSV text (or bytes), or the bytes of an .xlsx file, whose
    rows are read as the lines of a CSV file (numbered as Excel numbers them).

    `halls` maps hall codes to their (width, height) in metres (0 when unknown:
    then booths are not checked against the hall's outline); `zones` is the
    set of zone codes booths may belong to. Returns a ParsedPlan; booths on
    lines with errors are left out of `booths`.
    """
    errors: list[RowError] = []
    decimal_comma = False
    sheet = isinstance(data, bytes) and data.startswith(XLSX_SIGNATURE)
    if sheet:
        records = _xlsx_records(data)
    else:
        text = decode(data)
        if text is None:
            return ParsedPlan([], [RowError(0, "encoding")])
        if not text.strip():
            return ParsedPlan([], [RowError(0, "empty")])
        # Excel saves semicolons or tabs where the comma is the decimal mark.
        decimal_comma = delimiter(text) != ","
        records = _csv_records(text)
    zones = {z.lower() for z in zones}
    _line, header = next(records, (0, None))
    if header is None:
        return ParsedPlan([], [RowError(0, "empty")])
    if isinstance(header, RowError):
        return ParsedPlan([], [header])
    if sheet:
        header = _trimmed(header)
        if not header:
            return ParsedPlan([], [RowError(0, "empty")])
    warnings: list[RowError] = []
    names = _header(_halfwidth(header), errors, warnings)
    if errors:
        return ParsedPlan([], errors, warnings)

    booths: list[BoothRow] = []
    first_line: dict[str, int] = {}
    unnamed: dict[int, int] = {}  # index of a column without a header cell -> first line with data
    for line, fields in records:
        if isinstance(fields, RowError):
            errors.append(fields)
            break
        if sheet:
            # A sheet's rows run to its last used column, or stop at their last value:
            # as many as the header's, empty ones after what is typed.
            fields = _trimmed(fields)
            fields += [""] * (len(names) - len(fields))
            # A booth "1-1" that Excel made 1 January would be booth "2026-01-01".
            dates = [
                RowError(line, "excel_date", {"column": name, "value": value})
                for name, value in zip(names, fields, strict=False)
                if name in COLUMNS and isinstance(value, _Date)
            ]
            if dates:
                errors.extend(dates)
                continue
        fields = _halfwidth(fields)
        if not fields or all(not f.strip() for f in fields):
            continue
        note_unnamed_data(names, fields, line, unnamed)
        # Data past the end of the header is told as its column's (above): the line
        # is still read by the header. Empty values there are counted as before.
        held = len(fields) > len(names) and any(f.strip() for f in fields[len(names) :])
        if len(fields) < len(names) or (len(fields) > len(names) and not held):
            errors.append(
                RowError(line, "field_count", {"expected": len(names), "found": len(fields)})
            )
            continue
        # The values of ignored columns are counted above, never read.
        row = {name: value for name, value in zip(names, fields, strict=False) if name in COLUMNS}
        booth = _row(row, line, halls, zones, first_line, errors, decimal_comma=decimal_comma)
        if booth is not None:
            booths.append(booth)
    for index, first in sorted(unnamed.items()):
        letter = column_letter(index + 1)
        errors.append(
            RowError(1, "unnamed_column", {"letter": letter, "number": index + 1, "first": first})
        )
    if not booths and not errors:
        errors.append(RowError(0, "no_booths"))
    errors.extend(_overlaps(booths))
    bad_lines = {e.line for e in errors}
    booths = [b for b in booths if b.line not in bad_lines]
    errors.sort(key=lambda e: e.line)
    return ParsedPlan(booths, errors, warnings)


def _hall_named(text, halls):
    """The hall code `text` names, whatever its case ("a" for hall A), like booth
    codes and zones; as typed where no hall, or more than one, answers to it."""
    if text in halls:
        return text
    same = [code for code in halls if code.casefold() == text.casefold()]
    return same[0] if len(same) == 1 else text


def _row(row, line, halls, zones, first_line, errors, *, decimal_comma=False):
    before = len(errors)
    code = row["booth"].strip()
    if not code:
        errors.append(RowError(line, "missing_code"))
    elif len(code) > CODE_MAX:
        errors.append(RowError(line, "long_code", {"code": code, "max": CODE_MAX}))
    elif not CODE_PATTERN.match(code):
        errors.append(RowError(line, "bad_code", {"code": code}))
    elif code.upper() in first_line:
        # Codes are matched whatever their case (wishes, picking), so A-01 and a-01 clash.
        first = first_line[code.upper()]
        errors.append(RowError(line, "duplicate_code", {"code": code, "first": first}))
    else:
        first_line[code.upper()] = line
    hall = _hall_named(row["hall"].strip(), halls)
    if not hall:
        errors.append(RowError(line, "empty_cell", {"column": "hall"}))
    elif hall not in halls:
        known = ", ".join(sorted(halls)) or "-"
        errors.append(RowError(line, "unknown_hall", {"hall": hall, "known": known}))
    typed_zone, zone = _word(row["zone"])
    if not zone:
        errors.append(RowError(line, "empty_cell", {"column": "zone"}))
    elif zone not in zones:
        known = ", ".join(sorted(zones)) or "-"
        errors.append(RowError(line, "unknown_zone", {"zone": typed_zone, "known": known}))
    x = _number(row["x"], "x", line, errors, positive=False, decimal_comma=decimal_comma)
    y = _number(row["y"], "y", line, errors, positive=False, decimal_comma=decimal_comma)
    w = _number(row["w"], "w", line, errors, positive=True, decimal_comma=decimal_comma)
    h = _number(row["h"], "h", line, errors, positive=True, decimal_comma=decimal_comma)
    corner = _corner(row.get("corner", ""), line, errors)
    typed_tier, tier = _word(row.get("tier", ""))
    tier = tier or DEFAULT_TIER
    if len(tier) > TIER_MAX or not TIER_PATTERN.fullmatch(typed_tier or tier):
        errors.append(RowError(line, "bad_tier", {"tier": typed_tier, "max": TIER_MAX}))
    if len(errors) > before:
        return None
    width, height = halls[hall]
    if width and height and (x + w > width + EPSILON or y + h > height + EPSILON):
        errors.append(
            RowError(
                line,
                "outside_hall",
                {"code": code, "hall": hall, "width": _fmt(width), "height": _fmt(height)},
            )
        )
        return None
    return BoothRow(line, code, hall, zone, x, y, w, h, corner, tier)


def _fmt(value):
    return f"{value:g}"


def _overlaps(booths):
    """Booths of one hall whose rectangles share area; reported on the later line."""
    found = []
    by_hall = defaultdict(list)
    for booth in booths:
        by_hall[booth.hall].append(booth)
    for members in by_hall.values():
        members.sort(key=lambda b: b.x)
        active: list[BoothRow] = []
        for booth in members:
            active = [a for a in active if a.x + a.w > booth.x + EPSILON]
            for other in active:
                if _shares_area(booth, other):
                    first, later = sorted((booth, other), key=lambda b: b.line)
                    found.append(
                        RowError(
                            later.line,
                            "overlap",
                            {"code": later.code, "other": first.code, "line": first.line},
                        )
                    )
            active.append(booth)
    return found


def _shares_area(a, b):
    dx = min(a.x + a.w, b.x + b.w) - max(a.x, b.x)
    dy = min(a.y + a.h, b.y + b.h) - max(a.y, b.y)
    return dx > EPSILON and dy > EPSILON


def derive(booths):
    """Adjacent pairs of codes and the corner flag of every booth.

    A corner given in the file wins; an empty corner cell is derived from the
    geometry (two or more sides on an aisle).
    """
    rects = [b.rect for b in booths]
    derived = corners(rects)
    flags = {b.code: (b.corner if b.corner is not None else b.code in derived) for b in booths}
    return adjacency(rects), flags


def to_csv(booths):
    """A floor plan as CSV text in the import format (booths: objects with the fields)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for b in booths:
        hall = b.hall if isinstance(b.hall, str) else b.hall.code
        writer.writerow(
            [
                b.code,
                hall,
                b.zone,
                _fmt(b.x),
                _fmt(b.y),
                _fmt(b.w),
                _fmt(b.h),
                "yes" if b.corner else "no",
                b.tier,
            ]
        )
    return out.getvalue()
