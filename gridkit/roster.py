"""Grid staff roster (网格员名册): who serves which grid, for maps and reports.

A roster is a CSV or XLSX table with one row per person: the grid code, the
person's name, and optionally a role (网格长, 专职网格员, ...) and a phone
number. Headers may be English or Chinese (see ``COLUMN_ALIASES``); a title
row above the header is skipped. Several people may serve one grid.

Codes are read as text, so leading zeros survive. A code that a spreadsheet
turned into a number (``1001001`` for ``000000001001001``) is matched to the
plan's code with the same numeric value.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .errors import InputError

if TYPE_CHECKING:
    from .plan import Plan

__all__ = ["COLUMN_ALIASES", "ROSTER_COLUMNS", "check_roster", "load_roster", "read_roster", "staff_by_grid"]

ROSTER_COLUMNS = ["grid_code", "name", "role", "phone", "row"]

#: Accepted header names (compared case-insensitively, spaces and underscores ignored).
COLUMN_ALIASES = {
    "grid_code": ("grid_code", "gridcode", "code", "grid", "网格编码", "网格代码", "网格编号", "网格"),
    "name": ("name", "staff_name", "staffname", "staff", "person", "姓名", "名字", "网格员", "网格员姓名",
             "人员", "人员姓名"),
    "role": ("role", "title", "position", "post", "职务", "角色", "岗位", "身份", "职位"),
    "phone": ("phone", "tel", "telephone", "mobile", "phone_number", "电话", "手机", "手机号", "手机号码",
              "联系电话", "联系方式", "电话号码"),
}
_HEADER_SEARCH_ROWS = 10


def _norm(text: object) -> str:
    return str(text).strip().lower().replace(" ", "").replace("_", "").replace("\u3000", "")


def _cell(value: object) -> str:
    """Cell value as text; whole floats (as spreadsheets store numbers) lose their ``.0``."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
    return str(value).strip()


def _read_cells(path: Path) -> list[list[str]]:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:
            raise InputError(f"{path}: cannot read roster: {str(exc).splitlines()[0]}") from exc
        try:
            sheet = book.worksheets[0]
            return [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        finally:
            book.close()
    if suffix == ".csv":
        raw = path.read_bytes()
        for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise InputError(f"{path}: cannot read roster: the text is neither UTF-8 nor GBK")
        try:
            return [[_cell(v) for v in row] for row in csv.reader(io.StringIO(text, newline=""))]
        except csv.Error as exc:
            raise InputError(f"{path}: cannot read roster: {exc}") from exc
    raise InputError(f"{path}: roster must be a .csv or .xlsx file")


def read_roster(path: str | Path) -> pd.DataFrame:
    """Read a roster file.

    Returns
    -------
    DataFrame
        ``grid_code``, ``name``, ``role``, ``phone`` (text) and ``row`` (the
        row number in the file, 1-based, for messages).

    Raises
    ------
    InputError
        Missing or unreadable file, no grid code or name column, or a row with
        a name but no grid code (or the reverse); the message names the file
        and row.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such roster file")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a roster file")
    rows = _read_cells(path)
    aliases = {key: {_norm(a) for a in names} for key, names in COLUMN_ALIASES.items()}
    header_at, columns = -1, {}
    for r, row in enumerate(rows[:_HEADER_SEARCH_ROWS]):
        found: dict[str, int] = {}
        for c, value in enumerate(row):
            for key, names in aliases.items():
                if key not in found and _norm(value) in names:
                    found[key] = c
                    break
        if "grid_code" in found and "name" in found:
            header_at, columns = r, found
            break
    if header_at < 0:
        raise InputError(f"{path}: roster needs a header row with a grid code column (e.g. 'grid_code' or "
                         f"'网格编码') and a name column (e.g. 'name' or '姓名')")
    records = []
    for r in range(header_at + 1, len(rows)):
        row = rows[r]
        values = {key: (row[c] if c < len(row) else "") for key, c in columns.items()}
        if not any(values.values()):
            continue
        if not values.get("grid_code"):
            raise InputError(f"{path}, row {r + 1}: the grid code is empty")
        if not values.get("name"):
            raise InputError(f"{path}, row {r + 1}: the name is empty (grid {values['grid_code']})")
        records.append([values["grid_code"], values["name"], values.get("role", ""), values.get("phone", ""),
                        r + 1])
    return pd.DataFrame(records, columns=ROSTER_COLUMNS).astype({"row": int})


def check_roster(roster: pd.DataFrame, codes: list[str] | pd.Series, path: str | Path) -> pd.DataFrame:
    """Match roster codes to the plan's grid codes.

    Returns the roster with ``grid_code`` replaced by the plan's code where a
    spreadsheet dropped leading zeros.

    Raises
    ------
    InputError
        A code that is not a grid of the plan, naming the file and row (and how
        many more rows are unknown).
    """
    known = {str(c) for c in codes}
    by_number: dict[int, str] = {}
    for code in known:
        if code.isdigit():
            by_number.setdefault(int(code), code)
    fixed = []
    unknown = []
    for code, row in zip(roster["grid_code"], roster["row"], strict=True):
        if code in known:
            fixed.append(code)
        elif code.isdigit() and int(code) in by_number:
            fixed.append(by_number[int(code)])
        else:
            fixed.append(code)
            unknown.append((row, code))
    if unknown:
        row, code = unknown[0]
        more = f" (and {len(unknown) - 1} more unknown grid codes, rows " \
               f"{', '.join(str(r) for r, _ in unknown[1:6])}{', ...' if len(unknown) > 6 else ''})" \
            if len(unknown) > 1 else ""
        raise InputError(f"{path}, row {row}: grid code '{code}' is not a grid of this plan{more}")
    out = roster.copy()
    out["grid_code"] = fixed
    return out


def load_roster(path: str | Path, plan: Plan) -> pd.DataFrame:
    """:func:`read_roster` then :func:`check_roster` against ``plan``'s grids."""
    return check_roster(read_roster(path), plan.grids["code"].astype(str), path)


def staff_by_grid(roster: pd.DataFrame | None) -> dict[str, list[dict[str, str]]]:
    """Grid code → the people serving it, in file order (``name``, ``role``, ``phone``)."""
    out: dict[str, list[dict[str, str]]] = {}
    if roster is None:
        return out
    for rec in roster.itertuples(index=False):
        out.setdefault(str(rec.grid_code), []).append({"name": rec.name, "role": rec.role, "phone": rec.phone})
    return out
