"""Reading values as the sources write them: OSM tags, GeoPackage booleans, spreadsheets.

One rule for every column that says whether something holds (``locked``, ``tunnel``,
``bridge``, ...): a real boolean or a number counts by its truth, a text by the usual
words for yes; missing is no. One rule for every count (households, population, in a
buildings layer, a register or a table of totals): :func:`counts`.

Examples
--------
>>> import pandas as pd
>>> truthy(pd.Series(["yes", "No", True, 0, None, "是", "viaduct"]), also=("viaduct",)).tolist()
[True, False, True, False, False, True, True]
>>> number, bad = counts(pd.Series(["12户", "１５", " 1,234 ", "", None, "（户）", "很多", -2, 3.5]))
>>> number.tolist()[:6], bad.tolist()
([12.0, 15.0, 1234.0, nan, nan, nan], [False, False, False, False, False, False, True, True, True])
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

import pandas as pd

__all__ = ["truthy", "YES_WORDS", "counts", "COUNT_UNITS", "EXCEL_ERRORS", "MAX_COUNT", "listed", "shown",
           "why_not_counts"]

#: The largest count read: beyond it a float no longer holds every whole number (a count of 1e20 became
#: another number on its way to the plan's integers). No household count comes near it.
MAX_COUNT = 2**53
#: Units a count may be written with (``12户``, ``30人``, ``30口``).
COUNT_UNITS = ("户", "人", "口")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
#: A count this close to a whole number, relative to it, is that number: a spreadsheet formula's binary
#: rounding (``=0.3/0.1`` caches 2.9999999999999996), not a fraction anyone wrote (2.5 is still refused).
_FORMULA_NOISE = 1e-9

#: Figures people write that stand for a count but are not one (:func:`why_not_counts`): rounded to 万 or
#: 千 (``1.2万``, statistics' way), approximate (``约12``, ``12左右``, ``30余``, ``30+``), a range (``12-15``).
_NOT_EXACT = (
    (re.compile(r"\d\s*([十百千万亿])"), "rounded to {}"),
    (re.compile(r"^(约|大约|大概|近|将近|接近|超过|不足|不到|~|～|≈|c\.?\s)|(左右|上下|余|多|以上|以下|\+)$"),
     "approximate"),
    (re.compile(r"^\d+\s*(-|~|～|至|到|—)\s*\d+$"), "a range"),
)

#: What a spreadsheet shows, and stores, for a formula that failed (VLOOKUP's #N/A …).
EXCEL_ERRORS = frozenset({"#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!",
                          "#GETTING_DATA"})

#: Words read as yes (lower case): English, OSM, spreadsheets' TRUE/1, and Chinese 是/真.
YES_WORDS = frozenset({"yes", "true", "1", "t", "y", "是", "真"})


def truthy(values: pd.Series, also: Iterable[str] = ()) -> pd.Series:
    """Whether each value says yes; ``also`` adds words that mean yes in this column (OSM ``bridge=viaduct``)."""
    words = YES_WORDS | {w.lower() for w in also}

    def one(v: object) -> bool:
        if v is None or (isinstance(v, float) and v != v):
            return False
        if isinstance(v, bool | int | float):
            return bool(v)
        return str(v).strip().lower() in words

    return values.map(one).astype(bool)


def counts(values: pd.Series, *, whole: bool = True) -> tuple[pd.Series, pd.Series]:
    """Counts as people type them, and which values are not counts.

    A number, or a text of one: full-width digits (``１５``), spaces, a unit (``12户``, ``30人``),
    thousands separators (``1,234``); a formula's 2.9999999999999996 is 3. Empty cells and missing
    values are NaN, not errors.

    Returns
    -------
    number : Series of float
        NaN where the value is empty or not a count.
    bad : Series of bool
        Where a value is given but is not a number from 0 to :data:`MAX_COUNT` (or, with ``whole``, not a
        whole one).

    Examples
    --------
    >>> number, bad = counts(pd.Series(["１２户", 0.3 / 0.1, 2.5, "", "约12"]))
    >>> number.tolist()[:2], bad.tolist()
    ([12.0, 3.0], [False, False, True, False, True])
    """
    def text(v: object) -> str:
        if v is None or (isinstance(v, float) and v != v):
            return ""
        # A units row under a header, "（户）", is no count: brackets go, then the unit.
        s = unicodedata.normalize("NFKC", str(v)).strip().strip("()[]【】 ")
        for unit in COUNT_UNITS:
            s = s.removesuffix(unit).strip()
        return s.replace(",", "") if _THOUSANDS.match(s) else s

    cleaned = values.astype(object).map(text)
    given = cleaned != ""
    number = pd.to_numeric(cleaned.where(given), errors="coerce").astype(float)
    nearest = number.round()
    number = number.where((number - nearest).abs() > _FORMULA_NOISE * nearest.abs().clip(lower=1), nearest)
    bad = given & (number.isna() | (number < 0) | (number > MAX_COUNT) | (whole & (number % 1 != 0)))
    return number.where(~bad), bad


def why_not_counts(values: Iterable[object]) -> str:
    """Why figures :func:`counts` refused are no count, when they are what people write for one, or ''.

    Such a figure is refused rather than read: a register's figures are put on buildings exactly, and a
    rounded or approximate one would be taken for an exact count.

    Examples
    --------
    >>> why_not_counts(["1.2万", "约12", "12-15", "很多"])
    "; '1.2万' is rounded to 万, '约12' is approximate, '12-15' is a range: write the exact count"
    >>> why_not_counts(["很多"])
    ''
    >>> why_not_counts(["=B2*2"])[:47]
    "; '=B2*2' is a formula whose value the workbook"
    >>> why_not_counts(["#N/A"]).split(" (")[0]
    "; '#N/A' is the error of a formula that failed"
    """
    found: dict[str, str] = {}
    for v in values:
        s = unicodedata.normalize("NFKC", str(v)).strip()
        for unit in COUNT_UNITS:
            s = s.removesuffix(unit).strip()
        match = next(((m, kind) for pattern, kind in _NOT_EXACT if (m := pattern.search(s))), None)
        if match is not None and any(c.isdigit() for c in s) and match[1] not in found:
            found[match[1]] = f"{shown(v)} is {match[1].format(*match[0].groups())}"
    said = f"; {', '.join(found.values())}: write the exact count" if found else ""
    formula = next((v for v in values if str(v).startswith("=")), None)
    if formula is not None:
        said += (f"; {shown(formula)} is a formula whose value the workbook does not store (a program wrote it "
                 "without computing it): open it in Excel or WPS and save it")
    failed = next((v for v in values if str(v).strip().upper() in EXCEL_ERRORS), None)
    if failed is not None:
        said += (f"; {shown(failed)} is the error of a formula that failed (a lookup that found nothing, say): "
                 "correct the formula in Excel or WPS, or write the count")
    return said


def listed(items: Sequence[str], limit: int = 5) -> str:
    """``a, b, c`` and, past ``limit``, ``… (12 in all)``: the first of many in a message."""
    shown = ", ".join(items[:limit])
    return shown if len(items) <= limit else f"{shown}, … ({len(items)} in all)"


def shown(value: object) -> str:
    """A value as a message quotes it: a text in quotes, a number as written (``-3``, ``2.5``)."""
    if isinstance(value, str):
        return repr(value)
    try:
        return f"{float(value):g}"  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return repr(str(value))
