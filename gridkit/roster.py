"""Grid staff roster (网格员名册): who serves which grid, for maps and reports.

A roster is a CSV or XLSX table with one row per person: the grid code, the
person's name, and optionally a role (网格长, 专职网格员, ...) and a phone
number. It is read by the shared table reader
(:func:`gridkit.io.tables.read_table`): CSV in any usual encoding or a
spreadsheet, headers in English or Chinese (see ``COLUMN_ALIASES``) below any
title rows, every sheet with such a header. Several people may serve one grid.

Codes are read as text, so leading zeros survive. A code that a spreadsheet
turned into a number (``1001001`` for ``000000001001001``) is matched to the
plan's code with the same numeric value.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .errors import InputError
from .io.tables import read_table

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
    table = read_table(path, COLUMN_ALIASES, required=(("grid_code",), ("name",)), what="roster").frame
    for col in ROSTER_COLUMNS:
        if col not in table:
            table[col] = ""
    bad = (table["grid_code"] == "") | (table["name"] == "")
    if bad.any():
        at = table[bad].iloc[0]
        where = f"{path}, sheet '{at['sheet']}', row {at['row']}" if at["sheet"] else f"{path}, row {at['row']}"
        raise InputError(f"{where}: the grid code is empty" if at["grid_code"] == "" else
                         f"{where}: the name is empty (grid {at['grid_code']})")
    return table[ROSTER_COLUMNS].astype({"row": int}).reset_index(drop=True)


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
