"""The header of an imported spreadsheet: which known column a cell the import
does not read most likely means.

Organizers' files carry columns of their own (notes, an area, a price): the
imports ignore them with a warning, and name the known column one of them looks
like, so that a misspelt column is not silently dropped.
"""

import difflib
import re


def squashed(text):
    """A header cell without case and separators: "Contact.Email" is "contactemail"."""
    return re.sub(r"[\W_]+", "", str(text).strip().lower())


def suggested_column(typed, columns, present=()):
    """The one of `columns` that the header cell `typed` most likely means, or None.

    Only a column missing from the file (not in `present`) is suggested: a "contact
    phone" beside a contact_name is another column, not a misspelt one. Written
    without its separators ("nameko", "Contact.Email"), closely spelt ("contact_emial",
    "booth"), or part of one name only ("email"); a tie ("name") suggests nothing."""
    key = squashed(typed)
    if not key:
        return None
    missing = {squashed(column): column for column in columns if column not in present}
    if key in missing:
        return missing[key]
    close = difflib.get_close_matches(key, missing, n=2, cutoff=0.8)
    ratios = [difflib.SequenceMatcher(None, key, match).ratio() for match in close]
    if close and (len(close) == 1 or ratios[0] > ratios[1]):
        return missing[close[0]]
    if len(key) >= 4:
        holding = [column for name, column in missing.items() if key in name]
        if len(holding) == 1:
            return holding[0]
    return None


def column_letter(number):
    """A spreadsheet's letter of column `number` (1 is A, 27 is AA), past Excel's
    last column too: a CSV row may be longer."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def note_unnamed_data(names, values, line, unnamed):
    """Note in `unnamed` (column index -> first line) each column of `values` that
    holds data under an empty header cell, or past the header's end: the imports
    refuse such data, which was dropped silently, naming the column and its line."""
    for index, value in enumerate(values):
        if value.strip() and (index >= len(names) or not names[index]):
            unnamed.setdefault(index, line)
