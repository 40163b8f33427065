"""Korean is the default language: every UI string in code and templates has a Korean translation."""
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

PROJECT_DIR = Path(__file__).resolve().parent.parent
METHOD_MAP = [("ess/**.py", "python"), ("templates/**.html", "jinja2"), ("templates/**.txt", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}


def ui_strings() -> set[str]:
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(PROJECT_DIR), METHOD_MAP, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_ui_string_has_a_korean_translation():
    with open(PROJECT_DIR / "translations/ko/LC_MESSAGES/messages.po", "rb") as handle:
        catalog = read_po(handle, locale="ko")
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalog
        if m.id and m.string and (m.string if isinstance(m.string, str) else all(m.string)) and not m.fuzzy
    }
    strings = ui_strings()
    assert len(strings) > 50
    missing = sorted(strings - translated)
    assert missing == [], "run `make extract-messages` and translate these in translations/ko"


def test_pages_are_korean_by_default_and_english_on_request(app, demo, browser):
    b = browser("E1041")
    assert "임직원 찾기" in b.get("/").get_data(as_text=True)
    english = b.get("/?lang=en").get_data(as_text=True)
    assert "Directory" in english and 'lang="en"' in english
    assert "Directory" in b.get("/people/").get_data(as_text=True)  # the choice is remembered
