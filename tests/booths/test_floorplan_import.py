"""Floor plan import: a good file, every kind of bad line, all or nothing,
adjacency and corners from the geometry, and re-import with allocated booths."""

import csv
import io

import pytest
from flask_babel import force_locale
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from eventapp.booths import services
from eventapp.booths.floorplan import COLUMNS, parse_floorplan
from eventapp.booths.models import Booth, BoothAdjacency
from eventapp.core.audit import AuditEntry
from eventapp.extensions import db
from eventapp.organizations.models import SECTORS
from tests.booths.conftest import allocations, audit_actions, place

HEADER = ",".join(COLUMNS)


def island(hall, prefix, columns, rows=2, x0=4, y0=4, zone="ai", size=3):
    """CSV lines of an island of booths, row by row."""
    lines = []
    number = 1
    for row in range(rows):
        for column in range(columns):
            lines.append(
                f"{prefix}{number:02d},{hall},{zone},{x0 + column * size},{y0 + row * size},"
                f"{size},{size},,"
            )
            number += 1
    return lines


def csv_text(*lines):
    return "\n".join([HEADER, *lines]) + "\n"


def refused_in_each_language(event, text, expected):
    """Import `text`, refused with the details of `expected` in each of its
    languages (nothing kept); returns the last refusal."""
    for lang, details in expected.items():
        with force_locale(lang), pytest.raises(services.FloorPlanError) as refused:
            services.import_floorplan(event, text)
        db.session.rollback()
        assert refused.value.details == details, lang
    return refused.value


def booth_codes():
    return sorted(db.session.scalars(select(Booth.code)))


def adjacent_codes():
    code = dict(db.session.execute(select(Booth.id, Booth.code)).all())
    return sorted(
        tuple(sorted((code[a], code[b])))
        for a, b in db.session.execute(select(BoothAdjacency.booth_id, BoothAdjacency.neighbour_id))
    )


def test_good_file_replaces_plan_and_derives_geometry(small_event):
    event = small_event.event
    text = csv_text(
        *island("A", "A-", 3),  # 2 x 3: ends are corners, the middle ones are not
        "B-01,B,bio,4,4,3,3,,premium",
        "B-02,B,BIO,7,4,3,3,no,",  # corner given: wins over the geometry
        "B-03,B,bio,20,4,6,3,yes,",  # a 6 m booth standing alone
    )
    summary = services.import_floorplan(event, text.encode("utf-8"))
    db.session.commit()
    assert summary["booths"] == 9 and summary["created"] == 0 and summary["updated"] == 9
    assert summary["removed"] == 11
    assert booth_codes() == ["A-01", "A-02", "A-03", "A-04", "A-05", "A-06", "B-01", "B-02", "B-03"]
    booths = {b.code: b for b in db.session.scalars(select(Booth))}
    assert {c for c, b in booths.items() if b.corner} == {
        "A-01",
        "A-03",
        "A-04",
        "A-06",
        "B-01",
        "B-03",
    }
    assert booths["B-01"].tier == "premium" and booths["A-01"].tier == "standard"
    assert booths["B-02"].zone == "bio" and booths["B-03"].w == 6
    assert adjacent_codes() == [
        ("A-01", "A-02"),
        ("A-01", "A-04"),
        ("A-02", "A-03"),
        ("A-02", "A-05"),
        ("A-03", "A-06"),
        ("A-04", "A-05"),
        ("A-05", "A-06"),
        ("B-01", "B-02"),
    ]
    assert "floorplan.imported" in audit_actions()


@pytest.mark.parametrize("separator", [";", "\t"])
def test_a_file_excel_saved_with_semicolons_or_tabs_is_read(separator):
    """Excel saves "CSV" with semicolons where the comma is the decimal mark, and a
    copy from a sheet is tab-separated: the floor plan refused such a file for
    "missing columns", while the exhibitor import of the same fair read it."""
    text = csv_text(*island("A", "A-", 2)).replace(",", separator)
    plan = parse_floorplan("\ufeff" + text, {"A": (40, 20)}, {"ai"})
    assert plan.errors == []
    assert [b.code for b in plan.booths] == ["A-01", "A-02", "A-03", "A-04"]
    # Commas stay the separator of a file that has them.
    plan = parse_floorplan(csv_text(*island("A", "A-", 2)), {"A": (40, 20)}, {"ai"})
    assert plan.errors == [] and len(plan.booths) == 4


@pytest.mark.parametrize("separator", [";", "\t"])
def test_a_decimal_comma_is_read_in_a_file_excel_saved_with_semicolons_or_tabs(
    small_event, separator
):
    """Excel writes "4,5" where the comma is the decimal mark, in the very files it
    separates with semicolons: every booth off the whole metre was refused with
    "x is not a number: 4,5", so such a plan could not be imported at all."""
    lines = [
        "booth,hall,zone,x,y,w,h,corner,tier",
        "A-01,A,ai,4,4,2.5,3,,",
        "A-02,A,ai,6.5,4,2.5,3,,",
        "A-03,A,ai,10.25,4.5,3,2.75,,",
    ]
    text = "\n".join(line.replace(",", separator).replace(".", ",") for line in lines)
    summary = services.import_floorplan(small_event.event, text.encode("cp949"))
    db.session.commit()
    assert summary["booths"] == 3
    booths = {b.code: (b.x, b.y, b.w, b.h) for b in db.session.scalars(select(Booth))}
    assert booths == {
        "A-01": (4, 4, 2.5, 3),
        "A-02": (6.5, 4, 2.5, 3),
        "A-03": (10.25, 4.5, 3, 2.75),
    }
    assert adjacent_codes() == [("A-01", "A-02")]
    # What is no number stays refused, and a comma file keeps the point as its mark.
    plan = parse_floorplan(f'{HEADER}\nA-01,A,ai,"4,5",4,3,3,,\n', HALLS, ZONES)
    assert [str(e) for e in plan.errors] == ["Line 2: x is not a number: 4,5."]
    bad = HEADER.replace(",", ";") + "\nA-01;A;ai;4,5,1;4;3;3;;\n"
    plan = parse_floorplan(bad, HALLS, ZONES)
    assert [str(e) for e in plan.errors] == ["Line 2: x is not a number: 4,5,1."]


def test_utf8_bom_and_cp949_files_are_read(small_event):
    text = csv_text(*island("A", "A-", 2, rows=1))
    services.import_floorplan(small_event.event, ("\ufeff" + text).encode("utf-8"))
    db.session.commit()
    assert booth_codes() == ["A-01", "A-02"]
    # Korean Excel saves CP949: the file is read, and the Hangul code reported as such.
    with pytest.raises(services.FloorPlanError) as refused:
        services.import_floorplan(small_event.event, text.replace("A-02", "가-02").encode("cp949"))
    db.session.rollback()
    assert refused.value.details[0].startswith("Line 3: Booth code 가-02 may only hold")


def test_hall_codes_are_matched_in_any_case(small_event):
    """Like booth codes and zones: hall "a" is hall A. It was refused as unknown."""
    services.import_floorplan(
        small_event.event, csv_text("A-01,a,ai,4,4,3,3,,", "B-01,b,bio,4,4,3,3,,")
    )
    db.session.commit()
    halls = dict(db.session.execute(select(Booth.code, Booth.hall_id)).all())
    codes = {hall.id: hall.code for hall in small_event.event.halls}
    assert {code: codes[hall] for code, hall in halls.items()} == {"A-01": "A", "B-01": "B"}


def test_codes_typed_in_full_width_are_the_plans_codes(small_event):
    """Korean Excel in full-width mode types "Ａ－０１", hall "Ａ" and zone "ＡＩ":
    refused as a bad code, "Unknown hall Ａ (known halls: A, B)" and "Unknown zone
    ＡＩ", each looking just like what the plan knows."""
    services.import_floorplan(
        small_event.event,
        csv_text("Ａ－０１,Ａ,ＡＩ,４,４,３,３,ｙｅｓ,ＰＲＥＭＩＵＭ", "B-01,ｂ,bio,4,4,3,3,,"),
    )
    db.session.commit()
    booths = db.session.scalars(select(Booth).order_by(Booth.code)).all()
    assert [(b.code, b.hall.code, b.zone, b.x, b.w, b.corner, b.tier) for b in booths] == [
        ("A-01", "A", "ai", 4, 3, True, "premium"),
        ("B-01", "B", "bio", 4, 3, True, "standard"),
    ]
    # One booth however it is typed: the second line names the first.
    with pytest.raises(services.FloorPlanError) as refused:
        services.import_floorplan(
            small_event.event, csv_text("A-01,A,ai,4,4,3,3,,", "Ａ－０１,A,ai,10,4,3,3,,")
        )
    db.session.rollback()
    assert refused.value.details == ["Line 3: Duplicate booth code A-01 (first on line 2)."]


BAD_LINES = [
    # (line, text of the line, fragment of the reason)
    (2, "A-01,A,ai,4,4,3,3,,", None),  # fine
    (3, "A-02,Z,ai,7,4,3,3,,", "Unknown hall Z"),
    (4, "A-03,A,Space,10,4,3,3,,", "Unknown zone Space"),
    (5, "A-04,A,ai,four,4,3,3,,", "x is not a number: four"),
    (6, "A-05,A,ai,13,4,0,3,,", "w must be greater than zero"),
    (7, "A-06,A,ai,-1,4,3,3,,", "x must not be negative"),
    (8, "A-01,A,ai,30,4,3,3,,", "Duplicate booth code A-01 (first on line 2)"),
    (9, "A-07,A,ai,5,5,3,3,,", "Booth A-07 overlaps booth A-01 (line 2)"),
    (10, "A-08,A,ai,16,4,3,3,maybe,", "corner must be yes, no or empty"),
    (11, "A-09,A,ai,19,4,3,3,,", None),
    (12, "A-10,A,ai,nan,4,3,3,,", "x is not a number"),
    (13, "A 11,A,ai,22,4,3,3,,", "may only hold letters"),
    (14, ",A,ai,25,4,3,3,,", "booth code is missing"),
    (15, "A-12,A,ai,28,4,3,3", "Expected 9 values, found 7"),
    (16, "A-13,A,ai,38,4,3,3,,", "lies outside hall A (40 × 20 m)"),
    (17, "A-14,A,ai,31,4,3,3,,VIP tier", "Tier VIP tier may only hold"),
]


def test_every_bad_line_is_reported_with_its_number_and_nothing_is_imported(small_event):
    before = booth_codes()
    text = csv_text(*[line for _n, line, _reason in BAD_LINES])
    with pytest.raises(services.FloorPlanError) as refused:
        services.import_floorplan(small_event.event, text)
    db.session.rollback()
    details = refused.value.details
    for number, _line, reason in BAD_LINES:
        reported = [d for d in details if d.startswith(f"Line {number}:")]
        if reason is None:
            assert reported == [], f"line {number} is fine but got {reported}"
        else:
            assert any(reason in d for d in reported), f"line {number}: {reason!r} not in {details}"
    assert "problems; nothing was imported" in refused.value.message
    assert booth_codes() == before


def test_a_bad_tier_is_quoted_as_typed_in_the_file(small_event):
    """The message gave the tier in lower case ("gold plus!"), which the organizer
    then searched the file for in vain."""
    text = csv_text("A-01,A,ai,4,4,3,3,,standard", "A-02,A,ai,7,4,3,3,, Gold Plus! ")
    with pytest.raises(services.FloorPlanError) as refused:
        services.import_floorplan(small_event.event, text)
    db.session.rollback()
    assert refused.value.details == [
        "Line 3: Tier Gold Plus! may only hold letters (either case), digits, _ and -, "
        "must start with a letter or digit and be at most 20 characters long."
    ]


@pytest.mark.parametrize("tier", ["\u212aing", "\u0130stanbul"])
def test_a_tier_is_checked_as_typed_not_as_lowered(small_event, tier):
    """The Kelvin sign ("\u212aing") is no ASCII letter, yet lowered it reads "king" and
    passed the rule."""
    text = csv_text("A-01,A,ai,4,4,3,3,,standard", f'A-02,A,ai,7,4,3,3,,"{tier}"')
    with pytest.raises(services.FloorPlanError) as refused:
        services.import_floorplan(small_event.event, text)
    db.session.rollback()
    assert [d[: len("Line 3: Tier")] for d in refused.value.details] == ["Line 3: Tier"]


def test_the_tier_rule_is_worded_as_it_is_applied(small_event):
    """The message asked for "a short lowercase word" while upper case is accepted
    (and stored lowered): an organizer rewrote tiers that were fine."""
    services.import_floorplan(small_event.event, csv_text("A-01,A,ai,4,4,3,3,,Gold-2"))
    db.session.commit()
    assert db.session.scalar(select(Booth.tier)) == "gold-2"
    text = csv_text("A-01,A,ai,4,4,3,3,,_gold", "A-02,A,ai,7,4,3,3,," + "G" * 21)
    expected = {
        "en": "may only hold letters (either case), digits, _ and -, must start with a "
        "letter or digit and be at most 20 characters long.",
        "ko": "에는 영문 대소문자, 숫자, _ 및 - 만 사용할 수 있으며, 영문자나 숫자로 "
        "시작하고 20자 이하여야 합니다.",
    }
    for lang, rule in expected.items():
        with force_locale(lang), pytest.raises(services.FloorPlanError) as refused:
            services.import_floorplan(small_event.event, text)
        db.session.rollback()
        line = {"en": "Line {n}: Tier {tier} ", "ko": "{n}번째 줄: 등급 {tier}"}[lang]
        assert refused.value.details == [
            line.format(n=2, tier="_gold") + rule,
            line.format(n=3, tier="G" * 21) + rule,
        ], lang


def test_an_unknown_zone_is_quoted_as_typed_in_the_file(small_event):
    """The message gave the zone in lower case ("Unknown zone space" for "Space"),
    which is not what the file holds."""
    text = csv_text("A-01,A,AI,4,4,3,3,,", "A-02,A, Deep Space ,7,4,3,3,,")
    with pytest.raises(services.FloorPlanError) as refused:
        services.import_floorplan(small_event.event, text)
    db.session.rollback()
    known = ", ".join(sorted(SECTORS))
    assert refused.value.details == [f"Line 3: Unknown zone Deep Space (known zones: {known})."]


def test_an_empty_cell_is_said_to_be_empty(small_event):
    """An empty x read "Line 2: x is not a number: ." and an empty hall 'Unknown hall
    "" (known halls: A, B)': the organizer was left to work out that a cell was blank."""
    text = csv_text("A-01,A,ai,,4,3,3,,", "A-02,A,ai,7,4, ,3,,", "A-03,,,10,4,3,3,,")
    expected = {
        "en": [
            "Line 2: x is empty; it is required.",
            "Line 3: w is empty; it is required.",
            "Line 4: hall is empty; it is required.",
            "Line 4: zone is empty; it is required.",
        ],
        "ko": [
            "2번째 줄: x 값이 비어 있습니다. 반드시 입력해야 합니다.",
            "3번째 줄: w 값이 비어 있습니다. 반드시 입력해야 합니다.",
            "4번째 줄: hall 값이 비어 있습니다. 반드시 입력해야 합니다.",
            "4번째 줄: zone 값이 비어 있습니다. 반드시 입력해야 합니다.",
        ],
    }
    refused_in_each_language(small_event.event, text, expected)


FILE_PROBLEMS = [
    ("", "The file is empty."),
    ("booth,hall,zone,x,y\nA-01,A,ai,1,1\n", "Missing columns: w, h."),
    (
        HEADER.replace("hall", "Halls") + "\n",
        "Missing column hall; the column 'Halls' of the file is ignored: did you mean hall?",
    ),
    (HEADER + "\n", "The file lists no booths."),
    (b"\xff\xfe\x00b\x00o", "not text"),
]


def test_header_problems_quote_the_columns_as_typed():
    """An ignored or repeated column was named in lower case ("colour" for
    "Colour"), which is not what the header holds."""
    parsed = parse_floorplan(HEADER.replace("zone", "Zone") + ",Colour,  Zone \n", HALLS, ZONES)
    assert [str(e) for e in parsed.errors] == ["Line 1: Column Zone appears twice."]
    assert [str(w) for w in parsed.warnings] == [
        "Line 1: Column 'Colour' is not read by the import and is ignored."
    ]


# A CAD or spreadsheet export: columns of its own around the format's, which
# organizers used to delete before every import.
EXPORTED_HEADER = "No.,booth,Area (m²),hall,zone,x,y,w,h,corner,tier,Price,notes,notes"


def exported_plan(*rows):
    return "\n".join([EXPORTED_HEADER, *rows]) + "\n"


def test_columns_of_an_export_are_ignored_with_a_warning(small_event):
    """A file with columns the format does not know was refused whole ("Unknown
    columns: …"); now they are ignored, each named in a warning, and nothing of
    them is stored."""
    text = exported_plan(
        '1,A-01,9,A,ai,4,4,3,3,,standard,"1,200,000",by the entrance,',
        "2,A-02,9,A,ai,7,4,3,3,yes,premium,900000,,second note",
    )
    expected = {
        "en": [
            "Line 1: Column 'No.' is not read by the import and is ignored.",
            "Line 1: Column 'Area (m²)' is not read by the import and is ignored.",
            "Line 1: Column 'Price' is not read by the import and is ignored.",
            "Line 1: Column 'notes' is not read by the import and is ignored.",
            "Line 1: Column 'notes' is not read by the import and is ignored.",
        ],
        "ko": [
            "1번째 줄: 'No.' 열은 가져오기에서 읽지 않으므로 무시됩니다.",
            "1번째 줄: 'Area (m²)' 열은 가져오기에서 읽지 않으므로 무시됩니다.",
            "1번째 줄: 'Price' 열은 가져오기에서 읽지 않으므로 무시됩니다.",
            "1번째 줄: 'notes' 열은 가져오기에서 읽지 않으므로 무시됩니다.",
            "1번째 줄: 'notes' 열은 가져오기에서 읽지 않으므로 무시됩니다.",
        ],
    }
    for lang, warnings in expected.items():
        with force_locale(lang):
            summary = services.import_floorplan(small_event.event, text.encode("utf-8"))
        db.session.commit()
        assert summary["warnings"] == warnings, lang
    assert booth_codes() == ["A-01", "A-02"]
    booths = {b.code: b for b in db.session.scalars(select(Booth).order_by(Booth.code))}
    assert (booths["A-01"].x, booths["A-01"].w, booths["A-01"].tier) == (4, 3, "standard")
    assert (booths["A-02"].x, booths["A-02"].corner, booths["A-02"].tier) == (7, True, "premium")
    entry = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "floorplan.imported")
        .order_by(AuditEntry.id.desc())
    ).first()
    assert "warnings" not in entry.data
    stored = repr([entry.data, [vars(b) for b in booths.values()]])
    for value in ("1,200,000", "900000", "by the entrance", "second note", "Price"):
        assert value not in stored


def test_values_are_counted_against_the_header_with_its_ignored_columns():
    """A line is read by the header as written: one short of its ignored columns
    is refused, not read with its values shifted."""
    text = exported_plan("1,A-01,9,A,ai,4,4,3,3,,standard,100,note,", "2,A-02,A,ai,7,4,3,3,,")
    parsed = parse_floorplan(text, HALLS, ZONES)
    assert [str(e) for e in parsed.errors] == ["Line 3: Expected 14 values, found 10."]
    assert [b.code for b in parsed.booths] == ["A-01"]


def test_data_under_an_empty_header_cell_is_refused_naming_the_column(small_event):
    """The data of a column without a name in the header was dropped silently."""
    header = HEADER.replace("zone,", "zone,,")
    text = "\n".join([header, "A-01,A,ai,,4,4,3,3,,", "A-02,A,ai,stand by the door,7,4,3,3,,"])
    expected = {
        "en": [
            "Line 1: Column D (column 4) has no name in the header but holds data, "
            "first on line 3: name it, or delete the column."
        ],
        "ko": [
            "1번째 줄: D열(4번째 열)은 머리글에 이름이 없는데 데이터가 있습니다"
            "(처음 나오는 곳: 3번째 줄). 열 이름을 넣거나 열을 삭제하세요."
        ],
    }
    before = booth_codes()
    refused_in_each_language(small_event.event, text, expected)
    assert booth_codes() == before
    # An empty header cell over an empty column is no problem.
    parsed = parse_floorplan(text.replace("stand by the door", ""), HALLS, ZONES)
    assert parsed.errors == [] and [b.code for b in parsed.booths] == ["A-01", "A-02"]


def test_data_past_the_end_of_the_header_is_refused_naming_the_column():
    """A line longer than the header is read by the header; its values past the end
    are named by their column, not only counted."""
    text = csv_text("A-01,A,ai,4,4,3,3,,", "A-02,Q,ai,7,4,3,3,,,,stray", "A-03,A,ai,10,4,3,3,,,,x")
    parsed = parse_floorplan(text, HALLS, ZONES)
    assert [str(e) for e in parsed.errors] == [
        "Line 1: Column K (column 11) has no name in the header but holds data, "
        "first on line 3: name it, or delete the column.",
        "Line 3: Unknown hall Q (known halls: A, B).",
    ]
    # Empty values past the end are counted against the header, as before.
    parsed = parse_floorplan(csv_text("A-01,A,ai,4,4,3,3,,,,"), HALLS, ZONES)
    assert [str(e) for e in parsed.errors] == ["Line 2: Expected 9 values, found 11."]


def test_data_past_excels_last_column_is_named_too():
    text = csv_text("A-01,A,ai,4,4,3,3,," + "," * 19991 + "x")
    (error,) = parse_floorplan(text, HALLS, ZONES).errors
    assert "Column ACOF (column 20000)" in str(error)


def test_a_missing_column_names_the_ignored_column_that_looks_like_it(small_event):
    text = "Booth No,Halls,zone,x,y,width,h\nA-01,A,ai,4,4,3,3\n"
    expected = {
        "ko": [
            "1번째 줄: 누락된 열: w.",
            "1번째 줄: booth 열이 없습니다. 파일의 'Booth No' 열은 무시됩니다. "
            "혹시 booth 열인가요?",
            "1번째 줄: hall 열이 없습니다. 파일의 'Halls' 열은 무시됩니다. 혹시 hall 열인가요?",
        ],
        "en": [
            "Line 1: Missing columns: w.",
            "Line 1: Missing column booth; the column 'Booth No' of the file is ignored: "
            "did you mean booth?",
            "Line 1: Missing column hall; the column 'Halls' of the file is ignored: "
            "did you mean hall?",
        ],
    }
    refused = refused_in_each_language(small_event.event, text, expected)
    # The last refusal, in English, also lists the columns it ignored.
    assert refused.warnings == [
        "Line 1: Column 'Booth No' is not read by the import and is ignored: did you mean booth?",
        "Line 1: Column 'Halls' is not read by the import and is ignored: did you mean hall?",
        "Line 1: Column 'width' is not read by the import and is ignored.",
    ]
    assert len(booth_codes()) == 20


def test_file_level_problems(small_event):
    for text, reason in FILE_PROBLEMS:
        with pytest.raises(services.FloorPlanError) as refused:
            services.import_floorplan(small_event.event, text)
        db.session.rollback()
        assert any(reason in d for d in refused.value.details), refused.value.details


def test_reimport_keeps_allocated_booths_or_names_the_ones_that_would_vanish(small_event):
    alpha = small_event.exhibitors["alpha"]
    place(alpha, ["A-01", "A-02"], state="confirmed")
    booth_id = small_event.booths["A-01"].id
    without = csv_text(*[line for line in island("A", "A-", 5) if not line.startswith("A-02")])
    with pytest.raises(services.FloorPlanError) as refused:
        services.import_floorplan(small_event.event, without)
    db.session.rollback()
    assert refused.value.details == ["Booth A-02 (Alpha Robotics)"]
    assert len(booth_codes()) == 20
    # Keeping A-01 and A-02 (even moved a little) works and keeps the allocation.
    services.import_floorplan(small_event.event, csv_text(*island("A", "A-", 5, x0=5)))
    db.session.commit()
    assert allocations() == {"A-01": (alpha.id, "confirmed"), "A-02": (alpha.id, "confirmed")}
    booth = db.session.scalar(select(Booth).where(Booth.code == "A-01"))
    assert booth.id == booth_id and booth.x == 5


def test_codes_differing_only_in_case_are_one_booth(small_event):
    """Booth codes are matched whatever their case (wishes are stored upper-case),
    so a file cannot hold A-01 and a-01, and a-01 re-imports booth A-01."""
    parsed = parse_floorplan(csv_text("A-01,A,ai,4,4,3,3,,", "a-01,A,ai,7,4,3,3,,"), HALLS, ZONES)
    assert [(e.line, e.kind) for e in parsed.errors] == [(3, "duplicate_code")]
    alpha = small_event.exhibitors["alpha"]
    place(alpha, ["A-01", "A-02"], state="confirmed")
    booth_id = small_event.booths["A-01"].id
    lower = ["a" + line[1:] for line in island("A", "A-", 5)]
    services.import_floorplan(small_event.event, csv_text(*lower, *island("B", "B-", 5)))
    db.session.commit()
    assert allocations() == {"a-01": (alpha.id, "confirmed"), "a-02": (alpha.id, "confirmed")}
    booth = db.session.scalar(select(Booth).where(Booth.code == "a-01"))
    assert booth.id == booth_id


def test_corner_marks_mean_yes():
    text = csv_text("A-01,A,ai,4,4,3,3,x,", "A-02,A,ai,7,4,3,3,O,", "A-03,A,ai,10,4,3,3,-,")
    parsed = parse_floorplan(text, HALLS, ZONES)
    assert [b.corner for b in parsed.booths] == [True, True, False]


def post_plan(client, text, lang=None, **kwargs):
    """Send `text` as the file of the floor plan import page."""
    return client.post(
        "/e/test-expo/manage/booths/import" + (f"?lang={lang}" if lang else ""),
        data={"file": (io.BytesIO(text.encode()), "plan.csv")},
        content_type="multipart/form-data",
        **kwargs,
    )


def test_import_page(login_as, small_event):
    client = login_as("organizer")
    bad = csv_text("A-01,A,ai,4,4,3,3,,", "A-02,Q,ai,7,4,3,3,,")
    response = post_plan(client, bad)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="import-problems"' in page and "Line 3: Unknown hall Q" in page
    good = csv_text(*island("A", "A-", 4), *island("B", "B-", 2, zone="bio"))
    response = post_plan(client, good)
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Booth)) == 12
    exported = client.get("/e/test-expo/manage/booths/floorplan.csv").get_data(as_text=True)
    assert exported.splitlines()[0] == HEADER
    assert len(exported.splitlines()) == 13


def test_import_page_shows_the_ignored_columns(login_as, small_event):
    client = login_as("organizer")
    refused = exported_plan("1,A-01,9,Q,ai,4,4,3,3,,,100,,")
    response = post_plan(client, refused, lang="en")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Line 2: Unknown hall Q" in page
    warnings = page.split('id="import-warnings"', 1)[1].split("</div>", 1)[0]
    assert warnings.count('class="flash flash-warning"') == 5
    assert "Column &#39;Price&#39; is not read by the import and is ignored." in warnings
    good = exported_plan("1,A-01,9,A,ai,4,4,3,3,,,100,,", "2,A-02,9,A,ai,7,4,3,3,,,100,,")
    response = post_plan(client, good, lang="en", follow_redirects=True)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Floor plan imported: 2 booths" in page
    assert (
        '<div class="flash flash-warning" role="status">Line 1: Column &#39;Area (m²)&#39; '
        "is not read by the import and is ignored.</div>"
    ) in page
    assert booth_codes() == ["A-01", "A-02"]


def test_import_page_names_data_under_an_empty_header_cell(login_as, small_event):
    client = login_as("organizer")
    text = csv_text("A-01,A,ai,4,4,3,3,,").replace("tier\n", "tier,\n").replace(",,\n", ",,,x\n")
    before = booth_codes()
    response = post_plan(client, text, lang="en")
    problems = response.get_data(as_text=True).split('id="import-problems"', 1)[1]
    assert (response.status_code, booth_codes()) == (422, before)
    assert (
        "Line 1: Column J (column 10) has no name in the header but holds data, "
        "first on line 2: name it, or delete the column."
    ) in problems


def workbook(*rows):
    """The bytes of an .xlsx file whose first sheet holds `rows`."""
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_plan_in_an_excel_file_is_imported(login_as, small_event):
    """Floor plans come from Excel: an .xlsx file was refused ("Upload a .csv file."),
    to be saved as CSV first. Its rows are read as a CSV file's lines, numbered as
    Excel numbers them; numbers are the cells' numbers, empty cells empty values."""
    client = login_as("organizer")
    bad = workbook(
        COLUMNS,
        ("A-01", "A", "ai", 4, 4, 3, 3, None, None),
        ("A-02", "A", "ai", 7.5, 4, 3, 3),  # its last cells empty: not "7 values"
        ("A-03", "Q", "ai", 13, 4, 3, 3, "yes", "premium"),
    )
    response = client.post(
        "/e/test-expo/manage/booths/import?lang=en",
        data={"file": (io.BytesIO(bad), "plan.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    problems = response.get_data(as_text=True).split('id="import-problems"', 1)[1]
    assert "The floor plan has 1 problem; nothing was imported." in problems
    assert "<li>Line 4: Unknown hall Q (known halls: A, B).</li>" in problems
    good = workbook(
        (*COLUMNS, "Price", None),  # a column of its own, ignored; an empty one
        ("A-01", "A", "ai", 4, 4, 3, 3, "no", None, 100),
        ("A-02", "A", "ai", 7.5, 4, 3, 3),
        ("A-03", "a", "AI", 13, 4, 3, 3, "yes", "premium"),
    )
    response = client.post(
        "/e/test-expo/manage/booths/import?lang=en",
        data={"file": (io.BytesIO(good), "plan.xlsx")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "Floor plan imported: 3 booths (0 new, 3 kept, 17 removed)." in page
    assert "Column &#39;Price&#39; is not read by the import and is ignored." in page
    booths = db.session.scalars(select(Booth).order_by(Booth.code)).all()
    assert [(b.code, b.hall.code, b.zone, b.x, b.corner, b.tier) for b in booths] == [
        ("A-01", "A", "ai", 4, False, "standard"),
        ("A-02", "A", "ai", 7.5, True, "standard"),  # derived: it stands alone
        ("A-03", "A", "ai", 13, True, "premium"),
    ]


def test_a_booth_code_excel_made_a_date_is_refused_naming_it(small_event):
    """A booth "1-1" typed in Excel becomes 1 January: it was imported as booth
    "2026-01-01"."""
    from datetime import datetime

    data = workbook(
        COLUMNS,
        (datetime(2026, 1, 1), "A", "ai", 4, 4, 3, 3),
        ("1-2", "A", "ai", 7, 4, 3, 3),
    )
    refused_in_each_language(
        small_event.event,
        data,
        {
            "en": [
                "Line 2: booth holds the date 2026-01-01: Excel read what was typed as a "
                "date. Format the column as text and type it again."
            ],
            "ko": [
                "2번째 줄: booth 값이 날짜 2026-01-01입니다: Excel이 입력한 값을 날짜로 "
                "읽었습니다. 열 서식을 텍스트로 바꾼 후 다시 입력하세요."
            ],
        },
    )


def test_a_damaged_excel_file_is_said_to_be_one(small_event):
    for data in (workbook(COLUMNS)[:300], b"PK\x03\x04" + b"\x00" * 40):
        with pytest.raises(services.FloorPlanError) as refused:
            services.import_floorplan(small_event.event, data)
        db.session.rollback()
        assert refused.value.details == ["This is not a readable Excel (.xlsx) file."]
    with pytest.raises(services.FloorPlanError) as refused:
        services.import_floorplan(small_event.event, workbook())
    db.session.rollback()
    assert refused.value.details == ["The file is empty."]


def test_cli_import(app, small_event, tmp_path):
    path = tmp_path / "plan.csv"
    path.write_text(csv_text(*island("A", "A-", 2)), encoding="utf-8")
    result = app.test_cli_runner().invoke(
        args=["booths", "import-floorplan", "test-expo", str(path)]
    )
    assert result.exit_code == 0, result.output
    assert "Imported 4 booths" in result.output
    path.write_text(csv_text("A-01,X,ai,1,1,3,3,,"), encoding="utf-8")
    result = app.test_cli_runner().invoke(
        args=["booths", "import-floorplan", "test-expo", str(path)]
    )
    assert result.exit_code == 1
    assert "Line 2" in result.output


def test_cli_import_prints_the_ignored_columns(app, small_event, tmp_path):
    path = tmp_path / "plan.csv"
    path.write_text(exported_plan("1,A-01,9,A,ai,4,4,3,3,,,100,,"), encoding="utf-8")
    with force_locale("en"):
        result = app.test_cli_runner().invoke(
            args=["booths", "import-floorplan", "test-expo", str(path)]
        )
    assert result.exit_code == 0, result.output
    assert "Imported 1 booths" in result.output
    assert "Warning: Line 1: Column 'Price' is not read by the import and is ignored." in (
        result.output
    )
    path.write_text(exported_plan("1,A-01,9,X,ai,4,4,3,3,,,100,,"), encoding="utf-8")
    with force_locale("en"):
        result = app.test_cli_runner().invoke(
            args=["booths", "import-floorplan", "test-expo", str(path)]
        )
    assert result.exit_code == 1
    assert "Line 2: Unknown hall X" in result.output
    assert "Warning: Line 1: Column 'notes' is not read by the import and is ignored." in (
        result.output
    )


# --------------------------------------------------------------------------- property tests

HALLS = {"A": (200, 200), "B": (0, 0)}
ZONES = {"ai", "bio", "eco"}
codes = st.from_regex(r"[A-Z]{1,2}-[0-9]{1,3}", fullmatch=True)


@st.composite
def plans(draw):
    """Valid plans: booths on distinct cells of a grid, random sizes within their cell."""
    count = draw(st.integers(1, 25))
    cells = draw(
        st.lists(
            st.tuples(st.integers(0, 9), st.integers(0, 9)),
            min_size=count,
            max_size=count,
            unique=True,
        )
    )
    names = draw(st.lists(codes, min_size=count, max_size=count, unique=True))
    booths = []
    for (cx, cy), code in zip(cells, names, strict=True):
        w = draw(st.sampled_from([1, 1.5, 2.25, 3]))
        h = draw(st.sampled_from([1, 2, 3]))
        booths.append(
            {
                "booth": code,
                "hall": draw(st.sampled_from(sorted(HALLS))),
                "zone": draw(st.sampled_from(sorted(ZONES))),
                "x": cx * 3,
                "y": cy * 3,
                "w": w,
                "h": h,
                "corner": draw(st.sampled_from(["", "yes", "no"])),
                "tier": draw(st.sampled_from(["", "standard", "premium"])),
            }
        )
    return booths


def to_text(rows):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans())
def test_valid_plans_read_back_exactly(rows):
    parsed = parse_floorplan(to_text(rows), HALLS, ZONES)
    assert parsed.errors == []
    assert [b.code for b in parsed.booths] == [r["booth"] for r in rows]
    for booth, row in zip(parsed.booths, rows, strict=True):
        assert (booth.hall, booth.zone, booth.x, booth.y, booth.w, booth.h) == (
            row["hall"],
            row["zone"],
            row["x"],
            row["y"],
            row["w"],
            row["h"],
        )
        assert booth.corner == {"": None, "yes": True, "no": False}[row["corner"]]
        assert booth.tier == (row["tier"] or "standard")
        assert booth.line == rows.index(row) + 2


@settings(max_examples=150, deadline=None)
@given(plans(), st.data())
def test_one_broken_cell_is_reported_on_its_line_only(rows, data):
    index = data.draw(st.integers(0, len(rows) - 1))
    column = data.draw(st.sampled_from(["hall", "zone", "x", "y", "w", "h", "corner"]))
    broken = [dict(r) for r in rows]
    broken[index][column] = {"hall": "Q", "zone": "mars", "corner": "perhaps"}.get(column, "3m")
    parsed = parse_floorplan(to_text(broken), HALLS, ZONES)
    assert {e.line for e in parsed.errors} == {index + 2}
    assert len(parsed.booths) == len(rows) - 1


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('AB-01,.\n\r"x ai3e')), max_size=300))
def test_parser_never_crashes_and_accepts_only_consistent_plans(text):
    parsed = parse_floorplan(HEADER + "\n" + text, HALLS, ZONES)
    lines = len((HEADER + "\n" + text).splitlines()) + 2
    assert all(0 <= e.line <= lines for e in parsed.errors)
    assert all(str(e) for e in parsed.errors)
    if not parsed.errors:
        found = [b.code for b in parsed.booths]
        assert len(found) == len(set(found)) and found
        for a in parsed.booths:
            for b in parsed.booths:
                if a is not b and a.hall == b.hall:
                    dx = min(a.x + a.w, b.x + b.w) - max(a.x, b.x)
                    dy = min(a.y + a.h, b.y + b.h) - max(a.y, b.y)
                    assert dx <= 1e-6 or dy <= 1e-6


def test_two_plans_imported_at_once(app, small_event, monkeypatch):
    """Two imports at the same moment (two organizers, or a corrected file sent right
    after the first): each must work on the floor as the other one left it, not on
    what it read before the other committed (booths it updates or links to are gone,
    booths it creates exist by now)."""
    import threading

    from eventapp.events.models import Event

    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serializes writing transactions: the race cannot happen there")
    event_id = small_event.event.id
    smaller = csv_text(*island("A", "A-", 3), *island("B", "B-", 2, zone="bio")).encode()
    larger = csv_text(*island("A", "A-", 5), *island("B", "B-", 5, zone="bio")).encode()
    db.session.remove()
    real = services.lock_booths
    local = threading.local()
    other_done = threading.Event()
    errors, order = [], []

    def lock_booths(ids):
        if getattr(local, "slow", False) and not getattr(local, "waited", False):
            local.waited = True
            start_other.set()
            # The other import runs now; unless something makes it wait for us, it
            # commits before we lock anything.
            other_done.wait(timeout=5)
        return real(ids)

    monkeypatch.setattr(services, "lock_booths", lock_booths)
    start_other = threading.Event()

    def run(data, slow):
        local.slow = slow
        try:
            if not slow:
                start_other.wait(timeout=30)
            with app.app_context(), app.test_request_context("/?lang=en"):
                services.import_floorplan(db.session.get(Event, event_id), data)
                db.session.commit()
                order.append(data)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            if not slow:
                other_done.set()

    threads = [
        threading.Thread(target=run, args=(larger, True)),
        threading.Thread(target=run, args=(smaller, False)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    last = {smaller: (6, 4), larger: (10, 10)}[order[-1]]
    expected = [f"A-{n:02d}" for n in range(1, last[0] + 1)]
    expected += [f"B-{n:02d}" for n in range(1, last[1] + 1)]
    assert booth_codes() == sorted(expected)


def test_korean_messages_keep_the_particle_that_fits_the_code(small_event):
    """Filled with a bare %, the messages showed both forms: "A-01이(가) 중복됩니다"."""
    text = csv_text("A-01,A,ai,4,4,3,3,,", "A-01,A,ai,14,4,3,3,,", "A-02,A,ai,24,4,3,3,,")
    text += "A-02,A,ai,34,4,3,3,,\n"
    with force_locale("ko"), pytest.raises(services.FloorPlanError) as refused:
        services.import_floorplan(small_event.event, text)
    db.session.rollback()
    said = "\n".join(refused.value.details)
    assert "부스 코드 A-01이 중복됩니다" in said  # 일: a final consonant
    assert "부스 코드 A-02가 중복됩니다" in said  # 이: none
    assert "(가)" not in said


def test_the_audit_log_names_the_booths_an_import_removed(small_event, login_as):
    """The log said only "Floor plan imported" for an import that deleted booths;
    it names them, in both languages."""
    before = booth_codes()
    services.import_floorplan(small_event.event, csv_text(*island("A", "A-", 3)).encode("utf-8"))
    db.session.commit()
    removed = [code for code in before if code not in booth_codes()]
    assert removed and len(removed) > 1
    organizer = login_as("organizer")
    page = organizer.get("/e/test-expo/manage/audit?lang=en").get_data(as_text=True)
    assert f"Floor plan imported; {len(removed)} booths removed: {', '.join(removed)}" in page
    page = organizer.get("/e/test-expo/manage/audit?lang=ko").get_data(as_text=True)
    assert f"부스 {len(removed)}개 삭제: {', '.join(removed)}" in page
