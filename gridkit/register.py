"""Household registers (住户登记表) as street offices keep them, joined to buildings.

:func:`read_register` reads a register with the shared table reader
(:func:`gridkit.io.tables.read_table`): CSV in UTF-8, UTF-16, GBK/GB18030 or Big5,
XLSX/XLS with title rows and merged cells, every sheet with a header (one per
community, say), headers in Chinese or English (``COLUMN_ALIASES``) or named
explicitly. :func:`match_register` joins it to the buildings: by building id,
then by address key (:func:`gridkit.address.address_key`, so "建设路１２号"
meets OSM's ``addr:street=建设路`` + ``addr:housenumber=12``). Rows sharing a
key (one per unit, say) are summed; a key shared by several footprints, or a
row naming several buildings (``上港小区1-3栋``, ``上港小区1、2、3栋``), is split
between them by floor area, as households are estimated. A row that matches nothing is reported
with the nearest address, when one is close, as a suggestion only: a guess is
never joined.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .address import address_key, address_list, chinese_number, is_street, number_range, range_named, street_word_free
from .errors import InputError
from .io.tables import normalise_header, read_table
from .io.values import counts as value_counts, listed, shown, why_not_counts

__all__ = ["COLUMN_ALIASES", "TOLD", "UNMATCHED_COLUMNS", "Register", "RegisterMatch", "counts", "id_keys", "match_register", "numbered", "read_register", "unmatched_path",
           "write_unmatched"]

#: Why an unmatched register row naming a building the boundary left out took no building.
OUTSIDE_REASON = "the building lies outside the area's boundary and is left out"

#: Accepted header names per column (compared without case, spaces, underscores or bracketed units).
COLUMN_ALIASES = {
    "building_id": ("building_id", "buildingid", "id", "bldg_id", "楼栋编号", "楼栋编码", "楼宇编号", "楼宇编码",
                    "建筑编号", "建筑编码", "建筑物编号", "建筑物编码", "房屋编号", "房屋编码", "编号"),
    # A building's number within its compound (3栋, 5号楼): with a compound column it is part of the
    # address (上港小区3栋), alone it is the building's id.
    "building_number": ("楼栋", "楼栋号", "楼号", "栋号", "幢号", "楼幢", "楼幢号", "栋"),
    "compound": ("compound", "addr:place", "小区", "小区名称", "小区名", "所属小区", "住宅小区", "居住小区", "小区院落",
                 "院落", "院落名称", "楼盘", "楼盘名称"),
    "address": ("address", "addr", "地址", "门牌", "门牌号", "门牌地址", "楼栋地址", "详细地址", "住址", "房屋地址",
                "标准地址"),
    "street": ("street", "addr:street", "街路巷", "街巷", "路名", "道路", "道路名称", "街路巷名称"),
    "households": ("households", "hh", "户数", "户", "住户数", "总户数", "实有户数", "住户", "户数合计",
                   "常住户数", "居住户数", "现住户数", "在住户数"),
    "population": ("population", "pop", "persons", "人口", "人数", "人口数", "常住人口", "实有人口", "总人口",
                   "居住人数", "家庭人口", "家庭人数"),
    # A register of one row per household (户主, 房号, 户号 …) and no count: each such row is one household.
    "household": ("household_head", "head_of_household", "户主", "户主姓名", "户主名"),
    "room": ("room", "房号", "室号", "房间号"),
    "household_id": ("household_id", "户号", "户编号", "住户编号"),
    "unit": ("unit", "单元", "单元号"),
    # A register of one row per person (a 人口管理系统's export) says each one's place in the household.
    "relation": ("relation", "relationship", "与户主关系", "与户主的关系", "户主关系", "家庭关系", "关系"),
}
#: The columns that make a register one row per household (each row with one of them filled is one).
PER_HOUSEHOLD = ("household_id", "household", "room")
#: What a row of one person says of the head of a household, relation to the head (与户主关系): 户主, or
#: 本人/本人或户主 (GB/T 4761's words for the person the record is of, the head).
HEAD_WORDS = ("户主", "本人", "本人或户主", "户主本人", "head", "self")
#: Sheet names that say who a sheet counts: those who live here (常住, 实有 …), and those who are
#: registered here (户籍; some live elsewhere) or live here but are registered elsewhere (流动 …), whom a
#: 常住/实有 sheet counts already.
RESIDENT_SHEET_WORDS = ("常住", "实有", "居住", "现住", "在住")
OTHER_SHEET_WORDS = ("户籍", "流动", "外来", "暂住", "寄住", "境外", "人户分离")
#: Which sub-column of a count read (户数 or 人口 merged over 合计|常住|流动, over 户籍|常住): a total, else the
#: residents', as of sheets; else the first.
SUB_COLUMN_WORDS = ("合计", "总计", "小计", "共计", "总", *RESIDENT_SHEET_WORDS)
#: Sheet names that say a sheet sums the others: a workbook of one sheet per 网格 or 小区 often has one more
#: listing every building again (汇总, 总表).
SUMMARY_SHEET_WORDS = ("汇总", "合计", "总计", "共计", "总表")
#: The columns of the unmatched rows' CSV (:func:`write_unmatched`).
UNMATCHED_COLUMNS = ["sheet", "row", "key", "households", "population", "reason", "suggested_building_id",
                      "suggested_address", "similarity"]


@dataclass(frozen=True)
class Register:
    """A register read by :func:`read_register`.

    Attributes
    ----------
    rows : DataFrame
        ``building_id`` and/or ``address`` (text, ``""`` when absent),
        ``households`` and ``population`` (float, NaN when absent), ``sheet``,
        ``row`` (where the record is in the file).
    source, encoding : str
        The file and how it was decoded (see :class:`gridkit.io.tables.Table`).
    log : list of (str, str)
        What reading found, for the plan's run table.
    """

    rows: pd.DataFrame
    source: str = ""
    encoding: str = ""
    log: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def from_frame(cls, table: pd.DataFrame, source: str = "table") -> Register:
        """A register from a table already in memory, with ``building_id``/``id`` or ``address`` and
        ``households`` columns."""
        frame = table.rename(columns={c: str(c).strip().lower() for c in table.columns})
        if "id" in frame and "building_id" not in frame:
            frame = frame.rename(columns={"id": "building_id"})
        text = frame.astype(object).where(frame.notna(), "").map(_text)
        return _checked(text.assign(sheet="", row=np.arange(len(text)) + 2), source, "")


@dataclass(frozen=True)
class RegisterMatch:
    """A register joined to buildings (:func:`match_register`).

    Attributes
    ----------
    households, population : Series of float
        Per building (index of the buildings); NaN where no row matched.
    key : Series of str
        Per building: ``building_id`` or ``address`` (the key that matched), ``""``.
    rows : DataFrame
        The register's rows with ``matched_by`` (``building_id``, ``address`` or
        ``""``) and, for unmatched rows, ``reason`` and the nearest address as
        ``suggested_building_id``, ``suggested_address``, ``similarity``.
    log : list of (str, str)
    """

    households: pd.Series
    population: pd.Series
    key: pd.Series
    rows: pd.DataFrame
    log: list[tuple[str, str]]

    @property
    def unmatched(self) -> pd.DataFrame:
        """The rows no building took, in :func:`write_unmatched`'s columns."""
        out = self.rows[self.rows["matched_by"] == ""]
        key = out["building_id"].where(out["building_id"] != "", out["address"])
        return out.assign(key=key)[UNMATCHED_COLUMNS]


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def counts(rows: pd.DataFrame, col: str, source: str) -> pd.Series:
    """Counts as floats (NaN where empty), read by :func:`gridkit.io.values.counts` (``12户`` is 12,
    ``１５`` 15, ``1,234`` 1234). Anything else is an error naming every such row (the first few)."""
    number, bad = value_counts(rows[col])
    if bad.any():
        at = np.flatnonzero(bad.to_numpy())
        values = listed([shown(v) for v in rows[col].to_numpy()[at]])
        verb = "is not a whole count" if len(at) == 1 else "are not whole counts"
        raise InputError(f"{source}: {_rows_named(rows, at)}: {col} {values} {verb} >= 0"
                         f"{why_not_counts(rows[col].to_numpy()[at])}")
    return number


def _rows_named(rows: pd.DataFrame, at: np.ndarray) -> str:
    """Where the records at positions ``at`` are in the file: ``sheet 'X', rows 4, 9`` (the first five)."""
    sheets = rows["sheet"].to_numpy()[at]
    row_numbers = [str(r) for r in rows["row"].to_numpy()[at]]
    if len(set(sheets)) == 1:
        return (f"sheet '{sheets[0]}', " if sheets[0] else "") + ("row " if len(at) == 1 else "rows ") + \
            listed(row_numbers)
    return listed([f"sheet '{s}' row {r}" for s, r in zip(sheets, row_numbers, strict=True)])


def numbered(number: pd.Series) -> pd.Series:
    """Building numbers as an address writes them: a bare number or letter is one of 栋 (``3`` -> ``3栋``)."""
    return number.where(~number.str.fullmatch(r"[0-9A-Za-z０-９Ａ-Ｚａ-ｚ]+"), number + "栋")


def _prefixed(prefix: pd.Series, address: pd.Series) -> pd.Series:
    """``address`` after ``prefix`` (a street, a compound), unless it is empty or already names it."""
    has = pd.Series([p != "" and p in a for p, a in zip(prefix, address, strict=True)], index=address.index)
    return (prefix + address).where((address != "") & ~has, address)


def _building_keys(rows: pd.DataFrame) -> tuple[pd.Series, pd.Series, list[tuple[str, str]]]:
    """Each row's building id and address. A building number (楼栋号) with a compound (小区名称) makes an
    address, 上港小区3栋; without one it is the building's id (12栋 ~ 12) where the row has no address,
    unless the same number is on several sheets, which are then the compounds (one sheet per compound),
    but for sheets that say whom they count (户籍, 流动: the same buildings' other people). A house number
    alone on a sheet named as a street (珞喻路) is on that street."""
    ids = rows["building_id"] if "building_id" in rows else pd.Series("", index=rows.index)
    address = rows["address"] if "address" in rows else pd.Series("", index=rows.index)
    log: list[tuple[str, str]] = []
    place = rows["compound"] if "compound" in rows else None
    if "street" in rows:  # a street column and a house-number column make one address
        address = _prefixed(rows["street"], address)
    elif place is not None and "building_number" not in rows:
        address = _prefixed(place, address)
    else:  # one sheet per street (一街一表), its houses by number alone
        streets = rows["sheet"].map({s: is_street(s) for s in rows["sheet"].unique()}).astype(bool) & \
            address.str.match(r"\s*[\d０-９甲乙丙丁]")
        if streets.any():
            address = address.where(~streets, rows["sheet"] + address)
            log.append(("register_sheets_as_streets", ", ".join(dict.fromkeys(rows["sheet"][streets]))))
    if "building_number" in rows:
        number = rows["building_number"]
        keys = id_keys(number)
        sheets = rows["sheet"].groupby(keys.where(keys != "")).nunique()
        counting = rows["sheet"].str.contains("|".join(RESIDENT_SHEET_WORDS + OTHER_SHEET_WORDS))
        if place is None and (sheets > 1).any() and not counting.any():
            place = rows["sheet"]
            log.append(("register_sheets_as_compounds", ", ".join(dict.fromkeys(rows["sheet"]))))
        if place is None:  # the id of a row that names no address: 3栋 is in every compound
            ids = ids.where((ids != "") | (address != ""), number)
        else:
            address = address.where(address != "", (place + numbered(number)).where((place != "") & (number != ""), ""))
    return ids, address, log


def _one_per_household(rows: pd.DataFrame) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """A register of one row per household: each row naming one (户号, 户主 or 房号) counts 1. A household
    entered twice is counted once: the same 户号, or the same head in the same room (same building, unit,
    room or an address down to the room); the repeats are logged, rows named."""
    cols = [c for c in PER_HOUSEHOLD if c in rows]
    named = (rows[cols] != "").any(axis=1)
    if "household_id" in rows:
        twice = (rows["household_id"] != "") & rows["household_id"].duplicated()
    else:
        address = rows["address"] if "address" in rows else pd.Series("", index=rows.index)
        in_room = address.str.contains(r"(?:\d(?:室|房|户)|[号栋-]\d{3,})\s*$", regex=True)
        if "room" in rows:
            in_room |= rows["room"] != ""
        same = [c for c in ("building_id", "address", "building_number", "compound", "unit", "room", "household")
                if c in rows]
        twice = in_room & named & rows.duplicated(subset=same)
    log = []
    if twice.any():
        at = np.flatnonzero(twice.to_numpy())
        log.append(("register_households_entered_twice", f"{len(at)} ({_rows_named(rows, at)}), counted once"))
    return rows.assign(households=np.where(named & ~twice, "1", "")), log


def _one_per_person(rows: pd.DataFrame, source: str) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """A register of one row per person, with each one's relation to the head (与户主关系): each row is one
    person (population 1, unless a population column says otherwise) and each household one household: the
    first row of each 户号 where there is one (a household whose head is not listed counts too), else each row
    of a head (``HEAD_WORDS``). Read as one row per household (户号 or 户主 on every row), every member was a
    household."""
    if "household_id" in rows:
        heads = (rows["household_id"] != "") & ~rows["household_id"].duplicated()
    else:
        heads = rows["relation"].map(normalise_header).isin({normalise_header(w) for w in HEAD_WORDS})
        if not heads.any():
            raise InputError(f"{source}: register lists people, one a row (column 'relation', 与户主关系), and no "
                             f"row is a household's head ({'/'.join(HEAD_WORDS[:3])}) nor has a 户号: which people "
                             "make a household cannot be told")
    out = rows.assign(households=np.where(heads, "1", "0"))
    if "population" not in rows and not heads.all():  # only heads listed: one row per household, not per person
        out = out.assign(population="1")
    return out, [("register_rows_per_person", f"{len(rows)} people in {int(heads.sum())} households")]


#: A date as a spreadsheet's date cell reads (:func:`gridkit.io.tables.read_table`), or pandas writes one.
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}")
#: The columns that name a building or household: no date is one.
KEY_COLUMNS = ("building_id", "address", "street", "building_number", "compound", "unit", "room", "household_id")


def _refuse_dates(rows: pd.DataFrame, source: str) -> None:
    """Refuse a key that is a date, rows named: Excel takes a number typed as ``3-2`` or ``3/2`` (building 3's
    unit 2, number 1-2) for 2 March and stores a date, which no building's id or address is."""
    for col in (c for c in KEY_COLUMNS if c in rows):
        dated = rows[col].str.fullmatch(_DATE)
        if dated.any():
            at = np.flatnonzero(dated.to_numpy())
            first = rows[col].iloc[at[0]]  # YYYY-MM-DD...
            typed = f"{int(first[5:7])}-{int(first[8:10])}"
            values = listed([v[:10] for v in rows[col].iloc[at]])
            raise InputError(f"{source}: {_rows_named(rows, at)}: {col} {values} "
                             f"{'is a date' if len(at) == 1 else 'are dates'} (Excel takes '{typed}' or "
                             f"'{typed.replace('-', '/')}' typed into a cell for one); format the column as Text, "
                             "type the values again and save")


def _checked(rows: pd.DataFrame, source: str, encoding: str) -> Register:
    if not {"building_id", "address", "building_number"} & set(rows):
        raise InputError(f"{source}: register needs a 'building_id' or 'address' column")
    _refuse_dates(rows, source)
    log: list[tuple[str, str]] = []
    if "households" not in rows and "relation" in rows:
        rows, log = _one_per_person(rows, source)
    elif "households" not in rows and set(PER_HOUSEHOLD) & set(rows):
        rows, log = _one_per_household(rows)
    if "households" not in rows:
        raise InputError(f"{source}: register needs a 'households' column")
    ids, address, keys_log = _building_keys(rows)
    log += keys_log
    out = pd.DataFrame({
        "building_id": _whole_ids(rows.assign(building_id=ids), source),
        "address": address,
        "households": counts(rows, "households", source),
        "population": counts(rows, "population", source) if "population" in rows else np.nan,
        "sheet": rows["sheet"], "row": rows["row"],
    })
    empty = out["households"].isna()
    if empty.all():
        raise InputError(f"{source}: register has no row with a households figure"
                         + (f" (none of its {len(out)} rows has one)" if len(out) else " (only its header)"))
    log = [("register_rows", str(len(out))), ("register_rows_without_households", str(int(empty.sum()))), *log]
    return Register(out[~empty].reset_index(drop=True), source, encoding, log)


def _resident_sheets(rows: pd.DataFrame) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """The rows without those of 户籍 and 流动 sheets when a 常住 or 实有 sheet counts the same people
    (``RESIDENT_SHEET_WORDS``, ``OTHER_SHEET_WORDS``): the same households were counted two or three times."""
    sheets = list(dict.fromkeys(rows["sheet"]))
    resident = [s for s in sheets if any(w in s for w in RESIDENT_SHEET_WORDS)]
    other = [s for s in sheets if s not in resident and any(w in s for w in OTHER_SHEET_WORDS)]
    if not resident or not other:
        return rows, []
    said = f"{listed(other)} (the {listed(resident)} {'sheet counts' if len(resident) == 1 else 'sheets count'} " \
           "who lives here)"
    return rows[~rows["sheet"].isin(other)].reset_index(drop=True), [("register_sheets_left_out", said)]


def _summary_sheets(rows: pd.DataFrame, source: str) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """The rows without those of a sheet whose name says it sums the others (``SUMMARY_SHEET_WORDS``) and that
    lists their buildings again: read too, every household counted twice. Left out when each building it lists
    holds what the other sheets sum to for it; refused, one building named, when one holds another figure or is
    on no other sheet: which figures are right nobody can tell. A sheet so named that shares no building with the
    others is read as any sheet."""
    key = id_keys(rows["building_id"]).where(rows["building_id"] != "", rows["address"].map(address_key))
    out, said = rows.assign(_key=key), []
    for sheet in dict.fromkeys(rows["sheet"]):
        mine = out["sheet"] == sheet
        if not any(w in normalise_header(sheet) for w in SUMMARY_SHEET_WORDS) or mine.all():
            continue
        own = out[mine & (out["_key"] != "")].groupby("_key")["households"].sum()
        others = out[~mine].groupby("_key")["households"].sum()
        shared = own.index.intersection(others.index)
        if not len(shared):
            continue
        alone = own.index.difference(others.index)
        differ = shared[own[shared].to_numpy() != others[shared].to_numpy()]
        if len(alone) or len(differ):
            k = alone[0] if len(alone) else differ[0]
            at = np.flatnonzero((mine & (out["_key"] == k)).to_numpy())[:1]
            named = out["building_id"].iloc[at[0]] or out["address"].iloc[at[0]]
            there = [f"'{s}'" for s in dict.fromkeys(out.loc[~mine & (out["_key"] == k), "sheet"])]
            held = f"has {own[k]:g} households there and {others[k]:g} on sheet{'s' if len(there) > 1 else ''} " \
                f"{listed(there)}" if k in others.index else "is on no other sheet"
            raise InputError(f"{source}: {_rows_named(out, at)}: the sheet sums the others (its name says so) and "
                             f"lists their buildings again, but building '{named}' {held}: which figures are right? "
                             "Correct them, or delete the sheet")
        out = out[~mine]
        said.append(f"'{sheet}'")
    if not said:
        return rows, []
    return out.drop(columns="_key").reset_index(drop=True), [
        ("register_sheets_left_out", f"{listed(said)} (the other sheets' buildings again, summed)")]


def read_register(
    path: str | Path,
    *,
    key_column: str | None = None,
    households_column: str | None = None,
    population_column: str | None = None,
) -> Register:
    """Read a household register (CSV/TXT in any usual encoding, XLSX or XLS).

    Parameters
    ----------
    path : str or Path
    key_column : str, optional
        The header of the column that names the building (an id or an
        address); by default any of ``COLUMN_ALIASES['building_id']`` and
        ``['address']``.
    households_column, population_column : str, optional
        The headers of the counts; by default any of their aliases.

    Returns
    -------
    Register

    Raises
    ------
    InputError
        Unreadable file, no header with a key and a households column, no row
        with a households figure, or a count that is not a whole number >= 0
        (sheets and rows named).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "r.csv"
    >>> _ = p.write_bytes("楼栋编号,户数,人口\\nB1,12,30\\n".encode("gbk"))
    >>> r = read_register(p)
    >>> r.encoding, r.rows[["building_id", "households", "population"]].values.tolist()
    ('GBK/GB18030', [['B1', 12.0, 30.0]])
    """
    aliases: dict[str, tuple[str, ...]] = dict(COLUMN_ALIASES)
    explicit = {k: v for k, v in (("key", key_column), ("households", households_column),
                                  ("population", population_column)) if v}
    count = ("households",) if households_column else ("households", *PER_HOUSEHOLD, "relation")
    required: tuple[tuple[str, ...], ...] = (("building_id", "address", "building_number", "compound"), count)
    if key_column:
        # A named key column may hold ids or addresses: it is tried as both.
        aliases = {k: v for k, v in aliases.items() if k not in ("building_id", "address", "street", "building_number")}
        required = (("key",), count)
    table = read_table(path, aliases, required=required, explicit=explicit,
                       counts=("households", "population"), what="register", prefer=SUB_COLUMN_WORDS,
                       hint="other headers can be named: --key-column, --households-column")
    rows, sheets_log = _resident_sheets(table.frame)
    if not {"key", "building_id", "address", "building_number"} & set(rows):
        raise InputError(f"{path}: register gives households per compound (column '{table.columns['compound']}') "
                         "and no column names a building (楼栋号, 楼栋编号 or 地址): a register puts its figures on buildings, "
                         "so it needs a row per building or per household; give totals per compound as --totals FILE, "
                         "which scales the estimates of each compound's buildings to its total")
    if "key" in rows:
        rows = rows.assign(building_id=rows["key"], address=rows["key"])
    register = _checked(rows, str(path), table.encoding)
    kept, summary_log = _summary_sheets(register.rows, str(path))
    left_out = "; ".join(v for k, v in sheets_log + summary_log if k == "register_sheets_left_out")
    log = [("register_file", Path(path).name), ("register_encoding", table.encoding),
           ("register_sheets", ", ".join(s or "-" for s in table.sheets)),
           ("register_columns", ", ".join(f"{k}={v}" for k, v in table.columns.items())),
           *([("register_sheets_left_out", left_out)] if left_out else []), *register.log,
           ("register_total_rows_skipped", str(table.total_rows))]
    if table.header_rows:
        log.append(("register_header_rows_repeated", str(table.header_rows)))
    if table.skipped:
        log.append(("register_sheets_without_header", ", ".join(table.skipped)))
    if table.hidden:
        log.append(("register_sheets_hidden", ", ".join(table.hidden)))
    if table.hidden_rows:
        # Read: a filter hides rows to show others, not to strike them out; but an office may hide the households
        # that moved out, so the user is told which rows were.
        hidden = pd.DataFrame(table.hidden_rows, columns=["sheet", "row"])
        log.append(("register_rows_hidden", f"{len(hidden)} ({_rows_named(hidden, np.arange(len(hidden)))}), read "
                                            "as any other"))
    return Register(kept, register.source, register.encoding, log)


def id_keys(ids: pd.Series) -> pd.Series:
    """Building ids as compared: full-width characters as half-width, no spaces, no case, no ``.0`` a
    spreadsheet or script appended to a whole number, no leading zeros of an id of digits, which a
    spreadsheet drops, no thousands separators a number format shows (``2,460,795``), and no 栋/幢/号楼/号/座
    after a number, as a register writes the id of a building (``" Ｂ１２ "``, ``b12``; ``"2460795.0"``,
    ``2460795``; ``"000123"``, ``123``; ``12栋``, ``12号楼``, ``12`` meet).

    Examples
    --------
    >>> id_keys(pd.Series([" Ｂ１２ ", "b 12", "2460795.0", 2460795, None, "000123", "0", "B007", "12栋",
    ...                    "3号楼", "5#楼", "5#", "2,460,795", "十二栋", "第五幢", "第5栋"])).tolist()
    ['b12', 'b12', '2460795', '2460795', '', '123', '0', 'b007', '12', '3', '5', '5', '2460795', '12', '5', '5']
    """
    text = ids.astype(object).where(ids.notna(), "").astype(str).map(lambda v: unicodedata.normalize("NFKC", v))
    text = text.str.replace(r"\s+", "", regex=True).str.lower()
    # A number format's thousands separators, kept by a CSV saved from the sheet ("2,460,795").
    grouped = text.str.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.0+)?")
    text = text.where(~grouped, text.str.replace(",", "", regex=False))
    # A building's number in Chinese numerals, 十二栋 or 第五幢, is its number (12, 5), as in an address.
    text = text.str.replace(r"^第?([零〇一二两三四五六七八九十百千]+)(?=(?:号楼|楼|栋|幢|座|号)$)",
                            lambda m: str(chinese_number(m[1])), regex=True).str.replace(r"^第(?=\d)", "", regex=True)
    text = text.str.replace(r"(?<=\d)(#楼|号楼|#|楼|栋|幢|座|号)$", "", regex=True)
    return text.str.replace(r"^(\d+)\.0+$", r"\1", regex=True).str.replace(r"^0+(?=\d+$)", "", regex=True)


def _whole_ids(rows: pd.DataFrame, source: str) -> pd.Series:
    """The register's building ids, a number Excel wrote in scientific notation written out when its digits
    are all there (``2.460795E+06`` is 2460795); one whose last digits Excel dropped (``1.10105E+11`` for a
    12-digit id) is refused, rows named: it could be any of a million ids, and nothing is guessed."""
    ids = rows["building_id"]
    sci = ids.str.fullmatch(r"(\d)(?:\.(\d+))?[eE]\+?(\d+)")
    if not sci.any():
        return ids
    parts = ids[sci].str.extract(r"^(\d)(?:\.(\d+))?[eE]\+?(\d+)$").fillna("")
    digits = parts[0] + parts[1]
    exact = digits.str.len() == parts[2].astype(int) + 1
    if not exact.all():
        lost = exact.index[~exact]
        raise InputError(f"{source}: {_rows_named(rows, ids.index.get_indexer(lost))}: building_id "
                         f"{listed([repr(ids[i]) for i in lost])} lost digits to scientific notation (Excel shows "
                         "a long number so); in Excel, format the id column as Text, enter the ids again and save")
    return ids.where(~sci, digits.reindex(ids.index))


def _building_addresses(buildings: gpd.GeoDataFrame) -> tuple[list[list[str]], list[list[str]]]:
    """Per building, the keys of every address it has (``addr:street``, or ``addr:place`` (a compound), +
    each of ``addr:housenumber``'s numbers, ``addr:full`` and ``address``, each of which may list several: a
    corner building), and the
    keys of each number of a range among them (``19-21``), which match only where no address does."""
    def col(name: str) -> pd.Series:
        if name not in buildings:
            return pd.Series("", index=buildings.index)
        s = buildings[name].astype(object)
        return s.where(s.notna(), "").astype(str)

    place, number = col("addr:place"), col("addr:housenumber")
    street = col("addr:street").where(col("addr:street") != "", place)
    # A layer of compounds and no house numbers numbers each building within its compound (小区名称 +
    # 楼栋号, read as the building's id).
    own = buildings["_given_id"] if "_given_id" in buildings else buildings["building_id"]
    number = number.where((number != "") | (place == ""), numbered(own.astype(str)))
    # Each of several numbers (OSM's 12;14) is on the street.
    on_street = [";".join(st + n for n in re.split(r"[;；、,，/]", no)) if no else ""
                 for st, no in zip(street, number, strict=True)]
    exact = [address_list(";".join(t)) for t in zip(on_street, col("addr:full"), col("address"), strict=True)]
    ranged = [[n for k in keys for n in number_range(k) if n not in keys] for keys in exact]
    return exact, ranged


def _split(total: float, weights: np.ndarray) -> np.ndarray:
    """``total`` split in proportion to ``weights`` in whole numbers that sum to it (largest remainder)."""
    if len(weights) == 1:
        return np.array([total])
    share = total * weights / weights.sum() if weights.sum() > 0 else np.full(len(weights), total / len(weights))
    out = np.floor(share)
    left = int(round(total - out.sum()))
    out[np.argsort(-(share - out), kind="stable")[:left]] += 1
    return out


def match_register(buildings: gpd.GeoDataFrame, register: Register, *, fuzzy_min_ratio: float,
                   left_out: gpd.GeoDataFrame | None = None, weights: np.ndarray | None = None) -> RegisterMatch:
    """Join ``register`` to ``buildings`` by building id, then by address key.

    Parameters
    ----------
    buildings : GeoDataFrame
        With ``building_id`` and, for address matching, ``addr:street`` +
        ``addr:housenumber`` (or ``addr:full`` / ``address``).
    register : Register
    fuzzy_min_ratio : float
        An unmatched row's nearest building address is suggested (never
        joined) when the row's address ends with it (a district or
        community written first) or their similarity (difflib ratio) is at
        least this.
    left_out : GeoDataFrame, optional
        Buildings of the input the area's boundary left out (:attr:`gridkit.area.Area.left_out`), in
        ``buildings``' columns: an unmatched row naming one says so, not that no building has its key.
    weights : ndarray, optional
        Per building, what a figure covering several of them is split by: their floor area
        (:func:`gridkit.households.floor_areas`), as their households are estimated; their footprint area when
        not given.

    Returns
    -------
    RegisterMatch
    """
    rows = register.rows.copy()
    n = len(buildings)
    ids = id_keys(buildings["building_id"]).to_numpy()
    # The ids the source gave: a building drawn in parts (id#1, id#2) or twice (id~1, id~2) shares one.
    given = id_keys(buildings["_given_id"]).to_numpy() if "_given_id" in buildings else ids
    exact, ranged = _building_addresses(buildings)
    weight = shapely.area(buildings.geometry.values) if weights is None else np.asarray(weights, dtype=float)
    row_ids = [[k] if k else [] for k in id_keys(rows["building_id"])]
    # A cell may name several buildings: a list (上港小区1、2、3栋) or a range (上港小区1-3栋).
    row_addrs = [[*keys, *(k for k in range_named(a) if k not in keys)]
                 for a, keys in zip(rows["address"], map(address_list, rows["address"]), strict=True)]
    matched_by = np.full(len(rows), "", dtype=object)
    hh, pop = np.full(n, np.nan), np.full(n, np.nan)
    pop_unknown = np.zeros(n, dtype=bool)
    key = np.full(n, "", dtype=object)
    summed = shared = 0
    by_id: dict[int, np.ndarray] = {}  # the buildings each row an id joined went to
    over: list[int] = []  # rows naming several buildings
    passes: tuple[tuple[str, list[list[str]], list[list[str]]], ...] = (
        ("building_id", row_ids, [[k] if k else [] for k in ids]),
        ("building_id", row_ids, [[k] if k else [] for k in given]),
        ("address", row_addrs, exact), ("address", row_addrs, ranged))
    for name, row_keys, bld_keys in passes:
        # A building an id took is not an address's; one address's building may take another's rows.
        usable = key == "" if name == "building_id" else key != "building_id"
        where: dict[str, list[int]] = {}
        for b in np.flatnonzero(usable):
            for k in bld_keys[b]:
                where.setdefault(k, []).append(int(b))
        # Rows are summed by the buildings they name: every one of their keys has.
        groups: dict[tuple[int, ...], list[int]] = {}
        for r in np.flatnonzero(matched_by == ""):
            named = {tuple(where[k]) for k in row_keys[r] if k in where}
            if named:
                groups.setdefault(tuple(sorted(set().union(*named))), []).append(int(r))
                if len(named) > 1:
                    over.append(int(r))
        for group, members in groups.items():
            targets = np.array(group)
            summed += len(members) - 1
            shared += len(targets) > 1
            p = rows["population"].to_numpy()[members]
            hh[targets] = np.nan_to_num(hh[targets]) + _split(rows["households"].to_numpy()[members].sum(),
                                                              weight[targets])
            pop_unknown[targets] |= np.isnan(p).any()
            pop[targets] = np.nan_to_num(pop[targets]) + (0 if np.isnan(p).any() else _split(p.sum(), weight[targets]))
            key[targets] = name
            matched_by[members] = name
            if name == "building_id":
                by_id.update((m, targets) for m in members)
    pop[pop_unknown] = np.nan
    rows["matched_by"] = matched_by
    differ_log = _ids_against_addresses(rows, row_addrs, by_id, exact, buildings, register.source)
    _suggest(rows, [a[0] if a else "" for a in row_addrs], buildings, exact, key, fuzzy_min_ratio)
    outside = _left_out_rows(rows, row_ids, row_addrs, left_out)
    rows.loc[outside, "reason"] = OUTSIDE_REASON
    # A register whose rows name buildings the boundary left out is this input's, not another area's.
    if len(rows) and not (matched_by != "").any() and not (rows["suggested_address"] != "").any() \
            and not outside.any():
        _refuse_none_matched(register, buildings, exact)
    by_key = pd.Series(matched_by).value_counts()
    unmatched = rows[rows["matched_by"] == ""]
    log = list(register.log) + [
        ("register_rows_matched", str(int((matched_by != "").sum()))),
        ("register_rows_matched_building_id", str(int(by_key.get("building_id", 0)))),
        ("register_rows_matched_address", str(int(by_key.get("address", 0)))),
        ("register_rows_summed", str(summed)),
        ("register_rows_unmatched", str(len(unmatched))),
        ("register_rows_outside_boundary", str(int(outside.sum()))),
        ("register_rows_fuzzy_suggested", str(int((unmatched["suggested_address"] != "").sum()))),
        ("register_addresses_split_over_buildings", str(shared)),
        ("register_buildings_given", str(int((key != "").sum()))),
        *differ_log,
    ]
    if over:
        by = "footprint area" if weights is None else "floor area"
        log.append(("register_rows_over_buildings", f"{len(over)} ({_rows_named(rows, np.sort(over))}), split by {by}"))
    if len(unmatched):
        keys = unmatched["building_id"].where(unmatched["building_id"] != "", unmatched["address"])
        log.append(("register_unmatched_keys", ", ".join(keys.iloc[:10]) + (" ..." if len(keys) > 10 else "")))
    index = buildings.index
    return RegisterMatch(pd.Series(hh, index=index), pd.Series(pop, index=index), pd.Series(key, index=index),
                         rows, log)


def _ids_against_addresses(rows: pd.DataFrame, row_addrs: list[list[str]], by_id: dict[int, np.ndarray],
                           addresses: list[list[str]], buildings: gpd.GeoDataFrame, source: str) -> list[tuple[str, str]]:
    """Check the rows an id joined against their addresses: one naming another building than its id's disagrees.
    When more disagree than agree, the id column is no building's id (编号 is often a row's serial number, and an
    office numbers its buildings 1, 2 … too): refused, examples named, as every figure would go to another
    building. Fewer are logged (``register_rows_id_address_differ``), rows named: joined by id, as said."""
    at_address: dict[str, set[int]] = {}
    for b, keys in enumerate(addresses):
        for k in keys:
            at_address.setdefault(k, set()).add(b)
    agree, differ = 0, []
    for r, targets in by_id.items():
        named = set().union(*(at_address.get(a, set()) for a in row_addrs[r]))
        if named:
            if named & set(targets.tolist()):
                agree += 1
            else:
                differ.append((r, min(named)))
    if not differ:
        return []
    differ.sort()
    at = np.array([r for r, _ in differ])
    ids = buildings["building_id"].astype(str).to_numpy()
    if len(differ) > agree:
        r, b = differ[0]
        raise InputError(
            f"{source}: {_rows_named(rows, at)}: the building id and the address name different buildings "
            f"({len(differ)} rows; {agree} agree): building_id {rows['building_id'].iloc[r]!r} is building "
            f"{ids[by_id[r][0]]!r}, address {rows['address'].iloc[r]!r} is building {ids[b]!r}. Is the id column a "
            "row's serial number (编号, 序号)? Name the column that says the building: --key-column")
    return [("register_rows_id_address_differ", f"{len(differ)} ({_rows_named(rows, at)}), joined by id")]


def _refuse_none_matched(register: Register, buildings: gpd.GeoDataFrame, addresses: list[list[str]]) -> None:
    """Refuse a register none of whose rows is a building of the area, nor near one's address, with examples of
    both sides' keys: another area's register, or one keyed by another numbering than the buildings' (a housing
    system's 房屋编码 against the map's ids). Its figures would all be left out and the plan made of estimates, as
    if none were given. (Rows with suggestions are this area's, misspelt: they go to the unmatched-rows file.)"""
    rows = register.rows
    said = []
    for column, theirs, what in (
            ("building_id", buildings["_given_id"] if "_given_id" in buildings else buildings["building_id"], "ids"),
            ("address", pd.Series([a[0] for a in addresses if a]), "addresses")):
        mine = rows[column][rows[column] != ""]
        if len(mine):
            seen = listed([repr(v) for v in theirs.astype(str).unique()], 3) if len(theirs) else "none"
            said.append(f"its building {what} ({listed([repr(v) for v in mine.unique()], 3)}) are none of the "
                        f"buildings' ({seen})")
    raise InputError(f"{register.source}: none of its {len(rows)} rows matches a building of the area: "
                     f"{'; '.join(said)}. Is it this area's register, keyed as its buildings are? Another column "
                     "can be named: --key-column")


def _left_out_rows(rows: pd.DataFrame, row_ids: list[list[str]], row_addrs: list[list[str]],
                   left_out: gpd.GeoDataFrame | None) -> np.ndarray:
    """Which unmatched rows name, by id or by address, a building the area's boundary left out."""
    unmatched = (rows["matched_by"] == "").to_numpy()
    if left_out is None or len(left_out) == 0 or not unmatched.any():
        return np.zeros(len(rows), dtype=bool)
    keys = set(id_keys(left_out["building_id"].astype(str)))
    keys.update(k for ks in _building_addresses(left_out)[0] for k in ks)
    keys.discard("")
    named = np.array([any(k in keys for k in ids + addrs) for ids, addrs in zip(row_ids, row_addrs, strict=True)],
                     dtype=bool)
    return unmatched & named


def _alike(key: str) -> tuple[str, str]:
    """Where to look for a key's likely slips: its street (the text before its number) and its numbers."""
    return "street " + re.split(r"\d", key, maxsplit=1)[0], "numbers " + "-".join(re.findall(r"\d+", key))


def _suggest(rows: pd.DataFrame, row_addrs: list[str], buildings: gpd.GeoDataFrame, addrs: list[list[str]],
             key: np.ndarray, min_ratio: float) -> None:
    """Fill ``reason`` and the nearest free building address of each unmatched row (a suggestion only).

    A row is compared with the addresses on its street or with its numbers (a slip is in one of them),
    once per address: comparing every row with every address took minutes for a register of thousands of
    rows whose streets the map spells otherwise."""
    unmatched = (rows["matched_by"] == "").to_numpy()
    by_id = ((rows["building_id"] != "") & (rows["address"] == "")).to_numpy()
    rows["reason"] = np.where(~unmatched, "", np.where(by_id, "no building with this id", "no building with this address"))
    first: dict[str, int] = {}
    for free in np.flatnonzero(key == ""):
        for a in addrs[free]:
            first.setdefault(a, int(free))
    pools: dict[str, list[str]] = {}
    for c in sorted(first):
        for part in _alike(c):
            pools.setdefault(part, []).append(c)
    # The same street with another street word (路 for 街, 大道 for 路) is the likeliest slip of all.
    other_word = {street_word_free(c): c for c in sorted(first)}
    near_of: dict[str, str] = {}
    for target in sorted({row_addrs[r] for r in np.flatnonzero(unmatched)} - {""}):
        pool = sorted({c for part in _alike(target) for c in pools.get(part, ())})
        # A register may write something before the street (a district, a community): a building
        # address that ends the row's is the likeliest, however short.
        ends = [c for c in pool if target.endswith(c) and any(ch.isdigit() for ch in c)]
        alike = other_word.get(street_word_free(target), "")
        near = [max(ends, key=len)] if ends else [alike] if alike else \
            difflib.get_close_matches(target, pool, n=1, cutoff=min_ratio)
        if near:
            near_of[target] = near[0]
    suggested = pd.Series([near_of.get(a, "") if u else "" for a, u in zip(row_addrs, unmatched, strict=True)],
                          index=rows.index, dtype=object)
    ids = buildings["building_id"].astype(str).to_numpy()
    rows["suggested_building_id"] = [ids[first[a]] if a else "" for a in suggested]
    rows["suggested_address"] = suggested
    rows["similarity"] = [round(difflib.SequenceMatcher(None, t, a).ratio(), 3) if a else np.nan
                          for t, a in zip(row_addrs, suggested, strict=True)]


#: What a run tells its user of a register besides the rows it matched (``log.register_<key>`` of the run table):
#: sheets left out, read as compounds or hidden (never read), households entered twice, rows hidden (read), rows
#: naming several buildings (split).
TOLD = ("sheets_left_out", "households_entered_twice", "sheets_as_compounds", "sheets_hidden", "rows_hidden",
        "rows_over_buildings")


def unmatched_path(plan_path: str | Path) -> Path:
    """Where the unmatched rows of a plan's register are written: beside the plan."""
    plan_path = Path(plan_path)
    return plan_path.with_name(f"{plan_path.stem}_register_unmatched.csv")


def write_unmatched(match: RegisterMatch, path: str | Path) -> Path:
    """Write the unmatched rows (a header only when every row matched) as UTF-8 with BOM, which
    Excel opens correctly on a Chinese Windows; atomically."""
    from .io.write import atomic_path

    path = Path(path)
    with atomic_path(path) as tmp:
        match.unmatched.to_csv(tmp, index=False, encoding="utf-8-sig")
    return path
