"""Read PDFs as a person's tools do: poppler renders and extracts text, zbar reads QR codes."""

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

TOOLS = ("pdftoppm", "pdftotext", "zbarimg")


def require_tools():
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (apt-get install poppler-utils zbar-tools)")


def _as_file(pdf, directory):
    if isinstance(pdf, bytes | bytearray):
        path = Path(directory) / "in.pdf"
        path.write_bytes(pdf)
        return path
    return Path(pdf)


def pdf_text(pdf, *extra):
    require_tools()
    with tempfile.TemporaryDirectory() as directory:
        path = _as_file(pdf, directory)
        result = subprocess.run(
            ["pdftotext", *extra, str(path), "-"], capture_output=True, check=True, timeout=120
        )
    return result.stdout.decode("utf-8")


def qr_codes(pdf, resolution=150, per_page=True):
    """Every QR code zbarimg finds in the PDF rendered at `resolution`: a list
    (one item per page) of lists of decoded texts, or (per_page=False, one
    zbarimg run for all pages) one flat list."""
    require_tools()
    with tempfile.TemporaryDirectory() as directory:
        path = _as_file(pdf, directory)
        subprocess.run(
            ["pdftoppm", "-r", str(resolution), "-gray", "-png", str(path), f"{directory}/page"],
            check=True,
            timeout=600,
        )
        pages = sorted(Path(directory).glob("page-*.png"), key=lambda p: int(p.stem.split("-")[-1]))
        if not per_page:
            result = subprocess.run(
                ["zbarimg", "--raw", "-q", "-Sdisable", "-Sqrcode.enable", *map(str, pages)],
                capture_output=True,
                timeout=600,
            )
            assert result.returncode in (0, 4), result.stderr
            return [line for line in result.stdout.decode().splitlines() if line.strip()]
        found = []
        for page in pages:
            result = subprocess.run(
                ["zbarimg", "--raw", "-q", "-Sdisable", "-Sqrcode.enable", str(page)],
                capture_output=True,
                timeout=120,
            )
            # zbarimg exits 4 when a page has no code at all.
            assert result.returncode in (0, 4), result.stderr
            found.append([line for line in result.stdout.decode().splitlines() if line.strip()])
    return found


def words_with_boxes(pdf):
    """(page number, xMin, yMin, xMax, yMax, word) of each word, and the page sizes."""
    html = pdf_text(pdf, "-bbox")
    pages, words = [], []
    for number, page in enumerate(re.split(r"<page ", html)[1:], start=1):
        width, height = (
            float(v) for v in re.search(r'width="([\d.]+)" height="([\d.]+)"', page).groups()
        )
        pages.append((width, height))
        for match in re.finditer(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
            page,
        ):
            x0, y0, x1, y1 = (float(v) for v in match.groups()[:4])
            words.append((number, x0, y0, x1, y1, match.group(5)))
    return pages, words


def qr_codes_in_image(image):
    """The QR codes zbarimg finds in a picture (PNG bytes or a path), as texts."""
    if shutil.which("zbarimg") is None:
        pytest.skip("needs zbarimg (apt-get install zbar-tools)")
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "picture.png"
        if isinstance(image, bytes | bytearray):
            path.write_bytes(image)
        else:
            path = Path(image)
        result = subprocess.run(
            ["zbarimg", "--raw", "-q", "-Sdisable", "-Sqrcode.enable", str(path)],
            capture_output=True,
            timeout=120,
        )
    assert result.returncode in (0, 4), result.stderr
    return [line for line in result.stdout.decode().splitlines() if line.strip()]
