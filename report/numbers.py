"""Number, list and date formatting in Dutch (and English for the Summary), through Babel."""

from __future__ import annotations

import datetime as dt
import math

from babel.dates import format_date
from babel.lists import format_list
from babel.numbers import format_decimal

LOCALES = {"nl": "nl_NL", "en": "en_GB"}


def number(value: float, decimals: int = 0, lang: str = "nl") -> str:
    """1234.5 → '1.234,5' (nl) or '1,234.5' (en); rounding half away from zero."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        raise ValueError("cannot format a missing value")
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    # Babel rounds half-even; statistics offices round half away from zero.
    q = 10**decimals
    rounded = math.floor(abs(value) * q + 0.5) / q
    rounded = math.copysign(rounded, value)
    if rounded == 0:
        rounded = 0.0  # no "-0"
    return format_decimal(rounded, format=pattern, locale=LOCALES[lang])


def years(values: list[int], lang: str = "nl") -> str:
    """[2015, 2017] → '2015 en 2017'."""
    return format_list([str(v) for v in values], locale=LOCALES[lang])


def words(items: list[str], lang: str = "nl") -> str:
    return format_list(list(items), locale=LOCALES[lang])


def long_date(value: dt.date, lang: str = "nl") -> str:
    """2025-03-12 → '12 maart 2025'."""
    return format_date(value, format="d MMMM y", locale=LOCALES[lang])
