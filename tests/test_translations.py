"""The Russian catalogue is complete: every string the code and templates use is translated.

Extraction here needs no system gettext: Python files go through babel's extractor, templates
through Django's own `templatize` (what `makemessages` feeds to xgettext) and then babel.
"""

import gettext
import io
from pathlib import Path

import pytest
from babel.messages.extract import extract_python
from babel.messages.pofile import read_po
from django.utils.translation.template import templatize

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "locale" / "ru" / "LC_MESSAGES" / "django.po"
SOURCE_DIRS = ["config", "events", "registrations"]
SKIPPED_PARTS = {"migrations", "__pycache__"}
KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}


def load_catalogue():
    with CATALOGUE.open("rb") as handle:
        return read_po(handle, locale="ru")


def extract(source: str) -> set[tuple[str | None, str]]:
    """Return (context, msgid) pairs of one Python source text."""
    found = set()
    for _lineno, funcname, extracted, _comments in extract_python(
        io.BytesIO(source.encode()), KEYWORDS.keys(), [], {}
    ):
        messages = [m for m in ((extracted,) if isinstance(extracted, str) else extracted) if m is not None]
        if not messages:
            continue
        if funcname.startswith(("pgettext", "npgettext")):
            context, msgid = messages[0], messages[1]
        else:
            context, msgid = None, messages[0]
        if msgid:
            found.add((context, msgid))
    return found


def used_messages() -> set[tuple[str | None, str]]:
    found = set()
    for folder in SOURCE_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            if SKIPPED_PARTS.isdisjoint(path.parts):
                found |= extract(path.read_text())
    for path in list((ROOT / "templates").rglob("*.html")) + list((ROOT / "templates").rglob("*.txt")):
        found |= extract(templatize(path.read_text(), origin=str(path)))
    return found


def test_catalogue_has_three_russian_plural_forms():
    catalogue = load_catalogue()

    assert catalogue.num_plurals == 3


def test_catalogue_has_no_fuzzy_or_untranslated_entry():
    catalogue = load_catalogue()

    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    untranslated = [
        m.id
        for m in catalogue
        if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))
    ]

    assert fuzzy == []
    assert untranslated == []


def test_every_string_in_code_and_templates_is_in_the_catalogue():
    catalogue = load_catalogue()
    known = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalogue if m.id}

    missing = sorted(used_messages() - known, key=lambda item: item[1])

    assert missing == []


@pytest.mark.parametrize(
    ("count", "expected_form"), [(1, 0), (2, 1), (4, 1), (5, 2), (11, 2), (21, 0), (22, 1), (25, 2)]
)
def test_russian_plural_rule_picks_the_right_form(count, expected_form):
    rule = gettext.c2py(load_catalogue().plural_expr)

    assert rule(count) == expected_form
