"""docs/benchmarks.md holds one section per benchmark between `<!-- NAME:start -->`
and `<!-- NAME:end -->`; each script rewrites its own and leaves the others."""

from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def markers(name):
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def rewrite_section(name, text, heading=None):
    """Put `text` between the section's markers. A section the page lacks is added at
    its end under `heading`; without one, its absence is an error."""
    start, end = markers(name)
    page = DOCS.read_text(encoding="utf-8")
    if start not in page and heading is not None:
        page += f"\n## {heading}\n\n{start}\n{end}\n"
    head, rest = page.split(start, 1)
    _old, tail = rest.split(end, 1)
    DOCS.write_text(f"{head}{start}\n{text}\n{end}{tail}", encoding="utf-8")
