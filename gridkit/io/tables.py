"""Tables as street offices keep them: CSV or spreadsheet, any usual encoding, a
title above the header, merged cells, one sheet per community.

:func:`read_table` is the one reader behind the household register and the
staff roster. It finds the header row by its column names (English or Chinese,
with the usual synonyms, or named explicitly), below any title rows, reads
every sheet that has such a header, and returns the cells as text with the
sheet and row each came from, so every later message can name them.

Examples
--------
>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
>>> _ = p.write_bytes("幸福社区住户登记表\\n楼栋编号,户数\\nB1,12\\n".encode("gb18030"))
>>> t = read_table(p, {"id": ("楼栋编号",), "n": ("户数",)}, required=(("id",), ("n",)), what="register")
>>> t.encoding, t.frame[["id", "n", "row"]].values.tolist()
('GBK/GB18030', [['B1', '12', 3]])
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import functools
import io
import math
import re
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pandas as pd

from ..address import simplified
from ..errors import InputError, reason
from .values import listed

__all__ = ["Sheet", "Table", "normalise_header", "read_sheets", "read_table", "TEXT_SUFFIXES",
           "SHEET_SUFFIXES"]

TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
SHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls")
#: How far below the top of a sheet a header row is looked for (title rows, notes).
HEADER_SEARCH_ROWS = 20
#: Text in a key column that marks a sum row, not a record (合计 rows end many registers).
TOTAL_ROW_WORDS = ("合计", "总计", "小计", "共计", "total", "subtotal", "sum")
_BRACKETS = re.compile(r"[(\[（【].*?[)\]）】]")
_NOT_IN_NAME = re.compile(r"[\s_\-:：*＊]")
#: A key ending in one of these sums what comes before it (本页小计, 3栋小计, 幸福社区合计): no address or id does.
_TOTAL_ENDINGS = ("合计", "总计", "小计", "共计")


def _sums(cell: str) -> bool:
    """Whether a cell marks a sum row: a total word (:data:`TOTAL_ROW_WORDS`), or a Chinese one ending it."""
    text = normalise_header(cell)
    return text in TOTAL_ROW_WORDS or text.endswith(_TOTAL_ENDINGS)


#: An HTML page's start (a system's "Excel" export that is a web page).
_HTML = re.compile(r"<\s*(!doctype\s+html|html|table)\b", re.IGNORECASE)
#: The first bytes of an OLE2 compound file: a legacy .xls, or an encrypted workbook.
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class Sheet:
    """One sheet's cells as text (a CSV is one sheet named ``""``).

    ``merged`` holds the (row, column) of every cell that took its text from
    the top-left cell of a merged range, and ``spans`` the last row of each
    merged range by its top-left (row, column), so header cells merged
    downwards make the rows they span one header. ``hidden``: a workbook's
    sheet its user does not see (an earlier year's figures, a lookup list);
    ``hidden_rows``: its rows (0-based) an Excel filter or its user hid.
    """

    name: str
    cells: list[list[str]]
    merged: frozenset[tuple[int, int]] = frozenset()
    spans: Mapping[tuple[int, int], int] = field(default_factory=dict)
    hidden: bool = False
    hidden_rows: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Table:
    """What :func:`read_table` read.

    Attributes
    ----------
    frame : DataFrame
        One column per key found (text), plus ``sheet`` (its name, ``""`` for
        a CSV) and ``row`` (1-based row in the file or sheet).
    encoding : str
        How the file was decoded (``UTF-8``, ``UTF-8 with BOM``,
        ``GBK/GB18030``, ``Big5``, ``UTF-16``) or its spreadsheet format (``XLSX``, ``XLS``).
    columns : dict
        Key -> the header text it was read from (merged header rows joined by ``/``).
    sheets : list of str
        The sheets read; ``skipped`` the sheets without a header, ``hidden`` the
        hidden sheets of a workbook, never read.
    total_rows : int
        Rows skipped because their key said 合计/总计/... (a sum, not a record).
    header_rows : int
        Rows below the header that repeat it (a printed export's header on every page), skipped.
    hidden_rows : list of (str, int)
        The sheet and row (1-based) of each record read from a row the workbook hides (an Excel filter's).
    """

    path: Path
    frame: pd.DataFrame
    encoding: str
    columns: dict[str, str]
    sheets: list[str]
    skipped: list[str]
    total_rows: int
    hidden: list[str] = field(default_factory=list)
    header_rows: int = 0
    hidden_rows: list[tuple[str, int]] = field(default_factory=list)


#: Separators typed with a Chinese input method on: full-width comma and semicolon.
_WIDE_DELIMITERS = ("，", "；")


def normalise_header(text: object) -> str:
    """A header's text as compared with synonyms: NFKC, lower case, simplified characters (a Hong Kong or
    Taiwan office writes 戶數), no spaces, underscores, colons or bracketed units (``户数（户）`` -> ``户数``)."""
    s = simplified(unicodedata.normalize("NFKC", str(text)).strip().lower())
    return _NOT_IN_NAME.sub("", _BRACKETS.sub("", s))


def _cell(value: object) -> str:
    """A cell as text; whole floats (how spreadsheets store numbers) lose their ``.0``."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).strip()


def _decode(raw: bytes, path: Path, what: str) -> tuple[str, str]:
    """Text and the name of the encoding it was in."""
    marked = (("UTF-8 with BOM", "utf-8-sig", raw.startswith(codecs.BOM_UTF8)),
              ("UTF-16", "utf-16", raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))))
    for name, codec, bom in marked:
        if bom:
            try:
                return raw.decode(codec), name
            except UnicodeDecodeError as exc:
                raise InputError(f"{path}: cannot read {what}: it starts as {name} but is not "
                                 f"(undecodable byte at offset {exc.start})") from exc
    # UTF-16 without a BOM: ASCII-range text leaves every other byte NUL.
    if len(raw) >= 4 and raw.count(0) > len(raw) // 4:
        le = raw[1::2].count(0) > raw[0::2].count(0)
        try:
            return raw.decode("utf-16-le" if le else "utf-16-be"), "UTF-16"
        except UnicodeDecodeError:
            pass
    try:
        return raw.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:  # Excel on a Chinese Windows saves CSV in the ANSI code page, GBK; GB18030 is its superset
        text = raw.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: cannot read {what}: the text is none of UTF-8, UTF-16, GBK/GB18030 or Big5 "
                         f"(undecodable byte at offset {exc.start})") from exc
    # Excel on a Hong Kong or Taiwan Windows saves Big5 (HKSCS its superset), whose bytes GB18030 reads too, as
    # other characters: the reading in which more of them are ones Chinese is written with is the file's.
    try:
        big5 = raw.decode("big5hkscs")
    except UnicodeDecodeError:
        return text, "GBK/GB18030"
    return (big5, "Big5") if written_share(big5) > written_share(text) else (text, "GBK/GB18030")


def written_share(text: str) -> float:
    """The share of ``text``'s characters beyond ASCII that GB2312, the common characters of Chinese (with
    full-width punctuation), holds once simplified: near 1 for Chinese, low for bytes read in another encoding
    (private-use and rare characters)."""
    chars = Counter(c for c in text if ord(c) > 0x7F)
    if not chars:
        return 0.0
    return sum(n for c, n in chars.items() if _common(c)) / sum(chars.values())


@functools.cache
def _common(char: str) -> bool:
    try:
        simplified(char).encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


class _HtmlTables(HTMLParser):
    """The cells of every ``<table>`` of an HTML page (what many systems export as ``.xls``), with the
    ranges ``rowspan``/``colspan`` merge, as one sheet per table."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[tuple[list[list[str]], list[tuple[int, int, int, int]]]] = []
        self._cell: list[str] | None = None
        self._taken: set[tuple[int, int]] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("table", "tr", "td", "th"):
            self._end_cell()  # HTML lets a cell's end tag be left out
        if tag == "table":
            self.tables.append(([], []))
            self._taken = set()
        elif tag == "tr" and self.tables:
            self.tables[-1][0].append([])
        elif tag in ("td", "th") and self.tables and self.tables[-1][0]:
            cells, ranges = self.tables[-1]
            r, row = len(cells) - 1, cells[-1]
            while (r, len(row)) in self._taken:  # a cell a rowspan above covers
                row.append("")
            span = {k: int(v) if v and v.isdigit() else 1 for k, v in attrs if k in ("rowspan", "colspan")}
            rows, cols = max(1, span.get("rowspan", 1)), max(1, span.get("colspan", 1))
            if rows > 1 or cols > 1:
                ranges.append((r, r + rows - 1, len(row), len(row) + cols - 1))
                self._taken |= {(r + i, len(row) + j) for i in range(rows) for j in range(cols)}
            self._cell = []
            row.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th", "tr", "table"):
            self._end_cell()

    def _end_cell(self) -> None:
        if self._cell is not None:
            cells, ranges = self.tables[-1]
            cells[-1][-1] = _cell(" ".join("".join(self._cell).split()))
            cols = next((c1 - c0 for r0, _, c0, c1 in ranges if (r0, c0) == (len(cells) - 1, len(cells[-1]) - 1)), 0)
            cells[-1].extend([""] * cols)
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


#: A CSV cell written as a formula of a text, ``="000123"``: how systems export an id whose leading zeros Excel
#: would drop, or a number it would show in scientific notation; Excel opens it as the text.
_TEXT_FORMULA = re.compile(r'^\s*="(.*)"\s*$', re.DOTALL)


def _read_text(path: Path, what: str) -> tuple[list[Sheet], str]:
    text, encoding = _decode(path.read_bytes(), path, what)
    if _HTML.search(text[: 1 << 12]):
        parser = _HtmlTables()
        parser.feed(text)
        return [_filled(f"table {i + 1}" if len(parser.tables) > 1 else "", cells, ranges)
                for i, (cells, ranges) in enumerate(parser.tables)], f"HTML ({encoding})"
    try:
        rows = [[_cell(_TEXT_FORMULA.sub(r"\1", v)) for v in row]
                for row in csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text, path))]
    except csv.Error as exc:
        raise InputError(f"{path}: cannot read {what}: {exc}") from exc
    return [Sheet("", rows)], encoding


def _delimiter(text: str, path: Path) -> str:
    """The separator of a delimited text: one of ``, TAB ; |`` as Python's sniffer finds it, else a full-width
    comma or semicolon (an input method left in Chinese mode) as often on every line that has one, most lines
    (a title above the header has none), else by the name."""
    lines = [line for line in text.splitlines()[:HEADER_SEARCH_ROWS] if line.strip()]
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=",\t;|").delimiter if lines else ","
    except csv.Error:
        # The sniffer weighs only ASCII characters.
        for wide in _WIDE_DELIMITERS:
            per_line = [line.count(wide) for line in lines if wide in line]
            if len(set(per_line)) == 1 and 2 * len(per_line) > len(lines):
                return wide
        return "\t" if path.suffix.lower() == ".tsv" else ","


def _filled(name: str, cells: list[list[str]], ranges: Sequence[tuple[int, int, int, int]],
            hidden: bool = False, hidden_rows: frozenset[int] = frozenset()) -> Sheet:
    """Every cell of a merged range (0-based, inclusive rows/cols) given the top-left text."""
    merged: set[tuple[int, int]] = set()
    spans: dict[tuple[int, int], int] = {}
    for r0, r1, c0, c1 in ranges:
        if r0 >= len(cells):
            continue
        top = cells[r0][c0] if c0 < len(cells[r0]) else ""
        spans[(r0, c0)] = r1
        for r in range(r0, min(r1, len(cells) - 1) + 1):
            row = cells[r]
            row.extend([""] * (c1 + 1 - len(row)))
            for c in range(c0, c1 + 1):
                if (r, c) != (r0, c0):
                    row[c] = top
                    merged.add((r, c))
    return Sheet(name, cells, frozenset(merged), spans, hidden, hidden_rows)


def _damaged(path: Path, what: str, kind: str) -> InputError:
    """The one message for a workbook whose bytes begin as ``kind`` but cannot be read as one: cut short in a copy
    or a download, overwritten, or another program's file under a workbook's name (the reader's own words, a
    missing marker or sector, say nothing to its user)."""
    return InputError(f"{path}: cannot read {what}: the file is damaged, or is not really {kind} though it begins as "
                      "one; open it in Excel or WPS and save it again as .xlsx (if they cannot open it either, copy "
                      "it again from where it came from)")


_PASSWORD = ("is protected by a password; open it in Excel, remove the password (File > Info > Protect Workbook > "
             "Encrypt with Password) and save it again")


def _read_xlsx(path: Path, what: str) -> list[Sheet]:
    from openpyxl import load_workbook

    try:
        # Not read-only: merged ranges are only known to the full reader.
        with path.open("rb") as raw:  # a file, not its name: openpyxl refuses a workbook named .xls
            book = load_workbook(raw, data_only=True)
    except (zipfile.BadZipFile, KeyError) as exc:  # a ZIP cut short, or one holding no workbook
        raise _damaged(path, what, "an .xlsx workbook") from exc
    except Exception as exc:
        raise InputError(f"{path}: cannot read {what}: {reason(exc)}") from exc
    try:
        uncomputed = _uncomputed_formulas(path, book)
        sheets = []
        for ws in book.worksheets:
            cells = [[_cell(v) for v in row] for row in ws.iter_rows(values_only=True)]
            for (r, c), formula in uncomputed.get(ws.title, {}).items():
                if r < len(cells) and c < len(cells[r]) and not cells[r][c]:
                    cells[r][c] = formula
            ranges = [(m.min_row - 1, m.max_row - 1, m.min_col - 1, m.max_col - 1) for m in ws.merged_cells.ranges]
            hidden_rows = frozenset(r - 1 for r, dim in ws.row_dimensions.items() if dim.hidden)
            sheets.append(_filled(ws.title, cells, ranges, ws.sheet_state != "visible", hidden_rows))
        return sheets
    finally:
        book.close()


_FORMULA = re.compile(rb"<(?:\w+:)?f[ >/]")


def _uncomputed_formulas(path: Path, values: Any) -> dict[str, dict[tuple[int, int], str]]:
    """Per sheet of the workbook ``values`` (read for its values), the formulas (``=B2*2``) whose value it does not
    store, by 0-based cell: a workbook a program wrote without computing it (Excel and WPS store each value as
    they save). Read as empty, such a count was a row without one, left out without a word; as its formula it is
    refused, saying why (:func:`gridkit.io.values.why_not_counts`). The formulas are read only when the
    workbook has one."""
    from openpyxl import load_workbook

    with zipfile.ZipFile(path) as archive:
        if not any(_FORMULA.search(archive.read(n)) for n in archive.namelist() if n.startswith("xl/worksheets/")):
            return {}
    with path.open("rb") as raw:
        formulas = load_workbook(raw)
    try:
        return {ws.title: {(cell.row - 1, cell.column - 1): cell.value for row in ws.iter_rows() for cell in row
                           if isinstance(cell.value, str) and cell.value.startswith("=")
                           and values[ws.title].cell(cell.row, cell.column).value is None}
                for ws in formulas.worksheets}
    finally:
        formulas.close()


def _read_xls(path: Path, what: str) -> list[Sheet]:
    try:
        import xlrd
        from xlrd.biffh import XLRDError
    except ImportError as exc:
        raise InputError(f"{path}: reading a legacy .xls {what} needs the xlrd package "
                         "(pip install 'gridkit[xls]'), or save it as .xlsx") from exc
    try:
        # xlrd writes its warnings of a damaged file to stdout unless given a log of its own.
        book = xlrd.open_workbook(str(path), formatting_info=True, logfile=io.StringIO())
    except Exception as exc:  # the compound file's sectors, or a record, cut short or overwritten
        if isinstance(exc, XLRDError) and "encrypted" in str(exc):
            raise InputError(f"{path}: {_PASSWORD}") from exc
        raise _damaged(path, what, "an .xls (Excel 97-2003) workbook") from exc
    sheets = []
    for ws in book.sheets():
        cells = []
        for r in range(ws.nrows):
            row = []
            for c in range(ws.ncols):
                cell = ws.cell(r, c)
                if cell.ctype == xlrd.XL_CELL_DATE:
                    row.append(_cell(xlrd.xldate.xldate_as_datetime(float(cell.value), book.datemode)))
                else:
                    row.append(_cell(cell.value))
            cells.append(row)
        ranges = [(r0, r1 - 1, c0, c1 - 1) for r0, r1, c0, c1 in ws.merged_cells]
        hidden_rows = frozenset(r for r, info in ws.rowinfo_map.items() if info.hidden)
        sheets.append(_filled(ws.name, cells, ranges, ws.visibility != 0, hidden_rows))
    return sheets


#: Workbooks of other programs' own formats, and where to save one as .xlsx.
_OTHER_WORKBOOKS = {".xlsb": ("an Excel binary workbook (.xlsb)", "Excel or WPS"),
                    ".et": ("a WPS spreadsheet (.et)", "WPS"), ".ett": ("a WPS spreadsheet template (.ett)", "WPS"),
                    ".numbers": ("a Numbers spreadsheet", "Numbers")}


def _binary_workbook(path: Path) -> bool:
    """Whether a ZIP is an Excel binary workbook (.xlsb, whatever its name): its workbook part is ``.bin``."""
    try:
        with zipfile.ZipFile(path) as archive:
            return "xl/workbook.bin" in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def read_sheets(path: str | Path, what: str = "table") -> tuple[list[Sheet], str]:
    """Every sheet of a CSV/TXT/TSV or XLSX/XLS file as text, and the encoding or format.

    Raises
    ------
    InputError
        Missing file, a folder, an unknown suffix, or a file that cannot be read
        (``what`` names it in the message: "register", "roster").
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such {what} file")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a {what} file")
    suffix = path.suffix.lower()
    # What the bytes are, not the name: offices' systems export CSV or HTML tables named .xls, and files
    # get renamed; a workbook is a ZIP (XLSX, or an OpenDocument sheet) or an OLE2 file (XLS, or an XLSX
    # Excel encrypted with a password).
    with path.open("rb") as raw:
        head = raw.read(1 << 12)
    if suffix == ".ods" or (head.startswith(b"PK\x03\x04") and b"opendocument" in head):
        raise InputError(f"{path}: is an OpenDocument spreadsheet (.ods); save it as .xlsx (or .csv) in "
                         f"LibreOffice or WPS and give that {what}")
    if suffix in _OTHER_WORKBOOKS or (head.startswith(b"PK\x03\x04") and _binary_workbook(path)):
        kind, program = _OTHER_WORKBOOKS.get(suffix, _OTHER_WORKBOOKS[".xlsb"])
        raise InputError(f"{path}: is {kind}; save it as .xlsx (or .csv) in {program} and give that {what}")
    if suffix not in TEXT_SUFFIXES + SHEET_SUFFIXES:
        raise InputError(f"{path}: a {what} must be a {', '.join(TEXT_SUFFIXES + SHEET_SUFFIXES)} file")
    if head.startswith(b"PK\x03\x04"):
        return _read_xlsx(path, what), "XLSX"
    if head.startswith(_OLE2):
        if "EncryptedPackage".encode("utf-16-le") in path.read_bytes():
            raise InputError(f"{path}: {_PASSWORD}")
        return _read_xls(path, what), "XLS"
    return _read_text(path, what)


def _header_block(sheet: Sheet, at: int) -> int:
    """Last row of the header starting at row ``at``: header cells merged downwards extend it, and so does a row
    of sub-labels under a header cell merged across columns (户数 over 常住 | 流动) when the cells beside it
    (楼栋编号) were left unmerged: that row's text is all under the merged cells, and none of it a number (a
    title merged across the table has no cell beside it)."""
    ends = [r1 for (r0, _), r1 in sheet.spans.items() if r0 == at]
    if ends and max(ends) > at:
        return max(ends)
    across = {c0: _merged_end(sheet, at, c0) for r0, c0 in sheet.spans if r0 == at}
    under = {c for c0, end in across.items() if end > c0 for c in range(c0, end + 1)}
    beside = {c for c, text in enumerate(sheet.cells[at]) if text} - under  # none beside a title merged across
    below = sheet.cells[at + 1] if at + 1 < len(sheet.cells) else []
    filled = {c for c, text in enumerate(below) if text}
    if beside and filled and filled <= under and not any(_NUMBER.fullmatch(below[c]) for c in filled):
        return at + 1
    return at


_NUMBER = re.compile(r"[\d.,\s%+-]+")


def _merged_end(sheet: Sheet, row: int, c0: int) -> int:
    """The last column of the range merged across from (``row``, ``c0``)."""
    c = c0
    while (row, c + 1) in sheet.merged:
        c += 1
    return c


def _labels(sheet: Sheet, first: int, last: int) -> list[list[str]]:
    """Per column, the distinct texts of the header rows, top to bottom."""
    width = max(len(sheet.cells[r]) for r in range(first, last + 1))
    out: list[list[str]] = []
    for c in range(width):
        parts: list[str] = []
        for r in range(first, last + 1):
            text = sheet.cells[r][c] if c < len(sheet.cells[r]) else ""
            if text and text not in parts:
                parts.append(text)
        out.append(parts)
    return out


def _refuse_headed_twice(path: Path, sheet: Sheet, labels: list[list[str]], found: Mapping[str, int],
                         header: range) -> None:
    """Refuse a column read whose header another column has as well (户数 twice): only the first was read, and
    which one holds the figures nobody can tell. A header cell merged across columns (地址 over a street and
    a number column) is one header, not two."""
    def merged(c: int) -> bool:
        return any((r, c) in sheet.merged for r in header)

    heads = ["/".join(normalise_header(p) for p in parts) for parts in labels]
    for key, c in found.items():
        twin = next((o for o, h in enumerate(heads) if o != c and h == heads[c] and not merged(o) and not merged(c)),
                    None)
        if heads[c] and twin is not None:
            where = f"sheet '{sheet.name}', " if sheet.name else ""
            raise InputError(f"{path}: {where}columns {min(c, twin) + 1} and {max(c, twin) + 1} are both headed "
                             f"'{'/'.join(labels[c])}': which one holds the {key}? Delete or rename the other")


def _match_columns(labels: list[list[str]], names: Mapping[str, set[str]], prefer: Sequence[str] = ()) -> dict[str, int]:
    """Per key, the first column whose header is one of its names, or, of several, the first whose other header
    text (a sub-column's, below a header merged across it) has the earliest of the words ``prefer``. A column
    whose sub-label is another key's name is that key's, whatever the header over it (地址 over 街路巷 | 门牌号)."""
    found: dict[str, int] = {}
    for key, accepted in names.items():
        columns = [c for c, parts in enumerate(labels) if c not in found.values() and _fits(parts, accepted, names)]
        if columns:
            found[key] = min(columns, key=lambda c: _rank(labels[c], accepted, prefer))
    return found


def _fits(parts: list[str], accepted: set[str], names: Mapping[str, set[str]]) -> bool:
    """Whether a column headed ``parts`` (top to bottom) is the key named ``accepted`` (of all keys' ``names``); a
    bilingual header (``戶數 Households``, ``樓宇編號/Building ID``, as Hong Kong and Macau write them) by either of
    its languages."""
    last = normalise_header(parts[-1]) if parts else ""
    another = last not in accepted and any(last in other for other in names.values())
    words = {normalise_header(w) for p in parts for w in [p, *_BILINGUAL.split(p)]}
    return last in accepted or normalise_header("".join(parts)) in accepted or (not another and bool(words & accepted))


#: Where a bilingual header turns from one language to the other (or a slash or line break parts them).
_BILINGUAL = re.compile(r"\s*[/\n|]\s*|(?<=[\u3400-\u9fff）)])\s*(?=[A-Za-z])|(?<=[A-Za-z)])\s*(?=[\u3400-\u9fff（(])")


def _refuse_unsure_sub_column(path: Path, sheet: Sheet, labels: list[list[str]], found: Mapping[str, int],
                              names: Mapping[str, set[str]], counts: Sequence[str], prefer: Sequence[str]) -> None:
    """Refuse a count read from one of several sub-columns of a merged header none of whose sub-labels is a
    ``prefer`` word (人口 over 男 | 女, 户数 over 户籍 | 流动): the first alone was read, a part of the count."""
    for key in (k for k in counts if k in found):
        parts = labels[found[key]]
        if len(parts) < 2 or _rank(parts, names[key], prefer) < len(prefer):
            continue
        siblings = [c for c, other in enumerate(labels) if other[:-1] == parts[:-1] and _fits(other, names[key], names)]
        if len(siblings) > 1:
            where = f"sheet '{sheet.name}', " if sheet.name else ""
            subs = listed([f"'{labels[c][-1]}'" for c in siblings])
            raise InputError(f"{path}: {where}columns {listed([str(c + 1) for c in siblings])} are all '{parts[-2]}' "
                             f"({subs}) and none is a total ({prefer[0]}): which holds the {key}? Add a total column "
                             "or delete the others")


def _rank(parts: Sequence[str], accepted: set[str], prefer: Sequence[str]) -> int:
    """The place in ``prefer`` of the first word the header texts ``parts`` other than a name (``accepted``) have,
    ``len(prefer)`` for none: below 户数, 合计 before 常住 before anything else."""
    rest = [normalise_header(p) for p in parts if normalise_header(p) not in accepted]
    return next((i for i, w in enumerate(prefer) if any(w in p for p in rest)), len(prefer))


def _satisfied(found: Mapping[str, int], required: Sequence[Sequence[str]]) -> bool:
    return all(any(k in found for k in group) for group in required)


def read_table(
    path: str | Path,
    aliases: Mapping[str, Sequence[str]],
    *,
    required: Sequence[Sequence[str]],
    explicit: Mapping[str, str] | None = None,
    counts: Sequence[str] = (),
    what: str = "table",
    hint: str = "",
    prefer: Sequence[str] = (),
) -> Table:
    """Read the records of every sheet of ``path`` that has a header row.

    Parameters
    ----------
    path : str or Path
        A CSV/TXT/TSV (UTF-8 with or without BOM, UTF-16, GBK/GB18030, Big5) or an
        XLSX/XLS file.
    aliases : mapping
        Key -> header texts accepted for it, compared by :func:`normalise_header`.
    required : sequence of sequences
        Groups of keys; the header must have at least one key of every group.
    explicit : mapping, optional
        Key -> the exact header text to use for it (the user named the column);
        it replaces that key's aliases.
    counts : sequence of str
        Keys holding counts: a merged cell gives its number to its first row
        only, so a figure is never counted twice.
    what : str
        The table's name in messages.
    hint : str
        How to name the columns, said when no header is found (the command's options, say).
    prefer : sequence of str
        Words that choose among the sub-columns of a header merged across them (``户数`` over ``合计``,
        ``常住``, ``流动``): the one with the earliest word is read, else the first.

    Returns
    -------
    Table

    Raises
    ------
    InputError
        Unreadable file, or no sheet with such a header (the message names the
        columns looked for and, for named columns, the headers seen).
    """
    path = Path(path)
    sheets, encoding = read_sheets(path, what)
    explicit = dict(explicit or {})
    names = {k: {normalise_header(a) for a in v} for k, v in aliases.items()}
    for key, header in explicit.items():
        names[key] = {normalise_header(header)}
    frames: list[pd.DataFrame] = []
    read: list[str] = []
    skipped: list[str] = []
    hidden = [sheet.name for sheet in sheets if sheet.hidden]
    columns: dict[str, str] = {}
    totals = repeated = 0
    hidden_rows: list[tuple[str, int]] = []
    closest: tuple[int, str, list[str]] = (-1, "", [])  # the row most like a header: for the message
    for sheet in sheets:
        if sheet.hidden:
            continue
        found: dict[str, int] = {}
        at = -1
        for r in range(min(len(sheet.cells), HEADER_SEARCH_ROWS)):
            last = _header_block(sheet, r)
            found = _match_columns(_labels(sheet, r, last), names, prefer)
            if _satisfied(found, required) and all(k in found for k in explicit):
                at = r
                break
            cells = [c for c in sheet.cells[r] if c]
            if len(found) > closest[0] and cells:
                closest = (len(found), (f"sheet '{sheet.name}' " if sheet.name else "") + f"row {r + 1}", cells)
        if at < 0:
            skipped.append(sheet.name)
            continue
        labels = _labels(sheet, at, last)
        _refuse_headed_twice(path, sheet, labels, found, range(at, last + 1))
        if prefer:
            _refuse_unsure_sub_column(path, sheet, labels, found, names, counts, prefer)
        key_cols = [found[k] for group in required for k in group if k in found and k not in counts]
        # A row repeating the header (a printed export's, on every page) is no record: each column has its header.
        heads = {c: {normalise_header(part) for part in labels[c]} - {""} for c in found.values()}
        records = []
        for r in range(last + 1, len(sheet.cells)):
            row = sheet.cells[r]
            values = {}
            for key, c in found.items():
                text = row[c] if c < len(row) else ""
                values[key] = "" if key in counts and (r, c) in sheet.merged else text
            if not any(values.values()):
                continue
            if all(normalise_header(row[c] if c < len(row) else "") in heads[c] for c in found.values()):
                repeated += 1
                continue
            if any(_sums(row[c]) for c in key_cols if c < len(row)) or (
                    not any(row[c] for c in key_cols if c < len(row)) and any(_sums(v) for v in row)):
                totals += 1
                continue
            records.append({**values, "sheet": sheet.name, "row": r + 1})
            if r in sheet.hidden_rows:
                hidden_rows.append((sheet.name, r + 1))
        frames.append(pd.DataFrame.from_records(records, columns=[*found, "sheet", "row"]))
        read.append(sheet.name)
        for key, c in found.items():
            columns.setdefault(key, "/".join(labels[c]))
    if not frames:
        wanted = " and ".join("/".join(f"'{explicit.get(k, k)}'" for k in group) for group in required)
        named = "".join(f"; column '{h}' for {k} not found" for k, h in explicit.items())
        where = f" in any of its {len(sheets) - len(hidden)} sheets" if len(sheets) - len(hidden) > 1 else ""
        where += f"; hidden sheets are not read: {listed(hidden)}" if hidden else ""
        seen = f" ({closest[1]} has: {listed(closest[2], 8)})" if closest[2] else " (it is empty)"
        raise InputError(f"{path}: {what} needs a header row (within its first {HEADER_SEARCH_ROWS} rows{where}) "
                         f"with columns {wanted}{named}{seen}{'; ' + hint if hint else ''}")
    frame = pd.concat(frames, ignore_index=True).fillna("")
    frame["row"] = frame["row"].astype(int)
    return Table(path, frame, encoding, columns, read, skipped, totals, hidden, repeated, hidden_rows)
