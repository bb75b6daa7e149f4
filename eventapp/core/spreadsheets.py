"""Guards for CSV and XLSX exports of text that people typed (names, notes).

Spreadsheet programs run a cell that looks like a formula: a company called
`=HYPERLINK(...)` would become a link (or worse) in the organizer's Excel.
`csv_safe()` defuses such a value for CSV (`csv_cell()` also keeps digits as
text), `keep_as_text()` for the cells of an openpyxl row. `xlsx_row()` drops the
control characters XLSX cannot hold. `cell_text()` reads a cell of an imported
sheet as the text a CSV file would hold.
"""

import re
from datetime import datetime, time

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

# Spreadsheet programs read a CSV cell that begins with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A negative number is exported as typed: Excel reads "-12.5" as the number
# itself, not as a formula, and an apostrophe would turn it into text. Anything
# more after a sign is arithmetic that Excel evaluates: the phone number
# "+82-10-1234-5678" becomes =82-10-1234-5678, and even "+3" the formula =+3.
NEGATIVE_NUMBER = re.compile(r"-[0-9]+(?:\.[0-9]+)?")


def csv_safe(value):
    """`value` as CSV text, apostrophe-prefixed if a spreadsheet would run it as a formula."""
    text = "" if value is None else str(value)
    if text[:1] in FORMULA_STARTS and not NEGATIVE_NUMBER.fullmatch(text):
        return "'" + text
    return text


# Excel opens a CSV cell of digits as a number: a phone number typed without hyphens
# (01012345678) loses its leading zero, and twelve digits or more turn into 8.21E+11
# (past fifteen, the last ones into zeros).
DIGITS_READ_AS_A_NUMBER = re.compile(r"0[0-9]+|[0-9]{12,}")
# And digits joined by hyphens or slashes as a date: booth "1-01" became 1 January,
# "3/4" the 4th of March (or the 3rd of April), shown as "01-Jan" and sorted as dates.
DIGITS_READ_AS_A_DATE = re.compile(
    r"[0-9]{1,4}[-/][0-9]{1,2}(?:[-/][0-9]{1,4})?|[0-9]{1,2}[-/][0-9]{4}"
)


def csv_cell(value):
    """`value` as a CSV cell that Excel shows as it is: never run as a formula
    (csv_safe), and digits kept as text (not turned into a number or a date),
    apostrophe-prefixed as csv_safe does."""
    text = csv_safe(value)
    if DIGITS_READ_AS_A_NUMBER.fullmatch(text) or DIGITS_READ_AS_A_DATE.fullmatch(text):
        return "'" + text
    return text


def keep_as_text(cells):
    """Make openpyxl cells that would be formulas or errors plain text, so Excel never runs them."""
    # In XLSX only a cell of formula type runs; openpyxl gives that type to text
    # starting with "=" (and the error type to "#N/A" and the like). Such text is
    # stored as a plain string with Excel's quote prefix (what typing an
    # apostrophe does, without the apostrophe becoming part of the value).
    for cell in cells:
        if cell.data_type in ("f", "e"):
            cell.data_type = "s"
            cell.quotePrefix = True


def xlsx_row(values):
    """A row for openpyxl, its text without the control characters (a vertical tab
    pasted into a note, say) that openpyxl refuses, which would fail the whole export."""
    return [
        ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value
        for value in values
    ]


def cell_text(value):
    """A spreadsheet cell as stripped text (numbers without a trailing .0)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    # Excel turns what it takes for a date into one ("3-1" typed in a wishes or a
    # booths cell): shown as the date only, a problem names one value, not a date
    # and a "00:00:00" that the list split read as a second booth code.
    if isinstance(value, datetime) and value.time() == time():
        return value.date().isoformat()
    return str(value).strip()
