"""Every template of the check-in is in use."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"


def test_every_check_in_template_is_named_by_the_code_or_another_template():
    """A template nothing renders, includes or imports still sends its strings to the
    translators and its markup to whoever edits it for a page it is not on. Named
    once in full, as render_template, include and import name them."""
    sources = {
        path: path.read_text(encoding="utf-8")
        for path in [*(ROOT / "eventapp").rglob("*.py"), *TEMPLATES.rglob("*.*")]
    }
    unused = [
        template.relative_to(TEMPLATES).as_posix()
        for template in sorted((TEMPLATES / "checkin").rglob("*.*"))
        if not any(
            template.relative_to(TEMPLATES).as_posix() in text
            for path, text in sources.items()
            if path != template
        )
    ]
    assert unused == []
