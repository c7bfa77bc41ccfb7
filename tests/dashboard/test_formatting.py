"""The dashboard's numbers in each language: the quick path for whole numbers gives babel's result."""

import pytest
from babel.numbers import format_decimal

from registrations.dashboard import Formatter

VALUES = [0, 7, 999, 1000, 12345, 300000, 1234567, 3000000000, -1234, 2.5, 1234.75]


@pytest.mark.parametrize(("language", "locale"), [("en", "en_GB"), ("ru", "ru")])
def test_counts_are_formatted_as_babel_formats_them(language, locale):
    fmt = Formatter(language)

    assert [fmt.count(value) for value in VALUES] == [format_decimal(value, locale=locale) for value in VALUES]


def test_counts_use_each_languages_group_separator():
    assert Formatter("en").count(1234567) == "1,234,567"
    assert Formatter("ru").count(1234567) == "1\xa0234\xa0567"
