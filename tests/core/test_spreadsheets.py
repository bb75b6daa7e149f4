"""CSV cells that a spreadsheet would run as a formula are defused with an
apostrophe; negative numbers stay numbers."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eventapp.core.spreadsheets import FORMULA_STARTS, csv_cell, csv_safe

# What Excel reads as a number, not a formula, though it begins with a sign.
PLAIN_NEGATIVE = re.compile(r"-[0-9]+(?:\.[0-9]+)?")


@pytest.mark.parametrize(
    ("value", "exported"),
    [
        # Excel would run these as formulas (the phone number shows as -6840).
        ("+82-10-1234-5678", "'+82-10-1234-5678"),
        ("+82 10 1234 5678", "'+82 10 1234 5678"),
        ("-1+1", "'-1+1"),
        ("+1+1", "'+1+1"),
        ("+3", "'+3"),
        ("-12.5e3", "'-12.5e3"),
        ("-(1)", "'-(1)"),
        ("-", "'-"),
        ("=1+1", "'=1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r-1", "'\r-1"),
        ("-12.5\n", "'-12.5\n"),
        ("-١٢", "'-١٢"),
        # Excel reads a negative number as that number: kept as typed.
        ("-12.5", "-12.5"),
        ("-3", "-3"),
        (-7, "-7"),
        # Nothing to defuse.
        ("010-1234-5678", "010-1234-5678"),
        ("1+1", "1+1"),
        ("Alpha Robotics", "Alpha Robotics"),
        ("", ""),
        (None, ""),
    ],
)
def test_csv_safe(value, exported):
    assert csv_safe(value) == exported


@given(
    st.one_of(
        st.text(),
        st.from_regex(r"\A[-+=@\t\r][-+0-9 ().,/*^%&e]*\Z"),
        st.floats(allow_nan=False).map(str),
        st.integers().map(str),
    )
)
def test_csv_safe_leaves_no_formula_but_a_negative_number(text):
    exported = csv_safe(text)
    assert exported in (text, "'" + text)
    if exported[:1] in FORMULA_STARTS:
        assert exported == text and PLAIN_NEGATIVE.fullmatch(text)


@pytest.mark.parametrize(
    ("value", "exported"),
    [
        # Excel would make these numbers, losing the zero or the last digits.
        ("0101", "'0101"),
        ("01012345678", "'01012345678"),
        # Or dates: booth 1-01 on the 1st of January.
        ("1-01", "'1-01"),
        ("3/4", "'3/4"),
        ("12-3-2025", "'12-3-2025"),
        ("2025-09-17", "'2025-09-17"),
        ("09-2025", "'09-2025"),
        # Text Excel keeps as it is.
        ("A-01", "A-01"),
        ("010-1234-5678", "010-1234-5678"),
        ("12", "12"),
        ("12.5", "12.5"),
        ("-3", "-3"),
        ("2025-09-17 10:30", "2025-09-17 10:30"),
        ("=1+1", "'=1+1"),
    ],
)
def test_csv_cell_keeps_what_excel_would_make_a_number_or_a_date(value, exported):
    assert csv_cell(value) == exported
